"""The database key (DEK): a random 256-bit key kept in the OS keyring, or wrapped by a passphrase.

Key file ``key.json`` (in the data directory, mode 0600) never holds the key in the clear:

* ``mode: keyring``: only a random key id; the hex DEK lives in the OS keyring under service ``companion``.
* ``mode: passphrase``: the DEK encrypted with AES-256-GCM under a key derived from the passphrase with
  scrypt (RFC 7914; n=2**15, r=8, p=1: about 100 ms and 32 MiB, the parameters OWASP lists for scrypt).
  The key id is the AEAD's associated data, so a wrapped key cannot be swapped between files.
  A wrong passphrase fails the GCM tag check before the database file is opened at all.

Destroying the key (``destroy``) removes the keyring entry and the key file: without them the database is
unreadable (crypto-shredding).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.store.errors import (
    CorruptKeyFile,
    KeyMissing,
    KeyringUnavailable,
    PassphraseRequired,
    WrongPassphrase,
)

KEYRING_SERVICE = "companion"
KEY_FILE = "key.json"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
DEK_BYTES = 32


def keyring_usable() -> bool:
    """True when an OS keyring backend that actually stores secrets is configured."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    backends = getattr(backend, "backends", None)
    if backends is not None and not backends:
        return False
    try:
        return float(getattr(backend, "priority", 1)) > 0
    except Exception:
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


@dataclass(frozen=True)
class KeyInfo:
    mode: str  # "keyring" | "passphrase"
    key_id: str


class KeyVault:
    """Creates, unlocks and destroys the database key for one data directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / KEY_FILE

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise CorruptKeyFile(self.path) from None
        if not isinstance(data, dict) or data.get("mode") not in ("keyring", "passphrase"):
            raise CorruptKeyFile(self.path)
        if not isinstance(data.get("key_id"), str) or not re.fullmatch(r"[0-9a-f]{1,64}", data["key_id"]):
            raise CorruptKeyFile(self.path)
        return data

    def info(self) -> KeyInfo:
        data = self._read()
        return KeyInfo(str(data["mode"]), str(data["key_id"]))

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def _write_wrapped(self, dek: bytes, passphrase: str, key_id: str) -> None:
        wrapped = self._wrap(dek, passphrase, key_id)
        self._write({"version": 1, "mode": "passphrase", "key_id": key_id, **wrapped})

    @staticmethod
    def _wrap(dek: bytes, passphrase: str, key_id: str) -> dict[str, Any]:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = _kek(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        wrapped = AESGCM(kek).encrypt(nonce, dek, key_id.encode("ascii"))
        return {
            "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": _b64(salt), "cipher": "AES-256-GCM", "nonce": _b64(nonce), "wrapped": _b64(wrapped),
        }

    def create(self, passphrase: str | None) -> bytes:
        """Make a new DEK; keep it in the keyring, or (passphrase given, or no keyring) wrap it."""
        dek = secrets.token_bytes(DEK_BYTES)
        key_id = secrets.token_hex(16)
        if passphrase:
            self._write_wrapped(dek, passphrase, key_id)
            return dek
        if not keyring_usable():
            raise PassphraseRequired()
        import keyring

        try:
            keyring.set_password(KEYRING_SERVICE, f"database-key:{key_id}", dek.hex())
        except Exception as exc:
            raise KeyringUnavailable(type(exc).__name__) from None
        self._write({"version": 1, "mode": "keyring", "key_id": key_id})
        return dek

    def unlock(self, passphrase: str | None) -> bytes:
        data = self._read()
        key_id = str(data["key_id"])
        if data["mode"] == "keyring":
            import keyring

            try:
                secret = keyring.get_password(KEYRING_SERVICE, f"database-key:{key_id}")
            except Exception as exc:
                raise KeyringUnavailable(type(exc).__name__) from None
            if secret is None:
                raise KeyMissing()
            try:
                return bytes.fromhex(secret)
            except ValueError:
                raise KeyMissing() from None
        if not passphrase:
            raise PassphraseRequired()
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            salt, nonce, wrapped = _unb64(data["salt"]), _unb64(data["nonce"]), _unb64(data["wrapped"])
            n, r, p = int(data["n"]), int(data["r"]), int(data["p"])
        except (KeyError, ValueError, TypeError):
            raise CorruptKeyFile(self.path) from None
        try:
            kek = _kek(passphrase, salt, n, r, p)
            return AESGCM(kek).decrypt(nonce, wrapped, key_id.encode("ascii"))
        except InvalidTag:
            raise WrongPassphrase() from None
        except ValueError:
            raise CorruptKeyFile(self.path) from None

    def change_passphrase(self, dek: bytes, passphrase: str | None) -> None:
        """Re-wrap the same DEK under a new passphrase (or move it into the keyring with ``None``)."""
        old = self._read()
        key_id = secrets.token_hex(16)
        if passphrase:
            self._write_wrapped(dek, passphrase, key_id)
        else:
            if not keyring_usable():
                raise PassphraseRequired()
            import keyring

            try:
                keyring.set_password(KEYRING_SERVICE, f"database-key:{key_id}", dek.hex())
            except Exception as exc:
                raise KeyringUnavailable(type(exc).__name__) from None
            self._write({"version": 1, "mode": "keyring", "key_id": key_id})
        self._forget_keyring_entry(old)

    def _forget_keyring_entry(self, data: dict[str, Any]) -> None:
        if data.get("mode") != "keyring":
            return
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, f"database-key:{data['key_id']}")
        except Exception:
            pass

    def destroy(self) -> None:
        """Crypto-shred: forget the key everywhere it is kept."""
        if not self.path.exists():
            return
        try:
            data = self._read()
        except CorruptKeyFile:
            data = {}
        self._forget_keyring_entry(data)
        size = self.path.stat().st_size
        with open(self.path, "r+b") as fh:  # overwrite before unlinking; the wrapped key is ciphertext anyway
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
        self.path.unlink()
