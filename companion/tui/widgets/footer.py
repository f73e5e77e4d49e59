"""Textual's Footer, rebuilt at most once per refresh however many times the bindings change in between."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class CompanionFooter(Footer):
    """Textual's ``Footer`` schedules a full recompose (one widget per key) for every bindings update; a new
    screen gets several in a row (stack change, focus, the focus follow-up), so it was rebuilt three times
    before its first frame. This one coalesces them: what it shows is the same, built from the bindings as they
    are when the rebuild runs."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
