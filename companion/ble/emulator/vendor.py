"""What the emulated vendor-protocol scales share: a Bumble device with one vendor GATT service, advertising,
notifications from tasks, and a log of what the app wrote.

Each emulated scale (``beurer_legacy.py``, ``yunmai.py``, ``renpho_1a10.py``, ``eufy_p2.py``, ``robi_s9.py``) is
written from the protocol facts of its family (cited in its module), never by calling the app's driver: the
end-to-end tests would otherwise prove the driver agrees with itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bumble import gatt
from bumble.device import Connection

from companion.ble.emulator.air import VirtualAir, make_device

log = logging.getLogger("companion.ble.emulator")

BASE_UUID = "-0000-1000-8000-00805f9b34fb"


def uuid16(short: int) -> str:
    return f"0000{short:04x}{BASE_UUID}"


def ad(kind: int, payload: bytes) -> bytes:
    return bytes([len(payload) + 1, kind]) + payload


def u16_uuids(*uuids: int) -> bytes:
    return b"".join(u.to_bytes(2, "little") for u in uuids)


def xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


class VendorScale:
    """Base of the emulated vendor scales. Subclasses build their GATT in ``__init__`` with the helpers below."""

    kind = "gatt"

    def __init__(self, air: VirtualAir, *, name: str, address: str) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name, address)
        self.started = False
        self.events: list[str] = []
        self.written: list[bytes] = []  # every value the app wrote, in order
        self.connection: Connection | None = None
        self.silent = False  # tests: stop answering the handshake (a scale that hangs)
        self._tasks: set[asyncio.Task[Any]] = set()
        air.add_scale(self)

    # --- building ---
    def notify_char(self, short: int, *, indicate: bool = False) -> gatt.Characteristic[Any]:
        P = gatt.Characteristic.Properties
        return gatt.Characteristic(
            uuid16(short), P.INDICATE if indicate else P.NOTIFY, gatt.Characteristic.READABLE, b""
        )

    def write_char(
        self, short: int, on_write: Callable[[bytes], None], *, notify: bool = False
    ) -> gatt.Characteristic[Any]:
        P = gatt.Characteristic.Properties
        props = P.WRITE | P.WRITE_WITHOUT_RESPONSE | (P.NOTIFY if notify else P(0))

        def written(_connection: Connection, value: bytes) -> None:
            data = bytes(value)
            self.written.append(data)
            if not self.silent:
                on_write(data)

        return gatt.Characteristic(
            uuid16(short),
            props,
            gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue[Any](write=written),
        )

    def advertise_as(self, services: Sequence[int], manufacturer: bytes | None = None) -> None:
        data = ad(0x01, b"\x06") + ad(0x03, u16_uuids(*services))
        if manufacturer is not None:
            data += ad(0xFF, manufacturer)
        self.device.advertising_data = data + ad(0x09, self.name.encode()[:20])

    # --- running ---
    async def start(self) -> None:
        await self.device.power_on()
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self.started = True
        # 100 ms, not 20: the demo air holds a dozen devices and each advert costs the in-process link CPU.
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=100, advertising_interval_max=100
        )

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.events.append("connected")
        self.on_connected()

        def gone(*_: Any) -> None:
            self.connection = None
            self.events.append("disconnected")
            self.on_disconnected()

        connection.on(connection.EVENT_DISCONNECTION, gone)

    def on_connected(self) -> None:
        """A new link (subclasses reset their per-connection state)."""

    def on_disconnected(self) -> None:
        """The link went away."""

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, char: gatt.Characteristic[Any], value: bytes) -> None:
        """Notify, or indicate when the characteristic only indicates."""
        if char.properties & gatt.Characteristic.Properties.NOTIFY:
            await self.device.notify_subscribers(char, value)
        else:
            await self.device.indicate_subscribers(char, value)

    def send(self, char: gatt.Characteristic[Any], *values: bytes) -> None:
        """Notify ``values`` in order from a task (GATT write callbacks must not await)."""

        async def run() -> None:
            for value in values:
                await self.notify(char, value)
                await asyncio.sleep(0.005)

        self.spawn(run())

    async def disconnect(self) -> None:
        if self.connection is not None:
            await self.connection.disconnect()
