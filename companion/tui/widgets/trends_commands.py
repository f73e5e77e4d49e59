"""Command palette entries ("Trends: ...", "Measurements: ...") taken from the current screen."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

PaletteCommand = tuple[str, str, Callable[[], object]]


class ScreenCommands(Provider):
    """Lists what the screen's ``palette_commands()`` returns: (title, help, callback)."""

    def _commands(self) -> list[PaletteCommand]:
        found = getattr(self.screen, "palette_commands", None)
        return list(found()) if callable(found) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
