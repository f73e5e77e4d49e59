"""SVG snapshots of a few foundation screens at 100x32 (deterministic: fixed clock, size, language, no blink).

When a change to these screens is intended, run ``python tests/screenshots.py`` and commit the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screenshots import ROOT, run

SNAPSHOTS = ("onboarding-language", "onboarding-refused", "unlock", "store-problem")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    output = tmp_path_factory.mktemp("screenshots")
    asyncio.run(run(output, set(SNAPSHOTS)))
    return output


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_screenshot_matches(fresh: Path, name: str) -> None:
    committed = ROOT / "screenshots" / f"{name}.svg"
    assert (fresh / f"{name}.svg").read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, regenerate with `python tests/screenshots.py`"
    )


def test_every_main_screen_has_a_screenshot() -> None:
    from companion.tui.screens import MAIN_SCREENS

    for item in MAIN_SCREENS:
        assert (ROOT / "screenshots" / f"{item.id}.svg").is_file(), item.id
