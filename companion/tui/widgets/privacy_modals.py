"""Modals of the Privacy screen: confirm a deletion, show what changed in the notice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Markdown, Static

from companion.i18n import _


class ConfirmErase(ModalScreen[bool]):
    """Asks to type the category's name before deleting it for good (dismisses True to go ahead)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="erase-cancel", tooltip="Keep the data")]
    DEFAULT_CSS = """
    ConfirmErase { align: center middle; }
    ConfirmErase > Vertical { width: 70; max-width: 100%; height: auto; padding: 1 2; border: thick $error;
                              background: $surface; }
    ConfirmErase Horizontal { height: auto; margin-top: 1; }
    ConfirmErase Button { margin-right: 2; }
    """

    def __init__(self, category: str, label: str) -> None:
        super().__init__()
        self.category = category
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Delete for good: {what}").format(what=self.label), classes="section-title")
            if self.category == "all":
                yield Static(
                    _(
                        "Your account, every measurement, message and setting, and the encryption key are "
                        "destroyed. This cannot be undone; export first if you want a copy."
                    )
                )
            else:
                yield Static(
                    _("The data is removed from the database file and its journal. This cannot be undone.")
                )
            yield Static(_("Type {word} to confirm.").format(word=self.category))
            yield Input(id="erase-confirm-input", placeholder=self.category)
            with Horizontal():
                yield Button(_("Delete"), id="erase-confirm", variant="error", disabled=True)
                yield Button(_("Cancel"), id="erase-cancel-button")

    @on(Input.Changed, "#erase-confirm-input")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#erase-confirm", Button).disabled = event.value.strip() != self.category

    @on(Input.Submitted, "#erase-confirm-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.category:
            self.dismiss(True)

    @on(Button.Pressed, "#erase-confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#erase-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)


class NoticeChanges(ModalScreen[dict[str, bool] | None]):
    """What changed in the privacy notice, and the consents to confirm again (dismisses with the answers)."""

    BINDINGS = [Binding("escape", "later", "Later", id="notice-later", tooltip="Ask me again later")]
    DEFAULT_CSS = """
    NoticeChanges { align: center middle; }
    NoticeChanges > Vertical { width: 90%; height: 90%; padding: 1 2; border: thick $primary; background:
    $surface; }
    NoticeChanges VerticalScroll { height: 1fr; }
    NoticeChanges Horizontal { height: auto; margin-top: 1; }
    NoticeChanges Button { margin-right: 2; }
    """

    def __init__(self, version: str, changes: str, purposes: list[tuple[str, str]]) -> None:
        super().__init__()
        self.version = version
        self.changes = changes
        self.purposes = purposes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                _("The privacy notice changed (version {version})").format(version=self.version),
                classes="section-title",
            )
            with VerticalScroll():
                yield Markdown(self.changes)
                if self.purposes:
                    yield Static(_("These consents depend on the change; confirm the ones you still want:"))
                    for purpose_id, title in self.purposes:
                        yield Checkbox(title, value=False, id=f"reconsent-{purpose_id}")
            with Horizontal():
                yield Button(_("Confirm my choices"), id="notice-accept", variant="primary")
                yield Button(_("Later"), id="notice-later-button")

    @on(Button.Pressed, "#notice-accept")
    def _accept(self) -> None:
        answers = {pid: self.query_one(f"#reconsent-{pid}", Checkbox).value for pid, _title in self.purposes}
        self.dismiss(answers)

    @on(Button.Pressed, "#notice-later-button")
    def action_later(self) -> None:
        self.dismiss(None)
