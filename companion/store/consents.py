"""The consent ledger: an append-only record of every decision (the schema forbids UPDATE and DELETE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from companion.store.db import Store

DECISIONS = ("grant", "withdraw", "object", "lift-objection")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    purpose: str
    decision: str
    notice_version: str
    timestamp: datetime
    method: str
    id: int | None = None


class ConsentLedger:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, purpose: str, decision: str, notice_version: str, method: str) -> ConsentRecord:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = self._store.clock.now()
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO consent_event (purpose, decision, notice_version, ts, method) "
                "VALUES (?, ?, ?, ?, ?)",
                (purpose, decision, notice_version, now.isoformat(), method),
            )
        return ConsentRecord(purpose, decision, notice_version, now, method, int(cur.lastrowid))

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
            "SELECT decision FROM consent_event "
            "WHERE purpose = ? AND decision IN ('object', 'lift-objection') ORDER BY id DESC LIMIT 1",
            (purpose,),
        )
        return row is not None and row[0] == "object"
