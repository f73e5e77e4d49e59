"""The audit log: what left the machine, when, and to whom (never the content twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from companion.store.db import Store

#: Known actions; extend as capabilities add ways for data to leave the machine.
ACTIONS = ("export", "message-sent", "attachment-sent", "share", "geocode", "erase-notice")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit log: what left the machine, when and where to (never the data itself)."""

    timestamp: datetime
    action: str
    target: str
    summary: str
    id: int | None = None


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, action: str, target: str, summary: str = "") -> AuditEvent:
        """``summary`` says *what kind* of data left (e.g. "ZIP export, 1,204 measurements"), not the data."""
        now = self._store.clock.now()
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO audit_event (ts, action, target, summary) VALUES (?, ?, ?, ?)",
                (now.isoformat(), action, target, summary),
            )
        return AuditEvent(now, action, target, summary, int(cur.lastrowid))

    def events(self, limit: int = 500, offset: int = 0) -> list[AuditEvent]:
        rows = self._store.query(
            "SELECT id, ts, action, target, summary FROM audit_event ORDER BY id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [AuditEvent(datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[0]) for r in rows]
