"""Support repository: the local record of each request for help and its answers (``SupportRepo(store)``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from companion.store.db import Store


@dataclass(frozen=True, slots=True)
class SupportAnswer:
    answered_at: str
    body: str


@dataclass(frozen=True, slots=True)
class SupportRequest:
    id: int
    created_at: str
    recipient: str
    body: str
    diagnostics: str | None
    channel: str
    file_path: str | None
    status: str
    answers: tuple[SupportAnswer, ...] = field(default=())


class SupportRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, *, recipient: str, body: str, diagnostics: str | None, channel: str,
            file_path: str | None = None) -> int:
        now = self._store.clock.now().isoformat(timespec="seconds")
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO support_request (created_at, recipient, body, diagnostics, channel, file_path) "
                "VALUES (?, ?, ?, ?, ?, ?)", (now, recipient, body, diagnostics, channel, file_path))
        return int(cur.lastrowid)

    def set_file(self, request_id: int, file_path: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE support_request SET file_path = ? WHERE id = ?", (file_path, request_id))

    def delete(self, request_id: int) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM support_request WHERE id = ?", (request_id,))

    def add_answer(self, request_id: int, body: str) -> bool:
        """Record an answer and mark the request answered; False when there is no such request."""
        now = self._store.clock.now().isoformat(timespec="seconds")
        with self._store.transaction() as db:
            found = db.execute("SELECT 1 FROM support_request WHERE id = ?", (request_id,)).fetchone()
            if found is None:
                return False
            db.execute("INSERT INTO support_answer (request_id, answered_at, body) VALUES (?, ?, ?)",
                       (request_id, now, body))
            db.execute("UPDATE support_request SET status = 'answered' WHERE id = ?", (request_id,))
        return True

    def all(self) -> list[SupportRequest]:
        answers: dict[int, list[SupportAnswer]] = {}
        for rid, when, body in self._store.query(
                "SELECT request_id, answered_at, body FROM support_answer ORDER BY answered_at, id"):
            answers.setdefault(int(rid), []).append(SupportAnswer(str(when), str(body)))
        rows = self._store.query(
            "SELECT id, created_at, recipient, body, diagnostics, channel, file_path, status "
            "FROM support_request ORDER BY created_at, id")
        return [SupportRequest(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], str(r[5]), r[6], str(r[7]),
                               tuple(answers.get(int(r[0]), ()))) for r in rows]

    def get(self, request_id: int) -> SupportRequest | None:
        return next((r for r in self.all() if r.id == request_id), None)
