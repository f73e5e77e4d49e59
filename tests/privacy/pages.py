"""Read SQLCipher 4 pages back in the clear, to prove deleted text is gone from free pages and the WAL too.

SQLCipher 4 page layout (zetetic.net/sqlcipher/design): each page is AES-256-CBC encrypted except a reserve at
its end holding the page's random IV (16 bytes) and HMAC-SHA512 (64 bytes); page 1 starts with the 16-byte
salt in the clear. With a raw key (``PRAGMA key = "x'...'"``, as Companion uses) the key is the AES key
itself.
WAL frames are a 24-byte header followed by one page encrypted the same way (the WAL file has a 32-byte
header).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80


def _decrypt(page: bytes, key: bytes, first: bool) -> bytes:
    if len(page) < PAGE:
        return b""
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[16 if first else 0 : PAGE - RESERVE]) + decryptor.finalize()


def database_pages(path: Path, key: bytes) -> Iterator[bytes]:
    data = path.read_bytes() if path.exists() else b""
    for offset in range(0, len(data), PAGE):
        yield _decrypt(data[offset : offset + PAGE], key, offset == 0)


def wal_pages(path: Path, key: bytes) -> Iterator[bytes]:
    data = path.read_bytes() if path.exists() else b""
    offset = 32
    while offset + 24 + PAGE <= len(data):
        number = int.from_bytes(data[offset : offset + 4], "big")
        yield _decrypt(data[offset + 24 : offset + 24 + PAGE], key, number == 1)
        offset += 24 + PAGE


def where_is(home: Path, key: bytes, marker: str) -> list[str]:
    """Every place under ``home`` where ``marker`` can be read: raw bytes of any file, or decrypted pages."""
    needle = marker.encode("utf-8")
    found: list[str] = []
    if not home.exists():
        return found
    for file in sorted(p for p in home.rglob("*") if p.is_file()):
        if needle in file.read_bytes():
            found.append(f"{file.name} (raw)")
    db = home / "companion.db"
    if any(needle in page for page in database_pages(db, key)):
        found.append("companion.db (decrypted pages)")
    if any(needle in page for page in wal_pages(home / "companion.db-wal", key)):
        found.append("companion.db-wal (decrypted frames)")
    return found
