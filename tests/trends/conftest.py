"""Fixtures for trends: known weigh-in series on a real encrypted store, and apps on fixed clocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from companion.clock import FixedClock
from companion.domain.measurement import Measurement
from companion.domain.model import Metric

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def weigh_in(day: date, kg: float, **extra: Any) -> Measurement:
    return Measurement(timestamp=datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC), source="ble:test",
                       weight_kg=kg, **extra)


@pytest.fixture
def known_series(store, profile):  # type: ignore[no-untyped-def]
    """Daily weigh-ins from 2026-01-05 (5 days before placement on 2026-01-10) to 2026-11-25: 110 kg before
    placement, then 0.05 kg less per day; the placement-day weigh-in is exactly 110.0 kg."""
    start = date(2026, 1, 5)
    items = []
    for i in range((date(2026, 11, 25) - start).days + 1):
        day = start + timedelta(days=i)
        after = max((day - date(2026, 1, 10)).days, 0)
        kg = round(110.0 - 0.05 * after, 2)
        items.append(weigh_in(day, kg, body_fat_pct=40.0, bmi=round(kg / 1.68**2, 1),
                              derived=frozenset({Metric.BMI})))
    store.measurements.add_many(items, profile.id)
    return items


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app_factory(home: Path, fixed_clock: FixedClock) -> Callable[..., Any]:
    """An app on the given store (or a deterministic demo store) with background services off."""
    from companion.tui.app import make_app

    def build(store: Any = None) -> Any:
        if store is None:
            from companion.demo import create_demo_store

            store = create_demo_store(home / "demo", years=2, today=NOW.date())
        app = make_app(home=store.home, clock=fixed_clock, store=store)
        app.context.extras["no_services"] = True
        return app

    return build


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
