"""Dashboard figures from a real store with a fixed clock; milestones, goals; manual entries; the report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from companion.domain.model import Metric
from companion.domain.units import WeightUnit
from companion.domain.validation import ValidationError
from companion.store.trends import MilestoneKind, Trends
from companion.trends.data import TrendData, metric_input
from companion.trends.manual import parse_manual_entry
from companion.trends.outcomes import BmiScheme
from companion.trends.report import SVG_NS, collect, render_markdown, render_svg, write_reports

from .conftest import NOW, weigh_in


def test_dashboard_figures_for_a_known_series(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    figures = TrendData(store, profile).figures(NOW)
    # 319 days after placement at 0.05 kg/day: 110 − 15.95 = 94.05 kg
    weight = figures.rows[0]
    assert weight.metric is Metric.WEIGHT and weight.value == pytest.approx(94.05)
    assert weight.since_previous == pytest.approx(-0.05)
    assert weight.change_7d == pytest.approx(-0.35)
    assert weight.change_30d == pytest.approx(-1.5)
    assert weight.since_start == pytest.approx(-15.95)
    ref = figures.reference
    assert ref is not None and ref.weight_kg == 110.0 and ref.kind == "placement-weigh-in"
    assert ref.day == date(2026, 1, 10)
    out = figures.outcome
    assert out is not None
    assert out.tbwl == pytest.approx(15.95 / 110 * 100)  # 14.50 %
    assert out.ewl == pytest.approx(15.95 / (110 - 25 * 1.68**2) * 100)  # 40.44 %
    assert figures.goal is not None and figures.goal.fraction == pytest.approx(15.95 / 30)
    assert figures.bmi == pytest.approx(33.3) and figures.bmi_derived
    assert figures.bmi_class is not None and figures.bmi_class.key == "obese-1"
    assert figures.days_since_placement == 319
    assert figures.rows[2].value is None  # body water never measured: shown as missing, no exception
    fat = figures.rows[1]
    assert fat.change_7d == 0 and fat.since_start == 0


def test_figures_without_data_single_point_and_outlier(store, profile) -> None:  # type: ignore[no-untyped-def]
    data = TrendData(store, profile)
    empty = data.figures(NOW)
    assert empty.empty and empty.outcome is None and empty.goal is None
    store.measurements.add(weigh_in(date(2026, 11, 25), 90.0), profile.id)
    data.invalidate()
    one = data.figures(NOW)
    assert one.rows[0].since_previous is None and one.rows[0].change_7d is None
    assert one.outcome is not None and one.outcome.reference.kind == "first-weigh-in"
    assert one.outcome.tbwl == 0


def test_child_on_the_scale_is_flagged_and_skipped(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    child = weigh_in(date(2026, 11, 20), 24.0)
    store.measurements.add(child.with_values(timestamp=datetime(2026, 11, 20, 19, 0, tzinfo=UTC)), profile.id)
    data = TrendData(store, profile)
    series = data.series(Metric.WEIGHT)
    flagged = [series.values[i] for i in series.flagged]
    assert flagged == [24.0]
    figures = data.figures(NOW)
    assert figures.rows[0].change_7d == pytest.approx(-0.35)  # the child's reading is not the comparison point
    assert figures.trend_weight is not None and figures.trend_weight > 90


def test_milestones_goals_and_bmi_scheme(store, profile) -> None:  # type: ignore[no-untyped-def]
    repo = Trends(store)
    visit = repo.add_milestone(profile.id, date(2026, 2, 1), MilestoneKind.VISIT, "  check-up \n ")
    assert visit.label == "check-up"
    kinds = [m.kind for m in repo.milestones(profile)]
    assert kinds == [MilestoneKind.PLACEMENT, MilestoneKind.VISIT]
    assert repo.goal(profile, Metric.WEIGHT) == 80.0
    updated = repo.set_goal(profile, Metric.WEIGHT, 78.5)
    assert store.profiles.get(profile.id).goal_weight_kg == 78.5 and updated.goal_weight_kg == 78.5
    repo.set_goal(profile, Metric.BODY_FAT, 30.0)
    assert repo.goal(profile, Metric.BODY_FAT) == 30.0
    repo.set_goal(profile, Metric.BODY_FAT, None)
    assert repo.goal(profile, Metric.BODY_FAT) is None
    assert repo.bmi_scheme(profile.id) == BmiScheme.WHO
    repo.set_bmi_scheme(profile.id, "asian")
    assert repo.bmi_scheme(profile.id) == "asian"
    assert repo.delete_milestone(visit.id) and not repo.delete_milestone(visit.id)  # type: ignore[arg-type]


def test_chart_input_converts_units(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    data = TrendData(store, profile)
    chart = metric_input(data, Metric.WEIGHT, WeightUnit.LB, UTC)
    assert chart.unit == "lb" and chart.layers.values[0] == pytest.approx(110 / 0.45359237)
    assert chart.layers.goal == pytest.approx(80 / 0.45359237)
    assert [m.tag for m in chart.layers.markers] == ["P"]


def test_manual_entry_validation() -> None:
    m = parse_manual_entry({"when": "2026-11-24 07:00", "weight": "12 7", "body_fat": "35,5"}, WeightUnit.ST_LB,
                           168.0, NOW)
    assert m.weight_kg == pytest.approx(79.38, abs=0.01) and m.body_fat_pct == 35.5 and m.source == "manual"
    assert m.bmi == pytest.approx(28.1) and m.is_derived(Metric.BMI)
    bad = [
        ({"when": "tomorrow", "weight": "80"}, "when"),
        ({"when": "2027-01-01 07:00", "weight": "80"}, "when"),
        ({"when": "2026-11-24", "weight": "8000"}, "weight"),
        ({"when": "2026-11-24", "body_fat": "95"}, "body_fat"),
        ({"when": "2026-11-24", "body_fat": "lots"}, "body_fat"),
        ({"when": "2026-11-24"}, "weight"),
    ]
    for values, field in bad:
        with pytest.raises(ValidationError) as info:
            parse_manual_entry(values, WeightUnit.KG, 168.0, NOW)
        assert info.value.field == field


def test_report_markdown_and_svg(store, profile, known_series, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = collect(store, profile, NOW)
    md = render_markdown(data)
    assert "%TBWL | 14.5 %" in md and "110.0 kg" in md and "```text" in md
    svg = render_svg(data)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and "<polyline" in svg
    assert "http" not in svg.replace(f'xmlns="{SVG_NS}"', "")  # self-contained
    assert render_svg(data) == svg  # deterministic
    paths = write_reports(store, profile, NOW, tmp_path)
    assert sorted(p.name for p in paths) == ["progress-2026-11-25.md", "progress-2026-11-25.svg"]
    assert store.audit.events()[0].target == "progress-report"


def test_report_escapes_untrusted_names(store, profile) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    evil = replace(profile, name="<script>x</script> *bold* \x1b[31m")
    store.measurements.add(weigh_in(date(2026, 11, 25), 90.0), profile.id)
    data = collect(store, evil, NOW)
    assert "<script>" not in render_svg(data) and "\x1b" not in render_markdown(data)
    assert "\\*bold\\*" in render_markdown(data)


def test_figures_with_duplicates_and_a_gap_of_months(store, profile) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    items = [
        weigh_in(date(2026, 1, 9), 100.0),
        weigh_in(date(2026, 3, 1), 95.0).with_values(timestamp=at),
        weigh_in(date(2026, 3, 1), 95.4).with_values(timestamp=at, source="manual"),  # same second, other source
        weigh_in(date(2026, 11, 24), 90.0),  # eight months later
        weigh_in(date(2026, 11, 25), 89.8),
    ]
    store.measurements.add_many(items, profile.id)
    data = TrendData(store, profile)
    figures = data.figures(NOW)
    weight = figures.rows[0]
    assert weight.change_7d is None and weight.change_30d is None  # nothing 7/30 days back: no figure
    assert weight.since_previous == pytest.approx(-0.2)
    assert figures.outcome is not None and figures.outcome.reference.weight_kg == 100.0
    series = data.series(Metric.WEIGHT)
    assert series.flagged == frozenset() and len(series.trend) == 5
    assert series.trend[1] == series.trend[2]  # duplicates share one trend value


def test_follow_up_milestones_after_removal(store, profile) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from companion.store.trends import add_months

    removed = replace(profile, removal_date=date(2026, 8, 31))
    days = [(m.kind, m.day) for m in Trends(store).milestones(removed)]
    assert (MilestoneKind.FOLLOW_UP, date(2027, 2, 28)) in days and (MilestoneKind.FOLLOW_UP, date(2027, 8, 31)) in days
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_latest_reading_flagged_does_not_move_the_outcome(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    child = weigh_in(date(2026, 11, 25), 24.0).with_values(
        timestamp=datetime(2026, 11, 25, 8, 0, tzinfo=UTC), bmi=8.5)
    store.measurements.add(child, profile.id)
    figures = TrendData(store, profile).figures(NOW)
    assert figures.rows[0].value == 24.0 and figures.rows[0].outlier  # shown, flagged
    assert figures.outcome is not None and figures.outcome.tbwl == pytest.approx(15.95 / 110 * 100)
    assert figures.bmi == pytest.approx(94.05 / 1.68**2) and figures.bmi_derived
