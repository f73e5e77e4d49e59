"""Pair and weigh through the real bleak code path (session.scan / pair / LiveListener) against the emulated
S400 (encrypted, demo bind key), Yunmai X and Eufy C20 broadcast scales on the Bumble virtual air."""

from __future__ import annotations

import asyncio

import pytest

from companion.ble import keys, session
from companion.ble.emulator.eufy_c20 import EUFY_C20_ADDRESS
from companion.ble.emulator.scale import MI_SCALE_ADDRESS
from companion.ble.emulator.xiaomi_s400 import DEMO_BIND_KEY, S400_ADDRESS
from companion.ble.emulator.yunmai_x import YUNMAI_X_ADDRESS
from companion.store.ble import BleRepository

WRONG_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


async def _found(address: str) -> session.FoundScale:
    scales = await session.scan(2.0, until=lambda f: f.address == address)
    return next(s for s in scales if s.address == address)


def _person(scale, weight: float, delay: float = 0.3, **kwargs):  # type: ignore[no-untyped-def]
    async def steps() -> None:
        await asyncio.sleep(delay)
        await scale.step_on(weight, **kwargs)
        await scale.step_off()

    return asyncio.create_task(steps())


async def test_scan_lists_the_broadcast_families(air):  # type: ignore[no-untyped-def]
    found = {s.address: s for s in await session.scan(1.0)}
    assert found[S400_ADDRESS].driver.id == "xiaomi-s400" and found[S400_ADDRESS].driver.needs_key
    assert found[YUNMAI_X_ADDRESS].driver.id == "yunmai-x" and found[YUNMAI_X_ADDRESS].name is None
    assert found[EUFY_C20_ADDRESS].driver.id == "eufy-c20"


async def test_s400_pairs_with_its_bind_key_and_stores_the_weigh_in(store, profile, air):  # type: ignore[no-untyped-def]
    scale = air.scales[S400_ADDRESS]
    found = await _found(S400_ADDRESS)
    said: list[str] = []
    stepping = _person(scale, 82.6, impedance_ohm=498.0, heart_rate_bpm=71)
    outcome = await session.pair(
        store, found, profile, bind_key=DEMO_BIND_KEY, first_reading_timeout=8.0, progress=said.append
    )
    await stepping
    assert any("bind key fits" in line for line in said)
    assert outcome.scale.protocol == "xiaomi-s400" and outcome.scale.transport == "broadcast"
    assert keys.bind_key(store, S400_ADDRESS) == DEMO_BIND_KEY  # kept (encrypted store: no keyring in tests)
    assert outcome.first is not None and outcome.first.status == "stored"
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == pytest.approx(82.6) and m.impedance_ohm == pytest.approx(498.0)


async def test_s400_wrong_bind_key_is_refused_and_nothing_is_stored(store, profile, air):  # type: ignore[no-untyped-def]
    scale = air.scales[S400_ADDRESS]
    found = await _found(S400_ADDRESS)
    stepping = _person(scale, 82.6)
    with pytest.raises(session.WrongKey) as caught:
        await session.pair(store, found, profile, bind_key=WRONG_KEY, first_reading_timeout=8.0)
    await stepping
    assert "this bind key does not decrypt this scale's adverts" in str(caught.value).lower()
    assert BleRepository(store).get(S400_ADDRESS) is None and keys.bind_key(store, S400_ADDRESS) is None
    assert store.measurements.count() == 0


async def test_s400_without_an_advert_times_out_cleanly(store, profile, air, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(session, "KEY_CHECK_TIMEOUT_S", 0.6)
    found = await _found(S400_ADDRESS)  # idle adverts only: nobody steps on
    with pytest.raises(session.MeasurementTimeout, match="could not be checked"):
        await session.pair(store, found, profile, bind_key=DEMO_BIND_KEY)
    assert BleRepository(store).get(S400_ADDRESS) is None


async def test_s400_listening_uses_the_stored_key(store, profile, air):  # type: ignore[no-untyped-def]
    keys.remember_scale_with_key(store, S400_ADDRESS, "Xiaomi Scale S400", "xiaomi-s400", "broadcast", DEMO_BIND_KEY)
    stepping = _person(air.scales[S400_ADDRESS], 79.9, delay=0.5, impedance_ohm=512.0)
    recorded = await session.measure_once(store, timeout=8.0)
    await stepping
    assert recorded.status == "stored" and recorded.measurement is not None
    assert recorded.measurement.weight_kg == pytest.approx(79.9)


async def test_a_wrong_stored_key_is_reported_and_other_scales_keep_being_heard(store, profile, air):  # type: ignore[no-untyped-def]
    keys.remember_scale_with_key(store, S400_ADDRESS, None, "xiaomi-s400", "broadcast", WRONG_KEY)
    BleRepository(store).remember(MI_SCALE_ADDRESS, "MIBFS", "mi-scale-2", "broadcast")
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append)
    task = asyncio.create_task(listener.run())
    await asyncio.sleep(0.3)
    await air.scales[S400_ADDRESS].step_on(80.0)
    await air.scales[MI_SCALE_ADDRESS].step_on(71.2, impedance_ohm=None, hold_s=0.3)
    await air.scales[MI_SCALE_ADDRESS].step_off()
    for _ in range(100):
        if any(e.recorded is not None for e in events):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    refused = [e for e in events if e.kind == "status" and e.address == S400_ADDRESS and "bind key" in e.text]
    assert len(refused) == 1  # said once, then the scale is left alone
    stored = [e.recorded for e in events if e.recorded is not None and e.recorded.status == "stored"]
    assert stored and stored[0].measurement is not None and stored[0].measurement.weight_kg == pytest.approx(71.2)


async def test_yunmai_x_pairs_and_weighs(store, profile, air):  # type: ignore[no-untyped-def]
    found = await _found(YUNMAI_X_ADDRESS)
    stepping = _person(air.scales[YUNMAI_X_ADDRESS], 76.45, impedance_ohm=466)
    outcome = await session.pair(store, found, profile, first_reading_timeout=8.0)
    await stepping
    assert outcome.scale.protocol == "yunmai-x"
    assert outcome.first is not None and outcome.first.status == "stored"
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == pytest.approx(76.45) and m.impedance_ohm == 466


async def test_eufy_c20_pairs_and_weighs(store, profile, air):  # type: ignore[no-untyped-def]
    found = await _found(EUFY_C20_ADDRESS)
    stepping = _person(air.scales[EUFY_C20_ADDRESS], 69.3, impedance_ohm=501.5, heart_rate_bpm=64)
    outcome = await session.pair(store, found, profile, first_reading_timeout=8.0)
    await stepping
    assert outcome.scale.protocol == "eufy-c20"
    assert outcome.first is not None and outcome.first.status == "stored"
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == pytest.approx(69.3) and m.impedance_ohm == pytest.approx(501.5)
