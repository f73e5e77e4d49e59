-- Schema 9: end-to-end encryption (companion/messaging/crypto, vodozemac). Every pickle is encrypted by
-- vodozemac with pickle_key, and the whole file by SQLCipher; erasing "messages" or the account removes all.
-- The Olm account of this device (one row). backup_*: the server-side key backup this device writes to.
CREATE TABLE e2ee_account (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    user_id         TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    pickle          TEXT NOT NULL,
    pickle_key      BLOB NOT NULL,
    keys_uploaded   INTEGER NOT NULL DEFAULT 0,
    backup_version  TEXT,
    backup_key      TEXT,
    created_at_ms   INTEGER NOT NULL
);

-- Olm sessions with other devices, by their Curve25519 identity key.
CREATE TABLE e2ee_olm_session (
    session_id    TEXT PRIMARY KEY,
    sender_key    TEXT NOT NULL,
    pickle        TEXT NOT NULL,
    last_used_ms  INTEGER NOT NULL
);
CREATE INDEX e2ee_olm_by_key ON e2ee_olm_session (sender_key, last_used_ms);

-- Devices of the users we share rooms with (from /keys/query, signatures checked).
-- trust: unverified (first seen), verified (SAS), blocked (keys changed or refused by the user).
CREATE TABLE e2ee_device (
    user_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    curve25519    TEXT NOT NULL,
    ed25519       TEXT NOT NULL,
    display_name  TEXT,
    trust         TEXT NOT NULL DEFAULT 'unverified' CHECK (trust IN ('unverified', 'verified', 'blocked')),
    deleted       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id)
);
CREATE INDEX e2ee_device_by_curve ON e2ee_device (curve25519);

-- Users whose device lists we follow; outdated = 1 until the next /keys/query.
CREATE TABLE e2ee_tracked_user (
    user_id   TEXT PRIMARY KEY,
    outdated  INTEGER NOT NULL DEFAULT 1
);

-- Megolm sessions we can decrypt with (received as m.room_key, forwarded, restored from backup, or our own).
CREATE TABLE e2ee_inbound_group (
    room_id        TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    sender_key     TEXT NOT NULL,
    signing_key    TEXT NOT NULL,
    pickle         TEXT NOT NULL,
    forwarded      INTEGER NOT NULL DEFAULT 0,
    backed_up      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, session_id)
);

-- Our outbound Megolm session per room; shared_with: JSON list of "user|device" that hold its key.
CREATE TABLE e2ee_outbound_group (
    room_id         TEXT PRIMARY KEY,
    pickle          TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    message_count   INTEGER NOT NULL DEFAULT 0,
    shared_with     TEXT NOT NULL DEFAULT '[]'
);

-- Replay protection: each (session, message index) decrypts for one event only.
CREATE TABLE e2ee_seen_index (
    session_id     TEXT NOT NULL,
    message_index  INTEGER NOT NULL,
    event_id       TEXT NOT NULL,
    PRIMARY KEY (session_id, message_index)
);

-- Per message: how it reached us. encrypted, verified (the sending device is verified), warning (plain text
-- shown beside the message, e.g. "could not be decrypted"). Messages without a row were sent in the clear.
CREATE TABLE e2ee_message_trust (
    event_id   TEXT PRIMARY KEY,
    encrypted  INTEGER NOT NULL,
    verified   INTEGER NOT NULL DEFAULT 0,
    warning    TEXT
);

-- Room events we could not decrypt yet (no key so far): retried when a key arrives (late keys).
CREATE TABLE e2ee_pending_event (
    event_id     TEXT PRIMARY KEY,
    room_id      TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    event        TEXT NOT NULL,
    received_ms  INTEGER NOT NULL
);
CREATE INDEX e2ee_pending_by_session ON e2ee_pending_event (session_id);

-- Keys of encrypted attachments (EncryptedFile JSON: url, key JWK, iv, hashes), by mxc URI.
CREATE TABLE e2ee_attachment_key (
    mxc_uri  TEXT PRIMARY KEY,
    file     TEXT NOT NULL
);

-- Rooms' m.room.encryption settings (rotation limits) and membership we share keys with.
CREATE TABLE e2ee_room (
    room_id              TEXT PRIMARY KEY,
    algorithm            TEXT NOT NULL,
    rotation_period_ms   INTEGER NOT NULL DEFAULT 604800000,
    rotation_period_msgs INTEGER NOT NULL DEFAULT 100
);
