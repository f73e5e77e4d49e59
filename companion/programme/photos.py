"""Progress photos (optional, off by default): checked, re-encoded and thumbnailed once at import, kept only
inside the encrypted store (never as files in the data directory).

Turned on by the person in ``config.toml`` (``[programme] photos = true``) and stored only with the health-data
consent. Import refuses what is not an image (Pillow must decode it as JPEG, PNG, WebP, HEIF/AVIF when a plugin
is installed, or TIFF), files over ``MAX_FILE_BYTES`` (checked before reading) and images over ``MAX_PIXELS``
(decompression bombs). The photo is re-encoded as JPEG with the orientation applied and **every metadata block
dropped** (EXIF holds the GPS position and the camera's serial number): an upright JPEG keeps its image data
byte for byte and loses only its metadata segments, anything else is re-encoded as JPEG with the orientation
applied. A thumbnail is made once, so the grid never decodes a full photo. Pillow is imported only here,
when a photo is imported or shown.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.i18n import _
from companion.programme.errors import EntryError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 60_000_000  # 60 MP: larger than any phone camera's photo
MAX_SIDE = 4096  # stored photos are at most this wide/high (a 12 MP photo is 4000 x 3000)
THUMB_SIZE = (240, 240)
JPEG_QUALITY = 88
THUMB_QUALITY = 80
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "TIFF", "HEIF", "AVIF"})
NOTE_MAX = 500


class PhotoError(EntryError):
    """A refused value (see ``EntryError``)."""


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    image: bytes  # JPEG, metadata removed
    thumbnail: bytes  # JPEG
    width: int
    height: int
    sha256: str  # of the stored image (duplicates are refused)
    mime: str = "image/jpeg"
    thumb_mime: str = "image/jpeg"


def enabled(settings: dict[str, Any]) -> bool:
    """Whether the person turned photos on (``[programme] photos = true``)."""
    return settings.get("photos") is True


def read_file(path: Path) -> bytes:
    """The file's bytes, size checked first (a 200 MB file is refused without being read)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PhotoError("path", _("{path} does not exist.").format(path=path)) from None
    except OSError as exc:
        raise PhotoError("path", _("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from None
    if not path.is_file():
        raise PhotoError("path", _("{path} is not a file.").format(path=path))
    if size > MAX_FILE_BYTES:
        raise PhotoError("path", _("The photo is {size} MB; photos up to {limit} MB can be added.").format(
            size=round(size / 1024 / 1024), limit=MAX_FILE_BYTES // 1024 // 1024))
    if size == 0:
        raise PhotoError("path", _("{path} is empty.").format(path=path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PhotoError("path", _("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from None


def prepare(data: bytes) -> PreparedPhoto:
    """Decode, check, re-encode without metadata, and make the thumbnail."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_image = PhotoError("path", _("This file is not a photo Companion can read (JPEG, PNG, WebP or TIFF)."))
    if len(data) > MAX_FILE_BYTES:
        raise PhotoError("path", _("The photo is {size} MB; photos up to {limit} MB can be added.").format(
            size=round(len(data) / 1024 / 1024), limit=MAX_FILE_BYTES // 1024 // 1024))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_image
            width, height = probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise not_image from None
    if width * height > MAX_PIXELS or width < 16 or height < 16:
        raise PhotoError("path", _("The photo is {w} x {h} pixels; Companion takes photos from 16 x 16 up to 60 "
                                   "megapixels.").format(w=width, h=height))
    orientation = 1
    try:
        with Image.open(io.BytesIO(data)) as probe:
            orientation = int(probe.getexif().get(0x0112, 1) or 1)
            fmt = probe.format
    except Exception:
        raise not_image from None
    if fmt in ("JPEG", "MPO") and orientation == 1 and max(width, height) <= MAX_SIDE:
        stripped = strip_jpeg_metadata(data)
        if stripped is not None:  # no re-encoding needed: the picture as taken, only the metadata gone
            thumbnail = _thumbnail(stripped)
            return PreparedPhoto(stripped, thumbnail, width, height, hashlib.sha256(stripped).hexdigest())
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.format == "JPEG" and max(width, height) > MAX_SIDE:
                source.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a smaller scale directly (much faster)
            source.load()
            picture = ImageOps.exif_transpose(source)
            if picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            if max(picture.size) > MAX_SIDE:
                picture.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)  # no exif=, no icc: nothing carried over
            size = picture.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    image = out.getvalue()
    return PreparedPhoto(image, _thumbnail(image), size[0], size[1], hashlib.sha256(image).hexdigest())


def _thumbnail(jpeg: bytes) -> bytes:
    """The thumbnail, decoded at a reduced scale (JPEG's DCT scaling: a 12 MP photo decodes at 1/8 in a few
    milliseconds); decoding also proves the photo is whole."""
    from PIL import Image

    not_image = PhotoError("path", _("This file is not a photo Companion can read (JPEG, PNG, WebP or TIFF)."))
    try:
        with Image.open(io.BytesIO(jpeg)) as source:
            source.draft("RGB", (THUMB_SIZE[0] * 2, THUMB_SIZE[1] * 2))
            picture = source.convert("RGB")
            picture.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=THUMB_QUALITY)
    except (OSError, SyntaxError, ValueError):
        raise not_image from None
    return out.getvalue()


#: JPEG segments kept when the metadata is removed: JFIF (APP0), the ICC colour profile (APP2 ``ICC_PROFILE``)
#: and Adobe's colour transform (APP14), which decoding needs. Everything else before the image data goes: EXIF
#: and XMP (APP1: GPS position, camera serial, time), IPTC (APP13), maker notes and comments (COM).
_KEEP_APP = {0xE0, 0xEE}


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments, the image data byte for byte; ``None`` when the file's segment
    structure is not what a JPEG's must be (then it is re-encoded instead)."""
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(b"\xff\xd8")
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the compressed picture follows, kept as it is
            out += data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            return None
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > n:
            return None
        segment = data[i:i + 2 + length]
        is_app = 0xE0 <= marker <= 0xEF
        keep = (not is_app and marker != 0xFE) or marker in _KEEP_APP or (
            marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
        if keep:
            out += segment
        i += 2 + length
    return None


def validate_note(text: str) -> str:
    note = " ".join(text.split())
    if len(note) > NOTE_MAX:
        raise PhotoError("note", _("Keep the note under 500 characters."))
    return note


def half_blocks(data: bytes, columns: int, rows: int) -> list[list[tuple[tuple[int, int, int], tuple[int, int, int]]]]:
    """The picture as ``rows`` x ``columns`` cells of (upper, lower) RGB colours: each terminal cell shows two
    pixels with "▀" (the half-block fallback for terminals without Kitty or Sixel graphics)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as source:
        source.draft("RGB", (columns * 2, rows * 4))  # JPEG: decoded at a reduced scale directly
        picture = source.convert("RGB")
        picture.thumbnail((columns, rows * 2))
        width, height = picture.size
        pixels = picture.load()
        assert pixels is not None
        cells = []
        for y in range(0, height - 1, 2):
            cells.append([(pixels[x, y], pixels[x, y + 1]) for x in range(width)])  # type: ignore[misc]
    return cells  # type: ignore[return-value]
