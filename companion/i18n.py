"""Translations (gettext API) for user-facing strings.

Catalogues are plain gettext ``.po`` files under ``companion/locale/<lang>/``; every ``*.po`` file in a
language's folder is merged, so each capability keeps its own catalogue (``core.po``, ``ble.po``...).
They are parsed at first use (no compiled ``.mo`` files to keep in sync). English is the source language.

Mark strings with ``_("...")`` (imported from here) and ``ngettext`` for plurals; ``tests/test_i18n.py``
fails when a marked string has no Dutch translation.
"""

from __future__ import annotations

import os
from pathlib import Path

LANGUAGES: dict[str, str] = {"en": "English", "nl": "Nederlands"}
DEFAULT_LANGUAGE = "en"


def _unquote(token: str) -> str:
    import ast

    value = ast.literal_eval(token)
    if not isinstance(value, str):  # pragma: no cover - malformed catalogue
        raise ValueError(f"not a string: {token!r}")
    return value


def parse_po(text: str) -> dict[str | tuple[str, int], str]:
    """Parse a .po file into gettext's catalogue shape ({msgid: msgstr, (msgid, n): plural})."""
    catalog: dict[str | tuple[str, int], str] = {}
    entry: dict[str, str] = {}
    field: str | None = None

    def flush() -> None:
        msgid = entry.get("msgid")
        if msgid:
            if "msgid_plural" in entry:
                for key, value in entry.items():
                    if key.startswith("msgstr[") and value:
                        catalog[(msgid, int(key[7:-1]))] = value
            elif entry.get("msgstr"):
                catalog[msgid] = entry["msgstr"]
        entry.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if not line:
                flush()
                field = None
            continue
        if line.startswith('"'):
            if field is not None:
                entry[field] = entry.get(field, "") + _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgctxt") and any(key.startswith("msgstr") for key in entry):
            flush()
        field = keyword
        entry[field] = _unquote(rest.strip())
    flush()
    return catalog


class _Untranslated:
    """English, the source language: messages as written (the ``gettext.NullTranslations`` behaviour)."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return msgid1 if n == 1 else msgid2


class _POTranslations(_Untranslated):
    def __init__(self, catalog: dict[str | tuple[str, int], str], language: str) -> None:
        self._catalog = catalog
        self._language = language

    def gettext(self, message: str) -> str:
        found = self._catalog.get(message)
        return found if isinstance(found, str) else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        index = 0 if n == 1 else 1  # Dutch and English share the same plural rule
        found = self._catalog.get((msgid1, index))
        if isinstance(found, str):
            return found
        return msgid1 if n == 1 else msgid2


def load_catalog(language: str) -> dict[str | tuple[str, int], str]:
    from importlib import resources

    catalog: dict[str | tuple[str, int], str] = {}
    folder = resources.files("companion") / "locale" / language
    if not folder.is_dir():
        return catalog
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".po"):
            catalog.update(parse_po(item.read_text(encoding="utf-8")))
    return catalog


_current: _Untranslated = _Untranslated()
_language = DEFAULT_LANGUAGE


def set_language(language: str | None) -> str:
    """Switch the active language; unknown or missing falls back to English. Returns the language used."""
    global _current, _language
    lang = (language or DEFAULT_LANGUAGE).split("_")[0].split(".")[0].lower()
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _language = lang
    _current = _Untranslated() if lang == "en" else _POTranslations(load_catalog(lang), lang)
    return lang


def current_language() -> str:
    return _language


def language_from_environment() -> str:
    """The language the environment asks for (COMPANION_LANG, then LANGUAGE/LC_ALL/LC_MESSAGES/LANG)."""
    for var in ("COMPANION_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            lang = value.split(":")[0].split("_")[0].split(".")[0].lower()
            if lang in LANGUAGES:
                return lang
    return DEFAULT_LANGUAGE


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (translate with ``_`` at use)."""
    return message


def catalogue_dir(language: str) -> Path:
    from importlib import resources

    return Path(str(resources.files("companion") / "locale" / language))
