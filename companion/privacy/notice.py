"""The privacy notice: versioned, with an effective date, in English and Dutch (text in ``notices/``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources


@dataclass(frozen=True, slots=True)
class NoticeVersion:
    version: str
    effective: date
    #: purposes whose consent must be asked again when this version replaces an older one
    reconsent: tuple[str, ...] = ()

    def text(self, language: str) -> str:
        lang = language if language in ("en", "nl") else "en"
        folder = resources.files("companion.privacy") / "notices"
        return (folder / f"{self.version}.{lang}.md").read_text("utf-8")


NOTICES: tuple[NoticeVersion, ...] = (NoticeVersion("1.0", date(2026, 11, 25)),)
CURRENT_NOTICE: NoticeVersion = NOTICES[-1]
