"""The Soehnle driver end to end through bleak and the emulated Shape200 (companion/ble/emulator/soehnle.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from companion.ble import session
from companion.ble.emulator.soehnle import SOEHNLE_ADDRESS, SoehnleScale
from companion.store.ble import BleRepository


@pytest.fixture
async def shape(air):  # type: ignore[no-untyped-def]
    scale = SoehnleScale(air)
    await air.ready()
    return scale


async def test_pair_creates_a_slot_and_the_live_worker_imports_the_history(store, profile, shape) -> None:  # type: ignore[no-untyped-def]
    scales = await session.scan(2.0, until=lambda f: f.address == SOEHNLE_ADDRESS)
    found = next(s for s in scales if s.address == SOEHNLE_ADDRESS)
    assert found.driver.id == "soehnle"
    outcome = await session.pair(store, found, profile)
    assert outcome.registered and outcome.user_index == 1 and "created:1" in shape.events
    assert "clock-set" in shape.events and shape.users[1].profile["height"] == (168).to_bytes(2, "little")
    slot = BleRepository(store).slot_for_profile(SOEHNLE_ADDRESS, profile.id)
    assert slot is not None and slot.user_index == 1
    # Weighed while Companion was away; another person's slot on the same scale stays theirs.
    now = store.clock.now().replace(tzinfo=None)
    await shape.step_on(1, 79.3, now - timedelta(hours=3))
    await shape.step_on(2, 101.0, now - timedelta(hours=2))
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    try:
        for _ in range(300):
            if any(e.kind == "stored" for e in events):
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert "selected:1" in shape.events and "history:1" in shape.events and "history:2" not in shape.events
    stored = store.measurements.latest(profile.id)
    assert [m.weight_kg for m in stored] == [79.3] and stored[0].impedance_ohm == 520
    assert stored[0].source == "ble:soehnle"
