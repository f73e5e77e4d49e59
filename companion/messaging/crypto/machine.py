"""The device's cryptographic state and operations (Olm and Megolm with vodozemac), without any network I/O.

``CryptoMachine`` owns the Olm account, Olm sessions, Megolm sessions and the device list, all persisted as
vodozemac pickles through ``companion.store.e2ee`` (inside the SQLCipher store). The network side (key
upload, /keys/query, /keys/claim, to-device sending) is ``companion.messaging.crypto.engine``.

Spec (Client-Server API v1.19, "End-to-End Encryption"): device keys signed with the device's Ed25519 key
over canonical JSON ("Signing JSON"); ``m.olm.v1.curve25519-aes-sha2`` to-device payloads carry ``sender``,
``recipient``, ``recipient_keys`` and ``keys`` which must be checked; ``m.megolm.v1.aes-sha2`` room events
are checked against the session's sender key and replay protection uses (session, message index, event id).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import vodozemac

from companion.i18n import _
from companion.store.e2ee import DeviceRow, E2eeRepo, InboundRow, OutboundRow, RoomSettings, Trust

OLM = "m.olm.v1.curve25519-aes-sha2"
MEGOLM = "m.megolm.v1.aes-sha2"
ALGORITHMS = [OLM, MEGOLM]
OTK_ALGORITHM = "signed_curve25519"
#: m.room.encryption defaults (spec: rotation_period_ms one week, rotation_period_msgs 100).
DEFAULT_ROTATION_MS = 604_800_000
DEFAULT_ROTATION_MSGS = 100
MAX_EVENT_BYTES = 256 * 1024  # a decrypted payload bigger than any event the server would accept


class DecryptionFailure(Exception):
    """``str(error)`` is a plain sentence for the person reading the conversation; ``kind`` a short code."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Decrypted(NamedTuple):
    event: dict[str, Any]  # the event as if sent in the clear: type, content, plus the outer ids
    trust: Trust
    session_id: str


