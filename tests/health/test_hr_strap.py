"""The emulated heart-rate strap (Bumble) end to end through bleak's public API: BleakScanner / BleakClient
with the emulator backend, the live-HR session and recorder, and the Health screen's live tab in demo mode."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakGATTProtocolError
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.health.heart_rate import (
    BODY_SENSOR_LOCATION,
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
    HeartRateReading,
    decode_heart_rate,
    encode_heart_rate,
)
from companion.health.hr_session import HeartRateRecorder, find_heart_rate_devices, stream_heart_rate
from companion.store.samples import LEVELS, SampleKind, Samples
from tests.health.conftest import backends

CONTROL_POINT = "00002a39-0000-1000-8000-00805f9b34fb"
T0 = 1_764_061_200  # 2025-11-25 09:00 UTC


def counting_clock() -> Any:
    ticks = itertools.count(T0)
    return lambda: next(ticks)


async def test_strap_is_found_by_scanning_and_scales_are_not(strap) -> None:  # type: ignore[no-untyped-def]
    scanner, _client = backends()
    found = await BleakScanner.discover(
        timeout=0.5, service_uuids=[HEART_RATE_SERVICE], return_adv=True, backend=scanner)
    assert list(found) == [strap.address]
    _device, adv = found[strap.address]
    assert adv.local_name == "Companion HR Strap"
    assert HEART_RATE_SERVICE in adv.service_uuids
    devices = await find_heart_rate_devices(timeout=3.0, backend=scanner, settle=0.1)
    assert [(d.address, d.name) for d in devices] == [(strap.address, "Companion HR Strap")]
    await strap.sleep()  # taken off: no longer advertising
    assert await find_heart_rate_devices(timeout=0.3, backend=scanner) == []


async def test_notifications_decode_and_the_control_point(strap) -> None:  # type: ignore[no-untyped-def]
    _scanner, client_backend = backends()
    scripted = [
        HeartRateReading(72, True, None, (830.078125,)),
        HeartRateReading(300, True, 1234, (199.21875, 200.1953125, 200.1953125)),  # 16-bit value
        HeartRateReading(61, False, None, ()),  # strap slipped
        HeartRateReading(58, None, 70000, (1034.1796875, 1030.2734375)),  # energy saturates at 0xFFFF
    ]
    strap.auto_stream = False
    got: list[HeartRateReading] = []
    async with BleakClient(strap.address, backend=client_backend) as client:
        assert client.services.get_service(HEART_RATE_SERVICE) is not None
        assert await client.read_gatt_char(BODY_SENSOR_LOCATION) == bytearray(b"\x01")  # chest
        await client.start_notify(HEART_RATE_MEASUREMENT, lambda _c, data: got.append(decode_heart_rate(data)))
        for reading in scripted:
            await strap.send(reading)
        await strap.send(HeartRateReading(90, True, None, ()), uint16=True)
        for _ in range(100):
            if len(got) == 5:
                break
            await asyncio.sleep(0.01)
        strap.energy_kj = 500
        await client.write_gatt_char(CONTROL_POINT, b"\x01", response=True)
        assert strap.energy_kj == 0 and "energy-reset" in strap.events
        with pytest.raises(BleakGATTProtocolError):
            await client.write_gatt_char(CONTROL_POINT, b"\x02", response=True)
    assert got[:3] == scripted[:3]
    assert got[3].energy_kj == 0xFFFF and got[3].rr_intervals_ms == scripted[3].rr_intervals_ms
    assert got[4] == HeartRateReading(90, True, None, ())


async def test_generated_stream_mixes_formats_contact_energy_and_rr(strap) -> None:  # type: ignore[no-untyped-def]
    _scanner, client_backend = backends()
    raw: list[bytes] = []
    async with BleakClient(strap.address, backend=client_backend) as client:
        await client.start_notify(HEART_RATE_MEASUREMENT, lambda _c, data: raw.append(bytes(data)))
        for _ in range(500):
            if len(raw) >= 50:
                break
            await asyncio.sleep(0.01)
    readings = [decode_heart_rate(packet) for packet in raw]
    assert len(readings) >= 50
    assert {packet[0] & 0x01 for packet in raw} == {0, 1}  # 8- and 16-bit heart rates
    assert {r.sensor_contact for r in readings} == {True, False}
    assert any(r.energy_kj is not None for r in readings) and any(r.energy_kj is None for r in readings)
    assert {len(r.rr_intervals_ms) for r in readings if r.sensor_contact} <= {1, 2, 3}
    assert all(40 <= r.bpm <= 200 for r in readings)


def _stored(store, pid: int, kind: str) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    rows = store.query("SELECT ts, value FROM sample WHERE profile_id = ? AND kind = ? ORDER BY ts", (pid, kind))
    return [(int(r[0]), float(r[1])) for r in rows]


def _assert_rollups_match(store, pid: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    samples = _stored(store, pid, kind)
    for level in LEVELS:
        row = store.query_one(
            "SELECT coalesce(sum(n), 0), coalesce(sum(total), 0) FROM sample_rollup "
            "WHERE profile_id = ? AND kind = ? AND level = ?", (pid, kind, level))
        assert int(row[0]) == len(samples), (kind, level)
        assert float(row[1]) == pytest.approx(sum(v for _, v in samples)), (kind, level)


async def test_stream_is_stored_as_heart_rate_and_rr_samples(strap, store, pid) -> None:  # type: ignore[no-untyped-def]
    _scanner, client_backend = backends()
    recorder = HeartRateRecorder(store, pid, "ble:Companion HR Strap", flush_every=8)
    received: list[HeartRateReading] = []
    stop = asyncio.Event()

    def on_reading(ts: int, reading: HeartRateReading) -> None:
        received.append(reading)
        recorder.add(ts, reading)
        if len(received) == 30:
            stop.set()

    await asyncio.wait_for(
        stream_heart_rate(strap.address, on_reading, stop, backend=client_backend, clock=counting_clock()), 20)
    recorder.flush()
    assert len(received) >= 30
    with_contact = [r for r in received if r.sensor_contact is not False]
    assert 0 < len(with_contact) < len(received)  # the generated stream lets the strap slip once
    hr = _stored(store, pid, SampleKind.HEART_RATE)
    assert [v for _, v in hr] == [float(r.bpm) for r in with_contact]
    rr = _stored(store, pid, SampleKind.RR_INTERVAL)
    assert [v for _, v in rr] == pytest.approx([r.rr_intervals_ms[-1] for r in with_contact if r.rr_intervals_ms])
    assert Samples(store).count(pid, SampleKind.HEART_RATE) == recorder.stored == len(hr)
    _assert_rollups_match(store, pid, SampleKind.HEART_RATE)
    _assert_rollups_match(store, pid, SampleKind.RR_INTERVAL)
    await asyncio.sleep(0.1)
    assert not strap.streaming and "disconnected" in strap.events  # the session closed the link


async def test_disconnect_mid_stream_leaves_the_store_consistent(strap, store, pid) -> None:  # type: ignore[no-untyped-def]
    _scanner, client_backend = backends()
    strap.drop_after = 13  # the link drops after 13 packets, between two flushes of 5
    recorder = HeartRateRecorder(store, pid, "ble:Companion HR Strap", flush_every=5)
    received: list[HeartRateReading] = []
    errors: list[str] = []

    def on_reading(ts: int, reading: HeartRateReading) -> None:
        received.append(reading)
        recorder.add(ts, reading)

    never = asyncio.Event()
    await asyncio.wait_for(stream_heart_rate(strap.address, on_reading, never, backend=client_backend,
                                             clock=counting_clock(), on_error=errors.append), 20)
    assert "disconnected" in strap.events and not never.is_set()  # returned because the strap went away
    flushed_before = recorder.stored
    recorder.flush()  # what the live tab does when the stream ends
    assert len(received) == 13 and errors == []
    assert 0 < flushed_before < recorder.stored
    with_contact = [r for r in received if r.sensor_contact is not False]
    assert [v for _, v in _stored(store, pid, SampleKind.HEART_RATE)] == [float(r.bpm) for r in with_contact]
    _assert_rollups_match(store, pid, SampleKind.HEART_RATE)
    _assert_rollups_match(store, pid, SampleKind.RR_INTERVAL)
    # Reconnecting afterwards streams again and adds to, never rewrites, what was stored.
    stop = asyncio.Event()
    more: list[HeartRateReading] = []

    def again(ts: int, reading: HeartRateReading) -> None:
        more.append(reading)
        recorder.add(ts, reading)
        if len(more) == 3:
            stop.set()

    ticks = itertools.count(T0 + 100)
    await asyncio.wait_for(stream_heart_rate(strap.address, again, stop, backend=client_backend,
                                             clock=lambda: next(ticks)), 20)
    recorder.flush()
    expected = len(with_contact) + sum(1 for r in more if r.sensor_contact is not False)
    assert Samples(store).count(pid, SampleKind.HEART_RATE) == expected
    _assert_rollups_match(store, pid, SampleKind.HEART_RATE)


@given(seed=st.integers(0, 2**32), resting=st.integers(40, 120), interval=st.floats(0.01, 2.0))
@settings(max_examples=40, deadline=None)
def test_every_generated_packet_round_trips(seed: int, resting: int, interval: float) -> None:
    from companion.ble.emulator.strap import HeartRatePattern

    pattern = HeartRatePattern(resting_bpm=resting, seed=seed, interval_s=interval)
    energies = []
    for i in range(60):
        reading = pattern.next()
        packet = encode_heart_rate(reading, uint16=i % 7 == 3)
        decoded = decode_heart_rate(packet)
        assert len(packet) <= 20  # one notification at the default ATT MTU of 23
        assert (decoded.bpm, decoded.sensor_contact, decoded.energy_kj) == (
            reading.bpm, reading.sensor_contact, reading.energy_kj)
        assert decoded.rr_intervals_ms == pytest.approx(reading.rr_intervals_ms, abs=1000 / 1024)
        assert 1 <= len(reading.rr_intervals_ms) <= 3 or reading.sensor_contact is False
        if reading.energy_kj is not None:
            energies.append(reading.energy_kj)
    assert energies == sorted(energies) and len(energies) == 6  # every tenth packet, never decreasing
