"""Every user-facing string of the health capability has a Dutch translation."""

from __future__ import annotations

import ast
from pathlib import Path

from companion.i18n import load_catalog

ROOT = Path(__file__).resolve().parents[2] / "companion"
FILES = [*sorted((ROOT / "health").glob("*.py")), ROOT / "cli" / "imports.py", ROOT / "tui" / "screens" / "health.py",
         *sorted((ROOT / "tui" / "widgets").glob("health_*.py")), ROOT / "store" / "health.py"]


def _marked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def test_every_health_string_is_translated() -> None:
    catalog = load_catalog("nl")
    keys = {k if isinstance(k, str) else k[0] for k in catalog}
    missing = [(p.name, s) for p in FILES for s in _marked(p) if s not in keys]
    assert missing == []
    assert "Walking heart rate" in keys
