"""Pair and weigh through the real executor (companion.ble.session over bleak, COMPANION_BLE=emulated) against
each emulated vendor GATT scale: Sanitas SBF70 (Beurer/Sanitas legacy), Yunmai Mini, Renpho ES-26BB-B, Eufy P2
Pro (AES handshake) and Robi S9.

The emulated scales (companion/ble/emulator/{beurer_legacy,yunmai,renpho_1a10,eufy_p2,robi_s9}.py) are written
from the protocol facts, not from the drivers; these tests prove drivers and facts agree over a real link, that
readings land in the encrypted store, and that a scale that hangs, refuses or drops mid-handshake ends the
session with a clear message and nothing stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from companion.ble import session
from companion.store.ble import BleRepository


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


async def found(address: str) -> session.FoundScale:
    scales = await session.scan(3.0, until=lambda f: f.address == address)
    return next(s for s in scales if s.address == address)


def person(when: Callable[[], bool], step: Callable[[], Any]) -> asyncio.Task[None]:
    async def go() -> None:
        while not when():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await step()

    return asyncio.get_running_loop().create_task(go())


async def test_sanitas_sbf70_pair_creates_a_user_weighs_then_history_is_read(  # type: ignore[no-untyped-def]
    store, profile, families
) -> None:
    from companion.ble.emulator.beurer_legacy import SANITAS_ADDRESS

    scale = families.scales[SANITAS_ADDRESS]
    target = await found(SANITAS_ADDRESS)
    assert target.driver.id == "beurer-sanitas-legacy"
    stepping = person(lambda: "measure-armed" in scale.events, lambda: scale.step_on(81.35, impedance_ohm=480))
    outcome = await session.pair(store, target, profile, first_reading_timeout=8.0)
    await stepping
    assert outcome.registered and outcome.first is not None and outcome.first.status == "stored"
    assert scale.events[:2] == ["connected", "init"] and "clock-set" in scale.events
    assert "ack-missing" not in scale.events and "ack-wrong" not in scale.events  # every part acknowledged
    user = scale.users[0]
    assert user.height_cm == 168 and user.birth_year == 1980
    slot = BleRepository(store).slot_for_profile(SANITAS_ADDRESS, profile.id)
    assert slot is not None and slot.consent_code == user.uid == 101
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 81.35 and m.impedance_ohm == 480 and m.body_fat_pct == 23.4
    assert m.source == "ble:beurer-sanitas-legacy"
    # Weighed while the app was away: the next connection hands it over and the scale forgets it.
    scale.remember_offline(user.uid, 80.9, m.timestamp.replace(tzinfo=None) - timedelta(hours=1))
    recorded = await session.measure_once(store, timeout=10.0)
    assert recorded.status == "stored" and recorded.measurement is not None
    assert recorded.measurement.weight_kg == 80.9
    await asyncio.sleep(0.3)
    assert "history-deleted" in scale.events and user.history == []


async def test_sanitas_that_stops_answering_times_out_with_nothing_stored(  # type: ignore[no-untyped-def]
    store, profile, families, monkeypatch
) -> None:
    from companion.ble.drivers import beurer_legacy
    from companion.ble.emulator.beurer_legacy import SANITAS_ADDRESS

    monkeypatch.setattr(beurer_legacy, "HANDSHAKE_SECONDS", 0.4)
    families.scales[SANITAS_ADDRESS].silent = True
    with pytest.raises(session.ScaleRefused) as caught:
        await session.pair(store, await found(SANITAS_ADDRESS), profile, first_reading_timeout=3.0)
    assert "stopped answering" in str(caught.value)
    assert store.measurements.latest(profile.id) == []
    assert BleRepository(store).slot_for_profile(SANITAS_ADDRESS, profile.id) is None


async def test_yunmai_gets_profile_clock_start_and_weighs(store, profile, families) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.yunmai import YUNMAI_ADDRESS

    scale = families.scales[YUNMAI_ADDRESS]
    target = await found(YUNMAI_ADDRESS)
    assert target.driver.id == "yunmai"
    stepping = person(lambda: "started" in scale.events, lambda: scale.step_on(63.2))
    outcome = await session.pair(store, target, profile, first_reading_timeout=6.0)
    await stepping
    assert outcome.first is not None and outcome.first.status == "stored"
    assert scale.events[1:4] == ["user-set", "clock-set", "started"]
    # Height, female, age on the fixed clock.
    assert scale.profile is not None and scale.profile[8:11] == bytes((168, 2, 46))
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 63.2 and m.impedance_ohm == 530 and m.body_fat_pct == 21.5


async def test_renpho_es26bb_history_acknowledged_then_live_weight(store, profile, families) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.renpho_1a10 import RENPHO_1A10_ADDRESS

    scale = families.scales[RENPHO_1A10_ADDRESS]
    scale.history.append((77.7, 495, 7200))
    target = await found(RENPHO_1A10_ADDRESS)
    assert target.driver.id == "renpho-1a10"
    outcome = await session.pair(store, target, profile, first_reading_timeout=6.0)
    assert outcome.first is not None and outcome.first.measurement is not None
    assert outcome.first.measurement.weight_kg == 77.7  # the stored reading, two hours old
    await asyncio.sleep(0.2)
    assert "history-acked" in scale.events and scale.history == []
    stepping = person(lambda: "started" in scale.events[-2:], lambda: scale.step_on(78.05))
    recorded = await session.measure_once(store, timeout=10.0)
    await stepping
    assert recorded.measurement is not None and recorded.measurement.weight_kg == 78.05
    assert recorded.measurement.impedance_ohm == 505


async def test_eufy_p2_authenticates_with_aes_and_weighs(store, profile, families) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.eufy_p2 import EUFY_P2_ADDRESS

    scale = families.scales[EUFY_P2_ADDRESS]
    target = await found(EUFY_P2_ADDRESS)
    assert target.driver.id == "eufy-p2"
    stepping = person(lambda: scale.authenticated, lambda: scale.step_on(70.4, impedance_ohm=512.0))
    outcome = await session.pair(store, target, profile, first_reading_timeout=6.0)
    await stepping
    assert outcome.first is not None and outcome.first.status == "stored"
    assert scale.events[1:3] == ["c0", "authenticated"]
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 70.4 and m.impedance_ohm == 512.0


async def test_eufy_p2_refusal_and_drop_mid_handshake_store_nothing(  # type: ignore[no-untyped-def]
    store, profile, families
) -> None:
    from companion.ble.emulator.eufy_p2 import EUFY_P2_ADDRESS

    scale = families.scales[EUFY_P2_ADDRESS]
    scale.refuse = True
    with pytest.raises(session.WrongKey) as caught:
        await session.pair(store, await found(EUFY_P2_ADDRESS), profile, first_reading_timeout=3.0)
    assert "refused the handshake" in str(caught.value)
    scale.refuse = False
    scale.silent = True

    async def drop() -> None:
        while "connected" not in scale.events[-1:]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        await scale.disconnect()

    dropping = asyncio.get_running_loop().create_task(drop())
    with pytest.raises(session.ScaleError):
        await session.pair(store, await found(EUFY_P2_ADDRESS), profile, first_reading_timeout=3.0)
    await dropping
    assert store.measurements.latest(profile.id) == []


async def test_robi_s9_handshake_then_result(store, profile, families) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.robi_s9 import ROBI_S9_ADDRESS

    scale = families.scales[ROBI_S9_ADDRESS]
    target = await found(ROBI_S9_ADDRESS)
    assert target.driver.id == "robi-s9"
    stepping = person(lambda: scale.accepted, lambda: scale.step_on(77.25))
    outcome = await session.pair(store, target, profile, first_reading_timeout=6.0)
    await stepping
    assert "handshake-ok" in scale.events and outcome.first is not None
    assert store.measurements.latest(profile.id)[0].weight_kg == 77.25


async def test_eufy_c1_clock_history_cleared_then_settled_weight(store, profile, families) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from companion.ble.emulator.onebyone import ONEBYONE_ADDRESS

    scale = families.scales[ONEBYONE_ADDRESS]
    target = await found(ONEBYONE_ADDRESS)
    assert target.driver.id == "onebyone"
    when = store.clock.now().replace(tzinfo=None) - timedelta(hours=3)
    scale.history.append((74.3, 488.0, datetime(when.year, when.month, when.day, when.hour, when.minute)))
    outcome = await session.pair(store, target, profile, first_reading_timeout=6.0)
    assert outcome.first is not None and outcome.first.measurement is not None
    assert outcome.first.measurement.weight_kg == 74.3  # the stored reading
    await asyncio.sleep(0.2)
    assert scale.events[1:5] == ["unit-set", "clock-set", "history-asked", "history-cleared"]
    stepping = person(lambda: scale.events.count("history-asked") >= 2, lambda: scale.step_on(75.1))
    recorded = await session.measure_once(store, timeout=10.0)
    await stepping
    assert recorded.measurement is not None and recorded.measurement.weight_kg == 75.1
    assert recorded.measurement.impedance_ohm == 498.0
