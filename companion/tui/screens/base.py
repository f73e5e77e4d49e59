"""What every main screen shares: header, footer, help text, access to the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._toast import ToastRack

from companion.i18n import N_, _
from companion.tui.widgets.footer import CompanionFooter
from companion.tui.widgets.header import CompanionHeader

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.store import Store
    from companion.tui.app import CompanionApp


class CompanionScreen(Screen[None]):
    """Base class: subclasses set ``SCREEN_ID``, ``HELP`` (Markdown, untranslated) and ``compose_body``."""

    SCREEN_ID: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    #: False while the screen is still loading what it shows (in a worker); it then calls ``content_shown()``.
    #: The app counts the screen as painted (start-up time) only once its content is on the terminal.
    content_ready: bool = True
    _styled_on_mount = True  # until its first resume: its widgets were just styled as they mounted

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler (subclass first). On the first resume the widgets were styled a
        # moment ago, when they mounted; restyling the whole screen again only delays the first frame.
        if self._styled_on_mount:
            self._styled_on_mount = False
            event.refresh_styles = False

    def _extend_compose(self, widgets: list[Widget]) -> None:
        # Textual adds its toast rack here and sets its display after the first frame, which costs one more
        # layout pass before the screen settles; set it now to what that will be (Textual internals, pinned).
        super()._extend_compose(widgets)
        for widget in widgets:
            if isinstance(widget, ToastRack):
                widget.display = bool(self.app._notifications)

    def content_shown(self) -> None:
        """The screen's data is in its widgets; the next frame written is the one a person sees."""
        self.content_ready = True

    @property
    def companion(self) -> CompanionApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        store = self.companion.store
        assert store is not None, "screen shown before the store was opened"
        return store

    @property
    def profile(self) -> Profile | None:
        return self.companion.active_profile()

    def compose(self) -> ComposeResult:
        if self.SCREEN_ID:  # before the header is drawn, so that its first frame shows the right title
            from companion.tui.screens import spec

            self.title = _(spec(self.SCREEN_ID).title)
            self.sub_title = _(spec(self.SCREEN_ID).summary)
        yield CompanionHeader()
        yield from self.compose_body()
        yield CompanionFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        from companion.tui.app import translate_bindings

        translate_bindings(self)

    def help_markdown(self) -> str:
        return _(self.HELP) if self.HELP else _("No help for this screen yet.")

    def palette_commands(self) -> Iterable[SystemCommand]:
        """Extra command-palette entries while this screen is shown ("Area: verb"); none by default."""
        return ()


class NotBuiltScreen(CompanionScreen):
    """A capability that is not built yet says so plainly and never shows made-up data."""

    WHAT: ClassVar[str] = ""
    HELP = N_("This part of Companion is not built yet. Nothing here is real data.")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="not-built"):
            yield Static(_("Not available yet"), classes="title")
            yield Static(_(self.WHAT) if self.WHAT else "", classes="what")
            yield Static(
                _("This part of Companion is still being built. It shows nothing until it works for real."),
                classes="explain",
            )
