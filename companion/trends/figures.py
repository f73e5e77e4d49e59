"""Dashboard figures (pure): the latest value of every metric and how it changed, outcome figures, goal progress."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from companion.domain.model import METRIC_ORDER, Metric, Profile
from companion.trends.outcomes import (
    BmiClass,
    BmiScheme,
    GoalProgress,
    Outcome,
    Reference,
    bmi,
    bmi_class,
    change_over,
    change_since_previous,
    find_reference,
    goal_progress,
    outcome,
)
from companion.trends.series import PreparedSeries, ValueSeries


@dataclass(frozen=True, slots=True)
class LatestValue:
    """The newest value of one metric, as loaded from the store."""

    ts: int
    value: float
    derived: bool
    when: datetime | None = None  # the reading's own local time (where it was taken)


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One metric's row on the dashboard: its latest value and its changes over several spans."""

    metric: Metric
    value: float | None
    ts: int | None
    derived: bool
    outlier: bool
    since_previous: float | None
    change_7d: float | None
    change_30d: float | None
    since_start: float | None


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the dashboard shows besides the chart, computed from the stored series."""

    rows: list[MetricRow]
    latest_ts: int | None
    latest_when: datetime | None
    weigh_ins: int
    reference: Reference | None
    outcome: Outcome | None
    goal: GoalProgress | None
    bmi: float | None
    bmi_derived: bool
    bmi_class: BmiClass | None
    bmi_scheme: BmiScheme
    trend_weight: float | None
    days_since_placement: int | None

    @property
    def empty(self) -> bool:
        return self.latest_ts is None


def _start_value(series: PreparedSeries | ValueSeries, placement: date | None, tz_offset_s: int) -> float | None:
    ref = find_reference(series.ts, series.values, placement, None, tz_offset_s, series.flagged)
    return ref.weight_kg if ref is not None else None


def dashboard_figures(
    profile: Profile, series: Mapping[Metric, PreparedSeries | ValueSeries], latest: dict[Metric, LatestValue],
    now: datetime,
    *, bmi_scheme: BmiScheme = BmiScheme.WHO, weigh_ins: int = 0,
) -> DashboardFigures:
    """Everything the dashboard shows, from each metric's prepared series and its newest value."""
    offset = now.utcoffset()
    tz_offset_s = int(offset.total_seconds()) if offset else 0
    rows: list[MetricRow] = []
    for metric in METRIC_ORDER:
        s = series.get(metric)
        last = latest.get(metric)
        if s is None or not len(s) or last is None:
            rows.append(MetricRow(metric, None, None, False, False, None, None, None, None))
            continue
        flagged = s.flagged
        start = _start_value(s, profile.placement_date, tz_offset_s)
        rows.append(MetricRow(
            metric=metric, value=last.value, ts=last.ts, derived=last.derived,
            outlier=(len(s) - 1) in flagged and s.ts[-1] == last.ts,
            since_previous=change_since_previous(s.values, flagged),
            change_7d=change_over(s.ts, s.values, 7, flagged),
            change_30d=change_over(s.ts, s.values, 30, flagged),
            since_start=None if start is None else last.value - start,
        ))
    newest = max(latest.values(), key=lambda v: v.ts, default=None)
    latest_ts = newest.ts if newest is not None else None
    weight = series.get(Metric.WEIGHT)
    if weight is not None and not isinstance(weight, PreparedSeries):
        raise TypeError("the weight series needs its trend line (PreparedSeries)")
    reference = out = progress = None
    trend_weight = None
    current_bmi: float | None = None
    bmi_derived = False
    if weight is not None and len(weight):
        reference = find_reference(weight.ts, weight.values, profile.placement_date, profile.start_weight_kg,
                                   tz_offset_s, weight.flagged)
        # outcome figures use the newest reading that is not flagged (a child on the scale changes nothing)
        last_ok = next((i for i in range(len(weight) - 1, -1, -1) if i not in weight.flagged), len(weight) - 1)
        current = weight.values[last_ok]
        trend_weight = weight.trend[-1]
        if reference is not None:
            out = outcome(reference, current, profile.height_cm)
            if profile.goal_weight_kg:
                progress = goal_progress(reference.weight_kg, current, profile.goal_weight_kg)
        current_bmi = bmi(current, profile.height_cm)
        bmi_derived = True
    last_bmi = latest.get(Metric.BMI)
    last_weight = latest.get(Metric.WEIGHT)
    weight_flagged = weight is not None and len(weight) > 0 and (len(weight) - 1) in weight.flagged
    if last_bmi is not None and (last_weight is None or last_bmi.ts >= last_weight.ts) and not weight_flagged:
        current_bmi, bmi_derived = last_bmi.value, last_bmi.derived
    days = None
    if profile.placement_date is not None:
        days = (now.date() - profile.placement_date).days
    return DashboardFigures(
        rows=rows, latest_ts=latest_ts, latest_when=newest.when if newest is not None else None,
        weigh_ins=weigh_ins, reference=reference, outcome=out, goal=progress,
        bmi=current_bmi, bmi_derived=bmi_derived, bmi_class=bmi_class(current_bmi, bmi_scheme),
        bmi_scheme=bmi_scheme,
        trend_weight=trend_weight, days_since_placement=days,
    )
