"""Unlock: asks for the passphrase when the key is not in the keyring; any other problem opening the data
becomes a dialog whose only way out is Quit (the data is never modified)."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from companion.clock import SYSTEM_CLOCK, Clock
from companion.i18n import N_, _
from companion.store import PassphraseRequired, Store, StoreError, WrongPassphrase
from companion.store.keys import KeyVault
from companion.tui.safe import safe_text


class StoreProblemScreen(ModalScreen[None]):
    """Companion cannot open the data: say why, promise nothing was changed, offer Quit."""

    BINDINGS = [
        Binding("escape,q", "quit_app", N_("Quit"), id="problem-quit", tooltip=N_("Quit Companion")),
    ]
    DEFAULT_CSS = """
    StoreProblemScreen { align: center middle; }
    StoreProblemScreen > Vertical {
        width: 76; max-width: 95%; height: auto; border: thick $error; background: $surface; padding: 1 2;
    }
    StoreProblemScreen #problem-title { text-style: bold; color: $error; margin-bottom: 1; }
    StoreProblemScreen #problem-hint { color: $text-muted; margin-top: 1; }
    StoreProblemScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    """

    AUTO_FOCUS = "#problem-quit"

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def on_mount(self) -> None:
        from companion.tui.app import translate_bindings

        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Companion cannot open your data"), id="problem-title")
            yield Static(safe_text(self.message), id="problem-message")
            yield Static(
                _("Your files were left exactly as they were. You can try `companion --demo` to look around "
                  "without touching them."),
                id="problem-hint",
            )
            with Horizontal():
                yield Button(_("Quit"), id="problem-quit", variant="error")

    @on(Button.Pressed, "#problem-quit")
    def action_quit_app(self) -> None:
        self.dismiss(None)


class UnlockScreen(Screen[Store | None]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Quit"), id="cancel-unlock", tooltip=N_("Quit without unlocking")),
    ]
    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen > Vertical { width: 70; max-width: 95%; height: auto; border: round $primary; padding: 1 2; }
    """

    def __init__(self, home: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__()
        self.home = home
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Unlock your data"), classes="section-title")
            yield Static(_("Enter the passphrase that protects your Companion data."), id="unlock-hint")
            yield Input(password=True, placeholder=_("Passphrase"), id="passphrase")
            yield Static("", id="unlock-error", classes="error")
            yield Button(_("Unlock"), id="unlock", variant="primary")

    def on_mount(self) -> None:
        from companion.tui.app import translate_bindings

        translate_bindings(self)
        self.title = _("Unlock your data")
        self.try_open(os.environ.get("COMPANION_PASSPHRASE") or None, quiet=True)

    def _needs_passphrase(self) -> bool:
        try:
            return KeyVault(self.home).info().mode == "passphrase"
        except StoreError:
            return False

    @work(exclusive=True, thread=True, group="unlock", exit_on_error=False)
    def try_open(self, passphrase: str | None, quiet: bool = False) -> None:
        if quiet and passphrase is None and self._needs_passphrase():
            return
        try:
            store = Store.open(self.home, passphrase=passphrase, clock=self.clock)
        except (PassphraseRequired, WrongPassphrase) as exc:
            if not quiet or isinstance(exc, WrongPassphrase):
                self.app.call_from_thread(self._show_error, str(exc))
            return
        except StoreError as exc:
            self.app.call_from_thread(self._show_problem, str(exc))
            return
        except Exception as exc:  # e.g. the file is locked by another program: still no traceback
            self.app.call_from_thread(
                self._show_problem,
                _("unexpected error: {error}").format(error=f"{type(exc).__name__}: {exc}"),
            )
            return
        self.app.call_from_thread(self.dismiss, store)

    def _show_error(self, message: str) -> None:
        self.query_one("#unlock-error", Static).update(safe_text(message))
        self.query_one("#passphrase", Input).value = ""

    def _show_problem(self, message: str) -> None:
        self.app.push_screen(StoreProblemScreen(message), lambda _result: self.app.exit(1, return_code=1))

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        self.query_one("#unlock-error", Static).update(_("Unlocking…"))
        self.try_open(self.query_one("#passphrase", Input).value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
