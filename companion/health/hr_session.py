"""Live heart rate from any BLE device with the standard Heart Rate Service (0x180D), through bleak.

bleak is imported only inside these functions (``COMPANION_BLE=emulated`` or an explicit ``backend=`` picks
the emulated devices in tests and ``--demo``). Readings are decoded by :mod:`companion.health.heart_rate`
and stored by :class:`HeartRateRecorder` as samples (heart rate and RR intervals) in batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from companion.health.heart_rate import (
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
    HeartRateDecodeError,
    HeartRateReading,
    decode_heart_rate,
)

if TYPE_CHECKING:
    from companion.store.db import Store


@dataclass(frozen=True, slots=True)
class HeartRateDevice:
    address: str
    name: str
    rssi: int | None = None


def _backend_kwargs(backend: Any) -> dict[str, Any]:
    return {} if backend is None else {"backend": backend}


async def find_heart_rate_devices(
    timeout: float = 5.0, backend: Any = None, *, settle: float | None = None
) -> list[HeartRateDevice]:
    """Scan for devices advertising the Heart Rate Service (``backend``: a bleak scanner backend class).

    Strongest signal first. ``settle``: stop that many seconds after the first device is seen instead of
    waiting out the whole ``timeout`` (a strap in range advertises several times a second)."""
    from bleak import BleakScanner

    found: dict[str, HeartRateDevice] = {}
    first_seen = asyncio.Event()

    def seen(device: Any, adv: Any) -> None:
        found[device.address] = HeartRateDevice(
            device.address, adv.local_name or device.name or device.address, adv.rssi)
        first_seen.set()

    async def until_settled() -> None:
        await first_seen.wait()
        await asyncio.sleep(settle or 0.0)

    async with BleakScanner(seen, service_uuids=[HEART_RATE_SERVICE], **_backend_kwargs(backend)):
        if settle is None:
            await asyncio.sleep(timeout)
        else:
            try:
                await asyncio.wait_for(until_settled(), timeout)
            except TimeoutError:
                pass
    return sorted(found.values(), key=lambda d: -(d.rssi or -999))


async def stream_heart_rate(
    address: str, on_reading: Callable[[int, HeartRateReading], None], stop: asyncio.Event, *,
    backend: Any = None, clock: Callable[[], float] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> None:
    """Connect, subscribe to Heart Rate Measurement notifications and call ``on_reading(unix_s, reading)``
    until ``stop`` is set or the device disconnects. Undecodable packets go to ``on_error``.
    ``backend``: a bleak client backend class (``BleakClient(..., backend=)``), None for the platform's."""
    import time

    from bleak import BleakClient

    now = clock or time.time
    disconnected = asyncio.Event()

    def handle(_sender: Any, data: bytearray) -> None:
        try:
            reading = decode_heart_rate(data)
        except HeartRateDecodeError as error:
            if on_error is not None:
                on_error(str(error))
            return
        on_reading(int(now()), reading)

    client = BleakClient(address, disconnected_callback=lambda _c: disconnected.set(), **_backend_kwargs(backend))
    async with client:
        await client.start_notify(HEART_RATE_MEASUREMENT, handle)
        stopper = asyncio.ensure_future(stop.wait())
        gone = asyncio.ensure_future(disconnected.wait())
        try:
            await asyncio.wait({stopper, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            gone.cancel()
            if client.is_connected:
                try:
                    await client.stop_notify(HEART_RATE_MEASUREMENT)
                except Exception:  # noqa: BLE001 - the link may already be gone
                    pass


class HeartRateRecorder:
    """Buffers live readings and stores them as samples (``heart_rate``, ``rr_interval``) every ``flush_every``."""

    def __init__(self, store: Store, profile_id: int, source: str, flush_every: int = 30) -> None:
        self.store = store
        self.profile_id = profile_id
        self.source = source
        self.flush_every = flush_every
        self._hr: list[tuple[int, float]] = []
        self._rr: list[tuple[int, float]] = []
        self.stored = 0

    def add(self, ts: int, reading: HeartRateReading) -> None:
        if reading.sensor_contact is False or not (20 <= reading.bpm <= 300):
            return  # no skin contact: the value is meaningless
        self._hr.append((ts, float(reading.bpm)))
        # several RR intervals can arrive in one second; keep the last one per second (samples are per second)
        if reading.rr_intervals_ms:
            self._rr.append((ts, reading.rr_intervals_ms[-1]))
        if len(self._hr) >= self.flush_every:
            self.flush()

    def flush(self) -> int:
        from companion.store.samples import SampleKind, Samples

        if not self._hr and not self._rr:
            return 0
        samples = Samples(self.store)
        with self.store.transaction():
            added = samples.add_many(self.profile_id, SampleKind.HEART_RATE, self.source, self._hr)
            if self._rr:
                samples.add_many(self.profile_id, SampleKind.RR_INTERVAL, self.source, self._rr)
        self._hr, self._rr = [], []
        self.stored += added
        return added
