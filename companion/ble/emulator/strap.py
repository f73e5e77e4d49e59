"""An emulated heart-rate strap on Bumble: the standard Heart Rate Service (0x180D) for tests and ``--demo``.

GATT layout (Bluetooth SIG, Heart Rate Service 1.0, sections 3.1-3.3, and the GATT Specification Supplement):
- Heart Rate Measurement 0x2A37, notify only; built with :func:`companion.health.heart_rate.encode_heart_rate`.
- Body Sensor Location 0x2A38, read; 0x01 = chest.
- Heart Rate Control Point 0x2A39, write; 0x01 resets the Energy Expended to 0, any other value is refused
  with the service's own ATT error 0x80 "Control Point value not supported" (HRS 1.0 section 3.3.1 and 1.6).

While a client is subscribed the strap sends one measurement every ``interval_s`` (a second, like a real
strap): the heart rate drifts around a resting value, now and then as a 16-bit value, skin contact comes and
goes, Energy Expended rides along every tenth packet (HRS 1.0 section 3.1.1.3 suggests about every 10
measurements) and 1-3 RR intervals as the beats of that second allow. Tests script it: ``queue(...)`` exact
readings or raw payloads, ``drop_after`` a number of packets, ``stop_streaming()``, ``disconnect()``,
``sleep()``/``wake()``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from typing import Any

from bumble import gatt
from bumble.att import ATT_Error
from bumble.device import Connection

from companion.ble.emulator.air import VirtualAir, make_device
from companion.health.heart_rate import HeartRateReading, encode_heart_rate

log = logging.getLogger("companion.ble.emulator")

HR_STRAP_ADDRESS = "C0:5C:A1:E0:00:10"
HR_STRAP_NAME = "Companion HR Strap"
HEART_RATE_SERVICE = 0x180D
HEART_RATE_MEASUREMENT = 0x2A37
BODY_SENSOR_LOCATION = 0x2A38
HEART_RATE_CONTROL_POINT = 0x2A39
SENSOR_LOCATION_CHEST = 0x01
RESET_ENERGY_EXPENDED = 0x01
CONTROL_POINT_NOT_SUPPORTED = 0x80  # HRS 1.0 section 1.6, application error code


def _uuid(short: int) -> str:
    return f"0000{short:04X}-0000-1000-8000-00805F9B34FB"


def _ad(kind: int, payload: bytes) -> bytes:
    return bytes([len(payload) + 1, kind]) + payload


class HeartRatePattern:
    """What the strap measures, packet by packet (pure, seedable): a heart rate drifting around a resting
    value with a bout of exertion every 40 packets, skin contact lost for one packet in 23, Energy Expended
    every tenth packet, and the 1-3 RR intervals completed since the previous packet."""

    def __init__(self, *, resting_bpm: int = 64, seed: int | None = None, interval_s: float = 1.0) -> None:
        self.resting_bpm = resting_bpm
        self.interval_s = interval_s
        self.energy_kj = 0
        self.count = 0
        self._random = random.Random(seed)
        self._bpm = float(resting_bpm)

    def next(self) -> HeartRateReading:
        rnd = self._random
        target = self.resting_bpm + (25 if (self.count // 20) % 2 else 0)
        self._bpm += (target - self._bpm) * 0.15 + rnd.uniform(-2.0, 2.0)
        bpm = max(40, min(200, round(self._bpm)))
        contact = self.count % 23 != 22  # the strap slips for a moment
        beat_ms = 60000.0 / bpm
        # The beats completed since the last packet: about bpm / 60, more when a packet carried none.
        beats = max(1, min(3, round(bpm / 60.0 + rnd.uniform(-0.5, 1.3))))
        rr = tuple(round(beat_ms + rnd.uniform(-25.0, 25.0), 1) for _ in range(beats))
        # Energy: about (bpm - 40) / 10 kcal a minute, 4.184 kJ per kcal, accumulated per packet interval.
        self.energy_kj += max(1, round((bpm - 40) * 4.184 / 600.0 * max(self.interval_s, 0.1)))
        energy = self.energy_kj if self.count % 10 == 0 else None
        self.count += 1
        return HeartRateReading(bpm, contact, energy, rr if contact else ())


class HeartRateStrap:
    """A chest strap with the Heart Rate Service; registered on the air like the emulated scales."""

    kind = "heart-rate"

    def __init__(
        self,
        air: VirtualAir,
        *,
        name: str = HR_STRAP_NAME,
        address: str = HR_STRAP_ADDRESS,
        interval_s: float = 1.0,
        resting_bpm: int = 64,
        seed: int | None = None,
    ) -> None:
        self.air = air
        self.name = name
        self.address = address
        self._interval_s = interval_s
        self.device = make_device(air.link, name, address)
        self.started = False
        self.asleep = False
        self.auto_stream = True  # stream on subscription; False: only queued readings on ``send``
        self.drop_after: int | None = None  # drop the link after this many packets (mid-stream disconnect)
        self.events: list[str] = []
        self.sent: list[HeartRateReading] = []
        self._queued: deque[HeartRateReading | bytes] = deque()
        self.pattern = HeartRatePattern(resting_bpm=resting_bpm, seed=seed, interval_s=interval_s)
        self._count = 0
        self._stream_task: asyncio.Task[None] | None = None
        self._build_gatt()
        air.add_scale(self)

    # ----- GATT layout ---------------------------------------------------------------------------------
    def _build_gatt(self) -> None:
        P = gatt.Characteristic.Properties
        self.measurement: gatt.Characteristic[Any] = gatt.Characteristic(
            _uuid(HEART_RATE_MEASUREMENT), P.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        self.measurement.on(self.measurement.EVENT_SUBSCRIPTION, self._on_subscription)
        location: gatt.Characteristic[Any] = gatt.Characteristic(
            _uuid(BODY_SENSOR_LOCATION), P.READ, gatt.Characteristic.READABLE, bytes([SENSOR_LOCATION_CHEST])
        )
        control: gatt.Characteristic[Any] = gatt.Characteristic(
            _uuid(HEART_RATE_CONTROL_POINT),
            P.WRITE,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue[Any](write=self._on_control_point),
        )
        self.device.add_services([gatt.Service(_uuid(HEART_RATE_SERVICE), [self.measurement, location, control])])
        self.device.advertising_data = (
            _ad(0x01, b"\x06")
            + _ad(0x03, HEART_RATE_SERVICE.to_bytes(2, "little"))
            + _ad(0x09, self.name.encode()[:20])
        )

    def _on_control_point(self, _connection: Connection, value: bytes) -> None:
        if bytes(value) != bytes([RESET_ENERGY_EXPENDED]):
            self.events.append("control-point-refused")
            raise ATT_Error(CONTROL_POINT_NOT_SUPPORTED)
        self.pattern.energy_kj = 0
        self.events.append("energy-reset")

    # ----- power and links -----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.device.power_on()
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self.started = True
        if not self.asleep:
            await self._advertise()

    async def _advertise(self) -> None:
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=20, advertising_interval_max=20
        )

    def _on_connection(self, connection: Connection) -> None:
        self.events.append("connected")

        def gone(*_: Any) -> None:
            self.events.append("disconnected")
            self.stop_streaming()

        connection.on(connection.EVENT_DISCONNECTION, gone)

    def _on_subscription(self, _bearer: Any, notify: bool, _indicate: bool) -> None:
        if notify:
            self.events.append("subscribed")
            if self.auto_stream:
                self.start_streaming()
        else:
            self.events.append("unsubscribed")
            self.stop_streaming()

    def start_streaming(self) -> None:
        """Send a measurement every ``interval_s`` until stopped or the link drops."""
        if self._stream_task is None or self._stream_task.done():
            self._stream_task = asyncio.get_running_loop().create_task(self._stream())

    def stop_streaming(self) -> None:
        task, self._stream_task = self._stream_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    @property
    def interval_s(self) -> float:
        """Seconds between measurements while streaming (1.0 like a real strap; tests make it shorter)."""
        return self._interval_s

    @interval_s.setter
    def interval_s(self, value: float) -> None:
        self._interval_s = self.pattern.interval_s = value

    @property
    def energy_kj(self) -> int:
        return self.pattern.energy_kj

    @energy_kj.setter
    def energy_kj(self, value: int) -> None:
        self.pattern.energy_kj = value

    @property
    def streaming(self) -> bool:
        return self._stream_task is not None and not self._stream_task.done()

    async def _stream(self) -> None:
        try:
            while self.device.connections:
                await self.send()
                if self.drop_after is not None and self._count >= self.drop_after:
                    self.drop_after = None
                    await self.disconnect()
                    return
                await asyncio.sleep(self.interval_s)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a link torn down under a notification: the strap just stops
            log.debug("heart-rate strap stream ended", exc_info=True)

    async def send(
        self, reading: HeartRateReading | None = None, *, uint16: bool | None = None,
    ) -> HeartRateReading | None:
        """Notify one measurement: ``reading``, else the next queued one (None for a raw payload), else a
        generated one."""
        if reading is None:
            item = self._queued.popleft() if self._queued else self._next_reading()
            if isinstance(item, bytes):  # a scripted raw payload: what a misbehaving strap sends
                await self.device.notify_subscribers(self.measurement, item)
                self._count += 1
                self.events.append("sent-raw")
                return None
            reading = item
            if uint16 is None and reading.bpm <= 255:
                uint16 = self._count % 7 == 3  # a 16-bit value now and then, as some straps always send
        await self.device.notify_subscribers(self.measurement, encode_heart_rate(reading, uint16=uint16))
        self._count += 1
        self.sent.append(reading)
        self.events.append("sent")
        return reading

    def queue(self, *readings: HeartRateReading | bytes) -> None:
        """Script exact readings, or raw payloads (e.g. a malformed packet): sent next, in order, before
        generated ones."""
        self._queued.extend(readings)

    def _next_reading(self) -> HeartRateReading:
        return self.pattern.next()

    async def disconnect(self) -> None:
        self.stop_streaming()
        for connection in list(self.device.connections.values()):
            try:
                await connection.disconnect()
            except Exception:  # noqa: BLE001 - already gone
                pass

    async def sleep(self) -> None:
        """Taken off: no advertising, so it cannot be found or connected to."""
        self.asleep = True
        await self.disconnect()
        await asyncio.sleep(0.01)
        if self.device.is_advertising:
            await self.device.stop_advertising()

    async def wake(self) -> None:
        self.asleep = False
        if self.started and not self.device.is_advertising:
            await self._advertise()

    async def stop(self) -> None:
        """Switched off: stop streaming, drop the link and stop advertising (``wake`` switches it on)."""
        await self.sleep()
