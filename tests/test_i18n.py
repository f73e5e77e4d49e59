"""Translations: every marked string in the package has a Dutch msgstr; the PO parser handles real files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import companion
from companion.i18n import _, load_catalog, ngettext, parse_po, set_language

PACKAGE = Path(companion.__file__).parent
MARKERS = {"_", "N_", "gettext"}


def marked_strings() -> tuple[dict[str, str], dict[str, str]]:
    """({msgid: "file:line"} of _(), N_(), gettext() literals, {singular: "file:line"} of ngettext())."""
    singles: dict[str, str] = {}
    plurals: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if name in MARKERS:
                singles.setdefault(first.value, where)
            elif name == "ngettext":
                plurals.setdefault(first.value, where)
    return singles, plurals


def test_every_marked_string_has_a_dutch_translation() -> None:
    catalog = load_catalog("nl")
    singles, plurals = marked_strings()
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in singles.items()
        if not (isinstance(catalog.get(msgid), str) and str(catalog[msgid]).strip())
    ]
    missing += [
        f"{where}: {msgid!r} (plural)"
        for msgid, where in plurals.items()
        if not all(str(catalog.get((msgid, i)) or "").strip() for i in (0, 1))
    ]
    assert not missing, "no Dutch translation in companion/locale/nl/*.po for:\n" + "\n".join(missing)


def test_translations_keep_placeholders() -> None:
    import re

    catalog = load_catalog("nl")
    wrong = []
    for key, value in catalog.items():
        msgid = key if isinstance(key, str) else key[0]
        if set(re.findall(r"\{(\w*)\}", msgid)) != set(re.findall(r"\{(\w*)\}", value)):
            wrong.append(f"{msgid!r} -> {value!r}")
    assert not wrong, "\n".join(wrong)


def test_markers_found() -> None:
    strings, _plurals = marked_strings()
    assert "Wrong passphrase; nothing was changed." in strings  # store errors
    assert "Finding clinics nearby" in strings  # privacy purposes (N_)
    assert len(strings) > 150


PO_SAMPLE = r"""
# translator comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: somewhere.py:1
#, python-format
msgid "Short"
msgstr "Kort"

msgid ""
"A long message that was "
"split over lines\n"
"with a newline."
msgstr ""
"Een lang bericht dat over "
"regels is verdeeld\n"
"met een regeleinde."

msgid "{n} measurement"
msgid_plural "{n} measurements"
msgstr[0] "{n} meting"
msgstr[1] "{n} metingen"

msgid "Quote \"inside\" and tab\t"
msgstr "Aanhalingsteken \"binnen\" en tab\t"

msgid "Untranslated"
msgstr ""
"""


def test_po_parser_handles_multiline_plurals_and_escapes() -> None:
    catalog = parse_po(PO_SAMPLE)
    assert catalog["Short"] == "Kort"
    assert catalog["A long message that was split over lines\nwith a newline."] == (
        "Een lang bericht dat over regels is verdeeld\nmet een regeleinde."
    )
    assert catalog[("{n} measurement", 0)] == "{n} meting"
    assert catalog[("{n} measurement", 1)] == "{n} metingen"
    assert catalog['Quote "inside" and tab\t'] == 'Aanhalingsteken "binnen" en tab\t'
    assert "Untranslated" not in catalog and "" not in catalog


def test_switching_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from companion.i18n import language_from_environment

    assert set_language("nl_NL.UTF-8") == "nl"
    assert _("Wrong passphrase; nothing was changed.") == "Verkeerde wachtzin; er is niets gewijzigd."
    assert _("a string nobody translated") == "a string nobody translated"
    assert ngettext("one", "many", 1) == "one" and ngettext("one", "many", 2) == "many"
    assert set_language("fr") == "en"
    assert _("Wrong passphrase; nothing was changed.") == "Wrong passphrase; nothing was changed."
    monkeypatch.setenv("COMPANION_LANG", "nl")
    assert language_from_environment() == "nl"
    monkeypatch.setenv("COMPANION_LANG", "de")
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    assert language_from_environment() == "nl"


def test_every_catalogue_parses() -> None:
    for po in sorted((PACKAGE / "locale").rglob("*.po")):
        assert parse_po(po.read_text(encoding="utf-8")), po
