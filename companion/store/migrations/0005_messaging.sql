-- Schema 5: clinic messaging over Matrix (companion/messaging).
-- The Matrix account of this patient: one row. Tokens are NULL when they live in the OS keyring.
CREATE TABLE matrix_account (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    homeserver     TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    clinic_mxid    TEXT NOT NULL,
    token_storage  TEXT NOT NULL CHECK (token_storage IN ('keyring', 'store')),
    access_token   TEXT,
    refresh_token  TEXT,
    expires_at_ms  INTEGER,
    created_at_ms  INTEGER NOT NULL
);

-- Rooms we know about (the clinic conversation; rejected or unsupported rooms are remembered too).
-- retention_ms: the room's m.room.retention max_lifetime (NULL: the default of two years).
CREATE TABLE matrix_room (
    room_id        TEXT PRIMARY KEY,
    clinic_mxid    TEXT,
    membership     TEXT NOT NULL DEFAULT 'join',
    name           TEXT,
    encrypted      INTEGER NOT NULL DEFAULT 0,
    retention_ms   INTEGER,
    history_token  TEXT,
    history_done   INTEGER NOT NULL DEFAULT 0,
    fully_read     TEXT,
    updated_at_ms  INTEGER NOT NULL
);

-- Sync position (one row): next_batch is saved in the same transaction as the events it covers.
CREATE TABLE matrix_sync (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    next_batch  TEXT,
    filter_id   TEXT,
    last_purge_ms INTEGER
);

-- Every message shown in the conversation. ts: Unix milliseconds (origin_server_ts, or queue time for own
-- pending ones). status: pending|sent|failed for own messages, received for the clinic's.
CREATE TABLE message (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT UNIQUE,
    txn_id       TEXT UNIQUE,
    room_id      TEXT,
    sender       TEXT NOT NULL,
    body         TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'received')),
    own          INTEGER NOT NULL DEFAULT 0,
    msgtype      TEXT NOT NULL DEFAULT 'm.text',
    consult_url  TEXT,
    is_read      INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);
CREATE INDEX message_by_time ON message (ts, id);
CREATE INDEX message_unread ON message (own, is_read);

-- The outbox: what still has to reach the server. The txn_id is the Matrix transaction id, reused on every
-- retry so the server deduplicates (spec: "Transaction identifiers"). Deleted once the server answered.
CREATE TABLE outbox (
    txn_id          TEXT PRIMARY KEY,
    room_id         TEXT,
    content         TEXT NOT NULL,
    file_path       TEXT,
    created_at_ms   INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'ask-user', 'failed')),
    last_error      TEXT
);

-- Files sent or received. local_path: where a received file was saved (basename chosen by us), if it was.
CREATE TABLE attachment (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER REFERENCES message(id) ON DELETE CASCADE,
    mxc_uri     TEXT,
    filename    TEXT NOT NULL,
    mimetype    TEXT,
    size        INTEGER,
    local_path  TEXT,
    ts          INTEGER NOT NULL
);
CREATE INDEX attachment_by_message ON attachment (message_id);
