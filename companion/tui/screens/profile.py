"""Profile: your details (read-only summary; editing arrives with the profile editor)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from companion.domain.units import format_height, format_weight
from companion.i18n import N_, _
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen


class ProfileScreen(CompanionScreen):
    SCREEN_ID = "profile"
    HELP = N_("# Profile\n\nThe details you gave during set-up. Companion uses your sex, age and height for BMI "
              "and body-composition estimates, and your programme dates for progress figures.")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll():
            yield DataTable(id="profile-table", cursor_type="row", show_header=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(_("Field"), _("Value"))
        profile = self.profile
        if profile is None:
            return
        rows = [
            (_("Name"), safe_text(profile.name)),
            (_("Sex"), _(profile.sex.value)),
            (_("Date of birth"), profile.birth_date.isoformat()),
            (_("Height"), format_height(profile.height_cm, profile.height_unit)),
            (_("Language"), profile.language),
            (_("Balloon placement"), profile.placement_date.isoformat() if profile.placement_date else "—"),
            (_("Placement place"), safe_text(profile.placement_place or "—")),
            (_("Clinic"), safe_text(profile.clinic or "—")),
            (_("Phone"), safe_text(profile.phone or "—")),
            (_("E-mail"), safe_text(profile.email or "—")),
            (_("Goal weight"),
             format_weight(profile.goal_weight_kg, profile.weight_unit) if profile.goal_weight_kg else "—"),
        ]
        for label, value in rows:
            table.add_row(label, value)
