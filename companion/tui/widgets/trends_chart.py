"""The trend chart widget: braille plot drawn by ``companion.trends.chart`` and coloured from the theme.

Why Textual's own rendering rather than plotext/textual-plotext: the geometry stays pure and testable without a
terminal, the same layers feed the SVG progress report, every colour comes from the Textual theme through
component classes (light and dark themes just work), snapshots are deterministic, and the work per frame depends
only on the plot size (we control downsampling), with no extra dependency.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from companion.i18n import _
from companion.trends.chart import ChartModel, Layers, build_chart
from companion.trends.ranges import RANGE_LABELS, RangeKey, Window, resolve

if TYPE_CHECKING:
    from companion.trends.chart import ChartInput
    from companion.trends.data import TrendData

RANGE_KEYS: tuple[RangeKey, ...] = tuple(RangeKey)
ROLES = ("point", "trend", "goal", "milestone", "tag", "band", "outlier", "axis", "label", "message", "empty")


class _RoleStyles(dict[str, Style]):
    """The style of each cell role, looked up when a role first appears (a chart uses a few of them, and
    resolving a component style is the slowest part of drawing the first frame)."""

    def __init__(self, chart: TrendChart) -> None:
        super().__init__()
        self._chart = chart
        self._base = chart.rich_style

    def __missing__(self, role: str) -> Style:
        style = self[role] = self._base + self._chart.get_component_rich_style(f"trend-chart--{role}")
        return style


def _fmt_day(ts: int, tz: tzinfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d")


class TrendChart(Widget, can_focus=True):
    """A chart of one series with ranges, zoom and pan. Feed it with ``show(data, chart_input)``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"trend-chart--{r}" for r in ROLES} | {"trend-chart--title"}
    DEFAULT_CSS = """
    TrendChart { height: 1fr; min-height: 6; }
    TrendChart:focus { background-tint: $foreground 3%; }
    TrendChart > .trend-chart--title { text-style: bold; color: $text; }
    TrendChart > .trend-chart--point { color: $secondary; }
    TrendChart > .trend-chart--trend { color: $primary; text-style: bold; }
    TrendChart > .trend-chart--band { color: $secondary 70%; }
    TrendChart > .trend-chart--goal { color: $success; }
    TrendChart > .trend-chart--milestone { color: $warning 60%; }
    TrendChart > .trend-chart--tag { color: $warning; text-style: bold; }
    TrendChart > .trend-chart--outlier { color: $error; text-style: bold; }
    TrendChart > .trend-chart--axis { color: $foreground-muted; }
    TrendChart > .trend-chart--label { color: $foreground-muted; }
    TrendChart > .trend-chart--message { color: $foreground-muted; text-style: italic; }
    TrendChart > .trend-chart--empty { color: $foreground; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i + 1), f"set_range('{key.value}')", _(RANGE_LABELS[key]), show=False,
                  id=f"trends-range-{key.value}", tooltip=_("Show {range}").format(range=_(RANGE_LABELS[key])))
          for i, key in enumerate(RANGE_KEYS)),
        Binding("plus,equals_sign", "zoom(0.5)", _("Zoom in"), id="trends-zoom-in", tooltip=_("Zoom in")),
        Binding("minus", "zoom(2)", _("Zoom out"), id="trends-zoom-out", tooltip=_("Zoom out")),
        Binding("left,h", "pan(-0.25)", _("Earlier"), id="trends-pan-left", tooltip=_("Move to earlier dates"),
                show=False),
        Binding("right,l", "pan(0.25)", _("Later"), id="trends-pan-right", tooltip=_("Move to later dates"),
                show=False),
        Binding("0", "reset", _("Reset zoom"), id="trends-reset", tooltip=_("Back to the whole range"), show=False),
    ]

    range_key: reactive[RangeKey] = reactive(RangeKey.MONTH)
    window: reactive[Window | None] = reactive(None)

    class RangeChanged(Message):
        def __init__(self, chart: TrendChart, key: RangeKey, window: Window) -> None:
            super().__init__()
            self.chart = chart
            self.key = key
            self.window = window

    class CustomRangeRequested(Message):
        def __init__(self, chart: TrendChart) -> None:
            super().__init__()
            self.chart = chart

    def __init__(self, *, show_title: bool = True, show_legend: bool = True, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.show_title = show_title
        self.show_legend = show_legend
        self.data: TrendData | None = None
        self.input: ChartInput | None = None
        self.custom: Window | None = None
        self.chart_layers: Layers | None = None  # for sampled series: the layers of the current window
        self.last_model: ChartModel | None = None
        self.renders = 0
        self._loaded_window: Window | None = None
        self._lines: list[Strip] = []
        self._lines_key: object = None
        self._version = 0  # bumped whenever the data shown changes

    # ----- feeding ------------------------------------------------------------------------------------
    @property
    def tz(self) -> tzinfo:
        tz = self._now().tzinfo
        assert tz is not None
        return tz

    def _now(self) -> datetime:
        clock = getattr(self.app, "clock", None)
        return clock.now() if clock is not None else datetime.now().astimezone()

    def show(self, data: TrendData | None, chart: ChartInput, range_key: RangeKey | None = None) -> None:
        """Show ``chart`` (``data``: where sampled series come from; may follow later for the eight metrics)."""
        self.data = data
        self.input = chart
        self._version += 1
        self.chart_layers = None if chart.sampled else chart.layers
        self._loaded_window = None
        self.apply_range(range_key or self.range_key)

    def apply_range(self, key: RangeKey, custom: Window | None = None) -> None:
        key = RangeKey(key)
        if custom is not None:
            self.custom = custom
        if self.input is None:
            self.range_key = key
            return
        window = resolve(key, self._now(), self.input.extent, self.input.placement, self.custom)
        self.range_key = key
        self.set_window(window)

    def set_window(self, window: Window) -> None:
        self.window = window
        if self.input is not None and self.input.sampled:
            self._load_samples(window)
        else:
            self.refresh()
        self.post_message(self.RangeChanged(self, self.range_key, window))

    @work(exclusive=True, group="trend-samples", thread=True, exit_on_error=False)
    def _load_samples(self, window: Window) -> None:
        if self.data is None or self.input is None:
            return
        width = max(self.content_size.width, 20)
        layers = _sample_layers(self.data, self.input, window, width * 2)
        self.app.call_from_thread(self._samples_loaded, window, layers)

    def _samples_loaded(self, window: Window, layers: Layers) -> None:
        self.chart_layers = layers
        self._version += 1
        self._loaded_window = window
        self.refresh()

    # ----- actions ------------------------------------------------------------------------------------
    def action_set_range(self, key: str) -> None:
        if RangeKey(key) is RangeKey.CUSTOM and self.custom is None:
            self.post_message(self.CustomRangeRequested(self))
            return
        self.apply_range(RangeKey(key))

    def action_zoom(self, factor: float) -> None:
        if self.window is not None:
            self.set_window(self.window.zoom(float(factor)))

    def action_pan(self, fraction: float) -> None:
        if self.window is None:
            return
        moved = self.window.pan(float(fraction))
        if self.input is not None and self.input.extent is not None:
            # never further than half a window beyond the first or the last reading (or today)
            first, last = self.input.extent
            last = max(last, int(self._now().timestamp()))
            half = self.window.span // 2
            moved = moved.clamp(first - half, last + half)
        if moved != self.window:
            self.set_window(moved)

    def action_reset(self) -> None:
        self.apply_range(self.range_key)

    # ----- drawing ------------------------------------------------------------------------------------
    def build_model(self, width: int, height: int) -> ChartModel | None:
        if self.input is None or self.window is None:
            return None
        layers = self.chart_layers if self.chart_layers is not None else Layers(markers=self.input.layers.markers)
        return build_chart(layers, self.window, width, height, tz=self.tz,
                           empty_message=_("No data in this range"))

    def _styles(self) -> _RoleStyles:
        return _RoleStyles(self)

    def _build_lines(self, width: int, height: int) -> list[Strip]:
        """The whole chart as strips (the line API: no Text → Content → Strip conversion per frame)."""
        styles = self._styles()
        base = self.rich_style  # computed from the ancestors on each access: once per chart, not per line
        lines: list[Strip] = []
        if self.input is None or self.window is None:
            lines.append(Strip([Segment(_("Loading…"), styles["message"])]).adjust_cell_length(width))
            return lines
        chart_height = height - (1 if self.show_title else 0) - (1 if self.show_legend else 0)
        if self.show_title:
            unit = f" ({self.input.unit})" if self.input.unit else ""
            span = f"{_fmt_day(self.window.start, self.tz)} – {_fmt_day(self.window.end - 1, self.tz)}"
            title = f"{_(self.input.title)}{unit} · {_(RANGE_LABELS[self.range_key])} · {span}"
            lines.append(Strip([Segment(title[:width], styles["title"])]).adjust_cell_length(width, base))
        model = self.build_model(width, max(chart_height, 4))
        assert model is not None
        self.last_model = model
        self.renders += 1
        for row in model.rows[: max(chart_height, 4)]:
            lines.append(Strip([Segment(run, styles[role]) for run, role in row]).adjust_cell_length(
                width, base))
        if self.show_legend:
            segments = [Segment(chunk, styles[role]) for chunk, role in self._legend(width)]
            lines.append(Strip(segments).adjust_cell_length(width, base))
        return lines

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size.width, self.content_size.height
        key = (width, height, self.window, self._version, self.range_key, self.app.theme, self.has_focus)
        if key != self._lines_key:
            self._lines = self._build_lines(width, height)
            self._lines_key = key
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, self.rich_style)

    def render_text(self) -> str:
        """What the chart shows, as plain text (for tests and debugging)."""
        width, height = self.content_size.width, self.content_size.height
        return "\n".join(line.text for line in self._build_lines(width, height))

    def _legend(self, width: int) -> list[tuple[str, str]]:
        """(text, role) runs of the legend line, cut to whole entries that fit ``width``."""
        assert self.input is not None
        from companion.store.trends import MILESTONE_LABELS, MILESTONE_TAGS

        parts: list[tuple[str, str]] = []
        if self.input.sampled:
            parts += [("⡇ ", "band"), (_("range") + "  ", "label"), ("⠉⠒ ", "trend"), (_("average") + "  ", "label")]
        else:
            parts += [("⠂ ", "point"), (_("readings") + "  ", "label"), ("⠉⠒ ", "trend"), (_("trend") + "  ", "label")]
        layers = self.input.layers
        if layers.goal is not None:
            parts += [("┄ ", "goal"), (_("goal {value:g}").format(value=round(layers.goal, 1)) + "  ", "label")]
        if layers.flagged:
            parts += [("✕ ", "outlier"), (_("outlier") + "  ", "label")]
        by_tag = {tag: MILESTONE_LABELS[kind] for kind, tag in MILESTONE_TAGS.items()}
        seen: list[str] = []
        for m in sorted(layers.markers, key=lambda m: m.ts):
            if self.window and self.window.start <= m.ts < self.window.end and m.tag not in seen:
                seen.append(m.tag)
        for tag in seen:
            parts += [(tag + " ", "tag"), (_(by_tag.get(tag, "Milestone")) + "  ", "label")]
        out: list[tuple[str, str]] = []
        used = 0
        for k in range(0, len(parts), 2):  # (symbol, label) pairs: shown whole or not at all
            pair = parts[k:k + 2]
            size = sum(len(chunk) for chunk, _role in pair)
            if used + size > width:
                break
            out += pair
            used += size
        return out


def _sample_layers(data: TrendData, chart: ChartInput, window: Window, dot_columns: int) -> Layers:
    from companion.trends.data import sample_layers

    return sample_layers(data, chart, window.start, window.end, dot_columns)
