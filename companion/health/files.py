"""Reading import files as byte streams with progress from the bytes read on disk (compressed bytes for a zip).

A ZIP is read through :mod:`zipfile` when its central directory is intact. A truncated ZIP (a download cut
short, a full disk) has no central directory; then the local file headers are walked from the start and the
member is inflated as far as the data goes (APPNOTE.TXT 4.3.7: local header ``PK\\x03\\x04``, 30 bytes + name +
extra, then the data; bit 3 of the flags means sizes follow the data in a descriptor), so the valid part of the
export can still be imported.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from companion.health.model import UnreadableFile
from companion.i18n import _

CHUNK = 1 << 20
_LOCAL = struct.Struct("<IHHHHHIIIHH")


class CountingReader:
    """Wraps a binary file; ``position`` is how many bytes were read from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.position = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.position += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self._raw.seek(offset, whence)
        return self.position

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()


@dataclass
class ByteSource:
    """Chunks of one member/file; ``done()`` is bytes consumed on disk, ``total`` the file's size."""

    chunks: Iterator[bytes]
    total: int
    done: Callable[[], int]
    name: str
    warning: str | None = None  # e.g. "the ZIP file is truncated"
    size: int | None = None  # length of the data the chunks add up to, when known (a truncated ZIP: unknown)

    def close(self) -> None:
        """Stop reading early (closes the file)."""
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


def fingerprint(path: Path) -> str:
    """Identifies a file's content cheaply: size + SHA-256 of its first and last MiB (a folder: names+sizes)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(path)}\0{item.stat().st_size}\n".encode())
        return digest.hexdigest()
    size = path.stat().st_size
    digest.update(str(size).encode())
    with path.open("rb") as f:
        digest.update(f.read(CHUNK))
        if size > 2 * CHUNK:
            f.seek(size - CHUNK)
            digest.update(f.read(CHUNK))
    return digest.hexdigest()


def _iter_stream(read: Callable[[int], bytes], chunk: int = CHUNK) -> Iterator[bytes]:
    while True:
        data = read(chunk)
        if not data:
            return
        yield data


def open_member(path: Path, matches: Callable[[str], bool], what: str) -> ByteSource:
    """A byte source for ``path`` itself, or for the first ZIP member whose name ``matches``."""
    try:
        size = path.stat().st_size
        raw = path.open("rb")
    except OSError as error:
        raise UnreadableFile(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    head = raw.read(4)
    raw.seek(0)
    reader = CountingReader(raw)
    if head != b"PK\x03\x04":
        return ByteSource(_closing(_iter_stream(reader.read), reader), size, lambda: reader.position, path.name,
                          size=size)
    try:
        archive = zipfile.ZipFile(reader)  # type: ignore[arg-type]
    except zipfile.BadZipFile:
        reader.seek(0)
        return _truncated_member(reader, size, matches, what, path)
    names = [n for n in archive.namelist() if matches(n)]
    if not names:
        reader.close()
        raise UnreadableFile(_("{path} holds no {what}.").format(path=path, what=what))
    member = archive.open(names[0])
    length = archive.getinfo(names[0]).file_size

    def chunks() -> Iterator[bytes]:
        try:
            yield from _iter_stream(member.read)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise UnreadableFile(_("The ZIP file is damaged ({reason}).").format(reason=error)) from None
        finally:
            member.close()
            archive.close()
            reader.close()

    return ByteSource(chunks(), size, lambda: reader.position, names[0], size=length)


def _closing(chunks: Iterator[bytes], reader: CountingReader) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        reader.close()


def _truncated_member(
    reader: CountingReader, size: int, matches: Callable[[str], bool], what: str, path: Path
) -> ByteSource:
    """Walk local headers of a ZIP without a central directory; inflate the wanted member as far as it goes."""
    while True:
        header = reader.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            reader.close()
            raise UnreadableFile(_("{path} is a damaged ZIP file without a {what}.").format(path=path, what=what))
        (_sig, _ver, flags, method, _t, _d, _crc, csize, _usize, name_len, extra_len) = _LOCAL.unpack(header)
        raw_name = reader.read(name_len)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        reader.read(extra_len)
        if method not in (0, 8):
            reader.close()
            raise UnreadableFile(_("The ZIP file uses an unsupported compression method."))
        if matches(name):
            return ByteSource(_inflate(reader, method, csize, flags), size, lambda: reader.position, name,
                              warning=_("The ZIP file is truncated; importing the part that is there."))
        if flags & 0x08 or method == 8 and csize == 0:
            # size unknown until the data ends: inflate to find the end, then skip the data descriptor
            inflater = zlib.decompressobj(-15)
            rest = b""
            while not inflater.eof:
                data = reader.read(CHUNK)
                if not data:
                    break
                inflater.decompress(data)
                rest = inflater.unused_data
            descriptor = 16 if rest[:4] == b"PK\x07\x08" else 12
            reader.seek(reader.tell() - len(rest) + descriptor)
        else:
            reader.seek(reader.tell() + csize)


def _inflate(reader: CountingReader, method: int, csize: int, flags: int) -> Iterator[bytes]:
    try:
        if method == 0:
            remaining = csize if not flags & 0x08 else None
            while remaining is None or remaining > 0:
                data = reader.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not data:
                    return
                if remaining is not None:
                    remaining -= len(data)
                yield data
            return
        inflater = zlib.decompressobj(-15)
        while not inflater.eof:
            data = reader.read(CHUNK)
            if not data:
                tail = inflater.flush()
                if tail:
                    yield tail
                return
            try:
                out = inflater.decompress(data)
            except zlib.error:
                return  # corrupt from here on: stop with what we have
            if out:
                yield out
    finally:
        reader.close()


def _opener(item: Path) -> Callable[[], BinaryIO]:
    def open_binary() -> BinaryIO:
        return item.open("rb")

    return open_binary


@contextmanager
def folder_or_zip(path: Path) -> Iterator[list[tuple[str, Callable[[], BinaryIO], int]]]:
    """Members of a folder or ZIP, as (relative name, opener, size on disk); the ZIP stays open inside."""
    if path.is_dir():
        yield [(str(item.relative_to(path)).replace(os.sep, "/"), _opener(item), item.stat().st_size)
               for item in sorted(p for p in path.rglob("*") if p.is_file())]
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile(_("{path} is neither a folder nor a readable ZIP file.").format(path=path)) from None
    except OSError as error:
        raise UnreadableFile(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    with archive:
        yield [(info.filename, partial(archive.open, info), info.compress_size)  # type: ignore[misc]
               for info in archive.infolist() if not info.is_dir()]
