"""Every user-facing string of the clinic finder has a Dutch translation with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from companion.i18n import parse_po

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    *sorted((ROOT / "companion" / "clinics").glob("*.py")),
    ROOT / "companion" / "cli" / "clinics.py",
    ROOT / "companion" / "store" / "clinics.py",
    ROOT / "companion" / "tui" / "screens" / "clinics.py",
    *sorted((ROOT / "companion" / "tui" / "widgets").glob("clinics_*.py")),
]


def _marked() -> set[str]:
    found: set[str] = set()
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                if (
                    node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    return found


def test_every_string_is_translated() -> None:
    catalog = parse_po((ROOT / "companion" / "locale" / "nl" / "clinics.po").read_text(encoding="utf-8"))
    missing = sorted(s for s in _marked() if s not in catalog)
    assert missing == []
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, str):
            assert set(re.findall(r"\{[^}]*\}", msgid)) == set(re.findall(r"\{[^}]*\}", msgstr)), msgid
