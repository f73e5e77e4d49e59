-- Schema 6 (privacy centre): a hash chain over the consent ledger, restriction history, data-subject
-- requests, retention runs and an erasure log. All append-only tables are protected by triggers.

-- One seal per consent_event row: digest = SHA-256(previous digest | the row's fields), written in the same
-- transaction as the row (store/consents.py). A changed, inserted or removed row breaks the chain.
CREATE TABLE consent_seal (
    event_id INTEGER PRIMARY KEY,
    digest   TEXT NOT NULL
);

CREATE TRIGGER consent_seal_append_only_update BEFORE UPDATE ON consent_seal
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

CREATE TRIGGER consent_seal_append_only_delete BEFORE DELETE ON consent_seal
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

-- Where the chain (re)starts: rows up to last_event_id are not re-checked. The first checkpoint covers the
-- rows written before this schema existed; later ones are written when the user re-confirms every choice
-- after a detected tampering.
CREATE TABLE consent_checkpoint (
    id            INTEGER PRIMARY KEY,
    ts            TEXT NOT NULL,
    last_event_id INTEGER NOT NULL,
    digest        TEXT NOT NULL,
    reason        TEXT NOT NULL
);

INSERT INTO consent_checkpoint (ts, last_event_id, digest, reason)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), COALESCE(MAX(id), 0), '', 'schema-6'
FROM consent_event;

CREATE TRIGGER consent_checkpoint_append_only_update BEFORE UPDATE ON consent_checkpoint
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

CREATE TRIGGER consent_checkpoint_append_only_delete BEFORE DELETE ON consent_checkpoint
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

-- Every switch of the restriction of processing (GDPR Art. 18).
CREATE TABLE restriction_event (
    id         INTEGER PRIMARY KEY,
    ts         TEXT NOT NULL,
    restricted INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    method     TEXT NOT NULL
);

CREATE TRIGGER restriction_event_append_only_update BEFORE UPDATE ON restriction_event
BEGIN SELECT RAISE(ABORT, 'the restriction history is append-only'); END;

-- Data-subject requests the user sends to a clinic or provider (GDPR Art. 15-21, Mexican ARCO).
-- Dates are ISO 8601 (YYYY-MM-DD); due_date is computed when the request is sent.
CREATE TABLE data_request (
    id          INTEGER PRIMARY KEY,
    regime      TEXT NOT NULL CHECK (regime IN ('gdpr', 'arco')),
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    channel     TEXT,
    due_date    TEXT,
    answered_at TEXT,
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'answered', 'withdrawn'))
);

-- When retention last ran and what it removed (counts only).
CREATE TABLE retention_run (
    id      INTEGER PRIMARY KEY,
    ts      TEXT NOT NULL,
    rule    TEXT NOT NULL,
    deleted INTEGER NOT NULL
);

-- What was erased at the user's request (category and row count, never content).
CREATE TABLE erasure_event (
    id       INTEGER PRIMARY KEY,
    ts       TEXT NOT NULL,
    category TEXT NOT NULL,
    rows     INTEGER NOT NULL
);
