-- Schema 2: Bluetooth scales. Paired devices, UDS user slots with their consent codes, replay de-duplication
-- and (only with the diagnostics consent) a log of packets that could not be decoded.
CREATE TABLE ble_device (
    address    TEXT PRIMARY KEY,
    name       TEXT,
    protocol   TEXT NOT NULL,
    transport  TEXT NOT NULL CHECK (transport IN ('gatt', 'broadcast')),
    paired_at  TEXT NOT NULL,
    last_seen  TEXT
);

-- A user slot on a multi-user (User Data Service) scale: scale index -> profile, with the consent code.
CREATE TABLE ble_user_slot (
    address       TEXT NOT NULL REFERENCES ble_device(address) ON DELETE CASCADE,
    user_index    INTEGER NOT NULL CHECK (user_index BETWEEN 0 AND 254),
    consent_code  INTEGER NOT NULL CHECK (consent_code BETWEEN 0 AND 9999),
    profile_id    INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    PRIMARY KEY (address, user_index)
);

-- Readings already handled (stored or deliberately skipped), so repeats and replayed history count once.
CREATE TABLE ble_reading_seen (
    address         TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    seen_at         TEXT NOT NULL,
    measurement_id  INTEGER REFERENCES measurement(id) ON DELETE SET NULL,
    PRIMARY KEY (address, fingerprint)
);

CREATE TABLE ble_decode_error (
    id        INTEGER PRIMARY KEY,
    ts        TEXT NOT NULL,
    address   TEXT,
    source    TEXT NOT NULL,
    payload   TEXT NOT NULL,
    reason    TEXT NOT NULL
);
