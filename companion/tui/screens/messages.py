"""Messages: the secure conversation with the clinic (Matrix), paged from the local store.

The sync service (``companion/tui/services/matrix_sync.py``) talks to the homeserver; this screen reads the
store, queues what the patient writes (shown as pending until the server confirms it) and refreshes when the
service reports new data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from companion.i18n import N_, _
from companion.store.messages import Messages
from companion.text import visible
from companion.tui.safe import visible_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.messages_view import PAGE, ConversationView


class ConfirmLink(ModalScreen[bool]):
    """Shows a consult link's real host and whether it is on the clinic's list; opens only on "Open"."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="cancel-link", tooltip="Do not open")]
    DEFAULT_CSS = """
    ConfirmLink { align: center middle; }
    ConfirmLink > Vertical {
        width: 70; height: auto; padding: 1 2; background: $panel; border: round $primary;
    }
    ConfirmLink Horizontal { height: auto; margin-top: 1; }
    """

    def __init__(self, description: str, url: str, allowed: bool) -> None:
        super().__init__()
        self.description, self.url, self.allowed = description, url, allowed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible_text(self.description, style="bold"))
            yield Static(visible_text(self.url, max_length=500))
            with Horizontal():
                yield Button(_("Open in browser"), id="open", variant="primary", disabled=not self.allowed)
                yield Button(_("Cancel"), id="cancel")

    @on(Button.Pressed, "#open")
    def _open(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


class AskFolder(ModalScreen[Path | None]):
    """Where to save a received file (it is never opened automatically)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-folder", tooltip="Do not save")]
    DEFAULT_CSS = """
    AskFolder { align: center middle; }
    AskFolder > Vertical {
        width: 70; height: auto; padding: 1 2; background: $panel; border: round $primary;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Save the file into which folder?"))
            yield Input(str(Path.home() / "Downloads"), id="folder")

    @on(Input.Submitted, "#folder")
    def _chosen(self, event: Input.Submitted) -> None:
        self.dismiss(Path(event.value).expanduser())


class ConnectModal(ModalScreen[dict[str, str] | None]):
    """Log in to the clinic's homeserver (or again, after the session expired; the device is kept)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-connect", tooltip="Do not log in")]
    DEFAULT_CSS = """
    ConnectModal { align: center middle; }
    ConnectModal > Vertical {
        width: 76; height: auto; padding: 1 2; background: $panel; border: round $primary;
    }
    ConnectModal Input { margin-bottom: 1; }
    """

    def __init__(self, homeserver: str = "", user: str = "", clinic: str = "") -> None:
        super().__init__()
        self.values = {"homeserver": homeserver, "user": user, "clinic": clinic}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                _("Connect to your clinic (your clinic gives you these details)"), classes="section-title"
            )
            yield Input(self.values["homeserver"], placeholder=_("Homeserver, e.g. https://matrix.clinic.example"),
                        id="connect-homeserver")
            yield Input(self.values["user"], placeholder=_("Your user name"), id="connect-user")
            yield Input(self.values["clinic"], placeholder=_("Clinic account, e.g. @clinic:clinic.example"),
                        id="connect-clinic")
            yield Input(placeholder=_("Password"), password=True, id="connect-password")
            with Horizontal():
                yield Button(_("Log in"), id="connect-go", variant="primary")
                yield Button(_("Cancel"), id="connect-cancel")

    def on_mount(self) -> None:
        empty = [i for i in self.query(Input) if not i.value]
        (empty[0] if empty else self.query_one("#connect-password", Input)).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#connect-go")
    def _go(self) -> None:
        values = {key: self.query_one(f"#connect-{key}", Input).value.strip()
                  for key in ("homeserver", "user", "clinic")}
        values["password"] = self.query_one("#connect-password", Input).value
        if not all(values.values()):
            self.notify(_("Please fill in every field."), severity="warning")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#connect-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class MessagesScreen(CompanionScreen):
    SCREEN_ID = "messages"
    AUTO_FOCUS = "#compose"
    HELP = N_(
        "# Messages\n\nA secure conversation with your clinic over Matrix. Type in the box and press "
        "**Enter**; a message shows *pending* until the clinic's server confirms it, then *sent*. Nothing "
        "you type is lost: unsent messages wait in the outbox and are retried, and after 24 hours Companion "
        "asks you before sending them (**ctrl+r** sends them again, **ctrl+b** discards them).\n\n"
        "**ctrl+o** shows older messages, **ctrl+g** checks and opens the latest video-consult link (only "
        "links to your clinic's video services can be opened, and only after you confirm), **ctrl+t** saves "
        "the latest file from your clinic into a folder you choose (it is never opened automatically), "
        "**ctrl+l** logs in to your clinic's server.\n\n"
        "Messages are deleted after the retention period your clinic set (normally two years), on the server "
        "and on this device.\n\nThe conversation is end-to-end encrypted: only your devices and your clinic "
        "staff's devices can read it, not the server's operator. Each message shows whether it came from a "
        "verified device; Companion warns about devices nobody verified yet. **companion encryption "
        "backup create** makes a recovery key so a new device can read the history."
    )
    BINDINGS = [
        Binding("ctrl+o", "older", "Older", id="messages-older", tooltip="Show older messages"),
        Binding("ctrl+g", "consult", "Video link", id="messages-consult",
                tooltip="Check and open the video link"),
        Binding("ctrl+t", "download", "Save file", id="messages-download",
                tooltip="Save the latest clinic file"),
        Binding("ctrl+l", "connect", "Log in", id="messages-connect",
                tooltip="Log in to your clinic's server"),
        Binding("ctrl+r", "resend", "Resend", id="messages-resend", tooltip="Send failed messages again",
                show=False),
        Binding("ctrl+b", "discard", "Discard", id="messages-discard", tooltip="Discard failed messages",
                show=False),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="messages"):
            yield Static(id="messages-policy", classes="muted", markup=False)
            yield Static(id="messages-status", markup=False)
            yield ConversationView(id="conversation")
            yield Input(
                placeholder=_("Write to your clinic and press Enter"), id="compose", max_length=40_000
            )

    def on_mount(self) -> None:
        super().on_mount()
        self._seen_version = -1
        self._just_mounted = True
        if self.companion.context.demo:
            from companion.messaging.demo import seed_demo_conversation

            seed_demo_conversation(self.store)
        self.query_one("#conversation", ConversationView).trust_lookup = self._trust  # e2ee markers
        self.reload()
        self.set_interval(1.0, self._poll)

    def _trust(self, page: list[Any]) -> dict[str, Any]:
        """Each message's end-to-end trust; an edited one shows the weaker of its original's and the shown
        edit's (an edit from an unverified device must not pass as the verified original)."""
        from companion.store.e2ee import E2eeRepo, Trust

        found = E2eeRepo(self.store).trust_for([m.event_id for m in page] + [m.edit_event_id for m in page])
        out: dict[str, Any] = {}
        for m in page:
            first, edit = found.get(m.event_id or ""), found.get(m.edit_event_id or "")
            if first is not None and edit is not None:
                first = Trust(first.encrypted and edit.encrypted, first.verified and edit.verified,
                              first.warning or edit.warning)
            if first is not None or edit is not None:
                out[m.event_id or ""] = first or edit
        return out

    def on_screen_resume(self) -> None:
        if self._just_mounted:  # the resume that follows the first mount: already loaded
            self._just_mounted = False
            return
        self.reload()

    @property
    def repo(self) -> Messages:
        return Messages(self.store)

    def _state(self) -> dict[str, Any]:
        state = self.companion.context.extras.setdefault("matrix", {})
        assert isinstance(state, dict)
        return state

    def _poll(self) -> None:
        version = self._state().get("version", 0)
        if version != self._seen_version:
            self.reload()

    def reload(self) -> None:
        from companion.messaging.retention import policy_text

        state = self._state()
        self._seen_version = state.get("version", 0)
        repo = self.repo
        self.query_one("#messages-policy", Static).update(policy_text(self.store))
        page = repo.page(limit=PAGE)
        has_older = bool(page) and bool(repo.page(limit=1, before=(page[0].ts, page[0].id)))
        self.query_one("#conversation", ConversationView).show(page, has_older=has_older)
        self._show_status(state)
        if self.is_current and repo.unread_count():
            from companion.tui.services import matrix_sync

            matrix_sync.mark_read(self.companion)

    def _show_status(self, state: dict[str, Any]) -> None:
        repo = self.repo
        account = repo.account()
        room = repo.clinic_room()
        status = self.query_one("#messages-status", Static)
        if self.companion.context.demo:
            line = _("Demo: a made-up conversation. Messages you write here are not sent anywhere.")
        elif account is None:
            line = _(
                "Not connected to your clinic. Log in with `companion messages login` (your clinic gives you "
                "the details)."
            )
        elif state.get("error"):
            line = str(state["error"])
            if state.get("needs_login"):
                line += " " + _("Press ctrl+l to log in again.")
        elif room is None:
            line = _("Connected as {user}; waiting for your clinic to open the conversation.").format(
                user=account.user_id
            )
        else:
            line = _("Connected to {clinic}.").format(clinic=room.clinic_mxid or "")
            if room.encrypted:  # e2ee: say so, and warn plainly about devices nobody verified
                from companion.store.e2ee import E2eeRepo

                line += " " + _("End-to-end encrypted.")
                unverified = E2eeRepo(self.store).unverified_devices(account.user_id, account.device_id)
                if unverified:
                    line += " " + _(
                        "Warning: {n} device(s) in this conversation are not verified ({devices}); verify "
                        "them with `companion encryption verify`."
                    ).format(n=len(unverified), devices=", ".join(f"{d.user_id} {d.device_id}" for d in unverified[:3]))
            else:  # e.g. a room from before E2EE, or one the clinic replaced with a plain room on purpose
                line += " " + _("Not end-to-end encrypted: the server's operator can read this conversation.")
        failed = len(repo.outbox(states=("ask-user", "failed")))
        if failed:
            line += " " + _("{n} message(s) not sent: ctrl+r to send again, ctrl+b to discard.").format(
                n=failed
            )
        typing = state.get("typing") or []
        if typing:
            line += " " + _("{who} is typing…").format(who=", ".join(typing))
        status.update(visible_text(line, max_length=500))

    # ----- actions -------------------------------------------------------------------------------------
    @on(Input.Submitted, "#compose")
    def _send(self, event: Input.Submitted) -> None:
        from companion.messaging.outbox import InvalidMessage, queue_message
        from companion.tui.services import matrix_sync

        text = event.value
        if not text.strip():
            return
        try:
            queue_message(self.store, text)
        except InvalidMessage as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return  # the text stays in the box
        event.input.value = ""
        self.reload()
        matrix_sync.send_now(self.companion)

    @on(Input.Changed, "#compose")
    def _typing(self, event: Input.Changed) -> None:
        from companion.tui.services import matrix_sync

        matrix_sync.typing(self.companion, bool(event.value.strip()))

    def action_connect(self) -> None:
        if self.companion.context.demo:
            self.notify(_("Demo mode does not connect to a clinic."))
            return
        account = self.repo.account()
        previous = self._state().get("last_login", {})
        modal = ConnectModal(
            account.homeserver if account else previous.get("homeserver", ""),
            account.user_id if account else previous.get("user", ""),
            account.clinic_mxid if account else previous.get("clinic", ""),
        )
        self.app.push_screen(modal, self._connect)

    def _connect(self, values: dict[str, str] | None) -> None:
        if values:
            self._state()["last_login"] = {k: v for k, v in values.items() if k != "password"}
            self._login(values)

    @work(exclusive=True, group="messages-login", exit_on_error=False)
    async def _login(self, values: dict[str, str]) -> None:
        from companion.messaging.errors import MessagingError
        from companion.messaging.session import login
        from companion.tui.services import matrix_sync

        self.query_one("#messages-status", Static).update(_("Logging in…"))
        try:
            account = await login(self.store, values["homeserver"], values["user"], values["password"],
                                  values["clinic"])
        except MessagingError as exc:
            self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)
            self.reload()
            return
        self._state()["error"] = None
        self.notify(_("Logged in as {user}.").format(user=visible(account.user_id)), markup=False)
        matrix_sync.start(self.companion)
        self.reload()

    def action_older(self) -> None:
        view = self.query_one("#conversation", ConversationView)
        key = view.oldest_key
        if key is None:
            return
        older = self.repo.page(limit=PAGE, before=key)
        more = bool(older) and bool(self.repo.page(limit=1, before=(older[0].ts, older[0].id)))
        view.prepend(older, has_older=more)

    def _latest(self, predicate: Any) -> Any:
        view = self.query_one("#conversation", ConversationView)
        for message in reversed(view.messages):
            if predicate(message):
                return message
        return None

    def action_consult(self) -> None:
        from companion.config import section
        from companion.messaging.video import inspect, open_consult

        message = self._latest(lambda m: m.consult_url and not m.own)
        if message is None:
            self.notify(_("No video-consult link in the conversation."))
            return
        allowlist = section(self.companion.context.home, "messaging").get("video_hosts", [])
        link = inspect(
            message.consult_url, [str(h) for h in allowlist] if isinstance(allowlist, list) else []
        )
        if link is None:
            self.notify(_("That link has no host; it cannot be opened."), severity="error")
            return

        def decided(confirmed: bool | None) -> None:
            self.notify(visible(open_consult(link, confirmed=bool(confirmed))), timeout=20, markup=False)

        self.app.push_screen(ConfirmLink(link.describe(), link.url, link.allowed), decided)

    def action_download(self) -> None:
        message = self._latest(lambda m: m.msgtype == "m.file" and not m.own)
        if message is None:
            self.notify(_("No file from your clinic in the conversation."))
            return

        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self._download(message.id, folder)

        self.app.push_screen(AskFolder(), chosen)

    @work(exclusive=True, group="messages-download", exit_on_error=False)
    async def _download(self, message_id: int, folder: Path) -> None:
        from companion.messaging.errors import MessagingError
        from companion.messaging.service import Messenger

        try:
            async with Messenger(self.store) as messenger:
                saved = await messenger.download(message_id, folder)
        except MessagingError as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return
        self.notify(_("Saved as {path} (not opened).").format(path=visible(saved)), markup=False)

    def action_resend(self) -> None:
        from companion.tui.services import matrix_sync

        items = self.repo.outbox(states=("ask-user", "failed"))
        now = int(self.store.clock.now().timestamp() * 1000)
        for item in items:
            self.repo.requeue(item.txn_id, now)
        if items:
            self.reload()
            matrix_sync.send_now(self.companion)

    def action_discard(self) -> None:
        for item in self.repo.outbox(states=("ask-user", "failed")):
            self.repo.discard(item.txn_id)
        self.reload()
