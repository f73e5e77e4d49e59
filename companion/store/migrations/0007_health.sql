-- Schema 7: health data imported from trackers and other apps (the high-rate samples are in 0003).
-- Times are Unix seconds (UTC); tz_offset is minutes east of UTC where the data was recorded.

-- Sleep as stage intervals. stage: in_bed, asleep (unspecified), awake, light (Apple "core"), deep, rem,
-- restless (Fitbit "classic"). night: the local calendar date of the morning the night ends (a stage that
-- starts before noon belongs to the night before that day's noon).
CREATE TABLE sleep_stage (
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    start_ts   INTEGER NOT NULL,
    end_ts     INTEGER NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('in_bed', 'asleep', 'awake', 'light', 'deep', 'rem', 'restless')),
    tz_offset  INTEGER NOT NULL DEFAULT 0,
    night      TEXT NOT NULL,
    PRIMARY KEY (profile_id, source, start_ts, stage)
) WITHOUT ROWID;
CREATE INDEX sleep_stage_night ON sleep_stage (profile_id, night);

-- Sleep sessions as the source reported them (Fitbit logs); Apple Health has stage intervals only.
CREATE TABLE sleep_session (
    id           INTEGER PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    source       TEXT NOT NULL,
    start_ts     INTEGER NOT NULL,
    end_ts       INTEGER NOT NULL,
    tz_offset    INTEGER NOT NULL DEFAULT 0,
    night        TEXT NOT NULL,
    kind         TEXT NOT NULL DEFAULT '',
    main_sleep   INTEGER NOT NULL DEFAULT 1,
    asleep_min   REAL,
    in_bed_min   REAL,
    efficiency   REAL,
    UNIQUE (profile_id, source, start_ts)
);

CREATE TABLE workout (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    device      TEXT,
    activity    TEXT NOT NULL,
    start_ts    INTEGER NOT NULL,
    end_ts      INTEGER NOT NULL,
    tz_offset   INTEGER NOT NULL DEFAULT 0,
    duration_s  REAL,
    distance_m  REAL,
    energy_kcal REAL,
    avg_hr      REAL,
    steps       REAL,
    UNIQUE (profile_id, source, start_ts)
);
CREATE INDEX workout_time ON workout (profile_id, start_ts);

-- One row per imported file (by content fingerprint): how far a run got, so a cancelled import resumes
-- and a finished one is not imported twice. records_done counts records whose data is committed.
CREATE TABLE import_file (
    id           INTEGER PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    format       TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'cancelled', 'failed', 'done')),
    records_done INTEGER NOT NULL DEFAULT 0,
    added        INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    UNIQUE (profile_id, format, fingerprint)
);
