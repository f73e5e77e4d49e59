"""Placeholder until this capability is built."""

from __future__ import annotations

from companion.i18n import N_
from companion.tui.screens.base import NotBuiltScreen


class MessagesScreen(NotBuiltScreen):
    SCREEN_ID = "messages"
    WHAT = N_("Secure messaging with your clinic is coming soon.")
