"""Untrusted text as Rich ``Text`` (never markup)."""

from __future__ import annotations

from rich.text import Text

from companion.text import plain


def safe_text(value: object, *, max_length: int | None = 10_000, style: str = "") -> Text:
    """Text from a scale, file, server or clinic: escape sequences and controls removed, no markup parsed."""
    return Text(plain(value, max_length=max_length), style=style)
