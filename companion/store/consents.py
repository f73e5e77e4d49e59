"""The consent ledger: an append-only record of every decision (the schema forbids UPDATE and DELETE).

Each row is sealed in the same transaction by a hash chain (``consent_seal``, schema 6): the seal's digest is
SHA-256 over the previous digest and the row's fields, so a row changed, inserted or removed outside
Companion is detected by ``companion.privacy.ledger.verify``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from companion.store.db import Store

DECISIONS = ("grant", "withdraw", "object", "lift-objection")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One decision in the consent ledger (grant, withdraw, object, lift-objection) for one purpose."""

    purpose: str
    decision: str
    notice_version: str
    timestamp: datetime
    method: str
    id: int | None = None


def seal_digest(previous: str, row: tuple[object, ...]) -> str:
    """The chain digest of one ledger row (id, purpose, decision, notice_version, ts, method)."""
    text = previous + "\x1e" + "\x1f".join(str(value) for value in row)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_head(db: Any) -> str:
    """The digest the next row chains on: the newest seal after the latest checkpoint, else the checkpoint's."""
    checkpoint = db.execute(
        "SELECT last_event_id, digest FROM consent_checkpoint ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_id, head = (checkpoint[0], checkpoint[1]) if checkpoint else (0, "")
    row = db.execute(
        "SELECT digest FROM consent_seal WHERE event_id > ? ORDER BY event_id DESC LIMIT 1", (last_id,)
    ).fetchone()
    return str(row[0]) if row else str(head)


class ConsentLedger:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, purpose: str, decision: str, notice_version: str, method: str) -> ConsentRecord:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = self._store.clock.now()
        with self._store.transaction() as db:
            # Never reuse an id, even one whose row was removed behind the ledger's back (its seal remains).
            event_id = int(db.execute(
                "SELECT max(COALESCE((SELECT max(id) FROM consent_event), 0), "
                "COALESCE((SELECT max(event_id) FROM consent_seal), 0)) + 1"
            ).fetchone()[0])
            db.execute(
                "INSERT INTO consent_event (id, purpose, decision, notice_version, ts, method) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, purpose, decision, notice_version, now.isoformat(), method),
            )
            digest = seal_digest(
                chain_head(db), (event_id, purpose, decision, notice_version, now.isoformat(), method)
            )
            db.execute("INSERT INTO consent_seal (event_id, digest) VALUES (?, ?)", (event_id, digest))
        return ConsentRecord(purpose, decision, notice_version, now, method, event_id)

    def history(self, purpose: str | None = None) -> list[ConsentRecord]:
        sql = "SELECT id, purpose, decision, notice_version, ts, method FROM consent_event"
        params: tuple[str, ...] = ()
        if purpose is not None:
            sql += " WHERE purpose = ?"
            params = (purpose,)
        rows = self._store.query(sql + " ORDER BY id", params)
        return [ConsentRecord(r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], r[0]) for r in rows]

    def latest(self, purpose: str) -> ConsentRecord | None:
        row = self._store.query_one(
            "SELECT id, purpose, decision, notice_version, ts, method FROM consent_event "
            "WHERE purpose = ? AND decision IN ('grant', 'withdraw') ORDER BY id DESC LIMIT 1",
            (purpose,),
        )
        if row is None:
            return None
        return ConsentRecord(row[1], row[2], row[3], datetime.fromisoformat(row[4]), row[5], row[0])

    def is_granted(self, purpose: str) -> bool:
        latest = self.latest(purpose)
        return latest is not None and latest.decision == "grant"

    def is_objected(self, purpose: str) -> bool:
        row = self._store.query_one(
            "SELECT decision FROM consent_event WHERE purpose = ? AND decision IN ('object', 'lift-objection') "
            "ORDER BY id DESC LIMIT 1",
            (purpose,),
        )
        return row is not None and row[0] == "object"
