"""Bluetooth scale state: paired devices, UDS user slots, replay de-duplication, decode-error log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from companion.domain.measurement import Measurement
from companion.domain.model import Profile

if TYPE_CHECKING:
    from companion.store.db import Store

#: How many decode errors are kept for support (oldest dropped first).
MAX_DECODE_ERRORS = 500


@dataclass(frozen=True, slots=True)
class PairedScale:
    address: str
    name: str | None
    protocol: str
    transport: str
    paired_at: datetime
    last_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserSlot:
    address: str
    user_index: int
    consent_code: int
    profile_id: int


@dataclass(frozen=True, slots=True)
class DecodeErrorEntry:
    timestamp: datetime
    address: str | None
    source: str
    payload_hex: str
    reason: str


def _scale(row: tuple[object, ...]) -> PairedScale:
    address, name, protocol, transport, paired_at, last_seen = row
    return PairedScale(
        str(address),
        None if name is None else str(name),
        str(protocol),
        str(transport),
        datetime.fromisoformat(str(paired_at)),
        None if last_seen is None else datetime.fromisoformat(str(last_seen)),
    )


class BleRepository:
    """``BleRepository(store)``: everything the BLE capability keeps (only this module runs its SQL)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ----- paired devices ------------------------------------------------------------------------------
    def remember(self, address: str, name: str | None, protocol: str, transport: str) -> PairedScale:
        now = self._store.clock.now().isoformat()
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO ble_device(address, name, protocol, transport, paired_at, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET name = excluded.name, "
                "protocol = excluded.protocol, transport = excluded.transport, last_seen = "
                "excluded.last_seen",
                (address, name, protocol, transport, now, now),
            )
        found = self.get(address)
        assert found is not None
        return found

    def get(self, address: str) -> PairedScale | None:
        row = self._store.query_one(
            "SELECT address, name, protocol, transport, paired_at, last_seen FROM ble_device WHERE "
            "address = ?",
            (address,),
        )
        return None if row is None else _scale(row)

    def paired(self) -> list[PairedScale]:
        rows = self._store.query(
            "SELECT address, name, protocol, transport, paired_at, last_seen FROM ble_device ORDER BY "
            "paired_at"
        )
        return [_scale(r) for r in rows]

    def touch(self, address: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE ble_device SET last_seen = ? WHERE address = ?",
                (self._store.clock.now().isoformat(), address),
            )

    def forget(self, address: str) -> bool:
        with self._store.transaction() as db:
            cur = db.execute("DELETE FROM ble_device WHERE address = ?", (address,))
            return bool(cur.rowcount)

    # ----- per-device keys (companion.ble.keys decides keyring or store) --------------------------------------
    def remember_with_key(
        self, address: str, name: str | None, protocol: str, transport: str, storage: str, key: bytes | None
    ) -> PairedScale:
        """A paired scale and where its key is, in one transaction (nothing half-stored)."""
        with self._store.transaction() as db:
            scale = self.remember(address, name, protocol, transport)
            db.execute(
                "INSERT INTO ble_device_key(address, storage, key) VALUES (?, ?, ?) ON CONFLICT(address) DO "
                "UPDATE SET storage = excluded.storage, key = excluded.key",
                (address, storage, key),
            )
        return scale

    def key_entry(self, address: str) -> tuple[str, bytes | None] | None:
        """``(storage, key)`` for a scale with a key (key only when kept in the store), else ``None``."""
        row = self._store.query_one("SELECT storage, key FROM ble_device_key WHERE address = ?", (address,))
        if row is None:
            return None
        return str(row[0]), None if row[1] is None else bytes(row[1])

    # ----- UDS user slots ------------------------------------------------------------------------------
    def set_slot(self, address: str, user_index: int, consent_code: int, profile_id: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "DELETE FROM ble_user_slot WHERE address = ? AND profile_id = ?", (address, profile_id)
            )
            db.execute(
                "INSERT INTO ble_user_slot(address, user_index, consent_code, profile_id) VALUES (?, ?, "
                "?, ?) "
                "ON CONFLICT(address, user_index) DO UPDATE SET consent_code = excluded.consent_code, "
                "profile_id = excluded.profile_id",
                (address, user_index, consent_code, profile_id),
            )

    def remember_user_slot(
        self,
        address: str,
        name: str | None,
        protocol: str,
        user_index: int,
        consent_code: int,
        profile: Profile,
    ) -> None:
        """A new UDS registration: device, slot with its consent code and the profile's index, at once."""
        from dataclasses import replace

        assert profile.id is not None
        with self._store.transaction():
            self.remember(address, name, protocol, "gatt")
            self.set_slot(address, user_index, consent_code, profile.id)
            self._store.profiles.update(replace(profile, scale_user_index=user_index))

    def slot_for_profile(self, address: str, profile_id: int) -> UserSlot | None:
        row = self._store.query_one(
            "SELECT address, user_index, consent_code, profile_id FROM ble_user_slot "
            "WHERE address = ? AND profile_id = ?",
            (address, profile_id),
        )
        return None if row is None else UserSlot(*row)

    def slots(self, address: str) -> list[UserSlot]:
        rows = self._store.query(
            "SELECT address, user_index, consent_code, profile_id FROM ble_user_slot WHERE address = ? "
            "ORDER BY user_index",
            (address,),
        )
        return [UserSlot(*r) for r in rows]

    def slot_for_index(self, address: str, user_index: int) -> UserSlot | None:
        row = self._store.query_one(
            "SELECT address, user_index, consent_code, profile_id FROM ble_user_slot "
            "WHERE address = ? AND user_index = ?",
            (address, user_index),
        )
        return None if row is None else UserSlot(*row)

    def forget_slot(self, address: str, user_index: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "DELETE FROM ble_user_slot WHERE address = ? AND user_index = ?", (address, user_index)
            )

    # ----- readings ------------------------------------------------------------------------------------
    def seen(self, address: str, fingerprint: str) -> bool:
        return (
            self._store.query_one(
                "SELECT 1 FROM ble_reading_seen WHERE address = ? AND fingerprint = ?", (address, fingerprint)
            )
            is not None
        )

    def commit_reading(self, address: str, fingerprint: str, measurement: Measurement) -> int | None:
        """Store the measurement and mark the reading seen, atomically.

        Returns the new measurement id, or ``None`` when this reading (or the same weigh-in) was already
        stored. Raises ``privacy.ProcessingNotAllowed`` without the health-data consent (nothing written).
        """
        with self._store.transaction() as db:
            if self.seen(address, fingerprint):
                return None
            measurement_id = self._store.measurements.add(measurement)
            db.execute(
                "INSERT INTO ble_reading_seen(address, fingerprint, seen_at, measurement_id) VALUES (?, "
                "?, ?, ?)",
                (address, fingerprint, self._store.clock.now().isoformat(), measurement_id),
            )
            return measurement_id

    # ----- diagnostics ---------------------------------------------------------------------------------
    def log_decode_error(self, address: str | None, source: str, payload: bytes, reason: str) -> bool:
        """Keep a bad packet for support, only when the user allowed diagnostics. Returns whether it was
        kept."""
        from companion.privacy.gate import allowed

        if not allowed(self._store, "diagnostics"):
            return False
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO ble_decode_error(ts, address, source, payload, reason) VALUES (?, ?, ?, ?, ?)",
                (self._store.clock.now().isoformat(), address, source, payload[:64].hex(), reason[:300]),
            )
            db.execute(
                "DELETE FROM ble_decode_error WHERE id NOT IN "
                "(SELECT id FROM ble_decode_error ORDER BY id DESC LIMIT ?)",
                (MAX_DECODE_ERRORS,),
            )
        return True

    def decode_errors(self, limit: int = 50) -> list[DecodeErrorEntry]:
        rows = self._store.query(
            "SELECT ts, address, source, payload, reason FROM ble_decode_error ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [DecodeErrorEntry(datetime.fromisoformat(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
