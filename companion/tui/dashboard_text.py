"""The dashboard's text: values in the person's units, the table's cells, the outcome lines and the title.

Rich only (no Textual), so that ``companion --demo`` can prepare what the dashboard shows first in the child
process that builds the demo data (``DemoWorkspace``): the UI process then draws it without loading the
modules that computed it, and loads them after that first frame. The dashboard itself uses the same code.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from companion.domain.model import METRIC_INFO, Metric, Profile
from companion.domain.units import WeightUnit, format_weight
from companion.i18n import N_, _, current_language
from companion.tui.safe import safe_text

if TYPE_CHECKING:
    from companion.trends.chart import ChartInput
    from companion.trends.figures import DashboardFigures, MetricRow
    from companion.trends.snapshot import DashboardSnapshot

SHORT_LABELS: dict[Metric, str] = {
    Metric.WEIGHT: N_("Weight"), Metric.BODY_FAT: N_("Body fat"), Metric.BODY_WATER: N_("Body water"),
    Metric.BONE_MASS: N_("Bone mass"), Metric.MUSCLE_MASS: N_("Muscle mass"), Metric.BMI: N_("BMI"),
    Metric.BMR: N_("BMR"), Metric.VISCERAL_FAT: N_("Visceral fat"),
}
DERIVED_MARK = "≈"


def format_metric(metric: Metric, value: float, unit: WeightUnit, *, signed: bool = False) -> str:
    """A value for display in the person's unit; mass changes in st-lb are shown in pounds (``+1.7 lb``)."""
    info = METRIC_INFO[metric]
    if info.is_mass:
        if signed and unit is WeightUnit.ST_LB:
            unit = WeightUnit.LB
        return format_weight(value, unit, decimals=info.decimals, signed=signed)
    sign = ""
    if signed:
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        value = abs(value)
    text = f"{sign}{value:.{info.decimals}f}"
    return f"{text} {info.unit}".strip()


def format_change(metric: Metric, value: float | None, unit: WeightUnit) -> str:
    if value is None:
        return "—"
    info = METRIC_INFO[metric]
    if round(value, info.decimals) == 0:
        return "±0"
    text = format_metric(metric, value, unit, signed=True)
    return text.removesuffix(" kg/m²")  # the unit is in the Latest column; keeps the change columns narrow


def progress_bar(fraction: float, width: int = 16) -> str:
    filled = int(round(min(max(fraction, 0.0), 1.0) * width))
    return "█" * filled + "░" * (width - filled)


def outcome_lines(figures: DashboardFigures, profile: Profile) -> list[Text]:
    unit = profile.weight_unit
    lines: list[Text] = []
    out = figures.outcome
    if out is not None:
        line = Text()
        line.append("%TBWL ", "bold")
        line.append(f"{out.tbwl:.1f} %" if out.tbwl is not None else "—")
        line.append("   %EWL ", "bold")
        line.append(f"{out.ewl:.1f} %" if out.ewl is not None else "—")
        line.append("   " + _("lost {amount}").format(amount=format_weight(out.lost_kg, unit)))
        ref = out.reference
        when = f" {ref.day.isoformat()}" if ref.day else ""
        line.append("   " + _("ref. {weight}").format(weight=format_weight(ref.weight_kg, unit)))
        lines.append(line)
        lines.append(Text(
            _("Reference: {source}{when}; ideal weight {ideal} = BMI 25").format(
                source=_(ref.label), when=when, ideal=format_weight(out.ideal_kg, unit)),
            style="dim",
        ))
    goal = figures.goal
    if goal is not None:
        line = Text()
        line.append(_("Goal {goal}").format(goal=format_weight(goal.goal, unit)) + " ", "bold")
        if goal.reached:
            line.append(_("reached"))
        elif goal.fraction is not None:
            line.append(progress_bar(goal.fraction) + f" {goal.fraction * 100:.0f} %  ")
            line.append(_("{amount} to go").format(amount=format_weight(abs(goal.remaining), unit)))
        lines.append(line)
    elif figures.outcome is not None:
        lines.append(Text(_("No goal weight yet: press g to set one."), style="dim"))
    if figures.bmi is not None:
        line = Text()
        line.append(_("BMI") + " ", "bold")
        mark = DERIVED_MARK if figures.bmi_derived else ""
        line.append(f"{mark}{figures.bmi:.1f}")
        if figures.bmi_class is not None:
            line.append(f"  {_(figures.bmi_class.label)}")
            from companion.trends.outcomes import BMI_SCHEME_LABELS

            line.append(f" ({_(BMI_SCHEME_LABELS[figures.bmi_scheme])})", "dim")
        if figures.trend_weight is not None:
            line.append("   " + _("trend {weight}").format(weight=format_weight(figures.trend_weight, unit)))
        if figures.days_since_placement is not None and figures.days_since_placement >= 0:
            line.append("   " + _("day {n} since placement").format(n=figures.days_since_placement))
        lines.append(line)
    return lines


