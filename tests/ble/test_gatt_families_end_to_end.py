"""Pair and weigh through real bleak against each emulated vendor GATT scale (Bumble, COMPANION_BLE=emulated).

The emulated scales (companion/ble/emulator/{beurer_legacy,yunmai,renpho_1a10,eufy_p2}.py) are written from the
protocol facts, not from the drivers; these tests prove the drivers and the facts agree over a real link, and that
a scale that hangs or drops mid-handshake ends the session with a clear, fatal error and no reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from companion.ble.drivers.base import ConsentRefused, HandshakeFailed, HandshakeTimeout, UserProfile, UserSlot
from tests.ble.gatt_families_runner import Session, run

PROFILE = UserProfile(height_cm=172, birth_date=date(1985, 4, 12), sex="female", activity_level=2)


@pytest.fixture
async def families(emulated: None) -> AsyncIterator[Any]:
    from companion.ble.emulator import air as air_mod
    from companion.ble.emulator.gatt_families import populate

    air_mod.set_populate(populate)
    air_mod.reset_air()
    try:
        yield await air_mod.get_air().ready()
    finally:
        air_mod.reset_air()
        air_mod.set_populate(None)


def step_on_when_ready(session_ready: asyncio.Event, coro: Any) -> None:
    async def go() -> None:
        await session_ready.wait()
        await asyncio.sleep(0.05)
        await coro

    asyncio.get_running_loop().create_task(go())


def finals_with_impedance(s: Session) -> int:
    return sum(1 for r in s.readings if r.stabilized and r.impedance_ohm)


async def weigh(address: str, scale: Any, weight: float, *, finals: int = 1, **config: Any) -> Session:
    """Run until ``finals`` settled readings with impedance arrived (history readings count too)."""
    ready = asyncio.Event()

    def until(s: Session) -> bool:
        if s.ready.is_set():
            ready.set()
        return finals_with_impedance(s) >= finals

    step_on_when_ready(ready, scale.step_on(weight))
    return await run(address, until, **config)


async def test_sanitas_sbf70_pairs_a_new_user_then_weighs_and_reads_history(families: Any) -> None:
    from companion.ble.emulator.beurer_legacy import SANITAS_ADDRESS

    scale = families.scales[SANITAS_ADDRESS]
    session = await weigh(SANITAS_ADDRESS, scale, 81.35, mode="pair", profile=PROFILE)
    assert session.driver_id == "beurer-sanitas-legacy" and session.fatal is None
    assert scale.events[:2] == ["connected", "init"] and "user-added" in scale.events
    assert "clock-set" in scale.events and "ack-missing" not in scale.events and "ack-wrong" not in scale.events
    (registered,) = [o for o in session.outputs if type(o).__name__ == "SlotRegistered"]
    assert scale.users[0].uid == registered.consent_code == 101 and scale.users[0].height_cm == 172
    final = [r for r in session.readings if r.impedance_ohm][-1]
    assert final.weight_kg == 81.35 and final.body_fat_pct == 23.4 and final.user_index == registered.user_index
    # Next time: the scale kept a reading taken offline; listening as that user reads and deletes it.
    scale.remember_offline(101, 80.9, session.readings[-1].timestamp or scale.clock_time())  # type: ignore[attr-defined]
    slots = (UserSlot(registered.user_index, registered.consent_code, active=True),)
    session = await weigh(SANITAS_ADDRESS, scale, 81.0, finals=2, slots=slots)
    assert [r.weight_kg for r in session.readings if r.stabilized and r.impedance_ohm] == [80.9, 81.0]
    assert "history-deleted" in scale.events and scale.users[0].history == []


async def test_sanitas_refuses_when_no_user_of_ours(families: Any) -> None:
    from companion.ble.emulator.beurer_legacy import SANITAS_ADDRESS

    session = await run(SANITAS_ADDRESS, lambda s: False)
    assert isinstance(session.fatal, ConsentRefused) and not session.readings


async def test_sanitas_that_stops_answering_times_out(families: Any) -> None:
    from companion.ble.emulator.beurer_legacy import SANITAS_ADDRESS

    scale = families.scales[SANITAS_ADDRESS]
    scale.silent = True
    import companion.ble.drivers._vendor as vendor

    old, vendor.HANDSHAKE_SECONDS = vendor.HANDSHAKE_SECONDS, 0.5
    try:
        from companion.ble.drivers import beurer_legacy

        beurer_legacy.HANDSHAKE_SECONDS = 0.5
        session = await run(SANITAS_ADDRESS, lambda s: False, mode="pair", profile=PROFILE)
    finally:
        vendor.HANDSHAKE_SECONDS = old
        beurer_legacy.HANDSHAKE_SECONDS = old
    assert isinstance(session.fatal, HandshakeTimeout) and "try again" in session.fatal.message
    assert not session.readings


async def test_yunmai_gets_profile_clock_start_and_weighs(families: Any) -> None:
    from companion.ble.emulator.yunmai import YUNMAI_ADDRESS

    scale = families.scales[YUNMAI_ADDRESS]
    session = await weigh(YUNMAI_ADDRESS, scale, 63.2, profile=PROFILE)
    assert session.driver_id == "yunmai" and session.fatal is None
    assert scale.events[1:4] == ["user-set", "clock-set", "started"]
    assert scale.profile is not None and scale.profile[8:11] == bytes((172, 2, 41))  # height, female, age
    final = session.readings[-1]
    assert final.weight_kg == 63.2 and final.impedance_ohm == 530 and final.body_fat_pct == 21.5
    assert final.timestamp == scale.clock_time() == datetime_local()


def datetime_local() -> Any:
    from tests.ble.gatt_families_runner import NOW

    return NOW.replace(tzinfo=None)


async def test_renpho_es26bb_starts_acks_history_and_weighs(families: Any) -> None:
    from companion.ble.emulator.renpho_1a10 import RENPHO_1A10_ADDRESS

    scale = families.scales[RENPHO_1A10_ADDRESS]
    scale.history.append((77.7, 495, 7200))
    session = await weigh(RENPHO_1A10_ADDRESS, scale, 78.05, finals=2)
    assert session.driver_id == "renpho-1a10" and session.fatal is None
    assert "history-acked" in scale.events and scale.history == []
    history, *_, final = session.readings
    assert history.weight_kg == 77.7 and history.timestamp == datetime_local().replace(hour=5)
    assert final.weight_kg == 78.05 and final.impedance_ohm == 505


async def test_eufy_p2_authenticates_with_aes_and_weighs(families: Any) -> None:
    from companion.ble.emulator.eufy_p2 import EUFY_P2_ADDRESS

    scale = families.scales[EUFY_P2_ADDRESS]
    session = await weigh(EUFY_P2_ADDRESS, scale, 70.4)
    assert session.driver_id == "eufy-p2" and session.fatal is None
    assert "authenticated" in scale.events
    final = session.readings[-1]
    assert final.weight_kg == 70.4 and final.impedance_ohm == 512.0 and final.stabilized


async def test_eufy_p2_refusal_and_drop_mid_handshake(families: Any) -> None:
    from companion.ble.emulator.eufy_p2 import EUFY_P2_ADDRESS

    scale = families.scales[EUFY_P2_ADDRESS]
    scale.refuse = True
    session = await run(EUFY_P2_ADDRESS, lambda s: False)
    assert isinstance(session.fatal, HandshakeFailed) and not session.readings
    scale.refuse = False
    scale.silent = True

    async def drop() -> None:
        await asyncio.sleep(0.3)
        await scale.disconnect()

    asyncio.get_running_loop().create_task(drop())
    session = await run(EUFY_P2_ADDRESS, lambda s: False)
    assert isinstance(session.fatal, HandshakeFailed) and "disconnected" in session.fatal.reason
    assert not session.readings


async def test_robi_s9_handshake_then_result(families: Any) -> None:
    from companion.ble.emulator.robi_s9 import ROBI_S9_ADDRESS

    scale = families.scales[ROBI_S9_ADDRESS]

    async def later() -> None:
        while not scale.accepted:
            await asyncio.sleep(0.02)
        await scale.step_on(77.25)

    asyncio.get_running_loop().create_task(later())
    session = await run(ROBI_S9_ADDRESS, lambda s: bool(s.readings))
    assert session.driver_id == "robi-s9" and session.fatal is None
    assert "handshake-ok" in scale.events and session.readings[-1].weight_kg == 77.25
