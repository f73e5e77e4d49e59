"""The conversation widget: ``ConversationView`` pages from the store and draws the page in one widget.

Only a window of messages is ever rendered (a page of ``PAGE`` at a time, at most ``MAX_MOUNTED``); a 20,000
message conversation costs the same to open as a 20 message one. Every string from the server goes through
``visible_text`` (controls shown as pictures, invisible format characters removed, URL hosts in ASCII, no
markup parsed); the store keeps it as received.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.padding import Padding
from rich.text import Text
from textual import events
from textual.widgets import RichLog

from companion.i18n import _
from companion.store.messages import StoredMessage
from companion.tui.safe import visible_text

PAGE = 50
MAX_MOUNTED = 300

STATUS_STYLE = {"pending": "italic", "failed": "bold red", "sent": "", "received": ""}


def status_label(status: str) -> str:
    labels = {"pending": _("pending"), "sent": _("sent"), "failed": _("failed"), "received": _("received")}
    return labels.get(status, status)


def trust_label(trust: Any) -> tuple[str, str]:
    """(label, style) for an end-to-end encrypted message (``companion.store.e2ee.Trust``)."""
    if trust.verified:
        return _("encrypted, verified device"), "green"
    return _("encrypted, device not verified"), "yellow"


def render_message(message: StoredMessage, *, own_label: str, trust: Any = None) -> Text:
    when = datetime.fromtimestamp(message.ts / 1000).astimezone().strftime("%Y-%m-%d %H:%M")
    who = own_label if message.own else message.sender
    header = Text()
    header.append(when + "  ", style="dim")
    header.append_text(visible_text(who, max_length=60, style="bold"))
    if message.own:
        header.append(f"  [{status_label(message.status)}]", style=STATUS_STYLE.get(message.status, ""))
        if message.read_by_clinic:
            header.append("  " + _("read"), style="green")
    if message.msgtype == "m.file":
        header.append("  " + _("(file)"), style="cyan")
    if message.edited:
        header.append("  (" + _("edited") + ")", style="dim italic")
    if trust is not None:  # e2ee: how the message reached us
        label, style = trust_label(trust) if trust.encrypted else (_("NOT encrypted"), "bold red")
        header.append("  " + label, style=style)
    text = Text()
    text.append_text(header)
    text.append("\n")
    if message.msgtype == "m.emote":  # "/me waves": the sender is part of the sentence
        text.append_text(visible_text("* " + (who or "") + " ", max_length=70, style="italic"))
    text.append_text(visible_text(message.body, max_length=70_000))
    if message.consult_url:
        text.append("\n")
        text.append(_("Video consult link (ctrl+g to check and open)"), style="bold magenta")
    if trust is not None and trust.warning and trust.warning != message.body:
        text.append("\n")
        text.append_text(visible_text(trust.warning, max_length=300, style="bold yellow"))
    if message.status == "failed" and message.error:
        text.append("\n")
        text.append_text(visible_text(message.error, max_length=300, style="red"))
    return text


class ConversationView(RichLog):
    """Newest at the bottom; ``prepend`` shows the previous page above.

    A ``RichLog``: each message is rendered once into lines and only the visible lines are painted, so the
    cost of opening the screen does not grow with the page, and nothing is a widget per message."""

    DEFAULT_CSS = """
    ConversationView { height: 1fr; padding: 0 1; background: $background; border: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, wrap=True, markup=False, highlight=False, min_width=20, auto_scroll=False)
        self.messages: list[StoredMessage] = []
        self.rendered: list[Text] = []
        self.own_label = _("You")
        self.has_older = False
        self._drawn_width = 0
        #: e2ee: event ids → Trust for the page being shown (set by the screen; None shows no markers)
        self.trust_lookup: Callable[[list[StoredMessage]], dict[str, Any]] | None = None

    def show(self, page: list[StoredMessage], *, has_older: bool, to_end: bool = True) -> None:
        """Replace the view with ``page`` (oldest first) and scroll to the end (or the top)."""
        self.messages = list(page)
        self.has_older = has_older
        trust = self.trust_lookup(self.messages) if self.trust_lookup is not None else {}
        self.rendered = [
            render_message(m, own_label=self.own_label, trust=trust.get(m.event_id or ""))
            for m in self.messages
        ]
        self._draw(to_end=to_end)

    def _draw(self, *, to_end: bool) -> None:
        self.clear()
        self._drawn_width = self.scrollable_content_region.width
        if self.has_older:
            self.write(Text(_("Older messages: ctrl+o"), style="dim", justify="center"), expand=True)
        for message, text in zip(self.messages, self.rendered, strict=True):
            pad = (0, 1, 1, 8) if message.own else (0, 8, 1, 1)
            self.write(Padding(text, pad), expand=True)
        if to_end:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        else:
            self.scroll_home(animate=False, immediate=False)

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)  # RichLog renders what was written before its size was known
        width = self.scrollable_content_region.width
        if self.messages and self._drawn_width and width != self._drawn_width:
            self._draw(to_end=True)  # re-wrap at the new width

    def prepend(self, older: list[StoredMessage], *, has_older: bool) -> None:
        if not older:
            self.show(self.messages, has_older=False, to_end=False)
            return
        keep = MAX_MOUNTED - len(older)
        self.show(older + self.messages[: max(keep, 0)], has_older=has_older, to_end=False)

    def plain(self) -> str:
        """What the view shows, as plain text (tests, screen readers)."""
        return "\n\n".join(t.plain for t in self.rendered)

    @property
    def oldest_key(self) -> tuple[int, int] | None:
        return (self.messages[0].ts, self.messages[0].id) if self.messages else None
