"""End to end through bleak's public API against the Bumble emulated scales (no mocks of the BLE path)."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from companion.ble import session
from companion.ble.emulator.scale import MI_SCALE_ADDRESS, SIG_SCALE_ADDRESS
from companion.store.ble import BleRepository


async def _found(address: str) -> session.FoundScale:
    scales = await session.scan(2.0, until=lambda f: f.address == address)
    return next(s for s in scales if s.address == address)


async def test_scan_lists_both_emulated_scales(air):  # type: ignore[no-untyped-def]
    mi = air.scales[MI_SCALE_ADDRESS]
    task = asyncio.create_task(mi.step_on(80.0, hold_s=0.3))
    scales = await session.scan(0.6)
    await task
    by_address = {s.address: s for s in scales}
    assert by_address[SIG_SCALE_ADDRESS].kind.protocol == "sig"
    assert by_address[SIG_SCALE_ADDRESS].name == "Companion Scale"
    assert by_address[MI_SCALE_ADDRESS].kind.protocol == "mi-scale-2"
    assert all(isinstance(s.rssi, int) for s in scales)


async def test_pair_registers_consents_sets_clock_and_stores_first_reading(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)

    async def person() -> None:
        while "consented:0" not in sig_scale.events:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await sig_scale.step_on(84.3, impedance_ohm=512.0)

    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0, rng=random.Random(1))
    await stepping
    assert outcome.registered and outcome.user_index == 0
    assert "clock-set" in sig_scale.events
    slot = BleRepository(store).slot_for_profile(SIG_SCALE_ADDRESS, profile.id)
    assert slot is not None and slot.consent_code == sig_scale.users[0].consent_code
    assert sig_scale.users[0].data["height"] == (168).to_bytes(2, "little")
    audit = store.audit.events()
    assert audit[0].action == "share" and "1980" not in audit[0].summary  # what kind of data, never the data
    assert store.profiles.get(profile.id).scale_user_index == 0
    assert outcome.first is not None and outcome.first.status == "stored"
    stored = store.measurements.latest(profile.id)[0]
    assert stored.weight_kg == pytest.approx(84.3)
    assert stored.impedance_ohm == pytest.approx(512.0)
    assert 5 < stored.body_fat_pct < 75  # measured by the scale (its own BIA), not derived
    from companion.domain.model import Metric

    assert Metric.BODY_FAT not in stored.derived and Metric.BMI in stored.derived
    assert BleRepository(store).get(SIG_SCALE_ADDRESS).protocol == "sig"


async def test_second_pairing_uses_stored_consent_and_wrong_code_reregisters(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)
    first = await session.pair(store, found, profile, rng=random.Random(2))
    again = await session.pair(store, found, profile)
    assert again.user_index == first.user_index and not again.registered
    sig_scale.users[first.user_index].consent_code = (
        sig_scale.users[first.user_index].consent_code + 1
    ) % 10000
    third = await session.pair(store, found, profile, rng=random.Random(3))
    assert "consent-denied" in sig_scale.events
    assert third.registered and third.user_index != first.user_index


async def test_broadcast_scale_unstable_then_stable_stores_one_measurement(store, profile, mi_scale):  # type: ignore[no-untyped-def]
    found_task = asyncio.create_task(_found(MI_SCALE_ADDRESS))
    await mi_scale.step_on(79.0, hold_s=0.1, impedance_ohm=None)
    found = await found_task
    await mi_scale.step_off()
    events: list[session.ScaleEvent] = []

    async def person() -> None:
        await asyncio.sleep(0.2)
        await mi_scale.step_on(78.4, impedance_ohm=505, hold_s=0.3)
        await mi_scale.step_off()

    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0, on_event=events.append)
    await stepping
    assert outcome.first is not None and outcome.first.status == "stored"
    live = [
        e.reading.weight_kg for e in events if e.kind == "live" and e.reading and not e.reading.stabilized
    ]
    assert live and all(w < 78.4 for w in live)  # unstable values were shown but not stored
    assert store.measurements.count(profile.id) == 1
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == pytest.approx(78.4) and m.impedance_ohm == 505
    # Body composition derived from impedance and the profile, and flagged as such.
    from companion.domain.model import Metric

    assert m.body_fat_pct is not None and m.is_derived(Metric.BODY_FAT)
    assert {Metric.BODY_FAT, Metric.BODY_WATER, Metric.BONE_MASS, Metric.BMR, Metric.BMI} <= m.derived


async def test_live_listener_replayed_history_is_imported_once(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)
    await session.pair(store, found, profile, rng=random.Random(4))
    sig_scale.replay_history = True
    # Weighed while the app was not listening: the scale keeps these and sends them after consent, every time.
    now = sig_scale.now()
    await sig_scale.step_on(90.0, user_index=0, at=now - timedelta(days=2))
    await sig_scale.step_on(89.5, user_index=0, at=now - timedelta(days=1))
    for _round in range(2):
        events: list[session.ScaleEvent] = []
        listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
        task = asyncio.create_task(listener.run())
        for _ in range(200):
            if sum(1 for e in events if e.recorded is not None) >= 2:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sig_scale.disconnect()
        await asyncio.sleep(0.05)
    assert store.measurements.count(profile.id) == 2


async def test_disconnect_mid_measurement_stores_nothing(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)

    async def person() -> None:
        while "consented:0" not in sig_scale.events:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await sig_scale.step_on(84.0, split=True, disconnect_midway=True)

    stepping = asyncio.create_task(person())
    with pytest.raises(session.ConnectionLost):
        await session.pair(store, found, profile, first_reading_timeout=5.0, rng=random.Random(5))
    await stepping
    assert store.measurements.count(profile.id) == 0


async def test_multi_packet_measurement_is_merged(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)

    async def person() -> None:
        while "consented:0" not in sig_scale.events:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await sig_scale.step_on(84.0, split=True, impedance_ohm=480.0)

    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0, rng=random.Random(6))
    await stepping
    assert outcome.first is not None and outcome.first.status == "stored"
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 84.0 and m.impedance_ohm == 480.0 and m.body_water_pct is not None


async def test_asleep_scale_is_reported(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    await _found(SIG_SCALE_ADDRESS)  # it was there, awake
    await sig_scale.sleep()
    with pytest.raises(session.ScaleAsleep):
        link = session.GattLink(SIG_SCALE_ADDRESS, lambda *a: None, lambda: None)
        await link.open(timeout=0.5)


async def test_measure_once_without_consent_stores_nothing(store, profile, mi_scale):  # type: ignore[no-untyped-def]
    BleRepository(store).remember(MI_SCALE_ADDRESS, "MIBFS", "mi-scale-2", "broadcast")
    store.consents.record("health-data", "withdraw", "1.0", "test")
    stepping = asyncio.create_task(mi_scale.step_on(70.0, hold_s=0.2))
    recorded = await session.measure_once(store, timeout=5.0)
    await stepping
    assert recorded.status == "not-allowed" and "consent" in recorded.message
    assert store.measurements.count() == 0


async def test_bad_packets_are_rejected_logged_and_do_not_stop_the_worker(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    from companion.ble.protocols import sig

    store.consents.record("diagnostics", "grant", "1.0", "test")
    found = await _found(SIG_SCALE_ADDRESS)
    await session.pair(store, found, profile, rng=random.Random(7))
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    for _ in range(200):
        if any(e.kind == "status" and "Connected" in e.text for e in events):
            break
        await asyncio.sleep(0.02)
    bad = [
        bytes.fromhex("02 30"),  # truncated
        bytes.fromhex("00 30 2a 00 00"),  # over-long
        bytes.fromhex("08 30 2a 00"),  # announces BMI and height, carries neither
        bytes.fromhex("00 ff ff"),  # measurement unsuccessful
    ]
    for payload in bad:
        await sig_scale.indicate_raw(sig.WEIGHT_MEASUREMENT, payload)
    await sig_scale.indicate_raw(
        sig.BODY_COMPOSITION_MEASUREMENT, bytes.fromhex("00 02 2c 01 05 00")
    )  # 0.5 ohm
    await sig_scale.step_on(82.0, user_index=0)
    for _ in range(200):
        if any(e.kind == "stored" for e in events):
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    rejected = [e.text for e in events if e.kind == "rejected"]
    assert (
        len(rejected) == 5
        and any("truncated" in r for r in rejected)
        and any("impedance" in r for r in rejected)
    )
    assert store.measurements.count(profile.id) == 1
    assert store.measurements.latest(profile.id)[0].weight_kg == 82.0
    logged = BleRepository(store).decode_errors()
    assert len(logged) == 5 and logged[-1].payload_hex == "0230"


async def test_decode_errors_are_not_kept_without_diagnostics_consent(store) -> None:  # type: ignore[no-untyped-def]
    assert not BleRepository(store).log_decode_error("AA", "2a9d", b"\x02", "truncated")
    assert BleRepository(store).decode_errors() == []


async def test_qn_vendor_scale_handshake_and_stable_frame(store, profile, air):  # type: ignore[no-untyped-def]
    from companion.ble.emulator.scale import QN_SCALE_ADDRESS

    qn_scale = air.scales[QN_SCALE_ADDRESS]
    found = await _found(QN_SCALE_ADDRESS)
    assert found.kind.protocol == "qn"

    async def person() -> None:
        while not qn_scale.configured:
            await asyncio.sleep(0.01)
        await qn_scale.step_on(92.4, impedance_ohm=505)

    events: list[session.ScaleEvent] = []
    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0, on_event=events.append)
    await stepping
    assert qn_scale.events[:2] == ["configured", "clock-set"]  # 0x13 config then 0x20 time, as the scale asks
    assert outcome.first is not None and outcome.first.status == "stored"
    assert [e.reading.stabilized for e in events if e.kind == "live"][-1] is True
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 92.4 and m.impedance_ohm == 505 and m.source == "ble:qn"


async def test_live_listener_with_a_forgotten_consent_code_asks_to_pair_again(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    found = await _found(SIG_SCALE_ADDRESS)
    outcome = await session.pair(store, found, profile, rng=random.Random(8))
    sig_scale.users[outcome.user_index].consent_code = 1  # e.g. batteries out: the scale lost its user table
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    for _ in range(200):
        if listener.refused:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert SIG_SCALE_ADDRESS in listener.refused
    assert sum(1 for e in events if "pair it again" in e.text) == 1  # said once, no retry storm
    assert sig_scale.events.count("consent-denied") == 1


async def test_etekcity_scale_identified_by_manufacturer_data_and_measured(store, profile, air):  # type: ignore[no-untyped-def]
    from companion.ble.emulator.scale import ETEKCITY_ADDRESS

    scale = air.scales[ETEKCITY_ADDRESS]
    found = await _found(ETEKCITY_ADDRESS)
    assert found.kind.protocol == "etekcity-esf551"
    await session.pair(store, found, profile)
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    for _ in range(200):
        if any(e.kind == "status" and "Connected" in e.text for e in events):
            break
        await asyncio.sleep(0.02)
    await scale.step_on(88.8, impedance_ohm=530)
    for _ in range(200):
        if any(e.kind == "stored" for e in events):
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    live = [e.reading for e in events if e.kind == "live" and e.reading is not None]
    assert [r.stabilized for r in live][:2] == [False, False], [(e.kind, e.text) for e in events]
    m = store.measurements.latest(profile.id)[0]
    assert m.weight_kg == 88.8 and m.impedance_ohm == 530 and m.source == "ble:etekcity-esf551"


async def test_household_history_is_collected_for_every_profile_with_a_slot(store, profile, sig_scale):  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.domain import Profile, Sex

    partner = store.profiles.add(Profile("Bo", Sex.MALE, date(1978, 2, 2), 185.0))
    found = await _found(SIG_SCALE_ADDRESS)
    mine = await session.pair(store, found, profile, rng=random.Random(9))
    theirs = await session.pair(store, found, partner, rng=random.Random(10))
    assert mine.user_index != theirs.user_index
    now = sig_scale.now()
    await sig_scale.step_on(71.0, user_index=mine.user_index, at=now - timedelta(hours=5))
    await sig_scale.step_on(98.0, user_index=theirs.user_index, at=now - timedelta(hours=4))
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    for _ in range(200):
        if sum(1 for e in events if e.kind == "stored") >= 2:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert store.measurements.latest(profile.id)[0].weight_kg == 71.0
    assert store.measurements.latest(partner.id)[0].weight_kg == 98.0
