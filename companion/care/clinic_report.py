"""Send the progress report (PDF) to the clinic: make it, then queue it as a file in the messaging outbox.

The outbox is messaging's own (``companion.messaging.outbox.queue_file``, the same call as ``companion
messages send --file``); it sends the file with the next sync and retries as it does for any message.
Sharing health data with the clinic needs the ``share-clinic`` consent; making the report needs
``health-data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from companion.i18n import _

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.store import Store


class NotLoggedIn(Exception):
    """Messaging with the clinic is not set up on this device; ``str(exc)`` says what to do."""


@dataclass(frozen=True)
class QueuedReport:
    path: Path
    txn_id: str


def clinic_account(store: Store) -> str | None:
    """The clinic's Matrix ID when messaging is set up, else None."""
    from companion.store.messages import Messages

    account = Messages(store).account()
    return account.clinic_mxid if account is not None else None


def check_ready(store: Store) -> str:
    """Raise ``ProcessingNotAllowed`` or ``NotLoggedIn`` unless the report may be sent; returns the clinic."""
    from companion.privacy import require

    require(store, "share-clinic")
    clinic = clinic_account(store)
    if clinic is None:
        raise NotLoggedIn(_("Messaging with your clinic is not set up: log in on the Messages screen (or with "
                            "`companion messages login`) first."))
    return clinic


def queue_report(store: Store, profile: Profile, now: datetime) -> QueuedReport:
    """Make the PDF under ``<data dir>/reports/`` and queue it for the clinic; returns where and its txnId."""
    from companion.messaging.outbox import queue_file
    from companion.trends.report import report_bytes, save_atomically

    check_ready(store)
    content = report_bytes(store, profile, now, "pdf")
    folder = store.home / "reports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = save_atomically(folder / f"progress-{now.strftime('%Y-%m-%d')}-clinic.pdf", content)
    txn = queue_file(store, path)
    store.audit.record("export", "progress-report", "progress report (pdf, queued for the clinic)")
    return QueuedReport(path, txn)