def canonical_json(value: Any) -> bytes:
    """Spec appendix "Canonical JSON": sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64encode(data: bytes) -> str:
    """Unpadded standard base64 (spec appendix "Unpadded Base64")."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64decode(text: str) -> bytes:
    """Accepts padded or unpadded standard base64 (and URL-safe); ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def verify_signed(obj: dict[str, Any], user_id: str, key_id: str, ed25519: str) -> bool:
    """Whether ``obj`` carries a valid signature by ``user_id``/``key_id`` made with ``ed25519``."""
    try:
        signature = obj["signatures"][user_id][key_id]
        unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        key = vodozemac.Ed25519PublicKey.from_base64(ed25519)
        key.verify_signature(canonical_json(unsigned), vodozemac.Ed25519Signature.from_base64(signature))
    except (KeyError, TypeError, ValueError):
        return False
    return True


class CryptoMachine:
    """One device's end-to-end encryption state. Not thread-safe; one per ``Messenger``."""

    def __init__(self, repo: E2eeRepo, user_id: str, device_id: str, now_ms: Callable[[], int]) -> None:
        self.repo = repo
        self.user_id = user_id
        self.device_id = device_id
        self._now = now_ms
        row = repo.account()
        if row is not None and (row.user_id, row.device_id) == (user_id, device_id):
            self._pickle_key = row.pickle_key
            self.account = vodozemac.Account.from_pickle(row.pickle, self._pickle_key)
            self.keys_uploaded = row.keys_uploaded
        else:  # first use, or a new login (another device id): a fresh identity
            self._pickle_key = os.urandom(32)
            self.account = vodozemac.Account()
            repo.create_account(user_id, device_id, self.account.pickle(self._pickle_key), self._pickle_key,
                                now_ms())
            self.keys_uploaded = False
        self.curve25519 = self.account.curve25519_key.to_base64()
        self.ed25519 = self.account.ed25519_key.to_base64()
        self._inbound: dict[tuple[str, str], vodozemac.InboundGroupSession] = {}
        self._outbound: dict[str, tuple[vodozemac.GroupSession, OutboundRow]] = {}

    # ----- account and device keys ---------------------------------------------------------------------
    def save_account(self, *, keys_uploaded: bool | None = None) -> None:
        self.repo.save_account(self.account.pickle(self._pickle_key), keys_uploaded=keys_uploaded)
        if keys_uploaded is not None:
            self.keys_uploaded = keys_uploaded

    def sign(self, obj: dict[str, Any]) -> dict[str, Any]:
        """``obj`` with this device's signature added (``signatures`` and ``unsigned`` are not signed)."""
        unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        signature = self.account.sign(canonical_json(unsigned)).to_base64()
        signatures = dict(obj.get("signatures") or {})
        signatures.setdefault(self.user_id, {})
        signatures[self.user_id] = {**signatures[self.user_id], f"ed25519:{self.device_id}": signature}
        return {**obj, "signatures": signatures}

    def device_keys(self) -> dict[str, Any]:
        return self.sign(
            {
                "user_id": self.user_id,
                "device_id": self.device_id,
                "algorithms": ALGORITHMS,
                "keys": {f"curve25519:{self.device_id}": self.curve25519, f"ed25519:{self.device_id}": self.ed25519},
            }
        )

    def one_time_keys(self, server_count: int) -> dict[str, Any]:
        """Signed one-time keys bringing the server's count up to half the account's capacity (the spec's
        advice; libolm and vodozemac keep at most ``max_number_of_one_time_keys``)."""
        target = self.account.max_number_of_one_time_keys // 2
        missing = target - max(0, server_count)
        if missing > 0:
            self.account.generate_one_time_keys(missing)
        return {
            f"{OTK_ALGORITHM}:{key_id}": self.sign({"key": key.to_base64()})
            for key_id, key in self.account.one_time_keys.items()
        }

    def fallback_keys(self) -> dict[str, Any]:
        # Both exist in vodozemac 0.10's bindings but are missing from its type stubs.
        self.account.generate_fallback_key()  # type: ignore[attr-defined]
        return {
            f"{OTK_ALGORITHM}:{key_id}": self.sign({"key": key.to_base64(), "fallback": True})
            for key_id, key in self.account.fallback_key.items()  # type: ignore[attr-defined]
        }

    def mark_published(self) -> None:
        self.account.mark_keys_as_published()
        self.save_account(keys_uploaded=True)

    # ----- devices -------------------------------------------------------------------------------------
    def update_devices(self, user_id: str, devices: dict[str, Any]) -> list[str]:
        """Apply one user's ``/keys/query`` answer. Returns plain warnings (bad signatures, changed keys).

        A device whose identity keys change under the same device id is blocked: that is what an attacker
        substituting keys looks like, and what the spec says never happens for a real device."""
        warnings: list[str] = []
        seen: list[str] = []
        for device_id, keys in devices.items():
            if not isinstance(device_id, str) or not isinstance(keys, dict):
                continue
            if device_id == self.device_id and user_id == self.user_id:
                seen.append(device_id)
                continue
            key_map = keys.get("keys") if isinstance(keys.get("keys"), dict) else {}
            assert isinstance(key_map, dict)
            curve, ed = key_map.get(f"curve25519:{device_id}"), key_map.get(f"ed25519:{device_id}")
            if (
                keys.get("user_id") != user_id
                or keys.get("device_id") != device_id
                or not isinstance(curve, str)
                or not isinstance(ed, str)
                or not verify_signed(keys, user_id, f"ed25519:{device_id}", ed)
            ):
                warnings.append(
                    _("Ignored device {device} of {user}: its keys are not properly signed.").format(
                        device=device_id, user=user_id
                    )
                )
                continue
            seen.append(device_id)
            unsigned = keys.get("unsigned") if isinstance(keys.get("unsigned"), dict) else {}
            assert isinstance(unsigned, dict)
            name = unsigned.get("device_display_name")
            name = name[:80] if isinstance(name, str) else None
            known = self.repo.device(user_id, device_id)
            if known is not None and (known.curve25519, known.ed25519) != (curve, ed):
                if known.trust != "blocked":
                    warnings.append(
                        _(
                            "The keys of device {device} of {user} changed. Companion no longer encrypts for it "
                            "and marks its messages; verify the device again if this was expected."
                        ).format(device=device_id, user=user_id)
                    )
                self.repo.save_device(known._replace(trust="blocked", deleted=False, display_name=name))
                continue
            trust = known.trust if known is not None else "unverified"
            self.repo.save_device(DeviceRow(user_id, device_id, curve, ed, name, trust, False))
        self.repo.mark_devices_deleted(user_id, seen)
        return warnings

    def device_for_key(self, curve25519: str) -> DeviceRow | None:
        return self.repo.device_by_curve(curve25519)

    # ----- Olm -----------------------------------------------------------------------------------------
    def has_olm_session(self, curve25519: str) -> bool:
        return bool(self.repo.olm_sessions(curve25519))

    def create_outbound_olm(self, device: DeviceRow, claimed: dict[str, Any]) -> bool:
        """A new Olm session from a ``/keys/claim`` answer for ``device``; False if its key is not signed."""
        for key_id, value in claimed.items():
            if not isinstance(key_id, str) or not key_id.startswith(OTK_ALGORITHM + ":") or not isinstance(value, dict):
                continue
            if not verify_signed(value, device.user_id, f"ed25519:{device.device_id}", device.ed25519):
                return False
            try:
                otk = vodozemac.Curve25519PublicKey.from_base64(str(value.get("key")))
                identity = vodozemac.Curve25519PublicKey.from_base64(device.curve25519)
            except (ValueError, TypeError):
                return False
            session = self.account.create_outbound_session(identity, otk)
            self.repo.save_olm_session(session.session_id, device.curve25519, session.pickle(self._pickle_key),
                                       self._now())
            return True
        return False

    def encrypt_olm(self, device: DeviceRow, event_type: str, content: dict[str, Any]) -> dict[str, Any]:
        """An ``m.room.encrypted`` to-device content for ``device`` (which must have an Olm session)."""
        sessions = self.repo.olm_sessions(device.curve25519)
        if not sessions:
            raise LookupError("no Olm session")
        session_id, pickle = sessions[0]
        session = vodozemac.Session.from_pickle(pickle, self._pickle_key)
        payload = {
            "type": event_type,
            "content": content,
            "sender": self.user_id,
            "sender_device": self.device_id,
            "recipient": device.user_id,
            "recipient_keys": {"ed25519": device.ed25519},
            "keys": {"ed25519": self.ed25519},
        }
        message_type, ciphertext = session.encrypt(canonical_json(payload)).to_parts()
        self.repo.save_olm_session(session_id, device.curve25519, session.pickle(self._pickle_key), self._now())
        return {
            "algorithm": OLM,
            "sender_key": self.curve25519,
            "ciphertext": {device.curve25519: {"type": message_type, "body": b64encode(ciphertext)}},
        }

    def decrypt_olm(self, event: dict[str, Any]) -> dict[str, Any]:
        """A to-device ``m.room.encrypted`` event → its checked plaintext payload (``type``, ``content``,
        ``sender``, ``keys``, plus ``sender_key``). Raises ``DecryptionFailure``."""
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(content, dict)
        sender = event.get("sender")
        sender_key = content.get("sender_key")
        ciphertext = content.get("ciphertext")
        if content.get("algorithm") != OLM or not isinstance(sender_key, str) or not isinstance(ciphertext, dict):
            raise DecryptionFailure("malformed", _("An encrypted message from another device was malformed."))
        mine = ciphertext.get(self.curve25519)
        if not isinstance(mine, dict) or mine.get("type") not in (0, 1) or not isinstance(mine.get("body"), str):
            raise DecryptionFailure("not-for-us", _("An encrypted message was not meant for this device."))
        try:
            raw = b64decode(mine["body"])
            identity = vodozemac.Curve25519PublicKey.from_base64(sender_key)
            message = vodozemac.AnyOlmMessage.from_parts(int(mine["type"]), raw)
        except (ValueError, TypeError):
            raise DecryptionFailure("malformed", _("An encrypted message from another device was malformed.")) from None
        plaintext = self._olm_decrypt(sender_key, identity, message)
        try:
            payload = json.loads(plaintext)
        except (ValueError, UnicodeDecodeError):
            raise DecryptionFailure("malformed", _("A decrypted message from another device was not valid.")) from None
        keys = payload.get("keys") if isinstance(payload, dict) else None
        recipient_keys = payload.get("recipient_keys") if isinstance(payload, dict) else None
        if (
            not isinstance(payload, dict)
            or payload.get("sender") != sender
            or payload.get("recipient") != self.user_id
            or not isinstance(recipient_keys, dict)
            or recipient_keys.get("ed25519") != self.ed25519
            or not isinstance(keys, dict)
            or not isinstance(keys.get("ed25519"), str)
            or not isinstance(payload.get("type"), str)
            or not isinstance(payload.get("content"), dict)
        ):
            raise DecryptionFailure("forged", _("An encrypted message from another device had forged addressing."))
        known = self.repo.device_by_curve(sender_key)
        if known is not None and (known.user_id != sender or known.ed25519 != keys["ed25519"]):
            raise DecryptionFailure("forged", _("An encrypted message claimed to come from a device it did not."))
        payload["sender_key"] = sender_key
        return payload

    def _olm_decrypt(
        self, sender_key: str, identity: vodozemac.Curve25519PublicKey, message: vodozemac.AnyOlmMessage
    ) -> bytes:
        pre_key = message.to_pre_key()
        for session_id, pickle in self.repo.olm_sessions(sender_key):
            session = vodozemac.Session.from_pickle(pickle, self._pickle_key)
            if pre_key is not None and not session.session_matches(pre_key):
                continue
            try:
                plaintext = session.decrypt(message)
            except (vodozemac.OlmDecryptionException, ValueError):
                if pre_key is not None:
                    raise DecryptionFailure(
                        "replayed", _("An encrypted message was replayed or damaged; it was ignored.")
                    ) from None
                continue
            self.repo.save_olm_session(session_id, sender_key, session.pickle(self._pickle_key), self._now())
            return plaintext
        if pre_key is None:
            raise DecryptionFailure(
                "unknown-olm", _("An encrypted message from another device could not be decrypted (replayed, "
                                 "damaged, or for a lost session).")
            )
        try:
            session, plaintext = self.account.create_inbound_session(identity, pre_key)
        except (vodozemac.SessionCreationException, ValueError):
            raise DecryptionFailure(
                "replayed", _("An encrypted message was replayed or used an unknown one-time key; it was ignored.")
            ) from None
        with self.repo.transaction():
            self.save_account()  # the one-time key is used up: never again
            self.repo.save_olm_session(session.session_id, sender_key, session.pickle(self._pickle_key), self._now())
        return plaintext

    # ----- Megolm: inbound -----------------------------------------------------------------------------
    def add_inbound(
        self,
        room_id: str,
        session_key: str,
        sender_key: str,
        signing_key: str,
        *,
        exported: bool = False,
        backed_up: bool = False,
    ) -> str | None:
        """Store a Megolm session (m.room_key, forwarded, or from backup); keeps the one that reaches
        further back. Returns the session id when it was new or better, else None."""
        try:
            if exported:
                session = vodozemac.InboundGroupSession.import_session(vodozemac.ExportedSessionKey(session_key))
            else:
                session = vodozemac.InboundGroupSession(vodozemac.SessionKey(session_key))
        except (ValueError, TypeError):
            return None
        session_id = session.session_id
        known = self._load_inbound(room_id, session_id)
        if known is not None and known.first_known_index <= session.first_known_index:
            return None
        row = self.repo.inbound(room_id, session_id)
        if row is not None and row.sender_key != sender_key:
            return None  # the same session id from another device: refuse (cannot both be genuine)
        self.repo.save_inbound(
            InboundRow(room_id, session_id, sender_key, signing_key, session.pickle(self._pickle_key), exported,
                       backed_up)
        )
        self._inbound[(room_id, session_id)] = session
        return session_id

    def _load_inbound(self, room_id: str, session_id: str) -> vodozemac.InboundGroupSession | None:
        cached = self._inbound.get((room_id, session_id))
        if cached is not None:
            return cached
        row = self.repo.inbound(room_id, session_id)
        if row is None:
            return None
        session = vodozemac.InboundGroupSession.from_pickle(row.pickle, self._pickle_key)
        self._inbound[(room_id, session_id)] = session
        return session

    def export_inbound(self, room_id: str, session_id: str) -> tuple[InboundRow, str] | None:
        """(row, exported session key at its first known index), e.g. for a key backup or forwarding."""
        row = self.repo.inbound(room_id, session_id)
        session = self._load_inbound(room_id, session_id)
        if row is None or session is None:
            return None
        exported = session.export_at(session.first_known_index)
        return None if exported is None else (row, exported.to_base64())

    def first_known_index(self, room_id: str, session_id: str) -> int | None:
        session = self._load_inbound(room_id, session_id)
        return None if session is None else session.first_known_index

    def decrypt_room_event(self, room_id: str, event: dict[str, Any]) -> Decrypted:
        """An ``m.room.encrypted`` timeline event → the event it carries, with its trust. Raises
        ``DecryptionFailure`` (``unknown-session`` when the key has not arrived: keep and retry)."""
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(content, dict)
        event_id, sender = event.get("event_id"), event.get("sender")
        session_id, ciphertext = content.get("session_id"), content.get("ciphertext")
        if content.get("algorithm") != MEGOLM:
            raise DecryptionFailure("algorithm", _("This message uses an encryption Companion does not know."))
        if not isinstance(session_id, str) or not isinstance(ciphertext, str) or not isinstance(event_id, str):
            raise DecryptionFailure("malformed", _("This encrypted message is malformed."))
        session = self._load_inbound(room_id, session_id)
        if session is None:
            raise DecryptionFailure(
                "unknown-session",
                _("This message could not be decrypted yet: its key has not arrived. Companion asked the "
                  "sender's devices for it."),
            )
        try:
            message = vodozemac.MegolmMessage.from_base64(ciphertext)
            result = session.decrypt(message)
        except (vodozemac.MegolmDecryptionException, vodozemac.DecodeException, ValueError):
            raise DecryptionFailure(
                "undecryptable", _("This message could not be decrypted (damaged, or from before the key you "
                                   "have).")
            ) from None
        earlier = self.repo.seen(session_id, result.message_index)
        if earlier is not None and earlier != event_id:
            raise DecryptionFailure("replayed", _("This message is a replay of an earlier one; it was not shown."))
        if len(result.plaintext) > MAX_EVENT_BYTES:
            raise DecryptionFailure("malformed", _("This encrypted message is malformed."))
        try:
            payload = json.loads(result.plaintext)
        except (ValueError, UnicodeDecodeError):
            raise DecryptionFailure("malformed", _("This encrypted message is malformed.")) from None
        if (
            not isinstance(payload, dict)
            or payload.get("room_id") != room_id
            or not isinstance(payload.get("type"), str)
            or not isinstance(payload.get("content"), dict)
        ):
            raise DecryptionFailure("forged", _("This encrypted message names another room; it was not shown."))
        if earlier is None:
            self.repo.mark_seen(session_id, result.message_index, event_id)
        trust = self._trust(room_id, session_id, sender)
        inner = {**{k: v for k, v in event.items() if k not in ("content", "type")},
                 "type": payload["type"], "content": payload["content"]}
        return Decrypted(inner, trust, session_id)

    def _trust(self, room_id: str, session_id: str, sender: object) -> Trust:
        row = self.repo.inbound(room_id, session_id)
        if row is None:  # pragma: no cover - we just decrypted with it
            return Trust(True, False, None)
        if row.sender_key == self.curve25519:
            return Trust(True, True, None)  # our own session
        device = self.repo.device_by_curve(row.sender_key)
        if device is None:
            return Trust(True, False, _("Sent from a device Companion does not know (yet)."))
        if device.user_id != sender or device.ed25519 != row.signing_key:
            return Trust(True, False, _("Warning: the key of this message belongs to another device than the "
                                        "sender's. It may not be genuine."))
        if device.trust == "blocked":
            return Trust(True, False, _("Warning: sent from a device whose keys changed."))
        if device.trust == "verified":
            return Trust(True, True, None)
        return Trust(True, False, None if row.forwarded is False else _("The key was forwarded by another device."))

    # ----- Megolm: outbound ----------------------------------------------------------------------------
    def room_settings(self, room_id: str) -> RoomSettings:
        return self.repo.room(room_id) or RoomSettings(room_id, MEGOLM, DEFAULT_ROTATION_MS, DEFAULT_ROTATION_MSGS)

    def set_room_encryption(self, room_id: str, content: dict[str, Any]) -> None:
        """Remember a room's ``m.room.encryption`` (its rotation limits; spec: ms and message count)."""
        period_ms = content.get("rotation_period_ms")
        period_msgs = content.get("rotation_period_msgs")
        self.repo.save_room(
            RoomSettings(
                room_id,
                str(content.get("algorithm") or MEGOLM),
                period_ms if isinstance(period_ms, int) and not isinstance(period_ms, bool) and period_ms > 0
                else DEFAULT_ROTATION_MS,
                period_msgs if isinstance(period_msgs, int) and not isinstance(period_msgs, bool)
                and period_msgs > 0 else DEFAULT_ROTATION_MSGS,
            )
        )

    def is_encrypted(self, room_id: str) -> bool:
        return self.repo.room(room_id) is not None

    def rotate(self, room_id: str) -> None:
        """Discard the room's outbound session: the next message starts a new one (membership changed)."""
        self._outbound.pop(room_id, None)
        self.repo.drop_outbound(room_id)

    def outbound(self, room_id: str, recipients: list[DeviceRow]) -> tuple[vodozemac.GroupSession, list[DeviceRow]]:
        """The room's current outbound session (a new one when due) and the recipients still lacking its key.

        Rotation (spec "Megolm"): after ``rotation_period_msgs`` messages, after ``rotation_period_ms``, and
        when a device that had the key is no longer among the recipients (it left, or was blocked)."""
        settings = self.room_settings(room_id)
        current = self._outbound.get(room_id)
        if current is None:
            row = self.repo.outbound(room_id)
            if row is not None:
                current = (vodozemac.GroupSession.from_pickle(row.pickle, self._pickle_key), row)
        wanted = {f"{d.user_id}|{d.device_id}" for d in recipients}
        if current is not None:
            session, row = current
            if (
                row.message_count >= settings.rotation_period_msgs
                or self._now() - row.created_at_ms >= settings.rotation_period_ms
                or set(row.shared_with) - wanted
            ):
                current = None
        if current is None:
            session = vodozemac.GroupSession()
            row = OutboundRow(room_id, session.pickle(self._pickle_key), self._now(), 0, [])
            with self.repo.transaction():
                self.repo.save_outbound(row)
                self.add_inbound(room_id, session.session_key.to_base64(), self.curve25519, self.ed25519)
            current = (session, row)
        self._outbound[room_id] = current
        session, row = current
        missing = [d for d in recipients if f"{d.user_id}|{d.device_id}" not in row.shared_with]
        return session, missing

    def room_key_content(self, room_id: str, session: vodozemac.GroupSession) -> dict[str, Any]:
        return {
            "algorithm": MEGOLM,
            "room_id": room_id,
            "session_id": session.session_id,
            "session_key": session.session_key.to_base64(),
        }

    def mark_shared(self, room_id: str, devices: list[DeviceRow]) -> None:
        session, row = self._outbound[room_id]
        row = row._replace(shared_with=sorted({*row.shared_with, *(f"{d.user_id}|{d.device_id}" for d in devices)}))
        self.repo.save_outbound(row)
        self._outbound[room_id] = (session, row)

    def encrypt_room_event(self, room_id: str, event_type: str, content: dict[str, Any]) -> dict[str, Any]:
        """Encrypt with the room's current outbound session (``outbound`` must have been called and its key
        shared). The ratchet's new state is saved before the ciphertext leaves."""
        session, row = self._outbound[room_id]
        payload = {"type": event_type, "content": content, "room_id": room_id}
        ciphertext = session.encrypt(canonical_json(payload)).to_base64()
        row = row._replace(pickle=session.pickle(self._pickle_key), message_count=row.message_count + 1)
        self.repo.save_outbound(row)
        self._outbound[room_id] = (session, row)
        return {
            "algorithm": MEGOLM,
            "sender_key": self.curve25519,
            "device_id": self.device_id,
            "session_id": session.session_id,
            "ciphertext": ciphertext,
        }
