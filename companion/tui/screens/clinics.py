"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class ClinicsScreen(NotBuiltScreen):
    SCREEN_ID = "clinics"
    WHAT = N_("Finding clinics near you is coming soon.")
