"""SVG snapshots (deterministic: demo data generated for a fixed day, fixed clock) of the dashboard at 80×24
and of the full weight chart. Update with ``pytest tests/trends/test_snapshots.py --snapshot-update``."""

from __future__ import annotations

from typing import Any

from .conftest import settle


async def _ready(pilot: Any) -> None:
    await settle(pilot)


async def _chart(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)


def test_dashboard_snapshot(snap_compare, app_factory) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_ready)


def test_weight_chart_snapshot(snap_compare, app_factory) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=(100, 30), run_before=_chart)
