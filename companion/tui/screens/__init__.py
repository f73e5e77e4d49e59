"""The main screens, their keys and where they live (imported lazily when first shown)."""

from __future__ import annotations

import importlib
from typing import NamedTuple

from textual.screen import Screen

from companion.i18n import N_


class ScreenSpec(NamedTuple):
    """A main screen: its key, title and where its class lives (imported when first shown)."""

    id: str
    title: str  # untranslated; translate at display
    key: str
    module: str
    cls: str
    summary: str

    def load(self) -> type[Screen]:
        return getattr(importlib.import_module(self.module), self.cls)  # type: ignore[no-any-return]


MAIN_SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("dashboard", N_("Dashboard"), "f2", "companion.tui.screens.dashboard", "DashboardScreen",
               N_("Your latest weigh-in and progress")),
    ScreenSpec("measurements", N_("Measurements"), "f3", "companion.tui.screens.measurements",
               "MeasurementsScreen",
               N_("Every weigh-in, sortable and filterable")),
    ScreenSpec("pair", N_("Pair scale"), "f4", "companion.tui.screens.pair", "PairScreen",
               N_("Connect a Bluetooth scale")),
    ScreenSpec("clinics", N_("Clinics"), "f5", "companion.tui.screens.clinics", "ClinicsScreen",
               N_("Find clinics near you")),
    ScreenSpec("messages", N_("Messages"), "f6", "companion.tui.screens.messages", "MessagesScreen",
               N_("Secure messages with your clinic")),
    ScreenSpec("health", N_("Health data"), "f7", "companion.tui.screens.health", "HealthScreen",
               N_("Sleep, activity and heart rate from trackers and other apps")),
    ScreenSpec("privacy", N_("Privacy"), "f8", "companion.tui.screens.privacy", "PrivacyScreen",
               N_("Consents, your data rights, export and deletion")),
    ScreenSpec("profile", N_("Profile"), "f9", "companion.tui.screens.profile", "ProfileScreen",
               N_("Your details and preferences")),
    ScreenSpec("programme", N_("Programme"), "f11", "companion.tui.screens.programme", "ProgrammeScreen",
               N_("Goals, measurements, medication, water, check-ins and reminders")),
    ScreenSpec("help", N_("Help"), "f10", "companion.tui.screens.help", "HelpScreen",
               N_("Keys, screens and where to get help")),
)


def spec(screen_id: str) -> ScreenSpec:
    for item in MAIN_SCREENS:
        if item.id == screen_id:
            return item
    raise KeyError(screen_id)
