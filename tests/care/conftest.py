"""Care team tests: real stores; the messaging tests' real Synapse (one per session) for delivery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.messaging.conftest import clinic, live_store, logged_in, patient, synapse  # noqa: F401 (fixtures)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def add_person(store: Any, *, share_clinic: bool = True) -> Any:
    """Ann, 168 cm, balloon placed 2026-01-10, with 60 daily weigh-ins; health-data (and share-clinic) given."""
    from companion.domain import Profile, Sex
    from companion.domain.measurement import Measurement

    store.consents.record("health-data", "grant", "1.0", "test")
    if share_clinic:
        store.consents.record("share-clinic", "grant", "1.0", "test")
    profile = store.profiles.add(Profile("Ann Example", Sex.FEMALE, date(1980, 4, 23), 168.0,
                                         placement_date=date(2026, 1, 10), goal_weight_kg=80.0))
    start = datetime(2026, 9, 26, 7, 30, tzinfo=UTC)
    store.measurements.add_many([Measurement(timestamp=start + timedelta(days=i), source="ble:test",
                                             weight_kg=round(100.0 - 0.1 * i, 2)) for i in range(60)], profile.id)
    return profile


@pytest.fixture
def care_app(home: Path) -> Callable[..., Any]:
    """An app on the given store with background services off, on a fixed clock."""
    from companion.clock import FixedClock
    from companion.tui.app import make_app

    def build(store: Any) -> Any:
        app = make_app(home=store.home, clock=FixedClock(NOW), store=store)
        app.context.extras["no_services"] = True
        return app

    return build


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def deliver(store: Any) -> int:
    """Sync with the real homeserver (joining the clinic's room) and send the outbox; how many were sent."""
    import asyncio

    from companion.messaging.service import Messenger

    async def run() -> int:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.sync_once()
            return (await m.flush(deadline_s=30)).sent

    return asyncio.run(run())
