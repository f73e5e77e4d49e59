-- Schema 9: support — each request for help the person sent (or saved to send themselves), and the answers.
-- created_at / answered_at: ISO 8601 with offset. channel: 'message' (the clinic conversation) or 'file'
-- (saved under <data dir>/support/ for the person to send). diagnostics: the bundle the person saw and
-- confirmed (JSON text), NULL when none was attached.
CREATE TABLE support_request (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    recipient   TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    diagnostics TEXT,
    channel     TEXT NOT NULL CHECK (channel IN ('message', 'file')),
    file_path   TEXT,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered'))
);

CREATE TABLE support_answer (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES support_request(id) ON DELETE CASCADE,
    answered_at TEXT NOT NULL,
    body        TEXT NOT NULL
);

CREATE INDEX support_answer_by_request ON support_answer (request_id, answered_at);
