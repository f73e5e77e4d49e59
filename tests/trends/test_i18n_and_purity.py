"""Every string of the trends area has a Dutch translation; the trends core never imports Textual or Rich."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import companion
from companion.i18n import load_catalog

PACKAGE = Path(companion.__file__).parent
MINE = [*sorted((PACKAGE / "trends").glob("*.py")), PACKAGE / "store" / "trends.py", PACKAGE / "cli" / "report.py",
        PACKAGE / "tui" / "screens" / "dashboard.py", PACKAGE / "tui" / "screens" / "measurements.py",
        *sorted((PACKAGE / "tui" / "widgets").glob("trends_*.py"))]


def _marked() -> list[str]:
    found = []
    for path in MINE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    found.append(node.args[0].value)
    return found


def test_dutch_translations_complete_with_placeholders() -> None:
    catalog = load_catalog("nl")
    strings = _marked()
    assert len(strings) > 200
    missing = [s for s in strings if not str(catalog.get(s) or "").strip()]
    assert not missing, missing
    wrong = [s for s in strings if set(re.findall(r"\{(\w*)\}", s)) != set(re.findall(r"\{(\w*)\}", str(catalog[s])))]
    assert not wrong, wrong


def test_trends_core_is_headless() -> None:
    code = ("import sys, companion.trends.report, companion.trends.data, companion.trends.manual, "
            "companion.store.trends; bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
