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
        screen.notify(_("There is no profile to report on yet."), severity="warning", markup=False)
        return
    try:
        clinic = check_ready(screen.store)
    except (NotLoggedIn, ProcessingNotAllowed) as exc:
        screen.notify(str(exc), title=_("Report not sent"), severity="warning", timeout=10, markup=False)
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
        screen.app.call_from_thread(screen.notify, str(exc), title=_("Report not sent"), severity="error",
                                    markup=False)
        return
    screen.app.call_from_thread(_queued, screen, queued.path)


def _queued(screen: Any, path: Any) -> None:
    from companion.tui.services import matrix_sync

    matrix_sync.send_now(screen.companion)
    screen.notify(_("Progress report queued for your clinic ({name}); it is sent with the next sync.").format(
        name=path.name), markup=False)


# ----- Support: describe a problem ---------------------------------------------------------------------
class SupportDialog(ModalScreen[None]):
    """Describe a problem; optionally attach the diagnostics bundle, shown in full before it is sent."""

    BINDINGS = [
        Binding("escape", "cancel", _("Cancel"), id="support-cancel", tooltip=_("Close without sending")),
        Binding("ctrl+s", "send", _("Send"), id="support-send", tooltip=_("Send the request")),
    ]
    DEFAULT_CSS = """
    SupportDialog { align: center middle; }
    SupportDialog > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
                               border: thick $primary; background: $surface; }
    SupportDialog #support-text { height: 8; }
    SupportDialog #support-bundle { height: auto; max-height: 12; color: $foreground-muted; }
    SupportDialog .-hidden { display: none; }
    SupportDialog Horizontal { height: auto; margin-top: 1; }
    SupportDialog Button { margin-right: 2; }
    """

    def __init__(self, store: Any, destination: str, channel: str, bundle: str | None, consent_note: str) -> None:
        super().__init__()
        self.store = store
        self.destination = destination
        self.channel = channel
        self.bundle = bundle
        self.consent_note = consent_note

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Checkbox, TextArea

        with Vertical():
            yield Label(_("Describe the problem"), classes="section-title")
            where = (_("It is sent to {address} in your clinic conversation.") if self.channel == "message" else
                     _("It is saved as a file for you to send to {address} (Companion can only message your "
                       "clinic's account)."))
            yield Static(safe_text(where.format(address=self.destination), max_length=400))
            yield TextArea(id="support-text")
            yield Checkbox(_("Attach diagnostics (app version, platform, recent errors; no health data)"),
                           id="support-diagnostics", disabled=self.bundle is None)
            if self.bundle is None:
                yield Static(safe_text(self.consent_note, max_length=400), id="support-consent-note")
            with VerticalScroll(id="support-bundle", classes="-hidden"):
                yield Static(safe_text(self.bundle or "", max_length=8000), id="support-bundle-text")
            with Horizontal():
                yield Button(_("Send"), id="support-send-button", variant="primary")
                yield Button(_("Cancel"), id="support-cancel-button")

    def on_mount(self) -> None:
        from textual.widgets import TextArea

        self.query_one("#support-text", TextArea).focus()

    @on(Button.Pressed, "#support-cancel-button")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_checkbox_changed(self, event: Any) -> None:
        # the bundle is shown in full as soon as it is chosen: nothing leaves that the person has not seen
        self.query_one("#support-bundle").set_class(not event.value, "-hidden")

    @on(Button.Pressed, "#support-send-button")
    def _send_button(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        from textual.widgets import Checkbox, TextArea

        text = self.query_one("#support-text", TextArea).text
        if not text.strip():
            self.notify(_("Describe the problem first."), severity="warning", markup=False)
            return
        attach = self.query_one("#support-diagnostics", Checkbox).value
        self._submit(text, self.bundle if attach else None)

    @work(thread=True, group="care-support", exit_on_error=False)
    def _submit(self, text: str, bundle: str | None) -> None:
        from companion.care import support

        try:
            sent = support.send(self.store, text, diagnostics=bundle)
        except Exception as exc:  # consent withdrawn, disk full...: shown, the text stays in the box
            self.app.call_from_thread(self.notify, str(exc), title=_("Not sent"), severity="error", markup=False)
            return
        self.app.call_from_thread(self._done, sent)

    def _done(self, sent: Any) -> None:
        from companion.care.support import outcome_text

        if sent.destination.channel == "message":
            from companion.tui.services import matrix_sync

            matrix_sync.send_now(self.app)
        self.app.notify(outcome_text(sent), title=_("Support request"), timeout=12, markup=False)
        self.dismiss(None)


def open_support(screen: Any) -> None:
    """The Support dialog (the diagnostics bundle is prepared only when the consent is given)."""
    from companion.care.support import bundle_text, destination, diagnostics_bundle
    from companion.config import ConfigError
    from companion.privacy import ProcessingNotAllowed

    store = screen.store
    try:
        where = destination(store)
    except ConfigError as exc:
        screen.notify(str(exc), severity="error", markup=False)
        return
    bundle, note = None, ""
    try:
        bundle = bundle_text(diagnostics_bundle(store))
    except ProcessingNotAllowed as exc:
        note = str(exc)
    screen.app.push_screen(SupportDialog(store, where.address, where.channel, bundle, note))
