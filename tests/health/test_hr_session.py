"""``stream_heart_rate`` and ``HeartRateRecorder`` through bleak's public BleakClient against the emulated
Bumble heart-rate strap: exact scripted readings, a malformed packet from a misbehaving strap, the strap
going away, and the stop event."""

from __future__ import annotations

import asyncio
from typing import Any

from companion.health.heart_rate import HeartRateReading
from companion.health.hr_session import HeartRateRecorder, stream_heart_rate
from companion.store.samples import Samples
from tests.health.conftest import backends

SCRIPT = [HeartRateReading(60 + i, True, 10 * i, (900.0 + i,)) for i in range(10)]
MALFORMED = b"\x10\x48"  # flags say "RR intervals follow", but the packet ends after the heart rate


async def test_readings_flow_until_the_strap_disconnects(strap: Any, store: Any, pid: int) -> None:
    _scanner, client_backend = backends()
    strap.queue(*SCRIPT, MALFORMED)
    strap.drop_after = len(SCRIPT) + 1  # the strap goes away right after the malformed packet
    recorder = HeartRateRecorder(store, pid, "ble:Companion HR Strap", flush_every=4)
    got: list[HeartRateReading] = []
    errors: list[str] = []
    clock = iter(range(1_767_250_800, 1_767_250_900))

    def on_reading(ts: int, reading: HeartRateReading) -> None:
        got.append(reading)
        recorder.add(ts, reading)

    await asyncio.wait_for(stream_heart_rate(strap.address, on_reading, asyncio.Event(), backend=client_backend,
                                             clock=lambda: next(clock), on_error=errors.append), 20)
    recorder.flush()
    assert [r.bpm for r in got] == list(range(60, 70))
    assert got[3].energy_kj == 30 and got[3].rr_intervals_ms == (903.3203125,)  # 1/1024 s resolution
    assert errors == ["RR intervals announced but missing or cut off"]
    assert "sent-raw" in strap.events and "disconnected" in strap.events
    assert Samples(store).count(pid, "heart_rate") == 10


async def test_stop_event_ends_the_session(strap: Any) -> None:
    _scanner, client_backend = backends()
    stop = asyncio.Event()
    seen: list[int] = []

    def on_reading(_ts: int, reading: HeartRateReading) -> None:
        seen.append(reading.bpm)
        if len(seen) == 3:
            stop.set()

    await asyncio.wait_for(stream_heart_rate(strap.address, on_reading, stop, backend=client_backend), 20)
    count = len(seen)
    assert count >= 3
    await asyncio.sleep(0.2)  # several strap intervals: nothing more arrives once the session ended
    assert len(seen) == count and not strap.streaming
