-- Schema 9: the programme day to day — goals with target dates, body (tape) measurements, the medication
-- log, water, daily check-ins and notes, reminders and progress photos. Self-contained: only profile(id).
-- Times: ts = Unix seconds (UTC) with tz_offset minutes east of UTC; day = the local ISO date it counts for.

-- Goals (several at once). kind: weight (kg), tbwl (%), body_fat (%), waist (cm). The profile's
-- goal_weight_kg stays the weight goal the charts and onboarding use; see companion.store.programme.
CREATE TABLE programme_goal (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('weight', 'tbwl', 'body_fat', 'waist')),
    target      REAL NOT NULL,
    target_date TEXT,
    set_on      TEXT NOT NULL
);

CREATE INDEX programme_goal_by_profile ON programme_goal (profile_id, kind);

-- One tape-measure session: circumferences in cm (NULL: not measured).
CREATE TABLE body_measurement (
    id              INTEGER PRIMARY KEY,
    profile_id      INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts              INTEGER NOT NULL,
    tz_offset       INTEGER NOT NULL DEFAULT 0,
    day             TEXT NOT NULL,
    waist_cm        REAL,
    hips_cm         REAL,
    chest_cm        REAL,
    neck_cm         REAL,
    upper_arm_l_cm  REAL,
    upper_arm_r_cm  REAL,
    thigh_l_cm      REAL,
    thigh_r_cm      REAL,
    note            TEXT NOT NULL DEFAULT ''
);

CREATE INDEX body_measurement_by_profile ON body_measurement (profile_id, ts);

-- A medicine the person takes on a schedule (the plan); the log below may also name others (free text).
CREATE TABLE medication_plan (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    medicine    TEXT NOT NULL,
    dose        REAL NOT NULL,
    dose_unit   TEXT NOT NULL,
    route       TEXT NOT NULL,
    schedule    TEXT NOT NULL CHECK (schedule IN ('daily', 'weekly', 'as-needed')),
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),
    started_on  TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1
);

-- One dose taken or skipped. side_effects: JSON list of {"effect": text, "severity": mild|moderate|severe}.
CREATE TABLE medication_log (
    id           INTEGER PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    plan_id      INTEGER REFERENCES medication_plan(id) ON DELETE SET NULL,
    ts           INTEGER NOT NULL,
    tz_offset    INTEGER NOT NULL DEFAULT 0,
    day          TEXT NOT NULL,
    medicine     TEXT NOT NULL,
    dose         REAL,
    dose_unit    TEXT,
    route        TEXT NOT NULL,
    site         TEXT,
    status       TEXT NOT NULL CHECK (status IN ('taken', 'skipped')),
    side_effects TEXT NOT NULL DEFAULT '[]',
    note         TEXT NOT NULL DEFAULT ''
);

CREATE INDEX medication_log_by_profile ON medication_log (profile_id, ts);

CREATE TABLE water_intake (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    tz_offset  INTEGER NOT NULL DEFAULT 0,
    day        TEXT NOT NULL,
    ml         INTEGER NOT NULL CHECK (ml > 0)
);

CREATE INDEX water_intake_by_day ON water_intake (profile_id, day);

-- The daily check-in: symptoms 0 (none) .. 3 (severe); energy and mood 1 (very low) .. 5 (very good).
CREATE TABLE symptom_checkin (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    tz_offset  INTEGER NOT NULL DEFAULT 0,
    day        TEXT NOT NULL,
    nausea     INTEGER CHECK (nausea BETWEEN 0 AND 3),
    vomiting   INTEGER CHECK (vomiting BETWEEN 0 AND 3),
    reflux     INTEGER CHECK (reflux BETWEEN 0 AND 3),
    pain       INTEGER CHECK (pain BETWEEN 0 AND 3),
    energy     INTEGER CHECK (energy BETWEEN 1 AND 5),
    mood       INTEGER CHECK (mood BETWEEN 1 AND 5),
    note       TEXT NOT NULL DEFAULT ''
);

CREATE INDEX symptom_checkin_by_profile ON symptom_checkin (profile_id, ts);

CREATE TABLE programme_note (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    tz_offset  INTEGER NOT NULL DEFAULT 0,
    day        TEXT NOT NULL,
    body       TEXT NOT NULL
);

CREATE INDEX programme_note_by_profile ON programme_note (profile_id, ts);

-- weekdays: bit i set for weekday i (0 Monday .. 6 Sunday); at: HH:MM local time.
CREATE TABLE reminder (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('weigh-in', 'medication', 'water', 'measurement')),
    at         TEXT NOT NULL,
    weekdays   INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    enabled    INTEGER NOT NULL DEFAULT 1
);

-- A reminder shown on a day (so a timer calling `companion remind` every few minutes shows it once).
CREATE TABLE reminder_fired (
    reminder_id INTEGER NOT NULL REFERENCES reminder(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    PRIMARY KEY (reminder_id, day)
) WITHOUT ROWID;

-- Progress photos live only inside the encrypted database, never as files: the re-encoded image and a
-- thumbnail made once at import. shared: 1 when the person chose to include it when sharing.
CREATE TABLE progress_photo (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    tz_offset  INTEGER NOT NULL DEFAULT 0,
    day        TEXT NOT NULL,
    mime       TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    shared     INTEGER NOT NULL DEFAULT 0,
    image      BLOB NOT NULL,
    thumbnail  BLOB NOT NULL,
    thumb_mime TEXT NOT NULL,
    UNIQUE (profile_id, sha256)
);

CREATE INDEX progress_photo_by_day ON progress_photo (profile_id, day);
