"""Pure trends core: trend line, downsampling, outliers, outcome figures, ranges and chart geometry."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.trends.chart import OUTLIER, Layers, Marker, build_chart
from companion.trends.downsample import lttb, minmax_buckets
from companion.trends.outcomes import (
    BmiScheme,
    bmi_class,
    change_over,
    change_since_previous,
    ewl_pct,
    find_reference,
    goal_progress,
    ideal_weight_kg,
    tbwl_pct,
)
from companion.trends.outliers import LazyOutliers, flag_outliers
from companion.trends.ranges import RangeKey, Window, parse_custom, resolve
from companion.trends.series import prepare
from companion.trends.smoothing import collapse_duplicates, ewma

DAY = 86400
T0 = int(datetime(2026, 1, 1, 7, 0, tzinfo=UTC).timestamp())


# ----- trend line ---------------------------------------------------------------------------------------
def test_window_is_an_immutable_value() -> None:
    import pickle

    assert Window(10, 5) == Window(10, 11) and Window(10, 5).span == 1  # never empty
    assert Window(0, 5) != Window(0, 6) and Window(0, 5) != (0, 5)
    assert len({Window(0, 5), Window(0, 5), Window(1, 5)}) == 2
    assert pickle.loads(pickle.dumps(Window(3, 9))) == Window(3, 9)
    with pytest.raises(AttributeError):
        Window(0, 5).end = 7  # type: ignore[misc]
    assert repr(Window(0, 5)) == "Window(start=0, end=5)"


def test_ewma_matches_hand_computed_daily_series() -> None:
    ts = [T0 + i * DAY for i in range(4)]
    # by hand with alpha 0.1: 100; 100 + 0.1(99 - 100) = 99.9; 99.9 + 0.1(98 - 99.9) = 99.71;
    # 99.71 + 0.1(101 - 99.71) = 99.839
    assert ewma(ts, [100, 99, 98, 101]) == pytest.approx([100, 99.9, 99.71, 99.839])


def test_ewma_after_a_gap_weights_by_elapsed_days() -> None:
    # two days apart: alpha_eff = 1 - 0.9^2 = 0.19 -> 100 + 0.19 * (90 - 100) = 98.1
    assert ewma([T0, T0 + 2 * DAY], [100, 90]) == pytest.approx([100, 98.1])


def test_ewma_duplicates_at_the_same_second_are_averaged() -> None:
    ts = [T0, T0 + DAY, T0 + DAY]
    # the two readings at day 1 average 98 -> 100 + 0.1 * (98 - 100) = 99.8 for both
    assert ewma(ts, [100, 97, 99]) == pytest.approx([100, 99.8, 99.8])
    assert collapse_duplicates(ts, [100, 97, 99]) == ([T0, T0 + DAY], [100, 98])


def test_ewma_edge_cases() -> None:
    assert ewma([], []) == []
    assert ewma([T0], [5.0]) == [5.0]
    assert ewma([T0 + i * DAY for i in range(5)], [70.0] * 5) == pytest.approx([70.0] * 5)


# ----- downsampling ---------------------------------------------------------------------------------------
def _noisy(n: int, seed: int = 3) -> tuple[list[int], list[float]]:
    rng = random.Random(seed)
    return [T0 + i * DAY for i in range(n)], [100 + 5 * math.sin(i / 40) + rng.gauss(0, 1) for i in range(n)]


def test_minmax_keeps_every_extreme() -> None:
    xs, ys = _noisy(3650)
    keep = minmax_buckets(xs, ys, None, xs[0], xs[-1], 100)
    assert len(keep) <= 200
    assert keep == sorted(keep)
    kept = [ys[i] for i in keep]
    assert min(kept) == min(ys) and max(kept) == max(ys)
    # and per bucket: each bucket's min and max survive
    width = (xs[-1] - xs[0]) / 100
    for b in range(100):
        members = [i for i, x in enumerate(xs) if min(int((x - xs[0]) / width), 99) == b]
        if members:
            assert min(members, key=lambda i: ys[i]) in keep and max(members, key=lambda i: ys[i]) in keep


def test_minmax_over_rollups_uses_low_and_high() -> None:
    xs = [0, 10, 20, 30]
    lows, highs = [5.0, 1.0, 6.0, 4.0], [9.0, 7.0, 20.0, 8.0]
    keep = minmax_buckets(xs, lows, highs, 0, 39, 1)
    assert keep == [1, 2]


def test_lttb_keeps_ends_and_stays_under_threshold() -> None:
    xs, ys = _noisy(1000)
    picked = lttb(xs, ys, 50)
    assert len(picked) == 50 and picked[0] == 0 and picked[-1] == 999 and picked == sorted(picked)
    spike = list(ys)
    spike[500] = 1000.0
    assert 500 in lttb(xs, spike, 50)  # a lone spike forms the largest triangle in its bucket
    assert lttb(xs[:2], ys[:2], 10) == [0, 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=400), st.integers(1, 80))
def test_minmax_property(values: list[float], buckets: int) -> None:
    xs = list(range(len(values)))
    keep = minmax_buckets(xs, values, None, 0, max(len(values) - 1, 1), buckets)
    assert len(keep) <= 2 * buckets
    if values:
        kept = [values[i] for i in keep]
        assert min(kept) == min(values) and max(kept) == max(values)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=0, max_size=300).map(sorted),
       st.integers(-1200, 1200), st.integers(1, 600), st.integers(1, 60), st.randoms(use_true_random=False))
def test_minmax_looks_only_inside_its_window(xs: list[int], x0: int, span: int, buckets: int,
                                             rng: random.Random) -> None:
    """Points before ``x0`` or after ``x1`` play no part (the function skips them by bisection), duplicates of
    a timestamp included: the same indices as scanning every point."""
    values = [rng.uniform(-50, 50) for _ in xs]
    x1 = x0 + span
    width = (x1 - x0) / buckets
    best: dict[int, tuple[int, int]] = {}
    for i, x in enumerate(xs):
        if x0 <= x <= x1:
            b = min(int((x - x0) / width), buckets - 1)
            lo, hi = best.get(b, (i, i))
            best[b] = (i if values[i] < values[lo] else lo, i if values[i] > values[hi] else hi)
    expected = [i for b in sorted(best) for i in sorted(set(best[b]))]
    assert minmax_buckets(xs, values, None, x0, x1, buckets) == expected


# ----- outliers -------------------------------------------------------------------------------------------
def test_child_on_the_scale_is_flagged_not_dropped() -> None:
    values = [92.0 + 0.3 * math.sin(i) for i in range(30)]
    values[12] = 24.5
    assert flag_outliers(values) == {12}
    prepared = prepare([T0 + i * DAY for i in range(30)], values)
    assert prepared.flagged == {12} and prepared.values[12] == 24.5  # kept
    assert prepared.trend[12] == pytest.approx(prepared.trend[11])  # the trend ignores it


def test_no_outliers_in_flat_smooth_or_short_series() -> None:
    assert flag_outliers([80.0] * 50) == set()
    assert flag_outliers([100 - i * 0.1 for i in range(100)]) == set()
    assert flag_outliers([80.0, 20.0, 80.0]) == set()  # too few neighbours to judge
    xs, ys = _noisy(500)
    assert flag_outliers(ys) == set()


@settings(max_examples=200)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=0, max_size=120), st.data())
def test_lazy_outlier_test_agrees_with_the_full_pass(values: list[float], data: st.DataObject) -> None:
    """The dashboard's table asks point by point (``LazyOutliers``); charts flag everything at once: the same
    test, so the same answer for every point, in any order of asking."""
    for spike in data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=5)):
        if values:
            values[spike] *= data.draw(st.sampled_from([0.25, 3.0, -1.0]))
    flagged = flag_outliers(values)
    lazy = LazyOutliers(values)
    order = data.draw(st.permutations(list(range(-2, len(values) + 2))))
    assert {i for i in order if i in lazy} == flagged


def test_dashboard_figures_are_the_same_with_lazy_outlier_tests() -> None:
    from companion.domain.model import METRIC_ORDER, Metric, Profile, Sex
    from companion.trends.figures import LatestValue, dashboard_figures
    from companion.trends.series import values_only

    rng = random.Random(3)
    ts = [T0 + i * DAY for i in range(900)]
    series = {m: [50 + 10 * k + rng.gauss(0, 0.4) for _ in ts] for k, m in enumerate(METRIC_ORDER)}
    for values in series.values():
        for spike in rng.sample(range(len(values)), 12) + [len(values) - 1, len(values) - 8, 400]:
            values[spike] *= 0.5
    profile = Profile(name="Ann", sex=Sex.FEMALE, birth_date=date(1980, 1, 1), height_cm=168,
                      placement_date=(datetime.fromtimestamp(ts[400], UTC)).date(), goal_weight_kg=60, id=1)
    latest = {m: LatestValue(ts[-1], v[-1], False) for m, v in series.items()}
    now = datetime.fromtimestamp(ts[-1] + 3600, UTC)
    eager = dashboard_figures(profile, {m: prepare(ts, v) for m, v in series.items()}, latest, now)
    lazy = dashboard_figures(profile, {m: prepare(ts, v) if m is Metric.WEIGHT else values_only(ts, v)
                                       for m, v in series.items()}, latest, now)
    assert lazy == eager
    assert any(row.outlier for row in eager.rows)  # the newest point was a spike: the check can tell


# ----- outcome figures ------------------------------------------------------------------------------------
def test_tbwl_ewl_by_hand() -> None:
    # 168 cm: ideal at BMI 25 = 25 * 1.68^2 = 70.56 kg
    assert ideal_weight_kg(168) == pytest.approx(70.56)
    assert tbwl_pct(108.0, 94.0) == pytest.approx(14 / 108 * 100)  # 12.96 %
    assert ewl_pct(108.0, 94.0, 70.56) == pytest.approx(14 / 37.44 * 100)  # 37.39 %
    assert tbwl_pct(0.0, 10.0) is None
    assert ewl_pct(65.0, 64.0, 70.56) is None  # no excess weight: no %EWL rather than a division by zero


def test_bmi_classes_who_and_asian() -> None:
    assert bmi_class(24.95).key == "normal"  # type: ignore[union-attr]
    assert bmi_class(25.0).key == "pre-obese"  # type: ignore[union-attr]
    assert bmi_class(34.2).key == "obese-1"  # type: ignore[union-attr]
    assert bmi_class(41).key == "obese-3"  # type: ignore[union-attr]
    assert bmi_class(15.2).key == "severe-thinness"  # type: ignore[union-attr]
    assert bmi_class(24.0, BmiScheme.ASIAN).key == "increased-risk"  # type: ignore[union-attr]
    assert bmi_class(27.5, BmiScheme.ASIAN).key == "high-risk"  # type: ignore[union-attr]
    assert bmi_class(33.0, BmiScheme.ASIAN).key == "obese-2"  # type: ignore[union-attr]
    assert bmi_class(None) is None and bmi_class(float("nan")) is None


def test_reference_is_the_placement_day_weigh_in() -> None:
    day = date(2026, 1, 10)
    ts = [int(datetime(2026, 1, d, 7, tzinfo=UTC).timestamp()) for d in (5, 9, 10, 11)]
    ref = find_reference(ts, [110, 109, 108.5, 108], day, 112.0)
    assert ref is not None and ref.weight_kg == 108.5 and ref.kind == "placement-weigh-in"
    assert find_reference(ts[3:], [108], day, 112.0).weight_kg == 108  # type: ignore[union-attr]
    ref = find_reference([], [], day, 112.0)
    assert ref is not None and ref.kind == "profile-start-weight"
    ref = find_reference(ts, [110, 109, 108.5, 108], None, None)
    assert ref is not None and ref.kind == "first-weigh-in" and ref.weight_kg == 110
    assert find_reference([], [], None, None) is None


def test_changes_over_days_gaps_and_single_points() -> None:
    ts = [T0 + i * DAY for i in range(40)]
    values = [100 - 0.1 * i for i in range(40)]
    assert change_over(ts, values, 7) == pytest.approx(-0.7)
    assert change_over(ts, values, 30) == pytest.approx(-3.0)
    assert change_since_previous(values) == pytest.approx(-0.1)
    assert change_over(ts[:1], values[:1], 7) is None and change_since_previous(values[:1]) is None
    gap_ts = [T0, T0 + 200 * DAY]  # months apart: not a "7-day change"
    assert change_over(gap_ts, [100, 90], 7) is None
    assert change_over([], [], 7) is None


def test_goal_progress() -> None:
    p = goal_progress(108, 95, 82)
    assert p.fraction == pytest.approx(0.5) and p.remaining == pytest.approx(13) and not p.reached
    assert goal_progress(108, 80, 82).reached
    assert goal_progress(82, 82, 82).fraction is None


# ----- ranges ---------------------------------------------------------------------------------------------
def test_ranges_zoom_and_pan() -> None:
    tz = timezone(timedelta(hours=1))
    now = datetime(2026, 11, 25, 9, 0, tzinfo=tz)
    week = resolve(RangeKey.WEEK, now, (T0, int(now.timestamp())))
    assert week.end - week.start == pytest.approx(7 * DAY, abs=10 * 3600)
    placement = resolve(RangeKey.PLACEMENT, now, (T0, int(now.timestamp())), date(2026, 3, 1))
    assert datetime.fromtimestamp(placement.start, tz).date() == date(2026, 2, 28)
    everything = resolve(RangeKey.ALL, now, (T0, T0 + 10 * DAY))
    assert everything.start < T0 and everything.end > T0 + 10 * DAY
    assert resolve(RangeKey.ALL, now, None).span == 30 * DAY
    w = Window(0, 100 * DAY)
    assert w.zoom(0.5).span == 50 * DAY and w.zoom(0.5).start == 25 * DAY
    assert w.zoom(1e-9).span == 3600  # never narrower than an hour
    assert w.pan(0.25).start == 25 * DAY
    assert Window(-10 * DAY, 90 * DAY).clamp(0, 100 * DAY) == Window(0, 100 * DAY)
    custom = parse_custom("2026-01-01..2026-01-31", tz)
    assert custom.span == 31 * DAY
    for bad in ("2026-01-31..2026-01-01", "yesterday", "2026-13-01..2026-12-01"):
        with pytest.raises(ValueError):
            parse_custom(bad, tz)


# ----- chart geometry -------------------------------------------------------------------------------------
def test_chart_never_draws_more_points_than_cells_and_survives_bad_input() -> None:
    xs, ys = _noisy(3650)
    p = prepare(xs, ys)
    window = Window(xs[0], xs[-1] + 1)
    model = build_chart(Layers(p.ts, p.values, p.flagged, p.trend, goal=95.0), window, 80, 20)
    assert model.drawn_points <= model.plot_cells
    assert len(model.rows) == 20 and all(len("".join(t for t, _ in r)) == 80 for r in model.rows)
    cases = [
        Layers(),  # no data
        Layers([T0], [80.0], frozenset(), [80.0]),  # one point
        Layers([T0 + i * DAY for i in range(5)], [80.0] * 5, frozenset(), [80.0] * 5),  # all equal
        Layers([T0, T0, T0 + DAY], [80.0, 81.0, 80.5], frozenset(), [80.0, 80.0, 80.2]),  # duplicates
        Layers([T0, T0 + 300 * DAY], [90.0, 80.0], frozenset(), [90.0, 89.0]),  # gap of months
        Layers([T0 + i * DAY for i in range(3)], [80.0, 20.0, 80.0], frozenset({1}), [80.0] * 3),
    ]
    for layers in cases:
        for w, h in ((80, 20), (20, 5), (200, 60)):
            model = build_chart(layers, Window(T0 - DAY, T0 + 400 * DAY), w, h)
            assert len(model.rows) == max(h, 4)
    flagged = build_chart(cases[-1], Window(T0 - DAY, T0 + 4 * DAY), 60, 12)
    assert any(role == OUTLIER for row in flagged.rows for _, role in row)


def test_chart_marks_milestones_and_goal() -> None:
    xs = [T0 + i * DAY for i in range(60)]
    model = build_chart(
        Layers(xs, [100 - i * 0.2 for i in range(60)], frozenset(), [100 - i * 0.2 for i in range(60)], goal=90,
               markers=[Marker(T0 + 20 * DAY, "P", "placement")]),
        Window(T0, T0 + 60 * DAY), 70, 14)
    text = model.text()
    assert "P" in text.splitlines()[-2] and "┄" in text and "┊" in text


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 3650), st.integers(3600, 20 * 365 * DAY), st.integers(12, 260), st.integers(4, 70),
    st.lists(st.floats(20, 300), max_size=60), st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
)
def test_chart_never_fails(offset_days: int, span: int, width: int, height: int, values: list[float],
                           tz: timezone) -> None:
    ts = [T0 + i * 3 * DAY for i in range(len(values))]
    p = prepare(ts, values)
    window = Window(T0 - offset_days * DAY, T0 - offset_days * DAY + span)
    model = build_chart(Layers(p.ts, p.values, p.flagged, p.trend, goal=80.0,
                               markers=[Marker(T0 + DAY, "P", "placement")]), window, width, height, tz=tz)
    assert len(model.rows) == height
    assert all(sum(len(t) for t, _ in row) == width for row in model.rows[:-1])
    assert model.drawn_points <= max(model.plot_cells, 4 * width)
