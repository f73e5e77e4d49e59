"""Untrusted text as Rich ``Text`` (never markup)."""

from __future__ import annotations

from rich.text import Text

from companion.text import plain, visible


def safe_text(value: object, *, max_length: int | None = 10_000, style: str = "") -> Text:
    """Text from a scale, file, server or clinic: escape sequences and controls removed, no markup parsed."""
    return Text(plain(value, max_length=max_length), style=style)


def visible_text(value: object, *, max_length: int | None = None, style: str = "") -> Text:
    """Text from a clinic or server, neutralised for display (``companion.text.visible``): controls shown as
    pictures, invisible format characters removed, URL hosts in ASCII; no markup parsed."""
    return Text(visible(value, max_length=max_length), style=style)
