"""The Textual app and its factory (used by the CLI, the Pilot tests and the screenshot script)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from companion import STARTED_AT
from companion.clock import SYSTEM_CLOCK, Clock
from companion.domain.model import Profile
from companion.i18n import N_, _, set_language
from companion.store import Store, StoreError
from companion.tui import resume_collector
from companion.tui.screens import MAIN_SCREENS, spec

if TYPE_CHECKING:
    from companion.tui.demo_workspace import DemoWorkspace

log = logging.getLogger("companion")

#: Set to exit right after the first painted main screen (benchmarks). After exit, stderr gets
#: ``first paint after N ms (at T)``: N since the package was imported, T the wall-clock time of the paint.
EXIT_AFTER_FIRST_PAINT = "COMPANION_EXIT_AFTER_FIRST_PAINT"


class AppContext:
    """Everything the app needs from outside; tests build one with a tmp data dir and a fixed clock.

    (A plain class rather than a dataclass: defining one costs a millisecond of start-up.)
    """

    __slots__ = ("home", "clock", "store", "demo", "passphrase", "extras")

    def __init__(self, home: Path, clock: Clock = SYSTEM_CLOCK, store: Store | None = None, demo: bool = False,
                 passphrase: str | None = None, extras: dict[str, Any] | None = None) -> None:
        self.home = home
        self.clock = clock
        self.store = store
        self.demo = demo
        self.passphrase = passphrase
        self.extras: dict[str, Any] = {} if extras is None else extras

    def __repr__(self) -> str:
        return f"AppContext(home={self.home!s}, demo={self.demo}, store={'open' if self.store else 'none'})"


def _mode_factory(screen_id: str) -> Any:
    def build() -> Screen[Any]:
        screen = spec(screen_id).load()()
        _prepare_styles(screen)
        return screen

    return build


def _prepare_styles(screen: Screen[Any]) -> None:
    """Style a screen made by ``MODES`` once when it mounts, not three times.

    Textual's ``App._init_mode`` re-parses every CSS source in a fresh stylesheet and restyles the app's nodes
    (``refresh_css``) when the new screen's CSS counter differs from the app's. When the CSS variables are the
    ones the stylesheet was parsed with, the re-parse yields the same rules: restyling the app's own nodes
    (which the screen's widgets inherit colours from) is all that is needed, and a screen made now is styled
    from the current stylesheet when it mounts. And a screen with breakpoint classes (the dashboard's
    ``-narrow``) gets them on its first resize, which restyles all its widgets once more; giving it the
    classes for the current size up front leaves nothing to change. Together these were the largest costs
    before the dashboard's first frame. Textual internals (pinned version); ``tests/test_app_start.py``
    checks how often the first screen is styled, and that its text is drawn in the theme's colours.
    """
    app = screen.app
    stylesheet = app.stylesheet
    if stylesheet._variables == app.get_css_variables():
        stylesheet.update(app, animate=False)
        screen._css_update_count = app._css_update_count
    width, height = app.size
    classes: dict[str, bool] = {}
    for size, breakpoints in ((width, screen.HORIZONTAL_BREAKPOINTS or app.HORIZONTAL_BREAKPOINTS or []),
                              (height, screen.VERTICAL_BREAKPOINTS or app.VERTICAL_BREAKPOINTS or [])):
        classes.update({name: False for _, name in breakpoints})
        classes.update(dict.fromkeys(screen._get_breakpoint_classes(size, breakpoints), True))
    if classes:
        screen.update_classes(classes, update=False)


def translate_bindings(node: DOMNode) -> None:
    """Show ``node``'s binding descriptions and tooltips in the active language (sources stay English)."""
    bindings_map = node._bindings
    originals: dict[int, tuple[str, str]] = node.__dict__.setdefault("_companion_binding_sources", {})
    for key, bindings in bindings_map.key_to_bindings.items():
        translated = []
        for index, binding in enumerate(bindings):
            slot = hash((key, index))
            description, tooltip = originals.setdefault(slot, (binding.description, binding.tooltip))
            translated.append(replace(binding, description=_(description) if description else description,
                                      tooltip=_(tooltip) if tooltip else tooltip))
        bindings_map.key_to_bindings[key] = translated


class CompanionApp(App[int]):
    """Companion's terminal UI."""

    TITLE = "Companion"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    #: Seconds after the first frame of any screen when the collector paused for start-up resumes at the latest
    COLLECTOR_BACKSTOP_S = 2.0
    MODES = {item.id: _mode_factory(item.id) for item in MAIN_SCREENS}
    BINDINGS = [
        *(
            Binding(item.key, f"show('{item.id}')", item.title, id=f"show-{item.id}", tooltip=item.summary,
                    show=item.id in ("dashboard", "measurements", "pair", "messages", "privacy", "profile"))
            for item in MAIN_SCREENS
        ),
        Binding("f1", "help_for_screen", N_("Help"), id="help", tooltip=N_("Help for this screen")),
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", tooltip=N_("Quit Companion"), priority=True),
    ]

    def __init__(self, context: AppContext) -> None:
        if context.store is not None:
            # Data already open (demo mode, tests): start straight on the dashboard, in the profile's language
            # (no mode switch, which would hold the first frame back by 50 ms).
            profile = context.store.profiles.active()
            if profile is not None:
                set_language(profile.language)
                self.DEFAULT_MODE = "dashboard"  # type: ignore[misc]
        super().__init__()
        self.context = context
        # Before the first frame: set later (on mount), each redraws the title or key bar once more
        translate_bindings(self)
        if context.demo:
            self.sub_title = _("demo data")
        self.ready_ms: float | None = None
        self.first_paint_ms: float | None = None
        self.first_paint_at: float | None = None  # wall clock (time.time()), for benchmarks across processes
        self._painting: Screen[Any] | None = None

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
        if self.store is not None:
            self._enter()
            return
        try:
            exists = Store.exists(self.context.home)
            if not exists:
                from companion.store.db import check_writable_location

                check_writable_location(self.context.home)
        except (StoreError, OSError) as exc:
            self.show_store_problem(str(exc))
            return
        if exists:
            from companion.tui.screens.unlock import UnlockScreen

            self.push_screen(UnlockScreen(self.context.home, self.clock), self._unlocked)
        else:
            from companion.tui.screens.onboarding import OnboardingScreen

            self.push_screen(OnboardingScreen(self.context.home, self.clock), self._onboarded)

    def on_ready(self) -> None:
        self.ready_ms = (time.perf_counter() - STARTED_AT) * 1000
        log.info("started in %.0f ms", self.ready_ms)
        # The collector paused for start-up resumes after the first paint, or soon anyway (onboarding, unlock)
        self.set_timer(self.COLLECTOR_BACKSTOP_S, resume_collector)

    def show_store_problem(self, message: str) -> None:
        """A dialog that explains why the data cannot be opened; its only way out is Quit (exit code 1)."""
        from companion.tui.screens.unlock import StoreProblemScreen

        self.push_screen(StoreProblemScreen(message), lambda _result: self.exit(1, return_code=1))

    def _unlocked(self, store: Store | None) -> None:
        if store is None:  # the person chose Quit on the unlock screen
            self.exit(0)
            return
        self.context.store = store
        self.refresh_bindings()
        self._enter()

    def _onboarded(self, store: Store | None) -> None:
        if store is None:
            self.exit(0)
            return
        self.context.store = store
        self.refresh_bindings()
        self._enter()

    def _enter(self) -> None:
        profile = self.active_profile()
        if profile is not None and set_language(profile.language) != "en":
            translate_bindings(self)
        if profile is None and self.store is not None:
            from companion.tui.screens.onboarding import OnboardingScreen

            # A store without a profile cannot normally exist; start onboarding afresh.
            self.push_screen(OnboardingScreen(self.context.home, self.clock), self._onboarded)
            return
        self.switch_mode("dashboard")
        if not self.context.extras.get("no_services") and not os.environ.get(EXIT_AFTER_FIRST_PAINT):
            from companion.tui.services import start_all

            self.call_after_refresh(start_all, self)

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        """Textual's hook that writes a frame to the terminal; notes when the first main screen is painted.

        (Textual is pinned, so overriding this internal is safe; ``tests/test_app_start.py`` checks it.)
        """
        super()._display(screen, renderable)
        if self._painting is None and renderable is not None and not self._batch_count:
            from companion.tui.screens.base import CompanionScreen

            if screen is self.screen and isinstance(screen, CompanionScreen) and screen.content_ready:
                # A frame with the screen's content (its data loaded, not a "Loading…" frame) is out; once the
                # screen has settled (nothing left to lay out, the last frame drawn) it counts as painted.
                self._painting = screen
                screen.call_after_refresh(self._first_paint)

    def _first_paint(self) -> None:
        if self.first_paint_ms is None:
            self.first_paint_ms = (time.perf_counter() - STARTED_AT) * 1000
            self.first_paint_at = time.time()
            log.info("first screen painted after %.0f ms", self.first_paint_ms)
            resume_collector()
            if os.environ.get(EXIT_AFTER_FIRST_PAINT):
                self.exit(0)
                return
            after = getattr(self._painting, "after_first_paint", None)
            if after is not None:
                after()

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()
        tmp = self.context.extras.get("tmpdir")
        if tmp is not None:
            tmp.cleanup()

    # ----- language ------------------------------------------------------------------------------------
    def change_language(self, language: str) -> None:
        """Switch the UI language: bindings now, other screens rebuilt when next shown."""
        set_language(language)
        translate_bindings(self)
        for item in MAIN_SCREENS:
            if item.id != self.current_mode and item.id in self._screen_stacks:
                self.remove_mode(item.id)
                self.add_mode(item.id, _mode_factory(item.id))
        self.refresh_bindings()

    # ----- actions -------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Screen keys only once the data is open (not during onboarding, unlock or a problem dialog)."""
        if action == "show" and self.store is None:
            return False
        return True

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
        yield SystemCommand(
            _("Help: this screen"), _("Show help for the current screen"), self.action_help_for_screen
        )
        from companion.tui.screens.base import CompanionScreen

        if isinstance(screen, CompanionScreen):
            yield from screen.palette_commands()


def make_app(
    *, demo: bool = False, home: Path | None = None, clock: Clock | None = None, store: Store | None = None,
    demo_years: float | None = None, demo_workspace: DemoWorkspace | None = None,
) -> CompanionApp:
    """The one app factory. Demo mode builds a throwaway store and never looks at the real data directory."""
    from companion.paths import data_dir

    extras: dict[str, Any] = {}
    if demo:
        from companion.tui.demo_workspace import DemoWorkspace, demo_years_from_environment

        if demo_workspace is None:
            years = demo_years_from_environment() if demo_years is None else max(0.1, min(demo_years, 50.0))
            demo_workspace = DemoWorkspace(years, (clock or SYSTEM_CLOCK).now().date(), clock or SYSTEM_CLOCK)
        store = demo_workspace.early_store()
        extras["tmpdir"] = demo_workspace
        if demo_workspace.clock is (clock or SYSTEM_CLOCK):  # its first dashboard data is computed already
            extras["dashboard_prefetch"] = demo_workspace  # (see DashboardScreen.refresh_data)
        home = demo_workspace.home
        os.environ.setdefault("COMPANION_BLE", "emulated")
    context = AppContext(
        home=home or data_dir(), clock=clock or SYSTEM_CLOCK, store=store, demo=demo, extras=extras
    )
    return CompanionApp(context)


def prepare_graphics(home: Path) -> None:
    """Progress photos (when turned on in config.toml) are drawn with the terminal's own graphics (Kitty, Sixel)
    through textual-image, which has to ask the terminal what it supports before Textual takes the terminal
    over. Only then is it loaded: for everyone else this costs one failed file read or a byte search."""
    try:
        raw = (home / "config.toml").read_bytes()
    except OSError:
        return
    if b"photos" not in raw:
        return
    try:
        import tomllib

        if tomllib.loads(raw.decode("utf-8")).get("programme", {}).get("photos") is True:
            import textual_image.renderable  # noqa: F401  (queries the terminal once)
    except Exception:  # a malformed file is reported where it is used; the half-block fallback is always there
        return


def run_app(*, demo: bool = False, demo_workspace: DemoWorkspace | None = None) -> int:
    """Run the TUI; problems before the first screen become one line on stderr and exit code 1."""
    try:
        app = make_app(demo=demo, demo_workspace=demo_workspace)
    except (StoreError, OSError) as exc:
        print(f"companion: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    prepare_graphics(app.context.home)
    app.run()
    if os.environ.get(EXIT_AFTER_FIRST_PAINT) and app.first_paint_ms is not None:
        print(f"first paint after {app.first_paint_ms:.0f} ms (at {app.first_paint_at:.6f})", file=sys.stderr)
    return int(app.return_code or 0)
