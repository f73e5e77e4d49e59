"""Every string of the privacy centre has a Dutch translation; the privacy core never imports textual/rich."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FILES = [
    *sorted((ROOT / "companion" / "privacy").glob("*.py")),
    ROOT / "companion" / "cli" / "privacy.py",
    ROOT / "companion" / "cli" / "export.py",
    ROOT / "companion" / "tui" / "screens" / "privacy.py",
    *sorted((ROOT / "companion" / "tui" / "widgets").glob("privacy_*.py")),
]


def _marked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_string_has_dutch(path: Path) -> None:
    from companion.i18n import load_catalog

    catalog = load_catalog("nl")
    missing = [s for s in _marked(path) if not catalog.get(s)]
    assert missing == []


def test_placeholders_survive_translation() -> None:
    import re

    from companion.i18n import load_catalog

    catalog = load_catalog("nl")
    for path in FILES:
        for msgid in _marked(path):
            names = set(re.findall(r"\{(\w+)\}", msgid))
            assert names == set(re.findall(r"\{(\w+)\}", str(catalog[msgid]))), msgid


def test_core_does_not_import_the_ui() -> None:
    code = (
        "import sys; import companion.privacy.export, companion.privacy.erasure, "
        "companion.privacy.retention, "
        "companion.privacy.requests, companion.privacy.ledger, companion.privacy.fhir, "
        "companion.cli.privacy, "
        "companion.cli.export; bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad); "
        "sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dutch_messages_are_used(store) -> None:  # type: ignore[no-untyped-def]
    from companion.i18n import set_language
    from companion.privacy import ProcessingNotAllowed, require

    set_language("nl")
    try:
        with pytest.raises(ProcessingNotAllowed, match="toestemming"):
            require(store, "location")
    finally:
        set_language("en")
