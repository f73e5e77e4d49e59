"""Open data-subject requests and their deadlines, for the dashboard (``RequestDeadlines(store)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from companion.i18n import _
from companion.privacy.requests import kind_label, open_requests
from companion.text import plain

if TYPE_CHECKING:
    from companion.store import Store


def deadlines_text(store: Store) -> Text:
    text = Text()
    for item in open_requests(store):
        line = _("{kind} to {recipient}: answer due {due}").format(
            kind=kind_label(item.row.regime, item.row.kind),
            recipient=plain(item.row.recipient, single_line=True),
            due=item.due.isoformat(),
        )
        if item.overdue:
            text.append(line + " " + _("(overdue)") + "\n", style="bold red")
        else:
            text.append(line + " " + _("({days} days left)").format(days=item.days_left) + "\n")
    return text


class RequestDeadlines(Static):
    """Shows nothing when no request is open."""

    DEFAULT_CSS = "RequestDeadlines { height: auto; }"

    def __init__(self, store: Store, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._store = store

    def on_mount(self) -> None:
        self.refresh_deadlines()

    def refresh_deadlines(self) -> None:
        content = deadlines_text(self._store)
        self.display = bool(content.plain)
        self.update(content)
