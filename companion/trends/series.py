"""A metric's full history prepared for charts and figures (pure): outliers flagged, trend line computed."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

from companion.trends.outliers import LazyOutliers, flag_outliers
from companion.trends.smoothing import DAILY_ALPHA, ewma


@dataclass(frozen=True)
class PreparedSeries:
    """A metric's series ready for charts: values, flagged outliers and the smoothed trend."""

    ts: list[int]
    values: list[float]
    flagged: frozenset[int]
    trend: list[float]  # one per point; a flagged point carries the trend of the points around it

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def extent(self) -> tuple[int, int] | None:
        return (self.ts[0], self.ts[-1]) if self.ts else None


def prepare(ts: Sequence[int], values: Sequence[float], alpha: float = DAILY_ALPHA,
            detect_outliers: bool = True) -> PreparedSeries:
    ts, values = list(ts), [float(v) for v in values]
    flagged = frozenset(flag_outliers(values)) if detect_outliers else frozenset()
    keep = [i for i in range(len(ts)) if i not in flagged]
    smooth = ewma([ts[i] for i in keep], [values[i] for i in keep], alpha)
    trend: list[float] = []
    k = 0
    for i in range(len(ts)):
        if i in flagged:
            trend.append(smooth[k - 1] if k > 0 else (smooth[0] if smooth else values[i]))
        else:
            trend.append(smooth[k])
            k += 1
    return PreparedSeries(ts, values, flagged, trend)


@dataclass(frozen=True)
class ValueSeries:
    """A metric's history for figures that look at a few points only: outliers tested when asked, no trend."""

    ts: list[int]
    values: list[float]
    flagged: Container[int]

    def __len__(self) -> int:
        return len(self.ts)


def values_only(ts: Sequence[int], values: Sequence[float]) -> ValueSeries:
    floats = [float(v) for v in values]
    return ValueSeries(list(ts), floats, LazyOutliers(floats))
