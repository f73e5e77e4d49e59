-- Schema 1: profiles, measurements, settings and the consent ledger.
CREATE TABLE profile (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    sex              TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
    birth_date       TEXT NOT NULL,
    height_cm        REAL NOT NULL CHECK (height_cm BETWEEN 50 AND 272),
    language         TEXT NOT NULL DEFAULT 'en',
    placement_date   TEXT,
    placement_place  TEXT,
    removal_date     TEXT,
    clinic           TEXT,
    phone            TEXT,
    email            TEXT,
    goal_weight_kg   REAL,
    start_weight_kg  REAL,
    weight_unit      TEXT NOT NULL DEFAULT 'kg',
    height_unit      TEXT NOT NULL DEFAULT 'cm',
    scale_user_index INTEGER,
    created_at       TEXT NOT NULL
);

-- One weigh-in. ts: Unix seconds (UTC); tz_offset: minutes east of UTC where it was taken.
-- derived_mask: bit i set when metric i (domain.METRIC_ORDER) was computed by the app, not measured.
CREATE TABLE measurement (
    id             INTEGER PRIMARY KEY,
    profile_id     INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts             INTEGER NOT NULL,
    tz_offset      INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL,
    device         TEXT,
    weight_kg      REAL,
    body_fat_pct   REAL,
    body_water_pct REAL,
    bone_mass_kg   REAL,
    muscle_mass_kg REAL,
    bmi            REAL,
    bmr_kcal       REAL,
    visceral_fat   REAL,
    impedance_ohm  REAL,
    derived_mask   INTEGER NOT NULL DEFAULT 0,
    note           TEXT,
    UNIQUE (profile_id, ts, source)
);

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only record of every consent decision.
CREATE TABLE consent_event (
    id             INTEGER PRIMARY KEY,
    purpose        TEXT NOT NULL,
    decision       TEXT NOT NULL CHECK (decision IN ('grant', 'withdraw', 'object', 'lift-objection')),
    notice_version TEXT NOT NULL,
    ts             TEXT NOT NULL,
    method         TEXT NOT NULL
);

CREATE TRIGGER consent_event_append_only_update BEFORE UPDATE ON consent_event
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

CREATE TRIGGER consent_event_append_only_delete BEFORE DELETE ON consent_event
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

-- What left the machine and when (exports, messages, attachments, shares): never the content itself.
CREATE TABLE audit_event (
    id      INTEGER PRIMARY KEY,
    ts      TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT ''
);
