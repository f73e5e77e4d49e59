"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class PrivacyScreen(NotBuiltScreen):
    SCREEN_ID = "privacy"
    WHAT = N_("The privacy centre (consents, export, deletion) is coming soon.")
