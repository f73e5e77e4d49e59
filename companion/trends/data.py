"""Loading what the dashboard and charts need through the store's repositories (no SQL here), with a cache
so switching ranges never goes back to the database for measurements."""

from __future__ import annotations

from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING

from companion.domain.model import METRIC_INFO, METRIC_ORDER, Metric, Profile
from companion.domain.units import WeightUnit, convert_weight
from companion.trends.chart import ChartInput, ChartKey, Layers, Marker
from companion.trends.figures import DashboardFigures, LatestValue, dashboard_figures
from companion.trends.outcomes import BmiScheme
from companion.trends.series import PreparedSeries, ValueSeries, prepare, values_only

if TYPE_CHECKING:
    from companion.store import Store
    from companion.store.samples import Series
    from companion.store.trends import Milestone


class TrendData:
    """One profile's data for trends; ``invalidate()`` after writes."""

    def __init__(self, store: Store, profile: Profile) -> None:
        assert profile.id is not None
        self.store = store
        self.profile = profile
        self.profile_id = profile.id
        self._series: dict[Metric, PreparedSeries] = {}

    def invalidate(self) -> None:
        self._series.clear()

    def series(self, metric: Metric) -> PreparedSeries:
        metric = Metric(metric)
        found = self._series.get(metric)
        if found is None:
            ts, values = self.store.measurements.series(self.profile_id, metric)
            found = self._series[metric] = prepare(ts, values)
        return found

    def _values(self, metric: Metric) -> ValueSeries:
        return values_only(*self.store.measurements.series(self.profile_id, metric))

    def latest(self, metric: Metric) -> LatestValue | None:
        page = self.store.measurements.page(self.profile_id, limit=1, metric=metric)
        if not page:
            return None
        m = page[0]
        value = m.value(metric)
        assert value is not None
        return LatestValue(int(m.timestamp.timestamp()), value, m.is_derived(metric), m.timestamp)

    def figures(self, now: datetime) -> DashboardFigures:
        from companion.store.trends import Trends

        scheme = BmiScheme(Trends(self.store).bmi_scheme(self.profile_id))
        # The weight's full preparation (trend line, all outliers) is drawn on the dashboard's chart; for the
        # other metrics the table looks at a few points, tested for outliers only when it asks.
        series: dict[Metric, PreparedSeries | ValueSeries] = {
            m: self.series(m) if m is Metric.WEIGHT or m in self._series else self._values(m) for m in METRIC_ORDER
        }
        latest = {m: v for m in METRIC_ORDER if (v := self.latest(m)) is not None}
        return dashboard_figures(self.profile, series, latest, now, bmi_scheme=scheme,
                                 weigh_ins=self.store.measurements.count(self.profile_id))

    def milestones(self) -> list[Milestone]:
        from companion.store.trends import Trends

        return Trends(self.store).milestones(self.profile)

    def goal(self, metric: Metric) -> float | None:
        from companion.store.trends import Trends

        return Trends(self.store).goal(self.profile, metric)

    # ----- high-rate samples (heart rate...) -----------------------------------------------------------
    def sample_kinds(self) -> list[str]:
        from companion.store.samples import SampleKind, Samples

        samples = Samples(self.store)
        return [k.value for k in SampleKind if samples.extent(self.profile_id, k.value) is not None]

    def sample_extent(self, kind: str) -> tuple[int, int] | None:
        from companion.store.samples import Samples

        return Samples(self.store).extent(self.profile_id, kind)

    def samples(self, kind: str, start: int, end: int, max_points: int) -> Series:
        from companion.store.samples import Samples

        return Samples(self.store).series(self.profile_id, kind, start, end, max_points)


def chart_keys(data: TrendData) -> list[ChartKey]:
    keys = [ChartKey(metric=m) for m in METRIC_ORDER]
    keys += [ChartKey(sample_kind=k) for k in data.sample_kinds()]
    return keys


# ----- chart inputs -------------------------------------------------------------------------------------
def markers_for(milestones: list[Milestone], tz: tzinfo) -> list[Marker]:
    from companion.store.trends import MILESTONE_LABELS, MILESTONE_TAGS

    return [
        Marker(int(datetime.combine(m.day, time(12), tz).timestamp()), MILESTONE_TAGS[m.kind],
               m.label or MILESTONE_LABELS[m.kind])
        for m in milestones
    ]


def metric_input(data: TrendData, metric: Metric, unit: WeightUnit, tz: tzinfo) -> ChartInput:
    metric = Metric(metric)
    s = data.series(metric)
    info = METRIC_INFO[metric]
    goal = data.goal(metric)
    if info.is_mass:
        values = [convert_weight(v, unit) for v in s.values]
        trend = [convert_weight(v, unit) for v in s.trend]
        goal = convert_weight(goal, unit) if goal is not None else None
        shown_unit = unit.value
    else:
        values, trend, shown_unit = s.values, s.trend, info.unit
    layers = Layers(s.ts, values, s.flagged, trend, goal=goal, markers=markers_for(data.milestones(), tz))
    return ChartInput(ChartKey(metric=metric), info.label, shown_unit, layers, s.extent, data.profile.placement_date)


def sample_input(data: TrendData, kind: str, tz: tzinfo) -> ChartInput:
    from companion.store.samples import SAMPLE_LABELS, SAMPLE_UNITS, SampleKind

    k = SampleKind(kind)
    layers = Layers(markers=markers_for(data.milestones(), tz))
    return ChartInput(ChartKey(sample_kind=k.value), SAMPLE_LABELS[k], SAMPLE_UNITS[k], layers,
                      data.sample_extent(k.value), data.profile.placement_date, sampled=True)


def sample_layers(data: TrendData, chart: ChartInput, start: int, end: int, dot_columns: int) -> Layers:
    """Rollup buckets for the window (a few per dot column at most) as a low/high band with the mean line."""
    assert chart.key.sample_kind is not None
    series = data.samples(chart.key.sample_kind, start, end, max(dot_columns * 2, 16))
    return Layers(series.ts, series.mean, frozenset(), None, low=series.low, high=series.high,
                  markers=chart.layers.markers)
