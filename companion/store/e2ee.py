"""End-to-end encryption state: the Olm account, Olm and Megolm sessions, devices, trust (migration 0013).

Only SQL lives here; the cryptography is in ``companion.messaging.crypto``. Pickles are opaque strings,
already encrypted by vodozemac with the account's pickle key (which lives in the same encrypted store).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from companion.store.db import Store

#: Every table of migration 0013 (erasure of "messages" or of the account removes them all).
E2EE_TABLES = (
    "e2ee_account",
    "e2ee_olm_session",
    "e2ee_device",
    "e2ee_tracked_user",
    "e2ee_inbound_group",
    "e2ee_outbound_group",
    "e2ee_seen_index",
    "e2ee_message_trust",
    "e2ee_pending_event",
    "e2ee_attachment_key",
    "e2ee_room",
)


class AccountRow(NamedTuple):
    user_id: str
    device_id: str
    pickle: str
    pickle_key: bytes
    keys_uploaded: bool
    backup_version: str | None
    backup_key: str | None


class DeviceRow(NamedTuple):
    user_id: str
    device_id: str
    curve25519: str
    ed25519: str
    display_name: str | None
    trust: str
    deleted: bool


class InboundRow(NamedTuple):
    room_id: str
    session_id: str
    sender_key: str
    signing_key: str
    pickle: str
    forwarded: bool
    backed_up: bool


class OutboundRow(NamedTuple):
    room_id: str
    pickle: str
    created_at_ms: int
    message_count: int
    shared_with: list[str]


class Trust(NamedTuple):
    encrypted: bool
    verified: bool
    warning: str | None


class RoomSettings(NamedTuple):
    room_id: str
    algorithm: str
    rotation_period_ms: int
    rotation_period_msgs: int


_DEVICE = "user_id, device_id, curve25519, ed25519, display_name, trust, deleted"
_INBOUND = "room_id, session_id, sender_key, signing_key, pickle, forwarded, backed_up"


def _device(row: Any) -> DeviceRow:
    return DeviceRow(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))


def _inbound(row: Any) -> InboundRow:
    return InboundRow(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


class E2eeRepo:
    """Repository over the ``e2ee_*`` tables: ``E2eeRepo(store)``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def transaction(self) -> Any:
        return self._store.transaction()

    # ----- account -------------------------------------------------------------------------------------
    def account(self) -> AccountRow | None:
        row = self._store.query_one(
            "SELECT user_id, device_id, pickle, pickle_key, keys_uploaded, backup_version, backup_key "
            "FROM e2ee_account WHERE id = 1"
        )
        if row is None:
            return None
        return AccountRow(row[0], row[1], row[2], bytes(row[3]), bool(row[4]), row[5], row[6])

    def create_account(self, user_id: str, device_id: str, pickle: str, pickle_key: bytes, now_ms: int) -> None:
        """A new Olm account: everything belonging to an earlier one (another device id) goes first."""
        with self._store.transaction() as db:
            for table in E2EE_TABLES:
                if table not in ("e2ee_message_trust", "e2ee_attachment_key"):
                    db.execute(f"DELETE FROM {table}")
            db.execute(
                "INSERT INTO e2ee_account (id, user_id, device_id, pickle, pickle_key, created_at_ms) "
                "VALUES (1, ?, ?, ?, ?, ?)",
                (user_id, device_id, pickle, pickle_key, now_ms),
            )

    def save_account(self, pickle: str, *, keys_uploaded: bool | None = None) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE e2ee_account SET pickle = ? WHERE id = 1", (pickle,))
            if keys_uploaded is not None:
                db.execute("UPDATE e2ee_account SET keys_uploaded = ? WHERE id = 1", (int(keys_uploaded),))

    def set_backup(self, version: str | None, key: str | None) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE e2ee_account SET backup_version = ?, backup_key = ? WHERE id = 1", (version, key)
            )
            db.execute("UPDATE e2ee_inbound_group SET backed_up = 0")

    # ----- Olm sessions --------------------------------------------------------------------------------
    def olm_sessions(self, sender_key: str) -> list[tuple[str, str]]:
        """(session_id, pickle) for one device's identity key, most recently used first."""
        rows = self._store.query(
            "SELECT session_id, pickle FROM e2ee_olm_session WHERE sender_key = ? ORDER BY last_used_ms DESC",
            (sender_key,),
        )
        return [(r[0], r[1]) for r in rows]

    def save_olm_session(self, session_id: str, sender_key: str, pickle: str, now_ms: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_olm_session (session_id, sender_key, pickle, last_used_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(session_id) DO UPDATE SET pickle = excluded.pickle, "
                "last_used_ms = excluded.last_used_ms",
                (session_id, sender_key, pickle, now_ms),
            )

    # ----- devices -------------------------------------------------------------------------------------
    def devices(self, user_id: str, *, include_deleted: bool = False) -> list[DeviceRow]:
        where = "" if include_deleted else " AND deleted = 0"
        rows = self._store.query(
            f"SELECT {_DEVICE} FROM e2ee_device WHERE user_id = ?{where} ORDER BY device_id", (user_id,)
        )
        return [_device(r) for r in rows]

    def device(self, user_id: str, device_id: str) -> DeviceRow | None:
        row = self._store.query_one(
            f"SELECT {_DEVICE} FROM e2ee_device WHERE user_id = ? AND device_id = ?", (user_id, device_id)
        )
        return None if row is None else _device(row)

    def device_by_curve(self, curve25519: str) -> DeviceRow | None:
        row = self._store.query_one(
            f"SELECT {_DEVICE} FROM e2ee_device WHERE curve25519 = ? ORDER BY deleted LIMIT 1", (curve25519,)
        )
        return None if row is None else _device(row)

    def all_devices(self) -> list[DeviceRow]:
        rows = self._store.query(f"SELECT {_DEVICE} FROM e2ee_device ORDER BY user_id, device_id")
        return [_device(r) for r in rows]

    def unverified_devices(self, own_user: str, own_device: str) -> list[DeviceRow]:
        """Current devices of the people we share encrypted rooms with that nobody verified yet."""
        rows = self._store.query(
            f"SELECT {_DEVICE} FROM e2ee_device WHERE deleted = 0 AND trust = 'unverified' AND user_id IN "
            "(SELECT user_id FROM e2ee_tracked_user) AND NOT (user_id = ? AND device_id = ?) "
            "ORDER BY user_id, device_id",
            (own_user, own_device),
        )
        return [_device(r) for r in rows]

    def save_device(self, device: DeviceRow) -> None:
        with self._store.transaction() as db:
            db.execute(
                f"INSERT INTO e2ee_device ({_DEVICE}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(user_id, device_id) DO UPDATE SET curve25519 = excluded.curve25519, "
                "ed25519 = excluded.ed25519, display_name = excluded.display_name, trust = excluded.trust, "
                "deleted = excluded.deleted",
                (*device[:6], int(device.deleted)),
            )

    def mark_devices_deleted(self, user_id: str, keep: Iterable[str]) -> None:
        keep = list(keep)
        marks = ",".join("?" * len(keep)) or "''"
        with self._store.transaction() as db:
            db.execute(
                f"UPDATE e2ee_device SET deleted = 1 WHERE user_id = ? AND device_id NOT IN ({marks})",
                (user_id, *keep),
            )

    def set_trust(self, user_id: str, device_id: str, trust: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE e2ee_device SET trust = ? WHERE user_id = ? AND device_id = ?", (trust, user_id, device_id)
            )

    # ----- tracked users -------------------------------------------------------------------------------
    def track(self, users: Iterable[str], *, outdated: bool = True) -> None:
        with self._store.transaction() as db:
            for user in users:
                db.execute(
                    "INSERT INTO e2ee_tracked_user (user_id, outdated) VALUES (?, ?) "
                    "ON CONFLICT(user_id) DO UPDATE SET outdated = max(outdated, excluded.outdated)",
                    (user, int(outdated)),
                )

    def mark_outdated(self, users: Iterable[str]) -> None:
        with self._store.transaction() as db:
            for user in users:
                db.execute("UPDATE e2ee_tracked_user SET outdated = 1 WHERE user_id = ?", (user,))

    def untrack(self, users: Iterable[str]) -> None:
        with self._store.transaction() as db:
            for user in users:
                db.execute("DELETE FROM e2ee_tracked_user WHERE user_id = ?", (user,))

    def outdated_users(self) -> list[str]:
        return [r[0] for r in self._store.query("SELECT user_id FROM e2ee_tracked_user WHERE outdated = 1")]

    def tracked_users(self) -> list[str]:
        return [r[0] for r in self._store.query("SELECT user_id FROM e2ee_tracked_user")]

    def mark_fresh(self, users: Iterable[str]) -> None:
        with self._store.transaction() as db:
            for user in users:
                db.execute("UPDATE e2ee_tracked_user SET outdated = 0 WHERE user_id = ?", (user,))

    # ----- Megolm --------------------------------------------------------------------------------------
    def inbound(self, room_id: str, session_id: str) -> InboundRow | None:
        row = self._store.query_one(
            f"SELECT {_INBOUND} FROM e2ee_inbound_group WHERE room_id = ? AND session_id = ?",
            (room_id, session_id),
        )
        return None if row is None else _inbound(row)

    def save_inbound(self, row: InboundRow) -> None:
        with self._store.transaction() as db:
            db.execute(
                f"INSERT INTO e2ee_inbound_group ({_INBOUND}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(room_id, session_id) DO UPDATE SET pickle = excluded.pickle, "
                "sender_key = excluded.sender_key, signing_key = excluded.signing_key, "
                "forwarded = excluded.forwarded, backed_up = excluded.backed_up",
                (*row[:5], int(row.forwarded), int(row.backed_up)),
            )

    def inbound_not_backed_up(self, limit: int = 500) -> list[InboundRow]:
        rows = self._store.query(
            f"SELECT {_INBOUND} FROM e2ee_inbound_group WHERE backed_up = 0 LIMIT ?", (limit,)
        )
        return [_inbound(r) for r in rows]

    def mark_backed_up(self, keys: Iterable[tuple[str, str]]) -> None:
        with self._store.transaction() as db:
            for room_id, session_id in keys:
                db.execute(
                    "UPDATE e2ee_inbound_group SET backed_up = 1 WHERE room_id = ? AND session_id = ?",
                    (room_id, session_id),
                )

    def inbound_count(self) -> int:
        return int(self._store.query_one("SELECT count(*) FROM e2ee_inbound_group")[0])

    def outbound(self, room_id: str) -> OutboundRow | None:
        row = self._store.query_one(
            "SELECT room_id, pickle, created_at_ms, message_count, shared_with FROM e2ee_outbound_group "
            "WHERE room_id = ?",
            (room_id,),
        )
        return None if row is None else OutboundRow(row[0], row[1], int(row[2]), int(row[3]), json.loads(row[4]))

    def save_outbound(self, row: OutboundRow) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_outbound_group (room_id, pickle, created_at_ms, message_count, shared_with) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(room_id) DO UPDATE SET pickle = excluded.pickle, "
                "created_at_ms = excluded.created_at_ms, message_count = excluded.message_count, "
                "shared_with = excluded.shared_with",
                (row.room_id, row.pickle, row.created_at_ms, row.message_count, json.dumps(sorted(row.shared_with))),
            )

    def drop_outbound(self, room_id: str) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM e2ee_outbound_group WHERE room_id = ?", (room_id,))

    def seen(self, session_id: str, index: int) -> str | None:
        row = self._store.query_one(
            "SELECT event_id FROM e2ee_seen_index WHERE session_id = ? AND message_index = ?", (session_id, index)
        )
        return None if row is None else str(row[0])

    def mark_seen(self, session_id: str, index: int, event_id: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_seen_index (session_id, message_index, event_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (session_id, index, event_id),
            )

    # ----- rooms ---------------------------------------------------------------------------------------
    def room(self, room_id: str) -> RoomSettings | None:
        row = self._store.query_one(
            "SELECT room_id, algorithm, rotation_period_ms, rotation_period_msgs FROM e2ee_room WHERE room_id = ?",
            (room_id,),
        )
        return None if row is None else RoomSettings(row[0], row[1], int(row[2]), int(row[3]))

    def save_room(self, settings: RoomSettings) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_room (room_id, algorithm, rotation_period_ms, rotation_period_msgs) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(room_id) DO UPDATE SET algorithm = excluded.algorithm, "
                "rotation_period_ms = excluded.rotation_period_ms, "
                "rotation_period_msgs = excluded.rotation_period_msgs",
                tuple(settings),
            )

    # ----- per-message trust, pending events, attachment keys ------------------------------------------
    def set_trust_for(self, event_id: str, trust: Trust) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_message_trust (event_id, encrypted, verified, warning) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(event_id) DO UPDATE SET encrypted = excluded.encrypted, "
                "verified = excluded.verified, warning = excluded.warning",
                (event_id, int(trust.encrypted), int(trust.verified), trust.warning),
            )

    def trust_for(self, event_ids: Iterable[str | None]) -> dict[str, Trust]:
        ids = [e for e in event_ids if e]
        out: dict[str, Trust] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._store.query(
                f"SELECT event_id, encrypted, verified, warning FROM e2ee_message_trust WHERE event_id IN ({marks})",
                chunk,
            ):
                out[row[0]] = Trust(bool(row[1]), bool(row[2]), row[3])
        return out

    def add_pending(self, event_id: str, room_id: str, session_id: str, event: dict[str, Any], now_ms: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_pending_event (event_id, room_id, session_id, event, received_ms) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING",
                (event_id, room_id, session_id, json.dumps(event), now_ms),
            )

    def pending_for(self, session_id: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._store.query(
            "SELECT room_id, event FROM e2ee_pending_event WHERE session_id = ? ORDER BY received_ms",
            (session_id,),
        )
        return [(r[0], json.loads(r[1])) for r in rows]

    def pending_sessions(self) -> list[tuple[str, str]]:
        """(room_id, session_id) of every event still waiting for its key."""
        rows = self._store.query("SELECT DISTINCT room_id, session_id FROM e2ee_pending_event")
        return [(r[0], r[1]) for r in rows]

    def resolve_pending(self, event_id: str, body: str | None, msgtype: str | None, trust: Trust) -> None:
        """A late key decrypted a stored event: its message row gets the real text, its trust the flags."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM e2ee_pending_event WHERE event_id = ?", (event_id,))
            if body is not None:
                db.execute(
                    "UPDATE message SET body = ?, msgtype = ? WHERE event_id = ?",
                    (body, msgtype or "m.text", event_id),
                )
            self.set_trust_for(event_id, trust)

    def save_attachment_key(self, mxc_uri: str, file: dict[str, Any]) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO e2ee_attachment_key (mxc_uri, file) VALUES (?, ?) "
                "ON CONFLICT(mxc_uri) DO UPDATE SET file = excluded.file",
                (mxc_uri, json.dumps(file)),
            )

    def attachment_key(self, mxc_uri: str) -> dict[str, Any] | None:
        row = self._store.query_one("SELECT file FROM e2ee_attachment_key WHERE mxc_uri = ?", (mxc_uri,))
        return None if row is None else json.loads(row[0])  # type: ignore[no-any-return]
