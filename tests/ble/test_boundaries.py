"""House rules for the BLE capability: pure protocols, bleak only in the adapter, every string translated."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLE_FILES = [
    *sorted((ROOT / "companion" / "ble").rglob("*.py")),
    ROOT / "companion" / "store" / "ble.py",
    ROOT / "companion" / "cli" / "ble.py",
    ROOT / "companion" / "tui" / "screens" / "pair.py",
    ROOT / "companion" / "tui" / "widgets" / "ble_live.py",
    ROOT / "companion" / "tui" / "services" / "ble_live.py",
]


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("companion.ble.protocols", ("bleak", "bumble", "textual")),
        ("companion.ble.drivers", ("bleak", "bumble", "textual", "asyncio")),
        ("companion.ble.bodycomp", ("bleak", "bumble", "textual")),
        ("companion.ble.assembly", ("bleak", "bumble", "textual")),
        ("companion.ble.intake", ("bleak", "bumble", "textual")),
        ("companion.ble.session", ("bumble", "textual")),
        ("companion.cli.ble", ("bleak", "bumble", "textual")),
    ],
)
def test_imports_stay_behind_their_wall(module: str, forbidden: tuple[str, ...]) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {forbidden!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_ble_string_has_a_dutch_translation() -> None:
    from companion.i18n import parse_po

    catalog = parse_po((ROOT / "companion" / "locale" / "nl" / "ble.po").read_text(encoding="utf-8"))
    missing = []
    for path in BLE_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value not in catalog
            ):
                missing.append(f"{path.name}: {node.args[0].value!r}")
    assert not missing
