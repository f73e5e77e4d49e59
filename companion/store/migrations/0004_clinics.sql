-- Schema 4: the clinic finder (location data: geocode_cache, saved_location; the chosen clinic and its history).

-- Online geocoder answers, so that the same place text is never sent twice (Nominatim policy: cache results).
CREATE TABLE geocode_cache (
    provider   TEXT NOT NULL,
    query      TEXT NOT NULL,
    results    TEXT NOT NULL,          -- JSON list of {lat, lon, label}
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (provider, query)
);

-- The last search location, kept only when the user opted in (one row at most).
CREATE TABLE saved_location (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    lat      REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon      REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    label    TEXT NOT NULL,
    source   TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

-- Every choice of "my clinic" (append-only history; the newest row per profile is the current clinic).
-- clinic_id '' records that the user cleared the choice.
CREATE TABLE clinic_selection (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    clinic_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    matrix_id   TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}',  -- JSON GeoJSON feature of the clinic as it was when chosen
    selected_at TEXT NOT NULL
);
CREATE INDEX clinic_selection_profile ON clinic_selection(profile_id, id);

-- Directory files or URLs the user added (the bundled sample is always there).
CREATE TABLE clinic_directory (
    id       INTEGER PRIMARY KEY,
    location TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL CHECK (kind IN ('file', 'url')),
    copy     TEXT NOT NULL DEFAULT '',      -- for URLs: the downloaded file under the data directory
    added_at TEXT NOT NULL
);
