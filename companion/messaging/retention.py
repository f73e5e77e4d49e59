"""Retention on the client: messages and downloaded files older than the room's policy leave the local store.

The clinic's rooms carry ``m.room.retention`` (MSC1763; ``max_lifetime`` in milliseconds) of two years;
without
one the default is two years. Runs on start and then daily (``purge_if_due``). Unsent messages are never
purged.
Files the patient sent are their own originals and are not touched; files saved from the clinic are deleted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from companion.store.messages import Messages

if TYPE_CHECKING:
    from companion.store import Store

TWO_YEARS_MS = 2 * 365 * 24 * 60 * 60 * 1000 + 24 * 60 * 60 * 1000
DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class PurgeReport:
    messages: int
    files: int
    retention_ms: int


def retention_ms(store: Store) -> int:
    room = Messages(store).clinic_room()
    if room is not None and room.retention_ms:
        return int(room.retention_ms)
    return TWO_YEARS_MS


def purge(store: Store) -> PurgeReport:
    repo = Messages(store)
    now = int(store.clock.now().timestamp() * 1000)
    keep_ms = retention_ms(store)
    count, paths = repo.purge_before(now - keep_ms)
    files = 0
    for path in paths:
        try:
            os.unlink(path)
            files += 1
        except FileNotFoundError:
            pass
        except OSError:
            continue
    repo.set_last_purge_ms(now)
    if count:
        store.checkpoint()  # deleted rows must not linger in the WAL
    return PurgeReport(count, files, keep_ms)


def purge_if_due(store: Store) -> PurgeReport | None:
    """Purge unless it already ran within the last day."""
    last = Messages(store).last_purge_ms()
    now = int(store.clock.now().timestamp() * 1000)
    if last is not None and now - last < DAY_MS:
        return None
    return purge(store)


def policy_text(store: Store) -> str:
    from companion.i18n import _, ngettext

    keep = retention_ms(store)
    days = keep // DAY_MS
    if days >= 365:
        years = round(days / 365)
        span = ngettext("{n} year", "{n} years", years).format(n=years)
    elif days >= 1:
        span = ngettext("{n} day", "{n} days", days).format(n=days)
    else:
        seconds = max(1, keep // 1000)
        span = ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    return _("Messages are deleted after {span}, on the clinic's server and on this device.").format(
        span=span
    )
