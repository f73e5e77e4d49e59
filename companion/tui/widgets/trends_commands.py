"""Command palette entries ("Trends: ...", "Measurements: ...") taken from the current screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import SystemCommand

PaletteCommand = tuple[str, str, Callable[[], object]]


class ScreenPalette:
    """Mixin for a ``CompanionScreen``: its ``palette_entries()`` (title, help, callback) become the app's palette
    commands while the screen is shown (``CompanionScreen.palette_commands``)."""

    def palette_entries(self) -> list[PaletteCommand]:
        return []

    def palette_commands(self) -> Iterable[SystemCommand]:
        return [SystemCommand(title, help_text, callback) for title, help_text, callback in self.palette_entries()]
