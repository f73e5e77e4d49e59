"""Outlier flagging (pure): readings that cannot belong to the series, e.g. a child stepping on the scale.

A Hampel filter (Hampel 1974; Pearson 2002, "Outliers in process modeling and identification"): a point is
flagged when it lies further from the median of its neighbours than ``n_sigmas`` robust standard deviations
(1.4826 × the median absolute deviation) *and* further than ``min_relative`` of that median — so an all-equal or
very smooth series does not flag ordinary noise. Flagged points stay in the data; charts and tables mark them
and the trend line and outcome figures skip them.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

MAD_TO_SIGMA = 1.4826


def flag_outliers(values: Sequence[float], window: int = 7, n_sigmas: float = 4.0,
                  min_relative: float = 0.04) -> set[int]:
    """Indices of outliers; needs at least 4 neighbours in the window, otherwise nothing is flagged."""
    flagged: set[int] = set()
    n = len(values)
    if n < 5:
        return flagged
    for i in range(n):
        lo, hi = max(0, i - window), min(n, i + window + 1)
        neighbours = [values[j] for j in range(lo, hi) if j != i]
        if len(neighbours) < 4:
            continue
        med = median(neighbours)
        mad = median(abs(x - med) for x in neighbours)
        deviation = abs(values[i] - med)
        if deviation > n_sigmas * MAD_TO_SIGMA * mad and deviation > min_relative * abs(med):
            flagged.add(i)
    return flagged
