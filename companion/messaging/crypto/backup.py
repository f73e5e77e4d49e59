"""Server-side key backup (spec v1.19 "Server-side key backups", ``m.megolm_backup.v1.curve25519-aes-sha2``).

Every Megolm session this device can decrypt with is encrypted to the backup's Curve25519 public key
(ECDH with an ephemeral key, HKDF-SHA-256, AES-256-CBC and a truncated HMAC, as libolm's PkEncryption does;
vodozemac's ``PkEncryption`` is that scheme) and uploaded with ``PUT /room_keys/keys``. The private key is
the patient's **recovery key**, shown once: a new device restores the history with it. Companion keeps
only the public key; the server never sees either the sessions or the recovery key.

Recovery key format (spec "Key representation"): bytes 0x8B 0x01, the 32-byte private key, one parity byte
(XOR of all bytes before it), base58 (Bitcoin alphabet), in groups of four characters.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple

import vodozemac

from companion.i18n import _
from companion.messaging.client import CLIENT
from companion.messaging.crypto.machine import MEGOLM, b64decode, b64encode, canonical_json
from companion.messaging.errors import MatrixError

if TYPE_CHECKING:
    from companion.messaging.crypto.engine import Encryption

BACKUP_ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2"
PREFIX = b"\x8b\x01"
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class BackupError(Exception):
    """``str(error)`` is one plain sentence (wrong recovery key, damaged backup, no backup)."""


class RestoreReport(NamedTuple):
    imported: int
    damaged: int


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = ALPHABET[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = ALPHABET.find(char)
        if index < 0:
            raise ValueError(char)
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def encode_recovery_key(private_key: bytes) -> str:
    raw = PREFIX + private_key
    parity = 0
    for byte in raw:
        parity ^= byte
    text = _b58encode(raw + bytes([parity]))
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def decode_recovery_key(text: str) -> bytes:
    """The 32-byte private key; ``BackupError`` for anything that is not a valid recovery key."""
    cleaned = "".join(str(text).split())
    try:
        raw = _b58decode(cleaned)
    except ValueError:
        raise BackupError(_("That is not a recovery key (it contains characters a recovery key never has).")) from None
    parity = 0
    for byte in raw:
        parity ^= byte
    if len(raw) != 35 or raw[:2] != PREFIX or parity != 0:
        raise BackupError(_("That is not a valid recovery key: check it for typing mistakes."))
    return raw[2:34]


def encrypt_session(public_key: str, session: dict[str, Any]) -> dict[str, str]:
    encryption = vodozemac.PkEncryption.from_key(vodozemac.Curve25519PublicKey.from_base64(public_key))
    message = encryption.encrypt(canonical_json(session))
    return {
        "ciphertext": b64encode(message.ciphertext),
        "mac": b64encode(message.mac),
        "ephemeral": b64encode(message.ephemeral_key),
    }


def decrypt_session(private_key: bytes, session_data: dict[str, Any]) -> dict[str, Any]:
    """One backed-up session → its plaintext object; ValueError when damaged or for another key."""
    decryption = vodozemac.PkDecryption.from_key(vodozemac.Curve25519SecretKey.from_bytes(private_key))
    message = vodozemac.Message(
        b64decode(session_data["ciphertext"]), b64decode(session_data["mac"]), b64decode(session_data["ephemeral"])
    )
    plain = json.loads(decryption.decrypt(message))
    if not isinstance(plain, dict) or not isinstance(plain.get("session_key"), str):
        raise ValueError("not a session")
    return plain


def public_key_of(private_key: bytes) -> str:
    return vodozemac.Curve25519SecretKey.from_bytes(private_key).public_key().to_base64()


class KeyBackup:
    """The backup this device writes to (``version`` on the server, ``public_key`` kept locally)."""

    def __init__(self, engine: Encryption, version: str, public_key: str) -> None:
        self.engine = engine
        self.version = version
        self.public_key = public_key

    @classmethod
    async def create(cls, engine: Encryption) -> tuple[KeyBackup, str]:
        """A new backup version on the server; returns it and the recovery key to show the patient once."""
        secret = vodozemac.Curve25519SecretKey()
        private = secret.to_bytes()
        public = secret.public_key().to_base64()
        auth_data = engine.machine.sign({"public_key": public})
        body = await engine.client.request(
            "POST", f"{CLIENT}/room_keys/version", json_body={"algorithm": BACKUP_ALGORITHM, "auth_data": auth_data}
        )
        version = str(body.get("version") or "")
        if not version:
            raise BackupError(_("The homeserver did not create the key backup."))
        engine.repo.set_backup(version, public)
        backup = cls(engine, version, public)
        engine.backup = backup
        await backup.upload_pending()
        return backup, encode_recovery_key(private)

    async def upload_pending(self) -> int:
        """Upload every session not in the backup yet (in batches). Returns how many went up."""
        total = 0
        machine = self.engine.machine
        while True:
            rows = self.engine.repo.inbound_not_backed_up(200)
            if not rows:
                return total
            rooms: dict[str, Any] = {}
            for row in rows:
                exported = machine.export_inbound(row.room_id, row.session_id)
                if exported is None:
                    continue
                _row, key = exported
                session = {
                    "algorithm": MEGOLM,
                    "sender_key": row.sender_key,
                    "session_key": key,
                    "sender_claimed_keys": {"ed25519": row.signing_key},
                    "forwarding_curve25519_key_chain": [],
                }
                sessions = rooms.setdefault(row.room_id, {"sessions": {}})["sessions"]
                sessions[row.session_id] = {
                    "first_message_index": machine.first_known_index(row.room_id, row.session_id) or 0,
                    "forwarded_count": 1 if row.forwarded else 0,
                    "is_verified": False,
                    "session_data": encrypt_session(self.public_key, session),
                }
            await self.engine.client.request(
                "PUT", f"{CLIENT}/room_keys/keys", params={"version": self.version}, json_body={"rooms": rooms}
            )
            self.engine.repo.mark_backed_up((r.room_id, r.session_id) for r in rows)
            total += len(rows)


async def restore(engine: Encryption, recovery_key: str) -> RestoreReport:
    """Import every session of the server's current backup with the patient's recovery key, then decrypt
    what was waiting for those keys. ``BackupError`` for a wrong key or a missing backup; damaged entries
    are counted, never fatal."""
    private = decode_recovery_key(recovery_key)
    try:
        info = await engine.client.request("GET", f"{CLIENT}/room_keys/version")
    except MatrixError as exc:
        if exc.status == 404:
            raise BackupError(_("There is no key backup on the homeserver.")) from None
        raise
    auth = info.get("auth_data") if isinstance(info.get("auth_data"), dict) else {}
    assert isinstance(auth, dict)
    version = info.get("version")
    if info.get("algorithm") != BACKUP_ALGORITHM or not isinstance(version, str):
        raise BackupError(_("The key backup on the homeserver uses a format Companion does not know."))
    if auth.get("public_key") != public_key_of(private):
        raise BackupError(_("That recovery key does not open this key backup (wrong key?)."))
    engine.repo.set_backup(version, auth["public_key"])  # before importing: restored keys are backed up
    body = await engine.client.request("GET", f"{CLIENT}/room_keys/keys", params={"version": version})
    imported = damaged = 0
    rooms = body.get("rooms") if isinstance(body.get("rooms"), dict) else {}
    assert isinstance(rooms, dict)
    for room_id, room in rooms.items():
        sessions = room.get("sessions") if isinstance(room, dict) else None
        if not isinstance(room_id, str) or not isinstance(sessions, dict):
            damaged += 1
            continue
        for session_id, entry in sessions.items():
            try:
                plain = decrypt_session(private, entry["session_data"])
                claimed = plain.get("sender_claimed_keys") or {}
                added = engine.machine.add_inbound(
                    room_id, plain["session_key"], str(plain.get("sender_key")), str(claimed.get("ed25519")),
                    exported=True, backed_up=True,
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                damaged += 1
                continue
            if added is not None and added != session_id:
                damaged += 1  # the entry's session is not the one it is filed under
                continue
            imported += 1 if added else 0
    engine.backup = KeyBackup(engine, version, auth["public_key"])
    await engine.retry_pending()
    return RestoreReport(imported, damaged)
