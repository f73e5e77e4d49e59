"""``stream_heart_rate`` through bleak's public BleakClient with a ``backend=``: a minimal in-process heart-rate
strap backend stands in for the radio until the Bumble emulator grows a heart-rate strap mode."""

from __future__ import annotations

import asyncio
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection

from companion.health.heart_rate import (
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
    HeartRateReading,
    encode_heart_rate,
)
from companion.health.hr_session import HeartRateRecorder, stream_heart_rate
from companion.store.samples import Samples

PACKETS = [encode_heart_rate(HeartRateReading(60 + i, True, 10 * i, (900.0 + i,))) for i in range(10)] + [b"\x10\x48"]


class StrapBackend(BaseBleakClient):
    """Serves the Heart Rate Service; notifies PACKETS, then (optionally) drops the link."""

    drop_after = True

    def __init__(self, address: Any, **kwargs: Any) -> None:
        super().__init__(address, disconnected_callback=kwargs.get("disconnected_callback"),
                         timeout=kwargs.get("timeout", 10.0))
        self._connected = False
        self._task: asyncio.Task[None] | None = None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        services = BleakGATTServiceCollection()
        service = BleakGATTService(None, 10, HEART_RATE_SERVICE)
        char = BleakGATTCharacteristic(None, 11, HEART_RATE_MEASUREMENT, ["notify"], lambda: 20, service)
        services.add_service(service)
        services.add_characteristic(char)
        self.services = services
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False
        if self._task is not None:
            self._task.cancel()

    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def mtu_size(self) -> int:
        return 23

    async def start_notify(self, characteristic: Any, callback: Any, **kwargs: Any) -> None:
        async def run() -> None:
            for packet in PACKETS:
                await asyncio.sleep(0.001)
                callback(bytearray(packet))
            if self.drop_after:
                self._connected = False
                if self._disconnected_callback is not None:
                    self._disconnected_callback()

        self._task = asyncio.ensure_future(run())

    async def stop_notify(self, characteristic: Any) -> None:
        if self._task is not None:
            self._task.cancel()

    async def pair(self, *args: Any, **kwargs: Any) -> None: ...
    async def unpair(self) -> None: ...
    async def read_gatt_char(self, *args: Any, **kwargs: Any) -> bytearray: return bytearray()
    async def read_gatt_descriptor(self, *args: Any, **kwargs: Any) -> bytearray: return bytearray()
    async def write_gatt_char(self, *args: Any, **kwargs: Any) -> None: ...
    async def write_gatt_descriptor(self, *args: Any, **kwargs: Any) -> None: ...


async def test_readings_flow_until_the_strap_disconnects(store, pid) -> None:  # type: ignore[no-untyped-def]
    recorder = HeartRateRecorder(store, pid, "ble:Test strap", flush_every=4)
    got: list[HeartRateReading] = []
    errors: list[str] = []
    clock = iter(range(1_767_250_800, 1_767_250_900))

    def on_reading(ts: int, reading: HeartRateReading) -> None:
        got.append(reading)
        recorder.add(ts, reading)

    await asyncio.wait_for(stream_heart_rate("AA:BB:CC:DD:EE:FF", on_reading, asyncio.Event(), backend=StrapBackend,
                                             clock=lambda: next(clock), on_error=errors.append), 5)
    recorder.flush()
    assert [r.bpm for r in got] == list(range(60, 70))
    assert got[3].energy_kj == 30 and got[3].rr_intervals_ms == (903.3203125,)
    assert errors == ["RR intervals announced but missing or cut off"]
    assert Samples(store).count(pid, "heart_rate") == 10


async def test_stop_event_ends_the_session() -> None:
    StrapBackend.drop_after = False
    stop = asyncio.Event()
    seen: list[int] = []

    def on_reading(_ts: int, reading: HeartRateReading) -> None:
        seen.append(reading.bpm)
        if len(seen) == 3:
            stop.set()

    try:
        await asyncio.wait_for(stream_heart_rate("AA", on_reading, stop, backend=StrapBackend), 5)
    finally:
        StrapBackend.drop_after = True
    assert 3 <= len(seen) <= len(PACKETS)
