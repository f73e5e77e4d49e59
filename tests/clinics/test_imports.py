"""The clinic finder stays headless and lazy: no textual/rich, and nothing heavy at import time."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "companion.clinics",
    "companion.clinics.finder",
    "companion.clinics.directory",
    "companion.clinics.index",
    "companion.clinics.search",
    "companion.clinics.radar",
    "companion.clinics.hours",
    "companion.clinics.overpass",
    "companion.clinics.gazetteer",
    "companion.clinics.geocoding",
    "companion.store.clinics",
    "companion.cli.clinics",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_does_not_import_the_ui() -> None:
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert "textual" not in loaded and "rich" not in loaded


def test_importing_the_finder_loads_no_geopy_httpx_or_data() -> None:
    loaded = _modules_after(
        "import companion.clinics.finder, companion.clinics.directory as d\n"
        "assert d.bundled_directory.cache_info().currsize == 0"
    )
    assert not {"geopy", "httpx", "geopy.distance"} & loaded


def test_clinics_screen_module_is_lazy() -> None:
    loaded = _modules_after(
        "import companion.tui.screens.clinics\n"
        "from companion.clinics.directory import bundled_directory\n"
        "from companion.clinics.gazetteer import gazetteer\n"
        "assert bundled_directory.cache_info().currsize == 0 and gazetteer.cache_info().currsize == 0"
    )
    assert "geopy.geocoders" not in loaded
