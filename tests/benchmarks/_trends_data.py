"""Benchmark data for the trends charts: a year of per-second heart rate (31.5 M samples), built once and cached.

Building goes through ``Samples.add_many`` (the real insert path with its rollups) and takes minutes, so the
database is kept under ``$COMPANION_BENCH_CACHE`` (default ``/tmp/companion-bench-trends``) and reused; a
``complete`` marker is written only when every day is in.
Run ``python tests/benchmarks/_trends_data.py`` to build it ahead of the benchmark.
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

BENCH_PASSPHRASE = "benchmark passphrase 1234"
YEAR_START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
DAYS = 365
SECONDS = DAYS * 86400


def cache_dir() -> Path:
    return Path(os.environ.get("COMPANION_BENCH_CACHE", "/tmp/companion-bench-trends")) / "year-hr"


def _day_points(day: int, rng: random.Random) -> list[tuple[int, float]]:
    base = YEAR_START + day * 86400
    out = []
    level = 62.0
    for s in range(86400):
        # circadian rhythm + a random walk + a workout spike in the evening
        if s % 60 == 0:
            level += rng.gauss(0, 0.8)
            level += (62.0 - level) * 0.05
        circadian = 8 * math.sin((s / 86400 - 0.3) * 2 * math.pi)
        workout = 55.0 if 18 * 3600 <= s < 18 * 3600 + 2400 and day % 3 == 0 else 0.0
        out.append((base + s, round(level + circadian + workout, 1)))
    return out


def open_or_build(log: bool = False):  # type: ignore[no-untyped-def]
    """The cached store (opened) and the profile id."""
    from companion.clock import FixedClock
    from companion.domain.model import Profile, Sex
    from companion.store import Store
    from companion.store.samples import Samples

    home = cache_dir()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    if (home / "complete").exists():
        store = Store.open(home, passphrase=BENCH_PASSPHRASE, clock=clock)
        profile = store.profiles.active()
        assert profile is not None and profile.id is not None
        return store, profile.id
    if home.exists():
        import shutil

        shutil.rmtree(home)
    home.mkdir(parents=True)
    store = Store.create(home, passphrase=BENCH_PASSPHRASE, clock=clock)
    store.consents.record("health-data", "grant", "1.0", "benchmark")
    profile = store.profiles.add(Profile("Bench Mark", Sex.FEMALE, date(1980, 1, 1), 170.0))
    assert profile.id is not None
    samples = Samples(store)
    rng = random.Random(42)
    started = time.perf_counter()
    for day in range(DAYS):
        samples.add_many(profile.id, "heart_rate", "bench", _day_points(day, rng))
        if log and day % 10 == 0:
            print(f"day {day} after {time.perf_counter() - started:.0f} s", flush=True)
    store.checkpoint()
    (home / "complete").write_text("ok\n")
    return store, profile.id


if __name__ == "__main__":
    t0 = time.perf_counter()
    s, _pid = open_or_build(log=True)
    s.close()
    print(f"ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
