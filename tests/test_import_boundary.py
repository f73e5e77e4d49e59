"""Only companion/tui may import textual or rich: import every other module in a fresh interpreter, check."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import companion

FORBIDDEN = ("textual", "rich")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(companion.__path__, prefix="companion."):
        if info.name == "companion.tui" or info.name.startswith("companion.tui."):
            continue
        if info.name.endswith(".__main__"):  # runs the app when imported
            continue
        names.append(info.name)
    return sorted(names)


def test_core_modules_do_not_import_textual_or_rich() -> None:
    modules = core_modules()
    assert "companion.store.db" in modules and "companion.cli" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"    bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "    if bad:\n"
        "        print(name, sorted(bad)[:5]); sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"textual/rich imported by {result.stdout.strip()} {result.stderr[-2000:]}"


def test_cli_help_does_not_load_the_tui() -> None:
    script = (
        "import sys\nfrom companion.cli import build_parser\nbuild_parser()\n"
        "sys.exit(1 if any(m.startswith(('textual', 'rich', 'companion.tui')) for m in sys.modules) else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
