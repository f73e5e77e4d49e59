"""Help: the keys and screens, and a modal with help for the current screen (F1)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from companion.i18n import N_, _
from companion.tui.screens import MAIN_SCREENS
from companion.tui.screens.base import CompanionScreen


def overview_markdown() -> str:
    lines = [_("# Help"), ""]
    lines += [_("Companion is keyboard-first. Every action is also in the command palette (ctrl+p)."), ""]
    lines += [f"| {_('Key')} | {_('Screen')} | {_('What it is for')} |", "|---|---|---|"]
    for item in MAIN_SCREENS:
        lines.append(f"| {item.key.upper()} | {_(item.title)} | {_(item.summary)} |")
    lines += ["", _("**F1** shows help for the screen you are on. **ctrl+q** quits."), ""]
    lines.append(
        _("Your data stays on this computer, encrypted. Nothing is sent anywhere unless you choose to.")
    )
    return "\n".join(lines)


class HelpScreen(CompanionScreen):
    SCREEN_ID = "help"
    HELP = N_("# Help\n\nAn overview of every screen and its key.")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(overview_markdown())


class HelpModal(ModalScreen[None]):
    """Help for the screen underneath."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", N_("Close"), id="close-help", tooltip=N_("Close help"))]
    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > Vertical {
        width: 80%; max-width: 100; height: 80%; border: round $primary; background: $surface;
    }
    """

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def on_mount(self) -> None:
        from companion.tui.app import translate_bindings

        translate_bindings(self)

    def compose(self) -> ComposeResult:
        text = self.under.help_markdown() if isinstance(self.under, CompanionScreen) else overview_markdown()
        with Vertical():
            with VerticalScroll():
                yield Markdown(text + "\n\n" + _("Press Escape to close."))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
