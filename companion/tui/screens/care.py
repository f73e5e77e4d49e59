"""Care team actions of the dashboard: send the progress report to the clinic, ask for support.

Loaded only when one of them is used (the dashboard's first frame never imports this module).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from companion.i18n import _
from companion.tui.safe import safe_text


class ConfirmSend(ModalScreen[bool]):
    """Says what will leave the computer and to whom; dismisses True to send."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="care-confirm-cancel", tooltip=_("Send nothing"))]
    DEFAULT_CSS = """
    ConfirmSend { align: center middle; }
    ConfirmSend > Vertical { width: 76; max-width: 100%; height: auto; padding: 1 2; border: thick $primary;
                             background: $surface; }
    ConfirmSend Horizontal { height: auto; margin-top: 1; }
    ConfirmSend Button { margin-right: 2; }
    """

    def __init__(self, title: str, body: str, confirm: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_text(self.title_text, max_length=200), classes="section-title")
            yield Static(safe_text(self.body, max_length=4000), id="care-confirm-body")
            with Horizontal():
                yield Button(self.confirm, id="care-confirm-send", variant="primary")
                yield Button(_("Cancel"), id="care-confirm-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#care-confirm-send", Button).focus()

    @on(Button.Pressed, "#care-confirm-send")
    def _send(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#care-confirm-cancel-button")
    def _cancel_button(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


# ----- Report: send to clinic --------------------------------------------------------------------------
def send_report_to_clinic(screen: Any) -> None:
    """Check login and consent, ask, then make the PDF and queue it for the clinic (in a worker)."""
    from companion.care.clinic_report import NotLoggedIn, check_ready
    from companion.privacy import ProcessingNotAllowed

    profile = screen.profile
    if profile is None:
        screen.notify(_("There is no profile to report on yet."), severity="warning")
        return
    try:
        clinic = check_ready(screen.store)
    except (NotLoggedIn, ProcessingNotAllowed) as exc:
        screen.notify(str(exc), title=_("Report not sent"), severity="warning", timeout=10)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            _queue_report(screen, profile)

    screen.app.push_screen(ConfirmSend(
        _("Send your progress report to the clinic?"),
        _("A one-page PDF with your key figures, body composition and weight chart is sent to {clinic} in "
          "your clinic conversation. A copy is kept in your reports folder.").format(clinic=clinic),
        _("Send report"),
    ), answered)


@work(thread=True, group="care-report", exit_on_error=False)
def _queue_report(screen: Any, profile: Any) -> None:
    from companion.care.clinic_report import queue_report

    try:
        queued = queue_report(screen.store, profile, screen.companion.clock.now())
    except Exception as exc:  # consent withdrawn meanwhile, disk full...: shown, never a traceback
        screen.app.call_from_thread(screen.notify, str(exc), title=_("Report not sent"), severity="error")
        return
    screen.app.call_from_thread(_queued, screen, queued.path)


def _queued(screen: Any, path: Any) -> None:
    from companion.tui.services import matrix_sync

    matrix_sync.send_now(screen.companion)
    screen.notify(_("Progress report queued for your clinic ({name}); it is sent with the next sync.").format(
        name=path.name))
