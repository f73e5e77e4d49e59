"""Every user-facing string of the messaging modules has a Dutch translation."""

from __future__ import annotations

import ast
from pathlib import Path

import companion
from companion.i18n import load_catalog

ROOT = Path(companion.__file__).parent
FILES = [*sorted((ROOT / "messaging").glob("*.py")), ROOT / "store" / "messages.py",
         ROOT / "cli" / "messages.py",
         ROOT / "cli" / "clinic.py", ROOT / "tui" / "screens" / "messages.py",
         ROOT / "tui" / "widgets" / "messages_view.py", ROOT / "tui" / "services" / "matrix_sync.py"]


def test_all_messaging_strings_are_translated() -> None:
    catalog = load_catalog("nl")
    missing = []
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_",
                                                                                                 "ngettext"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    key = (first.value, 0) if node.func.id == "ngettext" else first.value
                    if key not in catalog:
                        missing.append(f"{path.name}: {first.value[:60]!r}")
    assert not missing, missing
