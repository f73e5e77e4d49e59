"""A small dialog: the path or https URL of a clinic directory to add."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from companion.i18n import N_, _


class AddDirectoryModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    AddDirectoryModal { align: center middle; }
    AddDirectoryModal > Vertical {
        width: 70; height: auto; padding: 1 2; border: round $primary; background: $surface;
    }
    AddDirectoryModal Horizontal { height: auto; margin-top: 1; }
    AddDirectoryModal Button { margin-right: 2; }
    """
    BINDINGS = [("escape", "cancel", N_("Cancel"))]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Add a clinic directory: a GeoJSON file on this computer, or an https:// URL."))
            yield Input(placeholder=_("Path or URL"), id="directory-source")
            with Horizontal():
                yield Button(_("Add"), id="add", variant="primary")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        value = self.query_one(Input).value.strip()
        self.dismiss(value or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
