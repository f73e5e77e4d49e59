"""Encrypted attachments (spec v1.19 "Sending encrypted attachments", EncryptedFile ``v2``). Pure functions.

The file is encrypted with AES-256 in CTR mode under a fresh key and IV (the IV's upper 64 bits random,
the lower 64 bits a zero counter), uploaded as opaque bytes, and the event carries ``file``: the mxc URL,
the key as a JSON Web Key (``kty: oct``, ``alg: A256CTR``, ``k`` unpadded URL-safe base64), the IV, and
the SHA-256 of the ciphertext. The receiver checks the hash before decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from companion.i18n import _
from companion.messaging.crypto.machine import b64decode, b64encode


class AttachmentKeyError(ValueError):
    """The file's key or hash does not fit: ``str(error)`` says so plainly."""


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CTR(iv))
    op = cipher.encryptor()
    return op.update(data) + op.finalize()


def encrypt_attachment(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """(ciphertext, EncryptedFile without ``url``)."""
    key = os.urandom(32)
    iv = os.urandom(8) + b"\x00" * 8
    ciphertext = _ctr(key, iv, data)
    info = {
        "key": {
            "kty": "oct",
            "key_ops": ["encrypt", "decrypt"],
            "alg": "A256CTR",
            "k": base64.urlsafe_b64encode(key).decode("ascii").rstrip("="),
            "ext": True,
        },
        "iv": b64encode(iv),
        "hashes": {"sha256": b64encode(hashlib.sha256(ciphertext).digest())},
        "v": "v2",
    }
    return ciphertext, info


def decrypt_attachment(ciphertext: bytes, file: dict[str, Any]) -> bytes:
    """The plaintext of a downloaded encrypted file; ``AttachmentKeyError`` if anything does not match."""
    try:
        key_info = file["key"]
        if file.get("v") not in ("v2", None) or key_info.get("alg") != "A256CTR" or key_info.get("kty") != "oct":
            raise AttachmentKeyError(_("The file uses an encryption Companion does not know."))
        key = b64decode(key_info["k"])
        iv = b64decode(file["iv"])
        expected = b64decode(file["hashes"]["sha256"])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, AttachmentKeyError):
            raise
        raise AttachmentKeyError(_("The file's encryption key in the message is damaged.")) from None
    if len(key) != 32 or len(iv) != 16:
        raise AttachmentKeyError(_("The file's encryption key in the message is damaged."))
    if not hmac.compare_digest(hashlib.sha256(ciphertext).digest(), expected):
        raise AttachmentKeyError(_("The downloaded file does not match its checksum; it was not saved."))
    return _ctr(key, iv, ciphertext)
