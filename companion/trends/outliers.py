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

    Runs on every dashboard start for each metric's whole history (ten years: ~25,000 windows), so it is
    written for speed: medians of small sorted lists, and the robust deviation only for the few points that
    pass the cheap relative test first (the result is the same as testing both conditions everywhere).
    """
    flagged: set[int] = set()
    n = len(values)
    if n < 5:
        return flagged
    values = list(values)
    threshold = n_sigmas * MAD_TO_SIGMA
    for i in range(n):
        lo, hi = max(0, i - window), min(n, i + window + 1)
        if hi - lo - 1 < 4:
            continue
        neighbours = values[lo:i] + values[i + 1:hi]
        neighbours.sort()
        med = _median_sorted(neighbours)
        deviation = abs(values[i] - med)
        if deviation <= min_relative * abs(med):
            continue
        mad = _median_sorted(sorted([abs(x - med) for x in neighbours]))
        if deviation > threshold * mad:
            flagged.add(i)
    return flagged
