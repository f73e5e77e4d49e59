-- Schema 10: clinic messaging fixes (issue #18): edits, redactions, read receipts, duplicate-free resends from
-- a new device, a deterministic choice of the clinic room.

-- Edits (m.replace): the message row shows the latest valid edit; edited_ts is that edit's origin_server_ts
-- (NULL: never edited); original_* keep the first version so a redacted edit can fall back to it.
ALTER TABLE message ADD COLUMN edited_ts INTEGER;
ALTER TABLE message ADD COLUMN edit_event_id TEXT;
ALTER TABLE message ADD COLUMN original_body TEXT;
ALTER TABLE message ADD COLUMN original_msgtype TEXT;
ALTER TABLE message ADD COLUMN original_consult_url TEXT;

-- Every edit seen, also one whose original has not arrived yet (history is paged newest first).
CREATE TABLE message_edit (
    event_id         TEXT PRIMARY KEY,
    target_event_id  TEXT NOT NULL,
    sender           TEXT NOT NULL,
    ts               INTEGER NOT NULL,
    msgtype          TEXT NOT NULL,
    body             TEXT NOT NULL,
    consult_url      TEXT
);
CREATE INDEX message_edit_by_target ON message_edit (target_event_id, ts);

-- The device that made the first send attempt: a resend from another device (after logout and login) first
-- looks for the event in the room, because the server's transaction ids are per device.
ALTER TABLE outbox ADD COLUMN device_id TEXT;

-- Which room is the clinic conversation: marked by the clinic (org.companion.conversation state), replaced by
-- a tombstone from the clinic, or created when (m.room.create origin_server_ts; 0 when unknown).
ALTER TABLE matrix_room ADD COLUMN marked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matrix_room ADD COLUMN replaced_by TEXT;
ALTER TABLE matrix_room ADD COLUMN created_ms INTEGER;
-- The clinic's public read receipt: up to which event, and that event's time (own messages up to it are read).
ALTER TABLE matrix_room ADD COLUMN clinic_read_event TEXT;
ALTER TABLE matrix_room ADD COLUMN clinic_read_ts INTEGER;
