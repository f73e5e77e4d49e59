"""Making untrusted text safe to show (pure; the TUI wraps the result in ``rich.text.Text``, never markup).

Strips C0/C1 control characters (except newline and tab), DEL, and Unicode bidi controls, so that nothing
from a scale, a file, a server or a clinic can move the cursor, change colours or reorder what is shown.
"""

from __future__ import annotations

import re

# C0 except \t and \n, DEL, C1; bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069), LRM/RLM/ALM.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def plain(text: object, *, max_length: int | None = None, single_line: bool = False) -> str:
    """``text`` with escape sequences and unsafe control characters removed (and optionally capped)."""
    value = _UNSAFE.sub("", _ANSI.sub("", str(text)))
    if single_line:
        value = " ".join(value.split())
    if max_length is not None and len(value) > max_length:
        value = value[: max(max_length - 1, 0)] + "…"
    return value


# ----- display: neutralise, never delete what carries meaning ----------------------------------------------
# Controls are shown, not executed: C0 as the Control Pictures block (U+2400 + code, so ESC is "␛", CR "␍",
# BS "␈"), DEL as "␡", C1 as a visible "\x9b". CRLF is a line break; U+2028/2029 are line breaks too.
_PICTURES: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_PICTURES[0x7F] = "\u2421"
_PICTURES.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
_PICTURES[0x2028] = "\n"
_PICTURES[0x2029] = "\n"
# Invisible format characters (Unicode general category Cf, complete up to Unicode 15.1, checked against the
# running Python's unicodedata by tests/messaging/test_display.py) and blank "filler" letters that render as
# nothing (Hangul fillers, the combining grapheme joiner, Khmer inherent vowels): removed when shown, as they
# show nothing and only serve to hide or reorder text (bidi overrides) or to disguise a host or a dose.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_NEEDS_WORK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]|" + _INVISIBLE.pattern
)
# A URL's authority: scheme, then up to the first character that ends a host.
_URL_HOST = re.compile(r"(?i)\b(https?://)([^\s/?#<>\"'`\\]+)")


def _ascii_authority(match: re.Match[str]) -> str:
    scheme, authority = match.group(1), match.group(2)
    if authority.isascii():
        return match.group(0)
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = host.encode("ascii", "backslashreplace").decode("ascii")
    return f"{scheme}{userinfo}{at}{ascii_host}{colon}{port}"


def ascii_hosts(text: str) -> str:
    """``text`` with every http(s) URL's host in its ASCII form (IDNA punycode, as the browser would use it),
    so a look-alike host (a Cyrillic "і" in "clinic") cannot pass as another."""
    if "://" not in text:
        return text
    return _URL_HOST.sub(_ascii_authority, text)


def visible(text: object, *, max_length: int | None = None, single_line: bool = False) -> str:
    """Untrusted text made safe to show while keeping what it says: controls and escape sequences become
    visible pictures (``"\\x1b]0;X\\x07"`` shows as ``"␛]0;X␇"``, CR as ``"␍"``: nothing is executed and
    nothing glues words together), invisible format characters are removed, URL hosts are shown in ASCII.

    The output contains no C0/C1 control (except newline and tab), no DEL, no bidi control or other format
    character, no surrogate. The stored text is left as received; this is for display only."""
    value = str(text)
    if "://" in value:
        value = ascii_hosts(value)
    if _NEEDS_WORK.search(value):
        value = value.replace("\r\n", "\n")
        value = _INVISIBLE.sub("", value)
        value = _SURROGATES.sub("\ufffd", value)
        value = value.translate(_PICTURES)
    if single_line:
        value = " ".join(value.split())
    if max_length is not None and len(value) > max_length:
        value = value[: max(max_length - 1, 0)] + "…"
    return value
