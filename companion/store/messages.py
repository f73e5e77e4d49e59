"""Messages with the clinic: the conversation, the outbox, the Matrix account and sync position.

Tables (migration 0005): ``message``, ``outbox``, ``attachment``, ``matrix_room``, ``matrix_sync``,
``matrix_account``; migration 0014 adds ``message_edit`` and the columns for edits, redactions, read receipts
and the clinic room's identity. Times are Unix milliseconds, as Matrix uses them (``origin_server_ts``).

Bodies, names and file names are stored as the server sent them (bounded by the protocol's limits); they are
made safe where they are shown (``companion.text.visible``), never here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from companion.store.db import Store

STATUSES = ("pending", "sent", "failed", "received")


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    event_id: str | None
    txn_id: str | None
    room_id: str | None
    sender: str
    body: str
    ts: int
    status: str
    own: bool
    msgtype: str = "m.text"
    consult_url: str | None = None
    is_read: bool = False
    error: str | None = None
    edited: bool = False  # shows the latest edit (m.replace) of the message
    read_by_clinic: bool = False  # own and sent, at or before the clinic's read receipt
    edit_event_id: str | None = None  # the edit whose text is shown (its end-to-end trust counts too)


@dataclass(frozen=True, slots=True)
class MatrixAccount:
    homeserver: str
    user_id: str
    device_id: str
    clinic_mxid: str
    token_storage: str  # "keyring" | "store"
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class RoomInfo:
    room_id: str
    clinic_mxid: str | None
    membership: str
    name: str | None
    encrypted: bool
    retention_ms: int | None
    history_token: str | None
    history_done: bool
    fully_read: str | None
    marked: bool = False  # the clinic's org.companion.conversation state names this patient
    replaced_by: str | None = None  # the clinic's m.room.tombstone points there
    created_ms: int | None = None
    clinic_read_event: str | None = None
    clinic_read_ts: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    txn_id: str
    room_id: str | None
    content: dict[str, Any]
    file_path: str | None
    created_at_ms: int
    attempts: int
    next_attempt_ms: int
    state: str
    last_error: str | None
    device_id: str | None = None  # the device of the first send attempt


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A timeline message already parsed and sanitised by ``companion.messaging.events``."""

    event_id: str
    room_id: str
    sender: str
    body: str
    ts: int
    own: bool
    txn_id: str | None = None
    msgtype: str = "m.text"
    consult_url: str | None = None
    file: dict[str, Any] | None = None  # {"mxc_uri", "filename", "mimetype", "size"}
    replaces: str | None = None  # an edit (m.replace) of this event id: body/msgtype are m.new_content's


_MESSAGE_COLUMNS = (
    "id, event_id, txn_id, room_id, sender, body, ts, status, own, msgtype, consult_url, is_read, error, "
    "edited_ts IS NOT NULL, "
    "own = 1 AND status = 'sent' AND ts <= coalesce((SELECT r.clinic_read_ts FROM matrix_room r "
    "WHERE r.room_id = message.room_id), -1), edit_event_id"
)
_ROOM_COLUMNS = (
    "room_id, clinic_mxid, membership, name, encrypted, retention_ms, history_token, history_done, fully_read, "
    "marked, replaced_by, created_ms, clinic_read_event, clinic_read_ts"
)


def _message(row: Any) -> StoredMessage:
    return StoredMessage(
        int(row[0]),
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        int(row[6]),
        row[7],
        bool(row[8]),
        row[9],
        row[10],
        bool(row[11]),
        row[12],
        bool(row[13]),
        bool(row[14]),
        row[15],
    )


