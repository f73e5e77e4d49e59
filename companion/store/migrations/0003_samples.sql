-- Schema 3: time-series samples from trackers and imports (heart rate, steps...) with rollups kept on insert.
-- ts: Unix seconds (UTC). kind: companion.store.samples.SampleKind values.
CREATE TABLE sample (
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    value      REAL NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (profile_id, kind, ts, source)
) WITHOUT ROWID;

-- Pre-aggregated buckets for charts: level is the bucket width in seconds (60, 3600, 86400), bucket its
-- UTC-aligned start. Hour buckets line up with local days in every whole-hour timezone.
CREATE TABLE sample_rollup (
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      REAL NOT NULL,
    low        REAL NOT NULL,
    high       REAL NOT NULL,
    PRIMARY KEY (profile_id, kind, level, bucket)
) WITHOUT ROWID;
