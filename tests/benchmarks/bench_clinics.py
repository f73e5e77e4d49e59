"""Clinic finder benchmarks (not part of the normal run):

    python -m pytest tests/benchmarks/bench_clinics.py --benchmark-enable --benchmark-only

- 1,000,000 clinics, k = 10: grid index build and query (uniform on the sphere, and city-clustered), and the
  full search (index + exact WGS-84 geodesics for the candidates shown).
- Baseline: brute-force geopy ``geodesic`` over the same directory. One full pass takes minutes, so by
  default it is timed on 20,000 clinics and scaled linearly (the cost is exactly one geodesic per clinic);
  set ``COMPANION_BENCH_FULL_BRUTE=1`` to time the real million. Pure-Python haversine brute force is timed
  in full.
- Loading the bundled SAMPLE directory (and the gazetteer), which happens lazily on first use, not at start.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from companion.clinics.directory import ClinicDirectory
from companion.clinics.index import GridIndex, brute_force_nearest
from companion.clinics.model import Clinic
from companion.clinics.search import nearest_clinics

N = 1_000_000
K = 10
NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def _uniform(n: int, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    return (
        [math.degrees(math.asin(rng.uniform(-1, 1))) for _ in range(n)],
        [rng.uniform(-180, 180) for _ in range(n)],
    )


def _clustered(n: int, seed: int) -> tuple[list[float], list[float]]:
    """Clinics around real towns (GeoNames, weighted by population), σ ≈ 9 km: dense city cells."""
    from companion.clinics.gazetteer import gazetteer

    rng = random.Random(seed)
    towns = gazetteer().places
    picks = rng.choices(towns, weights=[t.population for t in towns], k=n)
    sigma = 9.0 / 111.0
    lats = [max(-90.0, min(90.0, t.lat + rng.gauss(0, sigma))) for t in picks]
    lons = [
        ((t.lon + rng.gauss(0, sigma) / max(0.05, math.cos(math.radians(t.lat)))) + 180.0) % 360.0 - 180.0
        for t in picks
    ]
    return lats, lons


@pytest.fixture(scope="module")
def uniform() -> tuple[list[float], list[float]]:
    return _uniform(N, 1)


@pytest.fixture(scope="module")
def uniform_index(uniform: tuple[list[float], list[float]]) -> GridIndex:
    return GridIndex(*uniform)


@pytest.fixture(scope="module")
def queries() -> list[tuple[float, float]]:
    lats, lons = _uniform(500, 99)
    return list(zip(lats, lons, strict=True))


def _cycle(items: list[Any]) -> Any:
    state = {"i": 0}

    def nxt() -> Any:
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return nxt


def test_index_build_1m(benchmark: Any, uniform: tuple[list[float], list[float]]) -> None:
    benchmark.pedantic(GridIndex, args=uniform, rounds=3, iterations=1)


def test_index_query_1m_uniform(
    benchmark: Any, uniform_index: GridIndex, queries: list[tuple[float, float]]
) -> None:
    nxt = _cycle(queries)

    def run() -> None:
        lat, lon = nxt()
        uniform_index.nearest(lat, lon, K)

    benchmark.pedantic(run, rounds=2000, iterations=1, warmup_rounds=100)


def test_index_query_1m_polar(benchmark: Any, uniform_index: GridIndex) -> None:
    nxt = _cycle([(89.99, 0.0), (-89.9, 120.0), (88.0, -170.0), (0.0, 179.999), (-60.0, -180.0)])

    def run() -> None:
        lat, lon = nxt()
        uniform_index.nearest(lat, lon, K)

    benchmark.pedantic(run, rounds=500, iterations=1, warmup_rounds=10)


def test_index_query_1m_clustered(benchmark: Any) -> None:
    lats, lons = _clustered(N, 2)
    started = time.perf_counter()
    index = GridIndex(lats, lons)
    benchmark.extra_info["build_s"] = round(time.perf_counter() - started, 3)
    rng = random.Random(3)
    picks = rng.sample(range(N), 500)
    nxt = _cycle([(lats[i] + 0.01, lons[i]) for i in picks])  # queries where people live

    def run() -> None:
        lat, lon = nxt()
        index.nearest(lat, lon, K)

    benchmark.pedantic(run, rounds=1000, iterations=1, warmup_rounds=50)


def test_search_1m_with_geodesic(
    benchmark: Any,
    uniform: tuple[list[float], list[float]],
    uniform_index: GridIndex,
    queries: list[tuple[float, float]],
) -> None:
    lats, lons = uniform
    directory = ClinicDirectory(
        [Clinic(str(i), "c", a, b) for i, (a, b) in enumerate(zip(lats, lons, strict=True))]
    )
    directory._index = uniform_index
    nxt = _cycle(queries)

    def run() -> None:
        lat, lon = nxt()
        nearest_clinics(directory, lat, lon, now=NOW, limit=K)

    benchmark.pedantic(run, rounds=300, iterations=1, warmup_rounds=10)


def test_baseline_brute_force_haversine_1m(benchmark: Any, uniform: tuple[list[float], list[float]]) -> None:
    lats, lons = uniform
    benchmark.pedantic(brute_force_nearest, args=(lats, lons, 52.37, 4.89, K), rounds=3, iterations=1)


def test_baseline_brute_force_geodesic_1m(benchmark: Any, uniform: tuple[list[float], list[float]]) -> None:
    """geopy ``geodesic`` to every clinic, then the k smallest (the issue's named baseline)."""
    import heapq

    from geopy.distance import geodesic

    lats, lons = uniform
    full = os.environ.get("COMPANION_BENCH_FULL_BRUTE") == "1"
    n = N if full else 20_000

    def run() -> None:
        heapq.nsmallest(K, (geodesic((52.37, 4.89), (lats[i], lons[i])).km for i in range(n)))

    timings = []
    for _round in range(1 if full else 3):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    per_query = statistics.median(timings) * (N / n)
    benchmark.extra_info["seconds_per_query_1m"] = round(per_query, 1)
    benchmark.extra_info["measured_on"] = n
    # Report the extrapolated per-query time through pytest-benchmark as a single (scaled) round.
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    print(f"\nbrute-force geodesic over {N:,} clinics: {per_query:.1f} s per query (timed on {n:,})")


def test_bundled_directory_load(benchmark: Any) -> None:
    from companion.clinics.directory import bundled_directory

    def load() -> None:
        bundled_directory.cache_clear()
        bundled_directory()

    benchmark.pedantic(load, rounds=50, iterations=1, warmup_rounds=2)


def test_bundled_directory_first_search(benchmark: Any) -> None:
    """First search after start: load the sample, build its index, rank with geodesics."""
    from companion.clinics.directory import bundled_directory

    def first() -> None:
        bundled_directory.cache_clear()
        nearest_clinics(bundled_directory(), 52.37, 4.89, now=NOW, limit=K)

    benchmark.pedantic(first, rounds=30, iterations=1, warmup_rounds=2)


def test_gazetteer_load(benchmark: Any) -> None:
    from companion.clinics.gazetteer import gazetteer

    def load() -> None:
        gazetteer.cache_clear()
        gazetteer()

    benchmark.pedantic(load, rounds=5, iterations=1)


def test_clinics_screen_import_cost(benchmark: Any) -> None:
    """What the clinic finder adds to app start: importing its screen module (nothing is loaded)."""
    import subprocess
    import sys

    code = (
        "import time, companion.tui.screens.base as b; t = time.perf_counter(); "
        "import companion.tui.screens.clinics; print(time.perf_counter() - t)"
    )

    def measure() -> float:
        return float(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        )

    samples = [measure() for _ in range(7)]
    benchmark.extra_info["import_ms_median"] = round(statistics.median(samples) * 1000, 1)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    print(f"\nclinics screen import: {statistics.median(samples) * 1000:.1f} ms (median of 7)")
