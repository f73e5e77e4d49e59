"""Shape-preserving downsampling (pure), so a chart never draws more points than it has cells.

- ``minmax_buckets``: per x bucket (one per dot column) keep the lowest and the highest point, in time order; every
  local extreme survives, which is what a patient looks for (the heaviest day, the dip). Works over raw points and
  over pre-aggregated rollups (low/high per bucket) alike.
- ``lttb``: Largest-Triangle-Three-Buckets (Sveinn Steinarsson, "Downsampling Time Series for Visual
  Representation", MSc thesis, University of Iceland 2013) for lines: keeps the first and last point and, per
  bucket, the point forming the largest triangle with its neighbours.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence


def lttb(xs: Sequence[float], ys: Sequence[float], threshold: int) -> list[int]:
    """Indices (ascending) of at most ``threshold`` points (>= 3) that keep the visual shape."""
    n = len(xs)
    if threshold >= n or n <= 2:
        return list(range(n))
    threshold = max(threshold, 3)
    picked = [0]
    every = (n - 2) / (threshold - 2)
    a = 0
    for i in range(threshold - 2):
        # average of the next bucket
        nxt_lo = int((i + 1) * every) + 1
        nxt_hi = min(int((i + 2) * every) + 1, n)
        if nxt_lo >= nxt_hi:
            nxt_lo, nxt_hi = n - 1, n
        span = nxt_hi - nxt_lo
        avg_x = sum(xs[nxt_lo:nxt_hi]) / span
        avg_y = sum(ys[nxt_lo:nxt_hi]) / span
        lo = int(i * every) + 1
        hi = int((i + 1) * every) + 1
        ax, ay = xs[a], ys[a]
        best, best_area = lo, -1.0
        for j in range(lo, min(hi, n - 1)):
            area = abs((ax - avg_x) * (ys[j] - ay) - (ax - xs[j]) * (avg_y - ay))
            if area > best_area:
                best, best_area = j, area
        picked.append(best)
        a = best
    picked.append(n - 1)
    return picked


def minmax_buckets(xs: Sequence[float], lows: Sequence[float], highs: Sequence[float] | None,
                   x0: float, x1: float, buckets: int) -> list[int]:
    """Indices of the lowest and highest point per equal-width bucket of [x0, x1] (at most 2 per bucket).

    ``highs`` is ``None`` for raw points (low == high); with rollups the bucket's low/high are compared.
    Points outside [x0, x1] are ignored. ``xs`` ascending.
    """
    highs = lows if highs is None else highs
    out: list[int] = []
    if buckets <= 0 or x1 <= x0:
        return out
    width = (x1 - x0) / buckets
    current = -1
    lo_i = hi_i = -1
    # Only the points inside [x0, x1]: a chart of the last months of ten years of data looks at a few hundred
    for i in range(bisect_left(xs, x0), bisect_right(xs, x1)):
        b = min(int((xs[i] - x0) / width), buckets - 1)
        if b != current:
            if current >= 0:
                out.extend(sorted({lo_i, hi_i}))
            current, lo_i, hi_i = b, i, i
        else:
            if lows[i] < lows[lo_i]:
                lo_i = i
            if highs[i] > highs[hi_i]:
                hi_i = i
    if current >= 0:
        out.extend(sorted({lo_i, hi_i}))
    return out