class Messages:
    """Repository over the messaging tables: ``Messages(store)``."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._any_edit: bool | None = None  # cached within one transaction (see _edits_waiting)

    # ----- account -------------------------------------------------------------------------------------
    def account(self) -> MatrixAccount | None:
        row = self._store.query_one(
            "SELECT homeserver, user_id, device_id, clinic_mxid, token_storage, access_token, refresh_token, "
            "expires_at_ms FROM matrix_account WHERE id = 1"
        )
        return None if row is None else MatrixAccount(*row)

    def save_account(self, account: MatrixAccount, now_ms: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO matrix_account (id, homeserver, user_id, device_id, clinic_mxid, token_storage, "
                "access_token, refresh_token, expires_at_ms, created_at_ms) VALUES (1, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET homeserver = excluded.homeserver, user_id = excluded.user_id, "
                "device_id = excluded.device_id, clinic_mxid = excluded.clinic_mxid, "
                "token_storage = excluded.token_storage, access_token = excluded.access_token, "
                "refresh_token = excluded.refresh_token, expires_at_ms = excluded.expires_at_ms",
                (
                    account.homeserver,
                    account.user_id,
                    account.device_id,
                    account.clinic_mxid,
                    account.token_storage,
                    account.access_token,
                    account.refresh_token,
                    account.expires_at_ms,
                    now_ms,
                ),
            )

    def save_tokens(
        self, access_token: str | None, refresh_token: str | None, expires_at_ms: int | None
    ) -> None:
        """Both tokens together, in one statement (a refresh pair must never be half saved)."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE matrix_account SET access_token = ?, refresh_token = ?, expires_at_ms = ? WHERE id "
                "= 1",
                (access_token, refresh_token, expires_at_ms),
            )

    def forget_account(self) -> None:
        """After a hard logout: the session and everything derived from it (not the messages themselves)."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM matrix_account")
            db.execute("DELETE FROM matrix_sync")

    # ----- rooms and sync position ---------------------------------------------------------------------
    def room(self, room_id: str) -> RoomInfo | None:
        row = self._store.query_one(f"SELECT {_ROOM_COLUMNS} FROM matrix_room WHERE room_id = ?", (room_id,))
        return None if row is None else _room(row)

    def clinic_room(self) -> RoomInfo | None:
        """The joined conversation with the clinic, chosen by what the room is, never by recent activity
        (nor by whether it is end-to-end encrypted: Companion reads both): not replaced by the clinic's
        tombstone, marked by the clinic's provisioning, the most recently created; last, for rooms of unknown
        origin, the most recently updated."""
        row = self._store.query_one(
            f"SELECT {_ROOM_COLUMNS} FROM matrix_room WHERE membership = 'join' AND clinic_mxid IS NOT NULL "
            "ORDER BY (replaced_by IS NOT NULL) ASC, marked DESC, coalesce(created_ms, 0) DESC, "
            "updated_at_ms DESC, room_id LIMIT 1"
        )
        return None if row is None else _room(row)

    def rooms(self) -> list[RoomInfo]:
        rows = self._store.query(f"SELECT {_ROOM_COLUMNS} FROM matrix_room ORDER BY updated_at_ms DESC")
        return [_room(r) for r in rows]

    def upsert_room(self, room_id: str, now_ms: int, **fields: Any) -> None:
        allowed = {
            "clinic_mxid",
            "membership",
            "name",
            "encrypted",
            "retention_ms",
            "history_token",
            "history_done",
            "fully_read",
            "marked",
            "replaced_by",
            "created_ms",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown room fields: {sorted(unknown)}")
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO matrix_room (room_id, updated_at_ms) VALUES (?, ?) ON CONFLICT(room_id) DO "
                "UPDATE "
                "SET updated_at_ms = excluded.updated_at_ms",
                (room_id, now_ms),
            )
            for key, value in fields.items():
                if isinstance(value, bool):
                    value = int(value)
                db.execute(f"UPDATE matrix_room SET {key} = ? WHERE room_id = ?", (value, room_id))

    def next_batch(self) -> str | None:
        row = self._store.query_one("SELECT next_batch FROM matrix_sync WHERE id = 1")
        return None if row is None else row[0]

    def filter_id(self) -> str | None:
        row = self._store.query_one("SELECT filter_id FROM matrix_sync WHERE id = 1")
        return None if row is None else row[0]

    def _set_sync(self, db: Any, column: str, value: Any) -> None:
        db.execute("INSERT INTO matrix_sync (id) VALUES (1) ON CONFLICT(id) DO NOTHING")
        db.execute(f"UPDATE matrix_sync SET {column} = ? WHERE id = 1", (value,))

    def set_filter_id(self, filter_id: str | None) -> None:
        with self._store.transaction() as db:
            self._set_sync(db, "filter_id", filter_id)

    def last_purge_ms(self) -> int | None:
        row = self._store.query_one("SELECT last_purge_ms FROM matrix_sync WHERE id = 1")
        return None if row is None or row[0] is None else int(row[0])

    def set_last_purge_ms(self, value: int) -> None:
        with self._store.transaction() as db:
            self._set_sync(db, "last_purge_ms", value)

    def apply_sync(
        self,
        next_batch: str | None,
        messages: Iterable[IncomingMessage],
        redactions: Iterable[str] = (),
        removed_files: list[str] | None = None,
    ) -> int:
        """Store a batch of timeline messages, the redactions in it and the sync token that follows them,
        atomically.

        Returns how many new messages were stored (events already known are skipped; our own echo of an
        outbox message is matched by its transaction id and marks it sent; edits update the message they
        replace). Redacted messages leave the store with their attachments; the paths of files saved from
        the clinic for them are appended to ``removed_files`` for the caller to delete."""
        added = 0
        self._any_edit = None
        with self._store.transaction() as db:
            for item in messages:
                added += self._add(db, item)
            for event_id in redactions:
                self._redact(db, event_id, removed_files)
            if next_batch is not None:
                self._set_sync(db, "next_batch", next_batch)
        return added

    def add_history(
        self,
        room_id: str,
        messages: Iterable[IncomingMessage],
        history_token: str | None,
        done: bool,
        now_ms: int,
        redactions: Iterable[str] = (),
        removed_files: list[str] | None = None,
    ) -> int:
        """Older messages from ``/messages`` paging plus where to continue, atomically."""
        added = 0
        self._any_edit = None
        with self._store.transaction() as db:
            for item in messages:
                added += self._add(db, item)
            for event_id in redactions:
                self._redact(db, event_id, removed_files)
            self.upsert_room(room_id, now_ms, history_token=history_token, history_done=done)
        return added

    def _add(self, db: Any, item: IncomingMessage) -> int:
        if item.replaces:
            db.execute(
                "INSERT INTO message_edit (event_id, target_event_id, sender, ts, msgtype, body, consult_url) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING",
                (item.event_id, item.replaces, item.sender, item.ts, item.msgtype, item.body, item.consult_url),
            )
            self._any_edit = True
            self._show_latest_edit(db, item.replaces)
            return 0
        if item.own and item.txn_id:
            pending = db.execute(
                "SELECT id FROM message WHERE txn_id = ? AND (event_id IS NULL OR event_id = ?)",
                (item.txn_id, item.event_id),
            ).fetchone()
            if pending is not None:
                # Seen before without its transaction id (e.g. from another device): keep the outbox's row.
                db.execute("DELETE FROM message WHERE event_id = ? AND id != ?", (item.event_id, pending[0]))
                db.execute(
                    "UPDATE message SET event_id = ?, status = 'sent', room_id = ?, sender = ?, error = NULL, "
                    "ts = ? WHERE id = ?",
                    (item.event_id, item.room_id, item.sender, item.ts, pending[0]),
                )
                db.execute("DELETE FROM outbox WHERE txn_id = ?", (item.txn_id,))
                return 0
        cur = db.execute(
            "INSERT INTO message (event_id, txn_id, room_id, sender, body, ts, status, own, msgtype, "
            "consult_url, "
            "is_read) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING",
            (
                item.event_id,
                item.room_id,
                item.sender,
                item.body,
                item.ts,
                "sent" if item.own else "received",
                int(item.own),
                item.msgtype,
                item.consult_url,
                int(item.own),
            ),
        )
        if not cur.rowcount:
            return 0
        if item.file is not None:
            db.execute(
                "INSERT INTO attachment (message_id, mxc_uri, filename, mimetype, size, ts) VALUES (?, ?, "
                "?, ?, ?, ?)",
                (
                    cur.lastrowid,
                    item.file.get("mxc_uri"),
                    item.file.get("filename") or "file",
                    item.file.get("mimetype"),
                    item.file.get("size"),
                    item.ts,
                ),
            )
        if self._edits_waiting(db) and db.execute(
            "SELECT 1 FROM message_edit WHERE target_event_id = ? LIMIT 1", (item.event_id,)
        ).fetchone():
            self._show_latest_edit(db, item.event_id)  # its edits came first (history is paged backwards)
        return 1

    def _edits_waiting(self, db: Any) -> bool:
        """Whether any edit is stored at all (asked once per transaction; most conversations have none)."""
        if self._any_edit is None:
            self._any_edit = db.execute("SELECT 1 FROM message_edit LIMIT 1").fetchone() is not None
        return self._any_edit

    def _show_latest_edit(self, db: Any, event_id: str) -> None:
        """Show the newest valid edit of ``event_id`` (same sender, spec "Event replacements"), or the
        original again when none is left (its edits were redacted)."""
        row = db.execute(
            "SELECT id, sender, msgtype, edit_event_id, original_body, original_msgtype, original_consult_url "
            "FROM message WHERE event_id = ?",
            (event_id,),
        ).fetchone()
        if row is None:
            return
        message_id, sender, msgtype, shown_edit, original_body, original_msgtype, original_consult = row
        latest = db.execute(
            "SELECT event_id, ts, msgtype, body, consult_url FROM message_edit WHERE target_event_id = ? "
            "AND sender = ? ORDER BY ts DESC, event_id DESC LIMIT 1",
            (event_id, sender),
        ).fetchone()
        if latest is None:
            if shown_edit is not None:
                db.execute(
                    "UPDATE message SET body = original_body, msgtype = original_msgtype, "
                    "consult_url = original_consult_url, edited_ts = NULL, edit_event_id = NULL WHERE id = ?",
                    (message_id,),
                )
            return
        if latest[0] == shown_edit:
            return
        if shown_edit is None:
            db.execute(
                "UPDATE message SET original_body = body, original_msgtype = msgtype, "
                "original_consult_url = consult_url WHERE id = ?",
                (message_id,),
            )
            original_msgtype = msgtype
        # A file stays a file (its attachment row is the original's); text may change its msgtype.
        new_type = original_msgtype if original_msgtype == "m.file" else latest[2]
        db.execute(
            "UPDATE message SET body = ?, msgtype = ?, consult_url = ?, edited_ts = ?, edit_event_id = ? "
            "WHERE id = ?",
            (latest[3], new_type, latest[4], latest[1], latest[0], message_id),
        )

    def _redact(self, db: Any, event_id: str, removed_files: list[str] | None) -> bool:
        """A redaction: the message (with its attachments and edits) leaves the store; a redacted edit
        leaves its message showing the previous version. True when something was removed."""
        row = db.execute("SELECT id FROM message WHERE event_id = ?", (event_id,)).fetchone()
        if row is not None:
            paths = db.execute(
                "SELECT a.local_path FROM attachment a JOIN message m ON m.id = a.message_id "
                "WHERE m.id = ? AND m.own = 0 AND a.local_path IS NOT NULL",
                (row[0],),
            ).fetchall()
            if removed_files is not None:
                removed_files.extend(p[0] for p in paths)
            db.execute("DELETE FROM attachment WHERE message_id = ?", (row[0],))
            db.execute("DELETE FROM message WHERE id = ?", (row[0],))
            db.execute("DELETE FROM message_edit WHERE target_event_id = ?", (event_id,))
            return True
        edit = db.execute("SELECT target_event_id FROM message_edit WHERE event_id = ?", (event_id,)).fetchone()
        if edit is not None:
            db.execute("DELETE FROM message_edit WHERE event_id = ?", (event_id,))
            self._show_latest_edit(db, edit[0])
            return True
        return False

    def ts_of(self, event_id: str) -> int | None:
        row = self._store.query_one("SELECT ts FROM message WHERE event_id = ?", (event_id,))
        return None if row is None else int(row[0])

    def set_clinic_read(self, room_id: str, event_id: str, ts: int) -> bool:
        """The clinic's read receipt moved (receipts only move forward). True when it did."""
        with self._store.transaction() as db:
            cur = db.execute(
                "UPDATE matrix_room SET clinic_read_event = ?, clinic_read_ts = ? WHERE room_id = ? "
                "AND coalesce(clinic_read_ts, -1) < ?",
                (event_id, ts, room_id, ts),
            )
        return bool(cur.rowcount)

    # ----- reading the conversation --------------------------------------------------------------------
    def count(self) -> int:
        return int(self._store.query_one("SELECT count(*) FROM message")[0])

    def page(self, *, limit: int = 50, before: tuple[int, int] | None = None) -> list[StoredMessage]:
        """Up to ``limit`` messages older than ``before`` (ts, id), returned oldest first (keyset paging)."""
        if before is None:
            rows = self._store.query(
                f"SELECT {_MESSAGE_COLUMNS} FROM message ORDER BY ts DESC, id DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._store.query(
                f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE (ts, id) < (?, ?) ORDER BY ts DESC, id DESC "
                f"LIMIT ?",
                (before[0], before[1], limit),
            )
        return [_message(r) for r in reversed(rows)]

    def get(self, message_id: int) -> StoredMessage | None:
        row = self._store.query_one(f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE id = ?", (message_id,))
        return None if row is None else _message(row)

    def by_txn(self, txn_id: str) -> StoredMessage | None:
        row = self._store.query_one(f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE txn_id = ?", (txn_id,))
        return None if row is None else _message(row)

    def all(self) -> list[StoredMessage]:
        rows = self._store.query(f"SELECT {_MESSAGE_COLUMNS} FROM message ORDER BY ts, id")
        return [_message(r) for r in rows]

    def unread_count(self) -> int:
        return int(self._store.query_one("SELECT count(*) FROM message WHERE own = 0 AND is_read = 0")[0])

    def latest_received(self) -> StoredMessage | None:
        row = self._store.query_one(
            f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE own = 0 AND event_id IS NOT NULL "
            "ORDER BY ts DESC, id DESC LIMIT 1"
        )
        return None if row is None else _message(row)

    def mark_all_read(self) -> int:
        with self._store.transaction() as db:
            cur = db.execute("UPDATE message SET is_read = 1 WHERE own = 0 AND is_read = 0")
        return int(cur.rowcount)

    def attachments(self, message_id: int) -> list[dict[str, Any]]:
        rows = self._store.query(
            "SELECT id, mxc_uri, filename, mimetype, size, local_path FROM attachment WHERE message_id = ?",
            (message_id,),
        )
        return [
            dict(zip(("id", "mxc_uri", "filename", "mimetype", "size", "local_path"), r, strict=True))
            for r in rows
        ]

    def set_attachment_path(self, attachment_id: int, path: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE attachment SET local_path = ? WHERE id = ?", (path, attachment_id))

    # ----- the outbox ----------------------------------------------------------------------------------
    def queue(
        self,
        *,
        txn_id: str,
        room_id: str | None,
        sender: str,
        body: str,
        content: dict[str, Any],
        now_ms: int,
        file_path: str | None = None,
        file_info: dict[str, Any] | None = None,
    ) -> int:
        """One message to send: a pending row in the conversation and its outbox entry, atomically."""
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO message (txn_id, room_id, sender, body, ts, status, own, msgtype, is_read) "
                "VALUES (?, ?, ?, ?, ?, 'pending', 1, ?, 1)",
                (txn_id, room_id, sender, body, now_ms, str(content.get("msgtype", "m.text"))),
            )
            message_id = int(cur.lastrowid)
            db.execute(
                "INSERT INTO outbox (txn_id, room_id, content, file_path, created_at_ms, next_attempt_ms) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (txn_id, room_id, json.dumps(content), file_path, now_ms),
            )
            if file_info is not None:
                db.execute(
                    "INSERT INTO attachment (message_id, filename, mimetype, size, local_path, ts) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        file_info["filename"],
                        file_info.get("mimetype"),
                        file_info.get("size"),
                        file_path,
                        now_ms,
                    ),
                )
        return message_id

    def outbox(self, *, states: tuple[str, ...] = ("queued",)) -> list[OutboxItem]:
        marks = ",".join("?" * len(states))
        rows = self._store.query(
            "SELECT txn_id, room_id, content, file_path, created_at_ms, attempts, next_attempt_ms, state, "
            f"last_error, device_id FROM outbox WHERE state IN ({marks}) ORDER BY created_at_ms, rowid",
            states,
        )
        return [
            OutboxItem(r[0], r[1], json.loads(r[2]), r[3], int(r[4]), int(r[5]), int(r[6]), r[7], r[8], r[9])
            for r in rows
        ]

    def outbox_item(self, txn_id: str) -> OutboxItem | None:
        items = [i for i in self.outbox(states=("queued", "ask-user", "failed")) if i.txn_id == txn_id]
        return items[0] if items else None

    def set_outbox_content(
        self, txn_id: str, content: dict[str, Any], room_id: str | None, device_id: str | None = None
    ) -> None:
        """Freeze what will be sent (e.g. after the upload gave an mxc URI) and from which device, before
        the send attempt (``device_id`` replaces an earlier one only after the caller checked the room)."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE outbox SET content = ?, room_id = ?, device_id = coalesce(?, device_id) WHERE txn_id = ?",
                (json.dumps(content), room_id, device_id, txn_id),
            )
            db.execute("UPDATE message SET room_id = ? WHERE txn_id = ?", (room_id, txn_id))
            mxc = content.get("url")
            if isinstance(mxc, str):
                db.execute(
                    "UPDATE attachment SET mxc_uri = ? WHERE message_id = (SELECT id FROM message WHERE "
                    "txn_id = ?)",
                    (mxc, txn_id),
                )

    def mark_sent(self, txn_id: str, event_id: str, room_id: str, sender: str) -> None:
        with self._store.transaction() as db:
            # The sync echo may have stored the event already under its event id.
            dup = db.execute(
                "SELECT id FROM message WHERE event_id = ? AND txn_id IS NULL", (event_id,)
            ).fetchone()
            if dup is not None:
                db.execute("DELETE FROM message WHERE id = ?", (dup[0],))
            db.execute(
                "UPDATE message SET event_id = ?, status = 'sent', room_id = ?, sender = ?, error = NULL "
                "WHERE txn_id = ?",
                (event_id, room_id, sender, txn_id),
            )
            db.execute("DELETE FROM outbox WHERE txn_id = ?", (txn_id,))

    def mark_retry(self, txn_id: str, next_attempt_ms: int, error: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE "
                "txn_id = ?",
                (next_attempt_ms, error, txn_id),
            )
            db.execute("UPDATE message SET error = ? WHERE txn_id = ?", (error, txn_id))

    def mark_outbox_state(self, txn_id: str, state: str, error: str | None) -> None:
        """``ask-user`` (unsent after 24 h) or ``failed`` (the server refused it): the message shows
        failed."""
        with self._store.transaction() as db:
            db.execute("UPDATE outbox SET state = ?, last_error = ? WHERE txn_id = ?", (state, error, txn_id))
            db.execute("UPDATE message SET status = 'failed', error = ? WHERE txn_id = ?", (error, txn_id))

    def requeue(self, txn_id: str, now_ms: int) -> None:
        """The user confirmed a resend: same txnId (the server still deduplicates what it got), fresh
        clock."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'queued', created_at_ms = ?, next_attempt_ms = 0, attempts = 0, "
                "last_error = NULL WHERE txn_id = ?",
                (now_ms, txn_id),
            )
            db.execute("UPDATE message SET status = 'pending', error = NULL WHERE txn_id = ?", (txn_id,))

    def discard(self, txn_id: str) -> None:
        """The user gave up on an unsent message: it leaves the outbox and the conversation."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM outbox WHERE txn_id = ?", (txn_id,))
            db.execute("DELETE FROM message WHERE txn_id = ? AND event_id IS NULL", (txn_id,))

    # ----- retention -----------------------------------------------------------------------------------
    def purge_before(self, cutoff_ms: int) -> tuple[int, list[str]]:
        """Delete messages older than ``cutoff_ms`` (never unsent ones). Returns (count, saved file paths)."""
        with self._store.transaction() as db:
            paths = [
                r[0]
                for r in db.execute(
                    "SELECT a.local_path FROM attachment a JOIN message m ON m.id = a.message_id "
                    "WHERE m.ts < ? AND m.status IN ('sent', 'received') AND a.local_path IS NOT NULL "
                    "AND m.own = 0",
                    (cutoff_ms,),
                ).fetchall()
            ]
            cur = db.execute(
                "DELETE FROM message WHERE ts < ? AND status IN ('sent', 'received')", (cutoff_ms,)
            )
            db.execute("DELETE FROM message_edit WHERE ts < ?", (cutoff_ms,))
        return int(cur.rowcount), paths


def _room(row: Any) -> RoomInfo:
    return RoomInfo(
        row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6], bool(row[7]), row[8],
        bool(row[9]), row[10], row[11], row[12], row[13],
    )


def unread_count(store: Store) -> int:
    """Messages from the clinic not read yet (for the dashboard)."""
    try:
        return Messages(store).unread_count()
    except Exception:  # the table is missing only on a schema older than 5, which Store.open migrates
        return 0