TABLE_RIGHT = [False, False, True, True, True, True]  # right-aligned columns of the metric table


def table_headers() -> list[str]:
    return [_("Metric"), _("Latest"), _("vs prev."), _("7 d"), _("30 d"), _("Since start")]


def metric_cells(row: MetricRow, unit: WeightUnit, latest_day: date | None) -> list[Text]:
    """One row of the metric table: label, latest value (≈ derived, ✕ outlier, its date if older), changes."""
    label = Text(_(SHORT_LABELS[row.metric]))
    if row.value is None:
        return [label, Text("—", style="dim"), Text(""), Text(""), Text(""), Text("")]
    value = Text()
    if row.derived:
        value.append(DERIVED_MARK, "italic")
        value.append(format_metric(row.metric, row.value, unit), "italic")
    else:
        value.append(format_metric(row.metric, row.value, unit), "bold")
    if row.outlier:
        value.append(" ✕", "bold red")
    if row.ts is not None and latest_day is not None and datetime.fromtimestamp(row.ts).date() != latest_day:
        value.append(" " + datetime.fromtimestamp(row.ts).strftime("%m-%d"), "dim")
    changes = [Text(format_change(row.metric, v, unit))
               for v in (row.since_previous, row.change_7d, row.change_30d, row.since_start)]
    return [label, value, *changes]


class DashboardView(NamedTuple):
    """What the dashboard shows for a snapshot, ready for its widgets (``empty``: the message shown instead of
    the table and the chart when there are no weigh-ins yet)."""

    profile_id: int | None
    language: str
    title: Text
    empty: str | None
    rows: list[list[Text]]
    outcome: Text
    inbox: str | None
    chart: ChartInput | None


def dashboard_view(snapshot: DashboardSnapshot, tz: tzinfo | None) -> DashboardView:
    """The view of a snapshot with figures (not a blocked one), in the current language."""
    profile, figures = snapshot.profile, snapshot.figures
    assert figures is not None
    name = safe_text(profile.name)
    if figures.empty:
        return DashboardView(
            profile.id, current_language(), Text.assemble(name, " · ", _("no weigh-ins yet")),
            _("Step on your scale after pairing it (F4), or add a manual entry on the Measurements screen (F3). "
              "Your progress shows here from the first weigh-in."),
            [], Text(), snapshot.inbox, snapshot.chart)
    assert figures.latest_ts is not None
    when = figures.latest_when or datetime.fromtimestamp(figures.latest_ts, tz)
    title = Text.assemble(
        name, " · ", _("latest weigh-in {when}").format(when=when.strftime("%Y-%m-%d %H:%M")), " · ",
        _("{n} weigh-ins").format(n=figures.weigh_ins))
    latest_day = datetime.fromtimestamp(figures.latest_ts).date()
    rows = [metric_cells(row, profile.weight_unit, latest_day) for row in figures.rows]
    outcome = Text("\n").join(outcome_lines(figures, profile))
    return DashboardView(profile.id, current_language(), title, None, rows, outcome, snapshot.inbox,
                         snapshot.chart)
