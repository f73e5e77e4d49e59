"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class MeasurementsScreen(NotBuiltScreen):
    SCREEN_ID = "measurements"
    WHAT = N_("Your measurements table (paging, sorting, filters, manual entries) is coming soon.")
