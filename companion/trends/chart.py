"""Chart geometry (pure): turns series into a grid of characters with a role per cell; the TUI colours the
roles from the theme and the SVG report draws the same layers as vectors.

The plot uses Unicode braille patterns (U+2800-U+28FF): each cell holds 2×4 dots, so an 80-column terminal
gives about 140 dot columns. Raw points are min/max-downsampled to one bucket per dot column and the trend line
is LTTB-downsampled to the dot columns (``downsample.py``), so the work per frame depends on the plot size,
never on how many years of data there are.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from companion.domain.model import Metric
from companion.trends.downsample import lttb, minmax_buckets
from companion.trends.ranges import Window

# Cell roles, lowest priority first (a cell shows the dots of every layer in the colour of the highest one).
EMPTY, MILESTONE, GOAL, BAND, POINT, TREND, OUTLIER, AXIS, LABEL, TAG, MESSAGE = (
    "empty", "milestone", "goal", "band", "point", "trend", "outlier", "axis", "label", "tag", "message")
_PRIORITY = {EMPTY: 0, MILESTONE: 1, GOAL: 2, BAND: 3, POINT: 4, TREND: 5, OUTLIER: 6}
# braille dot bits for (dx, dy) in a 2×4 cell (Unicode 'Braille Patterns' block layout)
_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BRAILLE = (" ", *(chr(0x2800 + bits) for bits in range(1, 256)))  # no dots: a blank, not U+2800


class Marker(NamedTuple):
    """A milestone on the time axis (balloon placement, a clinic visit...)."""

    ts: int
    tag: str  # one character shown on the time axis
    label: str


class Layers(NamedTuple):
    """What to draw, values already in the display unit. ``ts`` ascending.

    For rollups pass ``low``/``high`` per bucket (drawn as a band) and the bucket means as ``values``.
    """

    ts: Sequence[int] = ()
    values: Sequence[float] = ()
    flagged: frozenset[int] = frozenset()
    trend: Sequence[float] | None = None
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    goal: float | None = None
    markers: Sequence[Marker] = ()


class ChartKey(NamedTuple):
    """A chartable series: one of the eight metrics, or a sample kind (heart rate, steps...)."""

    metric: Metric | None = None
    sample_kind: str | None = None

    @property
    def id(self) -> str:
        return self.metric.value if self.metric is not None else f"sample:{self.sample_kind}"


class ChartInput(NamedTuple):
    """Everything a chart of one series needs apart from the window: layers in the display unit (for the eight
    metrics: the whole history, sliced per window; for samples: fetched per window from the rollups).
    Defined here, not in ``trends.data``, so that drawing a chart needs only this module."""

    key: ChartKey
    title: str  # untranslated label
    unit: str  # display unit
    layers: Layers
    extent: tuple[int, int] | None
    placement: date | None
    sampled: bool = False


class ChartModel:
    """A drawn chart: rows of (text, role) runs for the terminal, with what was drawn and any notes.

    (A plain class: it is built on the way to the first frame, where a dataclass costs a millisecond to define.)
    """

    __slots__ = ("width", "height", "rows", "y_range", "drawn_points", "plot_cells", "notes")

    def __init__(self, width: int, height: int, rows: list[list[tuple[str, str]]],
                 y_range: tuple[float, float] | None, drawn_points: int = 0, plot_cells: int = 0,
                 notes: list[str] | None = None) -> None:
        self.width = width
        self.height = height
        self.rows = rows  # per row: runs of (text, role)
        self.y_range = y_range
        self.drawn_points = drawn_points
        self.plot_cells = plot_cells
        self.notes: list[str] = [] if notes is None else notes

    def __repr__(self) -> str:
        return (f"ChartModel({self.width}x{self.height}, y_range={self.y_range}, drawn_points={self.drawn_points},"
                f" notes={self.notes})")

    def text(self) -> str:
        return "\n".join("".join(t for t, _ in row) for row in self.rows)


def nice_step(span: float, target: int) -> float:
    """A 1-2-5 step giving about ``target`` intervals over ``span``."""
    if span <= 0 or target <= 0:
        return 1.0
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def y_limits(values: Sequence[float], goal: float | None) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    span = hi - lo
    near = span > 0 and lo - span <= goal <= hi + span if goal is not None else False
    if goal is not None and (near or span == 0 and abs(goal - lo) < 0.1 * abs(lo)):
        lo, hi = min(lo, goal), max(hi, goal)
        span = hi - lo
    if span == 0:
        pad = max(abs(lo) * 0.01, 0.5)
        return lo - pad, hi + pad
    return lo - span * 0.06, hi + span * 0.06


_STEPS = (
    (3600, "h"), (3 * 3600, "h"), (6 * 3600, "h"), (12 * 3600, "h"), (86400, "d"), (2 * 86400, "d"),
    (7 * 86400, "d"), (14 * 86400, "d"), (1, "m"), (2, "m"), (3, "m"), (6, "m"), (1, "y"), (2, "y"), (5, "y"),
)


def _x_ticks(window: Window, plot_width: int, tz: tzinfo) -> list[tuple[int, str]]:
    span = window.span
    for size, kind in _STEPS:
        approx = size if kind in "hd" else size * (30 * 86400 if kind == "m" else 365 * 86400)
        label_w = {"h": 5, "d": 5, "m": 7, "y": 4}[kind]
        if span / approx * (label_w + 2) <= plot_width:
            break
    ticks: list[tuple[int, str]] = []
    start = datetime.fromtimestamp(window.start, tz)
    if kind == "h":
        t = start.replace(minute=0, second=0, microsecond=0)
        while t.hour % (size // 3600):
            t += timedelta(hours=1)
        while t.timestamp() < window.end:
            if t.timestamp() >= window.start:
                ticks.append((int(t.timestamp()), t.strftime("%H:%M")))
            t = (t + timedelta(hours=size // 3600)).astimezone(tz)
    elif kind == "d":
        d = start.date()
        days = size // 86400
        if days == 7:
            d -= timedelta(days=d.weekday())  # weeks start on Monday (ISO 8601)
        while True:
            t = datetime(d.year, d.month, d.day, tzinfo=tz)
            if t.timestamp() >= window.end:
                break
            if t.timestamp() >= window.start:
                ticks.append((int(t.timestamp()), d.strftime("%m-%d")))
            d += timedelta(days=days)
    else:
        months = size if kind == "m" else size * 12
        y, m = start.year, start.month
        m0 = (y * 12 + m - 1)
        m0 += (-m0) % months if kind == "m" else (-(m0 - (y * 12))) % 12  # align to the step or to January
        if kind == "y":
            m0 = y * 12 if m == 1 and start.day == 1 else (y + 1) * 12
            while (m0 // 12) % size:
                m0 += 12
        while True:
            t = datetime(m0 // 12, m0 % 12 + 1, 1, tzinfo=tz)
            if t.timestamp() >= window.end:
                break
            if t.timestamp() >= window.start:
                ticks.append((int(t.timestamp()), t.strftime("%Y-%m" if kind == "m" else "%Y")))
            m0 += months
    return ticks


class _Canvas:
    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.bits = [[0] * cols for _ in range(rows)]
        self.role = [[EMPTY] * cols for _ in range(rows)]
        self.text: list[list[str | None]] = [[None] * cols for _ in range(rows)]

    def dot(self, x: int, y: int, role: str) -> None:
        cx, cy = x >> 1, y >> 2
        if 0 <= cx < self.cols and 0 <= cy < self.rows and x >= 0 and y >= 0:
            self.bits[cy][cx] |= _BITS[y & 3][x & 1]
            if _PRIORITY[role] > _PRIORITY[self.role[cy][cx]]:
                self.role[cy][cx] = role

    def line(self, x0: int, y0: int, x1: int, y1: int, role: str) -> None:
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        for _ in range(dx - dy + 1):  # Bresenham (1965)
            self.dot(x0, y0, role)
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def put(self, cx: int, cy: int, char: str, role: str) -> None:
        if 0 <= cx < self.cols and 0 <= cy < self.rows:
            self.text[cy][cx] = char
            self.role[cy][cx] = role

    def row_cells(self, cy: int) -> list[tuple[str, str]]:
        """Every cell of row ``cy`` as (character, role): its text if one was put there, else its braille dots."""
        return [(text if text is not None else _BRAILLE[bits], role)
                for bits, text, role in zip(self.bits[cy], self.text[cy], self.role[cy], strict=True)]



def _runs(cells: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Neighbouring cells of the same role joined into one run of text."""
    return [("".join(map(_TEXT, group)), role) for role, group in groupby(cells, _ROLE)]


