"""Privacy: every purpose as the notice lists it with one-key controls, restriction, export with progress,
deletion with confirmation, retention rules, data-subject requests and the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    Markdown,
    ProgressBar,
    Select,
    Static,
    Switch,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState

from companion.i18n import N_, _, current_language
from companion.privacy import ledger
from companion.privacy.erasure import CATEGORY_LABELS, ERASE_CATEGORIES
from companion.privacy.purposes import PURPOSES, LegalBasis
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen

STATUS_LABELS = {
    "draft": N_("draft"),
    "sent": N_("sent"),
    "answered": N_("answered"),
    "withdrawn": N_("withdrawn"),
}


class PrivacyCommands(Provider):
    """Command palette entries of the Privacy screen ("Privacy: verb")."""

    async def search(self, query: str) -> Hits:
        screen = self.screen
        if not isinstance(screen, PrivacyScreen):
            return
        matcher = self.matcher(query)
        entries = (
            (_("Privacy: export everything"), _("Write a ZIP with all your data"), screen.action_export),
            (
                _("Privacy: restrict processing on or off"),
                _("Keep the data, stop all other processing"),
                screen.action_toggle_restriction,
            ),
            (
                _("Privacy: delete data"),
                _("Delete a category of data or everything"),
                lambda: screen.show_tab("tab-data"),
            ),
            (
                _("Privacy: new request to your clinic"),
                _("Draft a GDPR or ARCO request"),
                lambda: screen.show_tab("tab-requests"),
            ),
            (
                _("Privacy: audit log"),
                _("What left this computer, and when"),
                lambda: screen.show_tab("tab-audit"),
            ),
            (_("Privacy: retention"), _("How long data is kept"), lambda: screen.show_tab("tab-retention")),
        )
        for label, text, action in entries:
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), action, help=text)


class PrivacyScreen(CompanionScreen):
    SCREEN_ID = "privacy"
    COMMANDS = CompanionScreen.COMMANDS | {PrivacyCommands}
    HELP = N_(
        "# Privacy\n\n"
        "**Purposes**: every purpose from the privacy notice with its legal basis and the data it uses. "
        "Select a "
        "row and press **space** to switch it: consent is given or withdrawn (withdrawing takes effect "
        "at once), "
        "an objection is made or lifted. **g** grants, **w** withdraws, **o** objects. Purposes that "
        "rest on the "
        "contract are explained: to end them, delete your account.\n\n"
        "**Restrict processing** (**r**) keeps your data but stops everything except storage and export.\n\n"
        "**Your data**: export everything (ZIP with JSON, CSV, FHIR) or one format; delete a category or "
        "everything (the key is destroyed, so nothing can be recovered).\n\n"
        "**Retention**: how long each kind of data is kept, and when it is next purged.\n\n"
        "**Requests**: draft a GDPR or ARCO request to your clinic, send it as a message or save it as a "
        "file, "
        "and follow its deadline.\n\n**Audit log**: what left this computer, and when."
    )
    BINDINGS = [
        Binding(
            "space", "toggle_purpose", "Switch", id="privacy-toggle", tooltip="Give/withdraw or object/lift"
        ),
        Binding(
            "g",
            "decide('grant')",
            "Grant",
            id="privacy-grant",
            tooltip="Give consent for the selected purpose",
        ),
        Binding(
            "w",
            "decide('withdraw')",
            "Withdraw",
            id="privacy-withdraw",
            tooltip="Withdraw consent for the selected purpose",
        ),
        Binding(
            "o", "decide('object')", "Object", id="privacy-object", tooltip="Object to the selected purpose"
        ),
        Binding(
            "r",
            "toggle_restriction",
            "Restrict",
            id="privacy-restrict",
            tooltip="Restrict processing on or off",
        ),
        Binding("e", "export", "Export", id="privacy-export", tooltip="Export all your data"),
    ]
    DEFAULT_CSS = """
    PrivacyScreen #privacy-banner { background: $error 20%; color: $text; padding: 0 1; height: auto;
    display: none; }
    PrivacyScreen #privacy-banner.shown { display: block; }
    PrivacyScreen .switch-row { height: auto; }
    PrivacyScreen .switch-row Label { padding: 1 1 0 0; }
    PrivacyScreen #purposes-pane { height: 1fr; }
    PrivacyScreen #purposes { height: 1fr; }
    PrivacyScreen #purpose-hint { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    PrivacyScreen .row { height: auto; margin: 0 0 1 0; }
    PrivacyScreen .row Select { width: 30; }
    PrivacyScreen .row Input { width: 1fr; }
    PrivacyScreen .row Button { margin-left: 1; }
    PrivacyScreen #export-progress { margin: 0 0 1 0; }
    PrivacyScreen #request-preview { border: round $primary-darken-2; height: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._export_running = False

    # ----- layout --------------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static(id="privacy-banner")
        with TabbedContent(id="privacy-tabs", initial="tab-purposes"):
            with TabPane(_("Purposes"), id="tab-purposes"), Vertical(id="purposes-pane"):
                with Horizontal(classes="switch-row"):
                    yield Label(_("Restrict processing (keep my data, only storage and export):"))
                    yield Switch(id="restrict", tooltip=_("Restrict processing on or off (r)"))
                yield DataTable(id="purposes", cursor_type="row", zebra_stripes=True)
                yield Static(id="purpose-hint", classes="muted")
            with TabPane(_("Your data"), id="tab-data"), VerticalScroll():
                yield Label(_("Export everything"), classes="section-title")
                with Horizontal(classes="row"):
                    yield Select(
                        [
                            (_("ZIP (JSON, CSV, FHIR)"), "zip"),
                            ("JSON", "json"),
                            ("CSV", "csv"),
                            ("FHIR R4", "fhir"),
                        ],
                        value="zip",
                        allow_blank=False,
                        id="export-format",
                    )
                    yield Input(id="export-path", placeholder=_("file name"))
                    yield Button(_("Export"), id="export-start", variant="primary")
                yield ProgressBar(id="export-progress", show_eta=False)
                yield Static(id="export-status", classes="muted")
                yield Label(_("Delete data"), classes="section-title")
                with Horizontal(classes="row"):
                    yield Select(
                        [(_(CATEGORY_LABELS[c]), c) for c in ERASE_CATEGORIES],
                        value="measurements",
                        allow_blank=False,
                        id="erase-category",
                    )
                    yield Button(_("Delete\u2026"), id="erase-start", variant="error")
                yield Checkbox(_("Tell my clinic by message that I deleted it"), id="erase-notify")
                yield Static(id="erase-status", classes="muted")
            with TabPane(_("Retention"), id="tab-retention"), VerticalScroll():
                yield DataTable(id="retention", cursor_type="none", zebra_stripes=True)
                yield Static(id="retention-status", classes="muted")
            with TabPane(_("Requests"), id="tab-requests"), VerticalScroll():
                yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
                yield Label(_("New request to your clinic or provider"), classes="section-title")
                with Horizontal(classes="row"):
                    yield Select(
                        [(_("GDPR (EU)"), "gdpr"), (_("ARCO (Mexico)"), "arco")],
                        value="gdpr",
                        allow_blank=False,
                        id="request-regime",
                    )
                    yield Select(
                        self._kind_options("gdpr"), value="access", allow_blank=False, id="request-kind"
                    )
                for field, label in (
                    ("recipient", _("To (clinic or provider)")),
                    ("name", _("Your name")),
                    ("contact", _("Where to answer (address or e-mail)")),
                    ("description", _("Which data")),
                    ("identity", _("Identity document (ARCO)")),
                    ("changes", _("What to correct (rectification)")),
                ):
                    yield Input(id=f"request-{field}", placeholder=label, tooltip=label)
                with Horizontal(classes="row"):
                    yield Button(_("Draft"), id="request-draft")
                    yield Button(_("Send to clinic"), id="request-send", variant="primary", disabled=True)
                    yield Button(_("Save as text file"), id="request-save", disabled=True)
                yield Static(id="request-preview")
            with TabPane(_("Audit log"), id="tab-audit"), VerticalScroll():
                yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Notice"), id="tab-notice"), VerticalScroll():
                yield Markdown(id="notice-text")

    def on_mount(self) -> None:
        super().on_mount()
        self._draft_id: int | None = None
        table = self.query_one("#purposes", DataTable)
        table.add_columns(_("Your choice"), _("Purpose"), _("Legal basis"), _("Data"))
        self.query_one("#retention", DataTable).add_columns(_("Data"), _("Next purge"), _("Kept"))
        self.query_one("#requests", DataTable).add_columns(
            _("Request"), _("To"), _("Sent"), _("Answer due"), _("Status")
        )
        self.query_one("#export-progress", ProgressBar).update(total=100, progress=0)
        self.query_one("#audit", DataTable).add_columns(_("When"), _("What"), _("To"), _("Summary"))
        from companion.privacy.export import default_filename

        self.query_one("#export-path", Input).value = str(
            Path.cwd() / default_filename(self.companion.clock.now(), "zip")
        )
        profile = self.profile
        if profile is not None:
            self.query_one("#request-name", Input).value = profile.name
            self.query_one("#request-contact", Input).value = profile.email or ""
            self.query_one("#request-recipient", Input).value = profile.clinic or ""
        self.refresh_data()
        table.focus()
        self.call_after_refresh(self._offer_notice_update)

    def on_screen_resume(self) -> None:
        self.refresh_data()

    # ----- data ----------------------------------------------------------------------------------------
    def refresh_data(self) -> None:
        store = self.store
        problems = ledger.verify(store)
        banner = self.query_one("#privacy-banner", Static)
        if problems:
            banner.update(ledger.tamper_message(problems))
            banner.add_class("shown")
        else:
            banner.remove_class("shown")
        switch = self.query_one("#restrict", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = ledger.is_restricted(store)
        self._fill_purposes()
        self._fill_retention()
        self._fill_requests()
        self._fill_audit()
        notice = self.query_one("#notice-text", Markdown)
        from companion.privacy.notice import CURRENT_NOTICE
        from companion.privacy.requests import parent_removal_help

        notice.update(CURRENT_NOTICE.text(current_language()) + "\n\n---\n\n" + parent_removal_help())

    def _fill_purposes(self) -> None:
        table = self.query_one("#purposes", DataTable)
        row = table.cursor_row
        table.clear()
        for status in ledger.statuses(self.store):
            item = status.purpose
            style = (
                "green"
                if status.state in ("granted", "not-objected")
                else ("" if status.state == "contract" else "yellow")
            )
            table.add_row(
                Text(status.label, style=style),
                _(item.title),
                _(item.basis.label),
                ", ".join(_(c) for c in item.categories),
                key=item.id,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self._update_hint()

    def _fill_retention(self) -> None:
        from companion.privacy import retention

        table = self.query_one("#retention", DataTable)
        table.clear()
        for rule in retention.RULES:
            when = retention.next_purge(self.store, rule)
            if not rule.expires:
                nxt = _("not purged")
            elif when is None:
                nxt = _("nothing to purge")
            elif when <= self.companion.clock.now():
                nxt = _("at the next check")
            else:
                nxt = when.astimezone().date().isoformat()
            table.add_row(_(rule.title), nxt, _(rule.keep))
        if ledger.is_restricted(self.store):
            self.query_one("#retention-status", Static).update(
                _("Purging is paused while processing is restricted: your data is kept as it is.")
            )
            return
        last = retention.last_run(self.store)
        self.query_one("#retention-status", Static).update(
            _("Last checked: {when}. Checked on every start and daily.").format(
                when=last.astimezone().strftime("%Y-%m-%d %H:%M") if last else _("not yet")
            )
        )

    def _fill_requests(self) -> None:
        from companion.privacy.requests import all_requests, kind_label

        table = self.query_one("#requests", DataTable)
        table.clear()
        for row in all_requests(self.store):
            table.add_row(
                f"{row.regime.upper()}: {kind_label(row.regime, row.kind)}",
                safe_text(row.recipient),
                row.sent_at or "—",
                row.due_date or "—",
                _(STATUS_LABELS.get(row.status, row.status)),
                key=str(row.id),
            )

    def _fill_audit(self) -> None:
        table = self.query_one("#audit", DataTable)
        table.clear()
        for event in self.store.audit.events(limit=200):
            table.add_row(
                event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M"),
                safe_text(event.action),
                safe_text(event.target, max_length=60),
                safe_text(event.summary, max_length=80),
            )

    def _selected_purpose(self) -> str | None:
        table = self.query_one("#purposes", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def _update_hint(self) -> None:
        purpose_id = self._selected_purpose()
        hint = self.query_one("#purpose-hint", Static)
        if purpose_id is None:
            hint.update("")
            return
        item = next(p for p in PURPOSES if p.id == purpose_id)
        if item.basis is LegalBasis.CONSENT:
            text = _("Consent: space gives or withdraws it; withdrawing takes effect at once.")
            if item.explicit:
                text += " " + _(
                    "Health data needs this explicit consent; without it nothing health-related is stored."
                )
        elif item.basis is LegalBasis.CONTRACT:
            text = _(
                "Contract: needed to provide the service. To end it, delete your account (Your data tab)."
            )
        else:
            text = _("{basis}: allowed unless you object; space objects or lifts the objection.").format(
                basis=_(item.basis.label)
            )
        details = _("{basis} · data: {data}").format(
            basis=_(item.basis.label), data=", ".join(_(c) for c in item.categories)
        )
        hint.update(f"{_(item.title)}: {details}\n{text}")

    @on(DataTable.RowHighlighted, "#purposes")
    def _highlighted(self) -> None:
        self._update_hint()

    # ----- purposes and restriction --------------------------------------------------------------------
    def _apply(self, action: str, purpose_id: str) -> None:
        store = self.store
        try:
            if ledger.verify(store):
                ledger.reconfirm_after_tampering(store, "tui")
                self.notify(
                    _(
                        "Your consent record had been altered outside Companion; every consent was reset. "
                        "Give again the ones you want."
                    ),
                    severity="warning",
                    timeout=10,
                )
            functions = {
                "toggle": ledger.toggle,
                "grant": ledger.grant,
                "withdraw": ledger.withdraw,
                "object": ledger.object_to,
            }
            functions[action](store, purpose_id, "tui")
        except ledger.PrivacyError as exc:
            self.notify(str(exc), severity="warning", timeout=10)
            return
        status = ledger.status(store, purpose_id)
        self.notify(f"{_(status.purpose.title)}: {status.label}")
        self.refresh_data()

    def action_toggle_purpose(self) -> None:
        purpose_id = self._selected_purpose()
        if purpose_id is not None:
            self._apply("toggle", purpose_id)

    def action_decide(self, action: str) -> None:
        purpose_id = self._selected_purpose()
        if purpose_id is not None:
            self._apply(action, purpose_id)

    @on(DataTable.RowSelected, "#purposes")
    def _row_selected(self) -> None:
        self.action_toggle_purpose()

    def action_toggle_restriction(self) -> None:
        switch = self.query_one("#restrict", Switch)
        switch.value = not switch.value

    @on(Switch.Changed, "#restrict")
    def _restriction_changed(self, event: Switch.Changed) -> None:
        ledger.set_restricted(self.store, event.value, "tui")
        self.notify(
            _("Processing restricted: your data is kept, only storage and export are allowed.")
            if event.value
            else _("Restriction lifted.")
        )
        self.refresh_data()

    async def _offer_notice_update(self) -> None:
        from companion.privacy.notice import accept_update, pending_update
        from companion.tui.widgets.privacy_modals import NoticeChanges

        update = pending_update(self.store)
        if update is None or (update.seen is None and not update.reconfirm):
            return  # nothing to ask; a store that never recorded a seen version was set up before versioning
        purposes = [(pid, _(next(p.title for p in PURPOSES if p.id == pid))) for pid in update.reconfirm]

        def answered(answers: dict[str, bool] | None) -> None:
            if answers is not None:
                accept_update(self.store, answers, "tui")
                self.refresh_data()

        self.app.push_screen(
            NoticeChanges(update.current.version, update.changes(current_language()), purposes), answered
        )

    # ----- export --------------------------------------------------------------------------------------
    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        from companion.privacy.export import default_filename

        path_input = self.query_one("#export-path", Input)
        folder = Path(path_input.value).expanduser().parent if path_input.value else Path.cwd()
        path_input.value = str(folder / default_filename(self.companion.clock.now(), str(event.value)))

    def show_tab(self, tab_id: str) -> None:
        self.query_one("#privacy-tabs", TabbedContent).active = tab_id

    def action_export(self) -> None:
        self.query_one("#privacy-tabs", TabbedContent).active = "tab-data"
        self._start_export()

    @on(Button.Pressed, "#export-start")
    def _start_export(self) -> None:
        if self._export_running:
            self.notify(_("An export is already running."), severity="warning")
            return
        fmt = str(self.query_one("#export-format", Select).value)
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.notify(_("Give a file name for the export."), severity="warning")
            return
        self._export_running = True
        self.query_one("#export-start", Button).disabled = True
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#export-status", Static).update(_("Exporting\u2026"))
        self._run_export(fmt, Path(raw).expanduser())

    @work(thread=True, exclusive=True, group="privacy-export", exit_on_error=False)
    def _run_export(self, fmt: str, target: Path) -> Any:
        from companion.privacy.export import export

        bar = self.query_one("#export-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        return export(self.store, fmt, target, progress=progress)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "privacy-export" and worker.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._export_running = False
            self.query_one("#export-start", Button).disabled = False
            status = self.query_one("#export-status", Static)
            if worker.state is WorkerState.SUCCESS:
                result: Any = worker.result
                status.update(safe_text(_("Export written to {path}").format(path=result.path)))
                self.notify(_("Export written to {path}").format(path=result.path))
                self._fill_audit()
            elif worker.state is WorkerState.ERROR:
                message = str(worker.error)
                status.update(safe_text(message))
                self.notify(message, severity="error", timeout=10)
            else:
                status.update(_("Export cancelled; nothing was written."))
        elif worker.group == "privacy-erase" and worker.state is WorkerState.SUCCESS:
            self._erased(worker.result)  # type: ignore[arg-type]
        elif worker.group == "privacy-erase" and worker.state is WorkerState.ERROR:
            self.notify(str(worker.error), severity="error", timeout=10)

    # ----- deletion ------------------------------------------------------------------------------------
    @on(Button.Pressed, "#erase-start")
    def _ask_erase(self) -> None:
        from companion.tui.widgets.privacy_modals import ConfirmErase

        category = str(self.query_one("#erase-category", Select).value)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.query_one("#erase-status", Static).update(_("Deleting\u2026"))
                self._run_erase(category, self.query_one("#erase-notify", Checkbox).value)

        self.app.push_screen(ConfirmErase(category, _(CATEGORY_LABELS[category])), confirmed)

    @work(thread=True, exclusive=True, group="privacy-erase", exit_on_error=False)
    def _run_erase(self, category: str, notify_clinic: bool) -> tuple[str, int, str]:
        from companion.privacy import erasure

        store = self.store
        folder = Path(self.query_one("#export-path", Input).value or ".").expanduser().parent
        told = ""
        if notify_clinic:
            notice = erasure.clinic_notice([category], store.clock.now().date().isoformat())
            try:
                erasure.notify_clinic(store, notice, before_account_deletion=category == "all")
                told = _("Your clinic will be told by message.")
            except erasure.ErasureError:
                saved = erasure.save_text(folder / f"companion-deletion-notice-{category}.txt", notice)
                told = _("Messaging is not set up; the notice for your clinic was saved to {path}.").format(
                    path=saved
                )
        if category == "all":
            erasure.erase_account(store)
            return category, 0, told
        result = erasure.erase_category(store, category)
        if not result.scrubbed:
            told = (
                told
                + " "
                + _(
                    "Another Companion has the data open, so old copies may remain in the database "
                    "journal until you close it and delete again."
                )
            ).strip()
        return category, result.total, told

    def _erased(self, result: tuple[str, int, str]) -> None:
        category, rows, told = result
        if category == "all":
            self.app.notify(_("Everything was deleted and the key destroyed; the data cannot be recovered."))
            self.companion.context.store = None
            self.app.exit(0)
            return
        message = _("Deleted {rows} rows of {category}.").format(
            rows=rows, category=_(CATEGORY_LABELS[category])
        )
        self.query_one("#erase-status", Static).update(safe_text(f"{message} {told}".strip()))
        self.notify(message)
        self.refresh_data()

    # ----- requests ------------------------------------------------------------------------------------
    @staticmethod
    def _kind_options(regime: str) -> list[tuple[str, str]]:
        from companion.privacy.requests import ARCO_KINDS, GDPR_KINDS

        table = GDPR_KINDS if regime == "gdpr" else ARCO_KINDS
        return [(_(label), kind) for kind, (label, _ref) in table.items()]

    @on(Select.Changed, "#request-regime")
    def _regime_changed(self, event: Select.Changed) -> None:
        kinds = self.query_one("#request-kind", Select)
        kinds.set_options(self._kind_options(str(event.value)))
        kinds.value = "access"

    def _form(self) -> Any:
        from companion.privacy.requests import Regime, RequestForm

        def value(field: str) -> str:
            return self.query_one(f"#request-{field}", Input).value

        return RequestForm(
            regime=Regime(str(self.query_one("#request-regime", Select).value)),
            kind=str(self.query_one("#request-kind", Select).value),
            recipient=value("recipient"),
            name=value("name"),
            contact=value("contact"),
            description=value("description"),
            identity_document=value("identity"),
            changes=value("changes"),
        )

    @on(Button.Pressed, "#request-draft")
    def _draft(self) -> None:
        from companion.privacy.requests import RequestError, draft, save_draft

        form = self._form()
        try:
            text = draft(form, self.companion.clock.now().date())
        except RequestError as exc:
            self.notify(str(exc), severity="warning")
            field = {"identity_document": "identity"}.get(exc.field, exc.field)
            if self.query(f"#request-{field}"):
                self.query_one(f"#request-{field}", Input).focus()
            return
        self._draft_id = save_draft(self.store, form, text)
        self.query_one("#request-preview", Static).update(safe_text(text))
        self.query_one("#request-send", Button).disabled = False
        self.query_one("#request-save", Button).disabled = False
        self._fill_requests()

    @on(Button.Pressed, "#request-send")
    def _send(self) -> None:
        from companion.privacy.erasure import ErasureError
        from companion.privacy.requests import send_to_clinic

        if self._draft_id is None:
            return
        try:
            due = send_to_clinic(self.store, self._draft_id)
        except ErasureError as exc:
            self.notify(str(exc), severity="warning", timeout=10)
            return
        self.notify(_("Request sent; the answer is due by {date}.").format(date=due.isoformat()))
        self._request_done()

    @on(Button.Pressed, "#request-save")
    def _save(self) -> None:
        from companion.privacy.erasure import ErasureError, save_text
        from companion.privacy.requests import get_request, mark_sent

        if self._draft_id is None:
            return
        row = get_request(self.store, self._draft_id)
        if row is None:
            return
        target = Path.cwd() / f"companion-request-{row.regime}-{row.kind}-{row.id}.txt"
        try:
            save_text(target, row.body)
        except ErasureError as exc:
            self.notify(str(exc), severity="error")
            return
        due = mark_sent(self.store, self._draft_id, "file")
        self.notify(
            _("Saved to {path}; send it yourself. The answer is due by {date}.").format(
                path=target, date=due.isoformat()
            ),
            timeout=10,
        )
        self._request_done()

    def _request_done(self) -> None:
        self._draft_id = None
        self.query_one("#request-send", Button).disabled = True
        self.query_one("#request-save", Button).disabled = True
        self._fill_requests()
        self._fill_audit()
