"""Dashboard: the latest weigh-in (all eight metrics) and the change since the previous one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from companion.domain.model import METRIC_INFO, METRIC_ORDER, Measurement, Metric
from companion.domain.units import WeightUnit, convert_weight, format_weight
from companion.i18n import N_, _
from companion.tui.screens.base import CompanionScreen


def format_metric(metric: Metric, value: float, unit: WeightUnit, *, signed: bool = False) -> str:
    info = METRIC_INFO[metric]
    if info.is_mass:
        return format_weight(value, unit, decimals=info.decimals, signed=signed)
    sign = "+" if signed and value > 0 else ""
    text = f"{sign}{value:.{info.decimals}f}"
    return f"{text} {info.unit}".strip()


class DashboardScreen(CompanionScreen):
    SCREEN_ID = "dashboard"
    HELP = N_(
        "# Dashboard\n\nYour latest weigh-in with all eight metrics and the change since the previous one.\n\n"
        "Values marked *(derived)* were calculated by Companion from your weight and impedance; the others "
        "were measured by the scale.\n\nKeys: **F2** dashboard, **F3** measurements, **F4** pair a scale, "
        "**ctrl+p** command palette, **F1** help."
    )

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard"):
            yield Static(id="latest-title", classes="section-title")
            yield DataTable(id="latest", cursor_type="none", zebra_stripes=True)
            yield Static(id="empty", classes="muted")

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        profile = self.profile
        table = self.query_one("#latest", DataTable)
        table.clear(columns=True)
        if profile is None or profile.id is None:
            return
        latest = self.store.measurements.latest(profile.id, 2)
        title = self.query_one("#latest-title", Static)
        empty = self.query_one("#empty", Static)
        if not latest:
            title.update(_("No weigh-ins yet"))
            empty.update(_("Step on your scale after pairing it (F4), or add a manual entry on the Measurements screen."))
            table.display = False
            return
        table.display = True
        empty.update("")
        current = latest[0]
        previous: Measurement | None = latest[1] if len(latest) > 1 else None
        title.update(_("Latest weigh-in, {when}").format(when=current.timestamp.strftime("%Y-%m-%d %H:%M")))
        table.add_columns(_("Metric"), _("Value"), _("Change"), _("How"))
        for metric in METRIC_ORDER:
            value = current.value(metric)
            if value is None:
                table.add_row(_(metric.label), "—", "", "")
                continue
            change = ""
            if previous is not None and previous.value(metric) is not None:
                change = format_metric(metric, value - previous.value(metric), profile.weight_unit, signed=True)  # type: ignore[operator]
            how = _("derived") if current.is_derived(metric) else _("measured")
            table.add_row(_(metric.label), format_metric(metric, value, profile.weight_unit), change, how)


__all__ = ["DashboardScreen", "convert_weight"]
