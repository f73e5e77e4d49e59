"""The title bar at the top of every screen, drawn by one widget.

Textual's ``Header`` is three child widgets (icon, title, clock space) and updates its title through async
watchers that run after the first frame: on the dashboard that cost two extra layout passes and frames
before the screen settled. This header shows the same thing with the same look (Textual's ``$panel``
colours, the command-palette icon on the left, "title — subtitle" centred via ``App.format_title``) and
repaints itself when the screen's or the app's title changes.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

from companion.i18n import _

ICON = "⭘"
ICON_CELLS = 8  # as Textual's header: the icon with padding, then the title centred in what is left
RIGHT_CELLS = 10


class CompanionHeader(Widget):
    """``⭘   Title — subtitle``; clicking the icon opens the command palette."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    CompanionHeader {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            for name in ("title", "sub_title"):
                self.watch(node, name, self._title_changed, init=False)

    def _title_changed(self) -> None:
        self.refresh()

    @property
    def screen_title(self) -> str:
        title = self.screen.title
        return title if title is not None else self.app.title

    @property
    def screen_sub_title(self) -> str:
        sub_title = self.screen.sub_title
        return sub_title if sub_title is not None else self.app.sub_title

    def render(self) -> Content:
        width = self.size.width
        icon = Content(f" {ICON}").pad_right(ICON_CELLS - 2)
        room = max(0, width - ICON_CELLS - RIGHT_CELLS)
        title = self.app.format_title(self.screen_title, self.screen_sub_title)
        return Content.assemble(icon, title.center(room, ellipsis=True), " " * RIGHT_CELLS)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        on_icon = event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE
        tooltip = _("Open the command palette") if on_icon else None
        if self.tooltip != tooltip:
            self.tooltip = tooltip

    def on_click(self, event: events.Click) -> None:
        if event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            self.app.action_command_palette()
