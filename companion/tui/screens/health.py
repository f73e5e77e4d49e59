"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class HealthScreen(NotBuiltScreen):
    SCREEN_ID = "health"
    WHAT = N_("Importing sleep, activity and heart rate from trackers and other apps is coming soon.")
