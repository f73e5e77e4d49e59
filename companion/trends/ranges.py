"""Chart ranges, zoom and pan (pure). Times are Unix seconds; a window is [start, end)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from companion.i18n import N_

DAY = 86400
MIN_SPAN = 3600  # zooming stops at one hour


class RangeKey(StrEnum):
    WEEK = "7d"
    MONTH = "30d"
    QUARTER = "90d"
    YEAR = "1y"
    ALL = "all"
    PLACEMENT = "placement"
    CUSTOM = "custom"


RANGE_LABELS: dict[RangeKey, str] = {
    RangeKey.WEEK: N_("7 days"), RangeKey.MONTH: N_("30 days"), RangeKey.QUARTER: N_("90 days"),
    RangeKey.YEAR: N_("1 year"), RangeKey.ALL: N_("All"), RangeKey.PLACEMENT: N_("Since placement"),
    RangeKey.CUSTOM: N_("Custom"),
}
RANGE_DAYS = {RangeKey.WEEK: 7, RangeKey.MONTH: 30, RangeKey.QUARTER: 90, RangeKey.YEAR: 365}


class Window:
    """A time window in Unix seconds, ``start`` inclusive and ``end`` exclusive (never empty).

    Immutable. (A plain class: the dashboard needs one for its first frame, and defining a frozen dataclass
    costs over a millisecond of start-up.)
    """

    __slots__ = ("start", "end")
    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end if end > start else start + 1)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Window is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Window):
            return NotImplemented
        return self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Window(start={self.start}, end={self.end})"

    def __reduce__(self) -> tuple[type[Window], tuple[int, int]]:
        return Window, (self.start, self.end)

    @property
    def span(self) -> int:
        return self.end - self.start

    def zoom(self, factor: float, anchor: float = 0.5) -> Window:
        """``factor`` < 1 zooms in (a narrower window), > 1 out; ``anchor`` is the fixed point (0 left, 1 right)."""
        span = max(int(self.span * factor), MIN_SPAN)
        pivot = self.start + self.span * anchor
        start = int(pivot - span * anchor)
        return Window(start, start + span)

    def pan(self, fraction: float) -> Window:
        shift = int(self.span * fraction)
        return Window(self.start + shift, self.end + shift)

    def clamp(self, lo: int, hi: int) -> Window:
        """Keep the window inside [lo, hi] where it can (a window wider than that is shown whole)."""
        if self.span >= hi - lo:
            return Window(min(self.start, lo), max(self.end, hi)) if self.span > hi - lo else Window(lo, hi)
        if self.start < lo:
            return Window(lo, lo + self.span)
        if self.end > hi:
            return Window(hi - self.span, hi)
        return self


def local_midnight(day: date, tz: tzinfo) -> int:
    return int(datetime.combine(day, time(), tz).timestamp())


def resolve(key: RangeKey, now: datetime, extent: tuple[int, int] | None, placement: date | None = None,
            custom: Window | None = None) -> Window:
    """The window for a range button. ``extent`` is (first, last) data timestamp or ``None`` without data."""
    key = RangeKey(key)
    tz = now.tzinfo
    assert tz is not None
    end = local_midnight(now.date() + timedelta(days=1), tz)  # whole days: up to the end of today
    if extent is not None:
        end = max(end, extent[1] + 1)
    if key in RANGE_DAYS:
        return Window(local_midnight(now.date() - timedelta(days=RANGE_DAYS[key] - 1), tz), end)
    if key is RangeKey.CUSTOM and custom is not None:
        return custom
    if key is RangeKey.PLACEMENT and placement is not None:
        start = local_midnight(placement, tz) - DAY  # a day of context before placement
        return Window(start, max(end, start + DAY))
    if extent is None:
        return Window(end - 30 * DAY, end)
    first, last = extent
    pad = max((last - first) // 50, DAY // 2)
    return Window(first - pad, max(last + pad, end) if key is not RangeKey.ALL else last + pad)


def parse_custom(text: str, tz: tzinfo) -> Window:
    """``YYYY-MM-DD..YYYY-MM-DD`` (both days included); raises ``ValueError`` with a human message."""
    from companion.i18n import _

    parts = [p.strip() for p in text.replace("–", "..").replace(" to ", "..").split("..")]
    if len(parts) != 2:
        raise ValueError(_("Enter a range as YYYY-MM-DD..YYYY-MM-DD, for example 2026-01-01..2026-03-31."))
    try:
        first, last = date.fromisoformat(parts[0]), date.fromisoformat(parts[1])
    except ValueError:
        raise ValueError(_("Enter real dates as YYYY-MM-DD, for example 2026-01-01..2026-03-31.")) from None
    if last < first:
        raise ValueError(_("The end of the range is before its start."))
    return Window(local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))
