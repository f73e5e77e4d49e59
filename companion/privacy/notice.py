"""The privacy notice: versioned, with an effective date, in English and Dutch (text in ``notices/``).

When a new version ships, ``pending_update`` tells the app what changed since the version the user last saw
and which consents must be asked again (``reconsent``); until they are, the gate treats those consents as not
given (``needs_reconsent``). ``accept_update`` records the answers under the new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from companion.store import Store

SEEN_SETTING = "notice_version_seen"


@dataclass(frozen=True, slots=True)
class NoticeVersion:
    version: str
    effective: date
    #: purposes whose consent must be asked again when this version replaces an older one
    reconsent: tuple[str, ...] = ()
    #: "what changed" per language (Markdown); empty for the first version
    changes: tuple[tuple[str, str], ...] = ()

    def text(self, language: str) -> str:
        lang = language if language in ("en", "nl") else "en"
        return (resources.files("companion.privacy") / "notices" / f"{self.version}.{lang}.md").read_text(
            "utf-8"
        )

    def changes_text(self, language: str) -> str:
        found = dict(self.changes)
        return found.get(language) or found.get("en", "")

    @property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)


def version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


NOTICES: tuple[NoticeVersion, ...] = (NoticeVersion("1.0", date(2026, 11, 25)),)
CURRENT_NOTICE: NoticeVersion = NOTICES[-1]


def current(notices: tuple[NoticeVersion, ...] | None = None) -> NoticeVersion:
    return (notices or NOTICES)[-1]


@dataclass(frozen=True, slots=True)
class NoticeUpdate:
    seen: str | None
    current: NoticeVersion
    newer: tuple[NoticeVersion, ...]  # versions after the one seen, oldest first
    reconfirm: tuple[str, ...]  # purposes to ask again (currently granted under an older version)

    def changes(self, language: str) -> str:
        parts = [
            f"## {v.version} ({v.effective.isoformat()})\n\n{v.changes_text(language)}".rstrip()
            for v in self.newer
        ]
        return "\n\n".join(parts)


def reconsent_version(
    purpose_id: str, notices: tuple[NoticeVersion, ...] | None = None
) -> NoticeVersion | None:
    """The newest notice version that requires asking again for ``purpose_id`` (None if none does)."""
    found = None
    for item in notices or NOTICES:
        if purpose_id in item.reconsent:
            found = item
    return found


def needs_reconsent(store: Store, purpose_id: str, notices: tuple[NoticeVersion, ...] | None = None) -> bool:
    """True when the latest grant was given under a notice older than the version that asks for it again."""
    required = reconsent_version(purpose_id, notices)
    if required is None:
        return False
    latest = store.consents.latest(purpose_id)
    if latest is None or latest.decision != "grant":
        return False
    return version_key(latest.notice_version) < required.key


def pending_update(store: Store, notices: tuple[NoticeVersion, ...] | None = None) -> NoticeUpdate | None:
    versions = notices or NOTICES
    head = versions[-1]
    seen = store.settings.get(SEEN_SETTING)
    seen_key = version_key(str(seen)) if seen else (0,)
    newer = tuple(v for v in versions if v.key > seen_key)
    if not newer:
        return None
    reconfirm = tuple(
        pid
        for pid in dict.fromkeys(p for v in newer for p in v.reconsent)
        if store.consents.is_granted(pid) and needs_reconsent(store, pid, versions)
    )
    return NoticeUpdate(str(seen) if seen else None, head, newer, reconfirm)


def accept_update(
    store: Store, decisions: dict[str, bool], method: str, notices: tuple[NoticeVersion, ...] | None = None
) -> None:
    """Record the user's answers under the current version and mark it seen (one transaction)."""
    head = current(notices)
    with store.transaction():
        for purpose_id, yes in decisions.items():
            store.consents.record(purpose_id, "grant" if yes else "withdraw", head.version, method)
        store.settings.set(SEEN_SETTING, head.version)
