"""The key bar at the bottom of every screen, drawn by one widget.

Textual's ``Footer`` is a container with one widget per key; each is styled several times while it mounts
(its ``compact`` class is set, then data-bound), and the whole row is recomposed on every bindings change.
On Companion's dashboard that was about a third of all the styling work before the first frame. This footer
shows the same thing (the screen's shown bindings, each key and its description, the command-palette key on
the right), keeps the same look (Textual's footer colour variables) and the same mouse behaviour (click a key
to press it, hover for its tooltip), but it is one node: a bindings change is a repaint, not a rebuild.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget


class _Slot(NamedTuple):
    """One key on the bar: where it is drawn (cells ``start``..``end``) and what pressing it does."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str
    start: int = 0
    end: int = 0
    right: bool = False  # the command-palette key, drawn flush right after a separator

    @property
    def cells(self) -> int:
        return cell_len(self.display) + cell_len(self.description) + 3  # " key " + "description "


class CompanionFooter(Widget, can_focus=False):
    """One line of key hints: ``f2 Dashboard  f3 Measurements … │ ^p Commands``."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer--key", "footer--description", "footer--hover", "footer--separator"}
    DEFAULT_CSS = """
    CompanionFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        pointer: pointer;
    }
    CompanionFooter > .footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    CompanionFooter > .footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    CompanionFooter > .footer--hover {
        background: $block-hover-background;
    }
    CompanionFooter > .footer--separator {
        color: $foreground 20%;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._slots: list[_Slot] | None = None  # None: recompute from the screen's bindings on the next paint
        self._hover: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        self._slots = None
        self.refresh()

    # ----- what is shown ---------------------------------------------------------------------------------
    def _collect(self) -> tuple[list[_Slot], _Slot | None]:
        """The shown bindings, one per action (the first key wins, as in Textual's footer), and the palette key."""
        active = self.screen.active_bindings
        slots: list[_Slot] = []
        seen: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            slots.append(_Slot(binding.key, self.app.get_key_display(binding), binding.description, enabled,
                               tooltip or binding.tooltip or binding.description))
        palette: _Slot | None = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = _Slot(binding.key, self.app.get_key_display(binding), binding.description, enabled,
                            tooltip or binding.tooltip or binding.description)
        return slots, palette

    def _layout(self, width: int) -> list[_Slot]:
        """Place the keys left to right and the palette key flush right; keys that do not fit are left out."""
        keys, palette = self._collect()
        palette_width = palette.cells + 1 if palette is not None else 0  # with its separator
        room = max(0, width - palette_width)
        placed: list[_Slot] = []
        x = 0
        for slot in keys:
            if x + slot.cells > room:
                break
            placed.append(slot._replace(start=x, end=x + slot.cells))
            x += slot.cells
        if palette is not None and palette_width <= width:
            placed.append(palette._replace(start=width - palette.cells, end=width, right=True))
        return placed

    def render(self) -> Text:
        width = self.size.width
        if self._slots is None or (self._slots and self._slots[-1].end > width):
            self._slots = self._layout(width)
        key_style = self.get_component_rich_style("footer--key")
        description_style = self.get_component_rich_style("footer--description")
        hover_style = self.get_component_rich_style("footer--hover", partial=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        for index, slot in enumerate(self._slots):
            if slot.right:
                line.append(" " * max(0, slot.start - 1 - line.cell_len))
                line.append("▏", self.get_component_rich_style("footer--separator", partial=True))
            hover = hover_style if index == self._hover else Style()
            dim = Style() if slot.enabled else Style(dim=True)
            line.append(f" {slot.display} ", key_style + hover + dim)
            line.append(f"{slot.description} ", description_style + hover + dim)
        return line

    # ----- mouse -----------------------------------------------------------------------------------------
    def _slot_at(self, x: int) -> int | None:
        for index, slot in enumerate(self._slots or ()):
            if slot.start <= x < slot.end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._slot_at(event.x)
        if index != self._hover:
            self._hover = index
            self.tooltip = self._slots[index].tooltip if index is not None and self._slots else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._slot_at(event.x)
        if index is None or not self._slots:
            return
        slot = self._slots[index]
        if slot.enabled:
            self.app.simulate_key(slot.key)
        else:
            self.app.bell()

    def on_resize(self, _event: events.Resize) -> None:
        self._slots = None