_TEXT, _ROLE = itemgetter(0), itemgetter(1)


def build_chart(layers: Layers, window: Window, width: int, height: int, *, tz: tzinfo = UTC,
                empty_message: str = "No data in this range") -> ChartModel:
    """Lay out a chart of ``width`` × ``height`` cells (axes and labels included) for ``window``."""
    width, height = max(width, 12), max(height, 4)
    ts = layers.ts
    lo_i = bisect.bisect_left(ts, window.start)
    hi_i = bisect.bisect_left(ts, window.end)
    visible = [i for i in range(lo_i, hi_i) if i not in layers.flagged]
    basis: list[float] = [layers.values[i] for i in visible]
    if layers.low is not None and layers.high is not None:
        basis += [layers.low[i] for i in visible] + [layers.high[i] for i in visible]
    if layers.trend is not None:
        basis += [layers.trend[i] for i in visible]
    if not basis and hi_i > lo_i:  # only outliers in view: still scale to them
        basis = [layers.values[i] for i in range(lo_i, hi_i)]
    y_range = y_limits(basis, layers.goal) if basis else None

    ph = height - 2
    labels: list[tuple[int, str]] = []
    if y_range is not None:
        step = nice_step(y_range[1] - y_range[0], max(ph // 2, 3))
        decimals = _decimals(step)
        v = math.ceil(y_range[0] / step) * step
        while v <= y_range[1] + 1e-9:
            row = int((y_range[1] - v) / (y_range[1] - y_range[0]) * (ph * 4 - 1) + 0.5) >> 2
            labels.append((row, f"{v:.{decimals}f}"))
            v += step
    label_w = max((len(t) for _, t in labels), default=1)
    pw = width - label_w - 1
    canvas = _Canvas(pw, ph)
    dot_w, dot_h = pw * 2, ph * 4
    model = ChartModel(width, height, [], y_range, plot_cells=pw * ph)

    x_start, x_span = window.start, window.span
    y_top, y_height = (y_range[1], y_range[1] - y_range[0]) if y_range is not None else (0.0, 1.0)
    y_dots = dot_h - 1

    def px(t: float) -> int:
        return min(max(int((t - x_start) / x_span * dot_w), -1), dot_w)

    def py(value: float) -> int:
        return int((y_top - value) / y_height * y_dots + 0.5)

    # milestones first (lowest priority): a dotted vertical line where nothing else is drawn
    marker_cols: list[tuple[int, Marker]] = []
    for marker in layers.markers:
        if window.start <= marker.ts < window.end:
            cx = px(marker.ts) >> 1
            marker_cols.append((cx, marker))
    if y_range is not None:
        if layers.goal is not None and y_range[0] <= layers.goal <= y_range[1]:
            gy = py(layers.goal) >> 2
            for cx in range(pw):
                canvas.put(cx, gy, "┄", GOAL)
        # band (rollups): a vertical dot run from low to high in each dot column
        if layers.low is not None and layers.high is not None and hi_i > lo_i:
            keep = minmax_buckets(ts, layers.low, layers.high, window.start, window.end - 1, dot_w)
            for i in keep:
                x = px(ts[i])
                for y in range(py(layers.high[i]), py(layers.low[i]) + 1):
                    canvas.dot(x, y, BAND)
        # raw points: min/max per dot column
        raw_keep = minmax_buckets(ts, layers.values, None, window.start, window.end - 1, dot_w) \
            if layers.low is None else []
        drawn = 0
        for i in raw_keep:
            if i in layers.flagged:
                continue
            canvas.dot(px(ts[i]), py(layers.values[i]), POINT)
            drawn += 1
        # trend line: LTTB over the visible part plus one point either side, joined with lines
        trend = layers.trend if layers.trend is not None else (layers.values if layers.low is not None else None)
        if trend is not None and hi_i > lo_i:
            a, b = max(lo_i - 1, 0), min(hi_i + 1, len(ts))
            idx = [i for i in range(a, b) if i not in layers.flagged]
            xs = [ts[i] for i in idx]
            ys = [trend[i] for i in idx]
            picked = lttb(xs, ys, dot_w)
            drawn += len(picked)
            prev: tuple[int, int] | None = None
            for k in picked:
                point = (px(xs[k]), py(ys[k]))
                if prev is not None:
                    canvas.line(prev[0], prev[1], point[0], point[1], TREND)
                elif len(picked) == 1:
                    canvas.dot(point[0], point[1], TREND)
                prev = point
        # outliers: flagged, never dropped: an ✕ in their cell (clamped to the plot edge when off-scale)
        for i in range(lo_i, hi_i):
            if i in layers.flagged:
                cy = min(max(py(layers.values[i]), 0), dot_h - 1) >> 2
                canvas.put(px(ts[i]) >> 1, cy, "✕", OUTLIER)
                drawn += 1
        model.drawn_points = drawn
    for cx, _marker in marker_cols:
        for cy in range(ph):
            if canvas.bits[cy][cx] == 0 and canvas.text[cy][cx] is None:
                canvas.put(cx, cy, "┊", MILESTONE)
    if y_range is None or hi_i == lo_i:
        message = empty_message[:pw]
        row = ph // 2
        start = max((pw - len(message)) // 2, 0)
        for k, char in enumerate(message):
            canvas.put(start + k, row, char, MESSAGE)

    by_row = dict(labels)
    for cy in range(ph):
        label = by_row.get(cy, "")
        cells = [(label.rjust(label_w), LABEL), ("┤" if label else "│", AXIS)]
        cells += canvas.row_cells(cy)
        model.rows.append(_runs(cells))
    # time axis with ticks and milestone tags, then the tick labels
    axis = ["─"] * pw
    axis_roles = [AXIS] * pw
    label_row = [" "] * pw
    ticks = _x_ticks(window, pw, tz)
    last_end = -1
    for t, text in ticks:
        cx = px(t) >> 1
        if 0 <= cx < pw:
            axis[cx] = "┴"
            left = min(max(cx - len(text) // 2, 0), pw - len(text))
            if left > last_end and left >= 0:
                label_row[left:left + len(text)] = list(text)
                last_end = left + len(text)
    for cx, marker in marker_cols:
        if 0 <= cx < pw:
            axis[cx], axis_roles[cx] = marker.tag[:1], TAG
    model.rows.append(_runs([(" " * label_w, LABEL), ("└", AXIS)] + list(zip(axis, axis_roles, strict=True))))
    model.rows.append([(" " * (label_w + 1) + "".join(label_row), LABEL)])
    return model
