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


# Records every ``import`` statement executed by a companion module outside companion.tui that names textual,
# rich or companion.tui. Third-party libraries may load rich on their own (httpx imports its optional CLI, and
# with it rich, whenever click is installed, as bumble does): that is not our core depending on the UI.
_HOOK = """
import builtins, importlib, sys
_real = builtins.__import__
bad = []
def _guard(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if importer.startswith("companion") and not importer.startswith("companion.tui") and level == 0:
        top = name.split(".")[0]
        if top in FORBIDDEN or name.startswith("companion.tui"):
            bad.append((importer, name))
    return _real(name, globals, locals, fromlist, level)
builtins.__import__ = _guard
for module in MODULES:
    importlib.import_module(module)
    if bad:
        print(module, bad[:5]); sys.exit(1)
"""


def assert_headless(modules: list[str]) -> None:
    """Import ``modules`` in a fresh interpreter; fail if any core module imports textual, rich or companion.tui."""
    script = f"FORBIDDEN = {FORBIDDEN!r}\nMODULES = {modules!r}\n" + _HOOK
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"textual/rich imported by {result.stdout.strip()} {result.stderr[-2000:]}"


def test_core_modules_do_not_import_textual_or_rich() -> None:
    modules = core_modules()
    assert "companion.store.db" in modules and "companion.cli" in modules
    assert_headless(modules)


def test_the_guard_catches_a_violation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The check can fail: a core-named module that imports rich is reported."""
    package = tmp_path / "companion_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        f"FORBIDDEN = {FORBIDDEN!r}\nMODULES = ['companion_probe.bad']\n" + _HOOK
    )
    (package / "bad.py").write_text("import rich\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "rich" in result.stdout


def test_cli_help_does_not_load_the_tui() -> None:
    script = (
        "import sys\nfrom companion.cli import build_parser\nbuild_parser()\n"
        "sys.exit(1 if any(m.startswith(('textual', 'rich', 'companion.tui')) for m in sys.modules) else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
