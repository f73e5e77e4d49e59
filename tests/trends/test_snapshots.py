"""SVG snapshots (deterministic: demo data generated for a fixed day, fixed clock) of the dashboard at 80×24
and of the full weight chart, stored in ``tests/trends/snapshots/``.

Textual's SVG export carries an XML namespace and font/credit URLs; they are removed before comparing and
storing, so the stored files hold only what the terminal showed. Update with
``COMPANION_UPDATE_SNAPSHOTS=1 python -m pytest tests/trends/test_snapshots.py``."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .conftest import settle

STORED = Path(__file__).parent / "snapshots"
_URL = re.compile(r"https?://[^\s\"')]+")


async def _ready(pilot: Any) -> None:
    await settle(pilot)


async def _chart(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)


async def _snapshot(app: Any, size: tuple[int, int], run_before: Callable[[Any], Awaitable[None]]) -> str:
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)
        return _URL.sub("", app.export_screenshot())


def _compare(name: str, svg: str) -> None:
    path = STORED / f"{name}.svg"
    if os.environ.get("COMPANION_UPDATE_SNAPSHOTS"):
        STORED.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
    assert svg == path.read_text(encoding="utf-8"), f"{name} changed; if intended, update the snapshot (see module doc)"


async def test_dashboard_snapshot(app_factory) -> None:  # type: ignore[no-untyped-def]
    _compare("dashboard", await _snapshot(app_factory(), (80, 24), _ready))


async def test_weight_chart_snapshot(app_factory) -> None:  # type: ignore[no-untyped-def]
    _compare("weight_chart", await _snapshot(app_factory(), (100, 30), _chart))
