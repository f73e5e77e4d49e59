"""Outlier flagging (pure): readings that cannot belong to the series, e.g. a child stepping on the scale.

A Hampel filter (Hampel 1974; Pearson 2002, "Outliers in process modeling and identification"): a point is
flagged when it lies further from the median of its neighbours than ``n_sigmas`` robust standard deviations
(1.4826 × the median absolute deviation) *and* further than ``min_relative`` of that median — so an all-equal or
very smooth series does not flag ordinary noise. Flagged points stay in the data; charts and tables mark them
and the trend line and outcome figures skip them.
"""

from __future__ import annotations

from collections.abc import Sequence

MAD_TO_SIGMA = 1.4826


def _median_sorted(ordered: list[float]) -> float:
    n = len(ordered)
    half = n // 2
    return ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2


def flag_outliers(values: Sequence[float], window: int = 7, n_sigmas: float = 4.0,
                  min_relative: float = 0.04) -> set[int]:
    """Indices of outliers; needs at least 4 neighbours in the window, otherwise nothing is flagged.

    Runs on every chart of a metric's whole history (ten years: ~25,000 windows), so it is written for speed:
    medians of small sorted lists, and the robust deviation only for the few points that pass the cheap
    relative test first (the result is the same as testing both conditions everywhere).
    """
    values = list(values)
    if len(values) < 5:
        return set()
    return {i for i in range(len(values)) if _is_outlier(values, i, window, n_sigmas * MAD_TO_SIGMA, min_relative)}


def _is_outlier(values: list[float], i: int, window: int, threshold: float, min_relative: float) -> bool:
    n = len(values)
    lo, hi = max(0, i - window), min(n, i + window + 1)
    if hi - lo - 1 < 4:
        return False
    neighbours = values[lo:i] + values[i + 1:hi]
    neighbours.sort()
    med = _median_sorted(neighbours)
    deviation = abs(values[i] - med)
    if deviation <= min_relative * abs(med):
        return False
    mad = _median_sorted(sorted([abs(x - med) for x in neighbours]))
    return deviation > threshold * mad


class LazyOutliers:
    """The same test as :func:`flag_outliers`, point by point when asked (``i in flags``) and remembered.

    The dashboard's table needs to know about a handful of points per metric (the newest, the ones a week and
    a month back, the one on placement day); testing ten years of every metric for that was most of its cost.
    """

    def __init__(self, values: Sequence[float], window: int = 7, n_sigmas: float = 4.0,
                 min_relative: float = 0.04) -> None:
        self._values = list(values)
        self._window = window
        self._threshold = n_sigmas * MAD_TO_SIGMA
        self._min_relative = min_relative
        self._known: dict[int, bool] = {}

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int) or not 0 <= index < len(self._values) or len(self._values) < 5:
            return False
        known = self._known.get(index)
        if known is None:
            known = self._known[index] = _is_outlier(self._values, index, self._window, self._threshold,
                                                     self._min_relative)
        return known
