"""Progress photos (optional, off by default): checked, re-encoded and thumbnailed once at import, kept only
inside the encrypted store (never as files in the data directory).

Turned on by the person in ``config.toml`` (``[programme] photos = true``) and stored only with the health-data
consent. Import refuses what is not an image (Pillow must decode it as JPEG, PNG, WebP, HEIF/AVIF when a plugin
is installed, or TIFF), files over ``MAX_FILE_BYTES`` (checked before reading) and images over ``MAX_PIXELS``
(decompression bombs). The photo is re-encoded as JPEG with the orientation applied and **every metadata block
dropped** (EXIF holds the GPS position and the camera's serial number), and a thumbnail is made once, so the
grid never decodes a full photo. Pillow is imported only here, when a photo is imported or shown.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.i18n import _

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 60_000_000  # 60 MP: larger than any phone camera's photo
MAX_SIDE = 4096  # stored photos are at most this wide/high (a 12 MP photo is 4000 x 3000)
THUMB_SIZE = (240, 240)
JPEG_QUALITY = 88
THUMB_QUALITY = 80
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "TIFF", "HEIF", "AVIF"})
NOTE_MAX = 500


class PhotoError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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
            thumb = picture.copy()
            thumb.thumbnail(THUMB_SIZE)
            thumb_out = io.BytesIO()
            thumb.save(thumb_out, "JPEG", quality=THUMB_QUALITY)
            size = picture.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    image = out.getvalue()
    return PreparedPhoto(image, thumb_out.getvalue(), size[0], size[1], hashlib.sha256(image).hexdigest())


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
        picture = source.convert("RGB")
        picture.thumbnail((columns, rows * 2))
        width, height = picture.size
        pixels = picture.load()
        assert pixels is not None
        cells = []
        for y in range(0, height - 1, 2):
            cells.append([(pixels[x, y], pixels[x, y + 1]) for x in range(width)])  # type: ignore[misc]
    return cells  # type: ignore[return-value]
