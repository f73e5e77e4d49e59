"""The conversation widgets: one ``MessageBubble`` per message, a ``ConversationView`` that pages from the
store.

Only a window of messages is ever mounted (a page of ``PAGE`` at a time, at most ``MAX_MOUNTED``); a 20,000
message conversation costs the same to open as a 20 message one. Every string from the server goes through
``safe_text`` (controls and escapes stripped, no markup parsed).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from companion.i18n import _
from companion.store.messages import StoredMessage
from companion.tui.safe import safe_text

PAGE = 50
MAX_MOUNTED = 300

STATUS_STYLE = {"pending": "italic", "failed": "bold red", "sent": "", "received": ""}


def status_label(status: str) -> str:
    labels = {"pending": _("pending"), "sent": _("sent"), "failed": _("failed"), "received": _("received")}
    return labels.get(status, status)


def render_message(message: StoredMessage, *, own_label: str) -> Text:
    when = datetime.fromtimestamp(message.ts / 1000).astimezone().strftime("%Y-%m-%d %H:%M")
    who = own_label if message.own else message.sender
    header = Text()
    header.append(when + "  ", style="dim")
    header.append_text(safe_text(who, max_length=60, style="bold"))
    if message.own:
        header.append(f"  [{status_label(message.status)}]", style=STATUS_STYLE.get(message.status, ""))
    if message.msgtype == "m.file":
        header.append("  " + _("(file)"), style="cyan")
    text = Text()
    text.append_text(header)
    text.append("\n")
    text.append_text(safe_text(message.body, max_length=16_000))
    if message.consult_url:
        text.append("\n")
        text.append(_("Video consult link (ctrl+g to check and open)"), style="bold magenta")
    if message.status == "failed" and message.error:
        text.append("\n")
        text.append_text(safe_text(message.error, max_length=300, style="red"))
    return text


class MessageBubble(Static):
    DEFAULT_CSS = """
    MessageBubble { padding: 0 1; margin: 0 0 1 0; height: auto; }
    MessageBubble.own { margin-left: 8; background: $boost; }
    MessageBubble.theirs { margin-right: 8; }
    MessageBubble.failed { border-left: thick $error; }
    """

    def __init__(self, message: StoredMessage, own_label: str) -> None:
        classes = "own" if message.own else "theirs"
        if message.status == "failed":
            classes += " failed"
        super().__init__(render_message(message, own_label=own_label), classes=classes, markup=False)
        self.message = message


class ConversationView(VerticalScroll):
    """Newest at the bottom; ``load_older`` prepends the previous page."""

    DEFAULT_CSS = """
    ConversationView { height: 1fr; padding: 0 1; }
    ConversationView > .older-hint { color: $text-muted; text-align: center; width: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.messages: list[StoredMessage] = []
        self.own_label = _("You")
        self.has_older = False

    def show(self, page: list[StoredMessage], *, has_older: bool) -> None:
        """Replace the view with ``page`` (oldest first) and scroll to the end."""
        self.messages = list(page)
        self.has_older = has_older
        self.remove_children()
        widgets: list[Static] = []
        if has_older:
            widgets.append(Static(_("Older messages: ctrl+o"), classes="older-hint", markup=False))
        widgets.extend(MessageBubble(m, self.own_label) for m in self.messages)
        if widgets:
            self.mount_all(widgets)
        self.call_after_refresh(self.scroll_end, animate=False)

    def prepend(self, older: list[StoredMessage], *, has_older: bool) -> None:
        if not older:
            self.has_older = False
            for hint in self.query(".older-hint"):
                hint.remove()
            return
        keep = MAX_MOUNTED - len(older)
        self.messages = older + self.messages[: max(keep, 0)]
        self.show(self.messages, has_older=has_older)
        self.call_after_refresh(self.scroll_home, animate=False)

    @property
    def oldest_key(self) -> tuple[int, int] | None:
        return (self.messages[0].ts, self.messages[0].id) if self.messages else None
