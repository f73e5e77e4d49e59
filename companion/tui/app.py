"""The Textual app and its factory (used by the CLI, the Pilot tests and the screenshot script)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from companion import STARTED_AT
from companion.clock import SYSTEM_CLOCK, Clock
from companion.domain.model import Profile
from companion.i18n import _, set_language
from companion.store import Store
from companion.tui.screens import MAIN_SCREENS, spec

log = logging.getLogger("companion")


@dataclass
class AppContext:
    """Everything the app needs from outside; tests build one with a tmp data dir and a fixed clock."""

    home: Path
    clock: Clock = SYSTEM_CLOCK
    store: Store | None = None
    demo: bool = False
    passphrase: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def _mode_factory(screen_id: str) -> Any:
    def build() -> Screen[Any]:
        return spec(screen_id).load()()

    return build


class CompanionApp(App[int]):
    """Companion's terminal UI."""

    TITLE = "Companion"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    MODES = {item.id: _mode_factory(item.id) for item in MAIN_SCREENS}
    BINDINGS = [
        *(
            Binding(item.key, f"show('{item.id}')", item.title, id=f"show-{item.id}", tooltip=item.summary,
                    show=item.id in ("dashboard", "measurements", "pair", "messages", "privacy"))
            for item in MAIN_SCREENS
        ),
        Binding("f1", "help_for_screen", "Help", id="help", tooltip="Help for this screen"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Quit Companion", priority=True),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.ready_ms: float | None = None

    # ----- lifecycle -----------------------------------------------------------------------------------
    @property
    def store(self) -> Store | None:
        return self.context.store

    @property
    def clock(self) -> Clock:
        return self.context.clock

    def active_profile(self) -> Profile | None:
        return self.store.profiles.active() if self.store is not None else None

    def on_mount(self) -> None:
        if self.context.demo:
            self.sub_title = _("demo data")
        if self.store is not None:
            self._enter()
        elif Store.exists(self.context.home):
            from companion.tui.screens.unlock import UnlockScreen

            self.push_screen(UnlockScreen(self.context.home), self._unlocked)
        else:
            from companion.tui.screens.onboarding import OnboardingScreen

            self.push_screen(OnboardingScreen(self.context.home, self.clock), self._onboarded)

    def on_ready(self) -> None:
        self.ready_ms = (time.perf_counter() - STARTED_AT) * 1000
        log.info("started in %.0f ms", self.ready_ms)

    def _unlocked(self, store: Store | None) -> None:
        if store is None:
            self.exit(1)
            return
        self.context.store = store
        self._enter()

    def _onboarded(self, store: Store | None) -> None:
        if store is None:
            self.exit(0)
            return
        self.context.store = store
        self._enter()

    def _enter(self) -> None:
        profile = self.active_profile()
        if profile is not None:
            set_language(profile.language)
        if profile is None and self.store is not None:
            from companion.tui.screens.onboarding import OnboardingScreen

            # A store without a profile cannot normally exist; start onboarding afresh.
            self.push_screen(OnboardingScreen(self.context.home, self.clock), self._onboarded)
            return
        self.switch_mode("dashboard")
        if not self.context.extras.get("no_services"):
            from companion.tui.services import start_all

            self.call_after_refresh(start_all, self)

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()
        tmp = self.context.extras.get("tmpdir")
        if tmp is not None:
            tmp.cleanup()

    # ----- actions -------------------------------------------------------------------------------------
    def action_show(self, screen_id: str) -> None:
        if self.store is None:
            self.bell()
            return
        self.switch_mode(screen_id)

    def action_help_for_screen(self) -> None:
        from companion.tui.screens.help import HelpModal

        self.push_screen(HelpModal(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.store is None:
            return
        for item in MAIN_SCREENS:
            yield SystemCommand(
                _("{area}: open").format(area=_(item.title)), _(item.summary),
                lambda screen_id=item.id: self.action_show(screen_id),  # type: ignore[misc]
            )
        yield SystemCommand(_("Help: this screen"), _("Show help for the current screen"), self.action_help_for_screen)


def make_app(
    *, demo: bool = False, home: Path | None = None, clock: Clock | None = None, store: Store | None = None,
    demo_years: float | None = None,
) -> CompanionApp:
    """The one app factory."""
    import os

    from companion.paths import data_dir

    extras: dict[str, Any] = {}
    if demo:
        from companion.demo import create_demo_store

        tmp = tempfile.TemporaryDirectory(prefix="companion-demo-")
        extras["tmpdir"] = tmp
        years = demo_years if demo_years is not None else float(os.environ.get("COMPANION_DEMO_YEARS", "2"))
        home = Path(tmp.name)
        store = create_demo_store(home, years=years)
        os.environ.setdefault("COMPANION_BLE", "emulated")
    context = AppContext(home=home or data_dir(), clock=clock or SYSTEM_CLOCK, store=store, demo=demo, extras=extras)
    return CompanionApp(context)
