"""A small table with a row cursor, drawn as plain lines: the dashboard's metrics at a glance.

Textual's ``DataTable`` renders every cell through Rich's console (padding, wrapping, cropping) and sizes
its columns on idle; for the dashboard's nine short rows that was about half the cost of drawing the first
frame with data. This widget takes cells that are already ``Text`` and columns of known width, and draws
each line once. Keyboard: up/down (k/j), home/end, enter selects; a click moves the cursor and selects.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from companion.i18n import N_


class MetricTable(Widget, can_focus=True):
    """Header plus rows of ``Text`` cells; ``cursor_row`` is the highlighted row."""

    COMPONENT_CLASSES = {"metric-table--header", "metric-table--cursor", "metric-table--cursor-blurred"}
    DEFAULT_CSS = """
    MetricTable {
        height: auto;
        width: auto;
        background: $surface;
        color: $foreground;
    }
    MetricTable > .metric-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    MetricTable > .metric-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    MetricTable > .metric-table--cursor-blurred {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", N_("Up"), show=False),
        Binding("down,j", "cursor(1)", N_("Down"), show=False),
        Binding("home", "cursor_to(0)", N_("First"), show=False),
        Binding("end", "cursor_to(-1)", N_("Last"), show=False),
        Binding("enter", "select", N_("Open"), show=False),
    ]

    cursor_row: reactive[int] = reactive(0)

    class Selected(Message):
        """A row was chosen (enter or click)."""

        def __init__(self, table: MetricTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> MetricTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(id=id)
        self._headers: list[str] = []
        self._rows: list[list[Text]] = []
        self._widths: list[int] = []
        self._right: list[bool] = []

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Text]], right: Sequence[bool]) -> None:
        """Replace the contents; columns are as wide as their widest cell (``right``: right-aligned)."""
        self._headers = list(headers)
        self._rows = [list(row) for row in rows]
        self._right = list(right)
        self._widths = [max([cell_len(label)] + [row[i].cell_len for row in self._rows])
                        for i, label in enumerate(self._headers)]
        self.cursor_row = min(self.cursor_row, max(len(self._rows) - 1, 0))
        self.refresh(layout=True)

    # ----- drawing -----------------------------------------------------------------------------------
    def get_content_width(self, container: object, viewport: object) -> int:
        return sum(width + 2 for width in self._widths)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._rows) + 1 if self._headers else 0

    def _line(self, cells: Sequence[Text]) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        for cell, width, right in zip(cells, self._widths, self._right, strict=False):
            pad = " " * (width - cell.cell_len)
            line.append(" ")
            if right:
                line.append(pad)
            line.append_text(cell)
            if not right:
                line.append(pad)
            line.append(" ")
        return line

    def render(self) -> Text:
        if not self._headers:
            return Text("")
        header = self._line([Text(label) for label in self._headers])
        header.stylize(self.get_component_rich_style("metric-table--header", partial=True))
        lines = [header]
        cursor_class = "metric-table--cursor" if self.has_focus else "metric-table--cursor-blurred"
        cursor_style: Style = self.get_component_rich_style(cursor_class, partial=True)
        for index, row in enumerate(self._rows):
            line = self._line(row)
            if index == self.cursor_row:
                line.stylize(cursor_style)
            lines.append(line)
        return Text("\n", no_wrap=True, overflow="crop", end="").join(lines)

    def watch_cursor_row(self) -> None:
        self.refresh()

    def _on_focus(self, _event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    # ----- keys and mouse ----------------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        if self._rows:
            self.cursor_row = max(0, min(len(self._rows) - 1, self.cursor_row + step))

    def action_cursor_to(self, row: int) -> None:
        if self._rows:
            self.cursor_row = row % len(self._rows)

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1  # the first line is the header
        if 0 <= row < len(self._rows):
            self.cursor_row = row
            self.post_message(self.Selected(self, row))
