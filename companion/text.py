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
