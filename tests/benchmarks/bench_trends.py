"""Trends benchmarks (not timed tests). Run:

    python -m pytest tests/benchmarks/bench_trends.py --benchmark-enable --benchmark-only -s

1. Range switching on a chart of 10 years of daily weigh-ins: key press → new chart rendered, through Pilot
   (Textual's own key handling, the widget's render and the compositor), plus the pure pipeline alone, against
   drawing every raw point without downsampling.
2. A chart over a year of per-second heart rate (31.5 M samples inserted through ``Samples.add_many``, cached
   under /tmp, see ``_trends_data.py``): window → rollup query → min/max + mean → braille chart, with the
   process's memory growth; against reading and plotting the raw samples (measured over 30 days, since a
   year of raw rows does not fit comfortably in memory — which is the point).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual import events

from companion.trends.chart import Layers, _Canvas, build_chart
from companion.trends.ranges import RangeKey, Window, resolve

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WIDTH, HEIGHT = 78, 18
RANGES = [RangeKey.WEEK, RangeKey.MONTH, RangeKey.QUARTER, RangeKey.YEAR, RangeKey.ALL, RangeKey.PLACEMENT]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def draw_raw(layers: Layers, window: Window, width: int, height: int) -> int:
    """The baseline: every point in the window drawn and joined, no downsampling."""
    canvas = _Canvas(width, height)
    ts = layers.ts
    values = layers.values
    visible = [i for i in range(len(ts)) if window.start <= ts[i] < window.end]
    if not visible:
        return 0
    lo = min(values[i] for i in visible)
    hi = max(values[i] for i in visible)
    span = (hi - lo) or 1.0
    prev = None
    for i in visible:
        x = int((ts[i] - window.start) / window.span * width * 2)
        y = int((hi - values[i]) / span * (height * 4 - 1))
        canvas.dot(x, y, "point")
        if prev is not None:
            canvas.line(prev[0], prev[1], x, y, "trend")
        prev = (x, y)
    return len(visible)


@pytest.fixture(scope="module")
def ten_years(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from companion.clock import FixedClock
    from companion.demo import demo_profile, generate
    from companion.store import Store

    home = tmp_path_factory.mktemp("bench-10y")
    store = Store.create(home, passphrase="bench passphrase 1234", clock=FixedClock(NOW))
    store.consents.record("health-data", "grant", "1.0", "bench")
    profile = store.profiles.add(demo_profile(NOW.date()))
    store.measurements.add_many(generate(profile, 3653, NOW.date()), profile.id)
    yield store, profile
    store.close()


def test_range_switch_pipeline(benchmark: Any, ten_years: Any) -> None:
    from companion.domain.model import Metric
    from companion.trends.data import TrendData, metric_input

    store, profile = ten_years
    data = TrendData(store, profile)
    chart = metric_input(data, Metric.WEIGHT, profile.weight_unit, UTC)
    assert len(chart.layers.ts) > 3000
    state = {"i": 0}

    def switch() -> Any:
        key = RANGES[state["i"] % len(RANGES)]
        state["i"] += 1
        window = resolve(key, NOW, chart.extent, chart.placement)
        return build_chart(chart.layers, window, WIDTH, HEIGHT, tz=UTC)

    benchmark.pedantic(switch, rounds=120, iterations=1, warmup_rounds=6)
    window = resolve(RangeKey.ALL, NOW, chart.extent, chart.placement)
    raw = []
    fast = []
    for _ in range(30):
        t0 = time.perf_counter()
        draw_raw(chart.layers, window, WIDTH - 6, HEIGHT - 2)
        raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        build_chart(chart.layers, window, WIDTH, HEIGHT, tz=UTC)
        fast.append(time.perf_counter() - t0)
    benchmark.extra_info["all_range_downsampled_ms"] = statistics.median(fast) * 1000
    benchmark.extra_info["all_range_raw_ms"] = statistics.median(raw) * 1000
    print(f"\n10y daily, range 'all': downsampled {statistics.median(fast) * 1000:.2f} ms, "
          f"raw points {statistics.median(raw) * 1000:.2f} ms")


def test_range_switch_keypress(benchmark: Any, ten_years: Any) -> None:
    """Key press → new chart rendered, through Textual (Pilot at 80×24)."""
    from companion.clock import FixedClock
    from companion.tui.app import make_app
    from companion.tui.widgets.trends_chart import TrendChart

    store, _profile = ten_years
    app = make_app(home=store.home, clock=FixedClock(NOW), store=store)
    app.context.extras["no_services"] = True
    app.on_unmount = lambda: None  # type: ignore[method-assign]  # the module fixture closes the store
    timings: list[float] = []
    pilot_timings: list[float] = []

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("t")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            chart = app.screen.query_one(TrendChart)
            for i in range(90):
                key = "123456"[i % 6]
                before = chart.renders
                await pilot.pause()
                t0 = time.perf_counter()
                # the key event as the terminal driver delivers it; done when the widget has rendered
                app.post_message(events.Key(key, key))
                while chart.renders == before:
                    await asyncio.sleep(0)
                timings.append(time.perf_counter() - t0)
                pilot_t0 = time.perf_counter()
                await pilot.press("123456"[(i + 3) % 6])
                pilot_timings.append(time.perf_counter() - pilot_t0)

    asyncio.run(run())
    median = statistics.median(timings[6:]) * 1000
    with_pilot = statistics.median(pilot_timings[6:]) * 1000
    benchmark.extra_info["keypress_to_render_median_ms"] = median
    benchmark.extra_info["pilot_press_median_ms"] = with_pilot
    print(f"\n10y daily, key event -> chart rendered (80x24): median {median:.1f} ms, "
          f"p90 {statistics.quantiles(timings[6:], n=10)[-1] * 1000:.1f} ms; "
          f"await pilot.press (incl. Pilot's idle waits): median {with_pilot:.1f} ms")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


@pytest.fixture(scope="module")
def year_of_heart_rate() -> Any:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _trends_data import YEAR_START, open_or_build  # type: ignore[import-not-found]

    store, profile_id = open_or_build(log=True)
    yield store, profile_id, YEAR_START
    store.close()


def test_chart_over_30_million_samples(benchmark: Any, year_of_heart_rate: Any) -> None:
    from companion.trends.data import ChartInput, ChartKey, TrendData, sample_layers

    store, profile_id, start = year_of_heart_rate
    profile = store.profiles.get(profile_id)
    data = TrendData(store, profile)
    extent = data.sample_extent("heart_rate")
    assert extent is not None
    chart = ChartInput(ChartKey(sample_kind="heart_rate"), "Heart rate", "bpm", Layers(), extent, None, True)
    year = Window(start, start + 365 * 86400)
    plot_w = WIDTH - 4

    def draw(window: Window) -> Any:
        layers = sample_layers(data, chart, window.start, window.end, plot_w * 2)
        return build_chart(layers, window, WIDTH, HEIGHT, tz=UTC)

    import tracemalloc

    gc.collect()
    rss0 = _rss_mb()
    model = benchmark.pedantic(draw, args=(year,), rounds=30, iterations=1, warmup_rounds=2)
    rss1 = _rss_mb()
    tracemalloc.start()
    draw(year)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    benchmark.extra_info["peak_python_alloc_mb"] = peak / 2**20
    assert model.drawn_points <= model.plot_cells
    windows = [Window(start + d * 86400, start + (d + span) * 86400) for d, span in ((0, 7), (100, 30), (200, 90))]
    per_window = {}
    for w in windows:
        runs = []
        for _ in range(15):
            t0 = time.perf_counter()
            draw(w)
            runs.append(time.perf_counter() - t0)
        per_window[f"{w.span // 86400}d_ms"] = statistics.median(runs) * 1000
    # baseline: the raw samples of 30 days (2.6 M rows), read and drawn without downsampling
    month = Window(start + 100 * 86400, start + 130 * 86400)
    gc.collect()
    t0 = time.perf_counter()
    raw = data.samples("heart_rate", month.start, month.end, max_points=10**9)
    t_read = time.perf_counter() - t0
    drawn = draw_raw(Layers(raw.ts, raw.mean), month, plot_w, HEIGHT - 2)
    raw_month = time.perf_counter() - t0
    del raw
    year_ms = benchmark.stats.stats.median * 1000
    benchmark.extra_info.update({
        "year_median_ms": year_ms, "rss_growth_mb": rss1 - rss0, **per_window,
        "raw_30d_ms": raw_month * 1000, "raw_30d_read_ms": t_read * 1000, "raw_30d_points": drawn,
        "raw_year_estimate_ms": raw_month * 1000 * 365 / 30,
    })
    print(f"\n31.5M samples, 1 year chart: median {year_ms:.1f} ms, RSS growth {rss1 - rss0:.1f} MB, "
          f"peak Python allocations per chart {peak / 2**20:.2f} MB; "
          f"windows {per_window}; raw 30 days ({drawn} points): {raw_month * 1000:.0f} ms "
          f"(read {t_read * 1000:.0f} ms), downsampled 30 days: {per_window['30d_ms']:.1f} ms, "
          f"ratio {raw_month * 1000 / per_window['30d_ms']:.0f}x; raw year estimated "
          f"{raw_month * 365 / 30:.1f} s = {raw_month * 1000 * 365 / 30 / year_ms:.0f}x the downsampled year")


__all__ = ["date", "timedelta"]
