"""Unlock: asks for the passphrase when the key is not in the keyring; errors become a clear message."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from companion.i18n import _
from companion.store import PassphraseRequired, Store, StoreError, WrongPassphrase
from companion.store.keys import KeyVault


class UnlockScreen(Screen[Store | None]):
    BINDINGS = [Binding("escape", "cancel", "Quit", id="cancel-unlock", tooltip="Quit without unlocking")]
    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen > Vertical { width: 70; height: auto; border: round $primary; padding: 1 2; }
    """

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Unlock your data"), classes="section-title")
            yield Static(_("Enter the passphrase that protects your Companion data."), id="unlock-hint")
            yield Input(password=True, placeholder=_("Passphrase"), id="passphrase")
            yield Static("", id="unlock-error", classes="error")
            yield Button(_("Unlock"), id="unlock", variant="primary")

    def on_mount(self) -> None:
        self.try_open(os.environ.get("COMPANION_PASSPHRASE") or None, quiet=True)

    def _needs_passphrase(self) -> bool:
        try:
            return KeyVault(self.home).info().mode == "passphrase"
        except StoreError:
            return False

    @work(exclusive=True, thread=True, group="unlock")
    def try_open(self, passphrase: str | None, quiet: bool = False) -> None:
        if quiet and passphrase is None and self._needs_passphrase():
            return
        try:
            store = Store.open(self.home, passphrase=passphrase)
        except (PassphraseRequired, WrongPassphrase) as exc:
            if not quiet or isinstance(exc, WrongPassphrase):
                self.app.call_from_thread(self._show_error, str(exc))
            return
        except StoreError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self.dismiss, store)

    def _show_error(self, message: str) -> None:
        self.query_one("#unlock-error", Static).update(message)

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        self.try_open(self.query_one("#passphrase", Input).value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
