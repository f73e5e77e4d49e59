"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class PairScreen(NotBuiltScreen):
    SCREEN_ID = "pair"
    WHAT = N_("Pairing a Bluetooth scale is coming soon.")
