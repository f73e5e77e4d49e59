"""The trend line: an exponentially weighted moving average that respects irregular spacing (pure).

Weight-tracking apps follow John Walker's *The Hacker's Diet* (fourmilab.ch/hackdiet, chapter "Signal and
Noise"): trend[i] = trend[i-1] + α · (value[i] − trend[i-1]) with α = 0.1 per daily weigh-in. With skipped days a
point ``Δt`` days after the previous one gets α_eff = 1 − (1 − α)^Δt, so a value after a gap of a week counts as
much as a week of daily values would have (the standard continuous-time EWMA).
"""

from __future__ import annotations

from collections.abc import Sequence

DAILY_ALPHA = 0.1
DAY = 86400


def collapse_duplicates(ts: Sequence[int], values: Sequence[float]) -> tuple[list[int], list[float]]:
    """One point per timestamp (the mean of readings taken in the same second), order kept."""
    out_ts: list[int] = []
    out_v: list[float] = []
    count = 0
    for t, v in zip(ts, values, strict=True):
        if out_ts and out_ts[-1] == t:
            count += 1
            out_v[-1] += (v - out_v[-1]) / count
        else:
            out_ts.append(t)
            out_v.append(v)
            count = 1
    return out_ts, out_v


def ewma(ts: Sequence[int], values: Sequence[float], alpha: float = DAILY_ALPHA,
         period: int = DAY) -> list[float]:
    """Trend value at each point. ``ts`` ascending (Unix seconds); readings in the same second are averaged
    and share one trend value."""
    if not 0 < alpha <= 1:
        raise ValueError("alpha must be in (0, 1]")
    if not values:
        return []
    uts, uv = collapse_duplicates(ts, values)
    keep = 1 - alpha
    trend = uv[0]
    per_unique = [trend]
    for k in range(1, len(uts)):
        a = 1 - keep ** ((uts[k] - uts[k - 1]) / period)
        trend = trend + a * (uv[k] - trend)
        per_unique.append(trend)
    if len(uts) == len(ts):
        return per_unique
    out: list[float] = []
    k = 0
    for t in ts:
        while uts[k] != t:
            k += 1
        out.append(per_unique[k])
    return out
