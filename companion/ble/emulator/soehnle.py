"""An emulated Soehnle Shape200: user slots over the User Control Point, measurements via history requests.

Written from the protocol facts (openScale ``SoehnleHandler.kt``@0cb4064, ble-scale-sync ``soehnle.ts``@4d10962;
see companion/ble/drivers/soehnle.py), never by calling the driver: slots 1..7 with consent code 0
(``01 00 00`` create -> ``20 01 01 <index>``, ``02 <index> 00 00`` select -> ``20 02 01`` or a failure code),
age / gender / height written to 0x2A80 / 0x2A8C / 0x2A8E, a 9-byte clock on 0x2A2B, and ``09 <index>`` on the
command characteristic answered by the stored 15-byte ``09`` frames of that user on characteristic A.
Not in the default population (the demo shows it only when a test or the demo adds it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bumble import gatt
from bumble.device import Connection

from companion.ble.emulator.air import VirtualAir, make_device

SOEHNLE_ADDRESS = "C0:5C:A1:E0:00:20"
_BASE = "-28e9-40b8-a361-6db4cca4147c"
_SERVICE, _NOTIFY_A, _COMMAND, _NOTIFY_B = (f"352e300{n}{_BASE}" for n in (0, 1, 2, 4))


def _std(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


@dataclass
class SoehnleUser:
    profile: dict[str, bytes] = field(default_factory=dict)
    records: list[bytes] = field(default_factory=list)


class SoehnleScale:
    kind = "gatt"

    def __init__(self, air: VirtualAir, *, name: str = "Shape200-0A1B", address: str = SOEHNLE_ADDRESS) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name, address)
        self.started = False
        self.events: list[str] = []
        self.users: dict[int, SoehnleUser] = {}
        self.clock: bytes = b""
        self._selected: dict[int, int] = {}  # connection handle -> slot
        self._tasks: set[asyncio.Task[Any]] = set()
        P = gatt.Characteristic.Properties
        rw = gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE
        self.notify_a: gatt.Characteristic[Any] = gatt.Characteristic(
            _NOTIFY_A, P.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        notify_b: gatt.Characteristic[Any] = gatt.Characteristic(_NOTIFY_B, P.NOTIFY, gatt.Characteristic.READABLE, b"")
        command: gatt.Characteristic[Any] = gatt.Characteristic(
            _COMMAND, P.WRITE, rw, gatt.CharacteristicValue[Any](write=self._on_command)
        )
        self.ucp: gatt.Characteristic[Any] = gatt.Characteristic(
            _std(0x2A9F), P.WRITE | P.INDICATE, rw, gatt.CharacteristicValue[Any](write=self._on_control_point)
        )
        fields = [
            gatt.Characteristic(
                _std(uuid),
                P.WRITE,
                rw,
                gatt.CharacteristicValue[Any](write=lambda c, v, k=key: self._on_field(c, k, v)),
            )
            for uuid, key in ((0x2A80, "age"), (0x2A8C, "gender"), (0x2A8E, "height"))
        ]
        clock: gatt.Characteristic[Any] = gatt.Characteristic(
            _std(0x2A2B), P.WRITE, rw, gatt.CharacteristicValue[Any](write=self._on_clock)
        )
        self.device.add_services(
            [
                gatt.Service(_SERVICE, [self.notify_a, command, notify_b]),
                gatt.Service(_std(0x181C), [self.ucp, *fields]),
                gatt.Service(_std(0x1805), [clock]),
            ]
        )
        payload = name.encode()[:20]
        self.device.advertising_data = bytes([2, 0x01, 0x06, len(payload) + 1, 0x09]) + payload
        air.add_scale(self)

    async def start(self) -> None:
        await self.device.power_on()
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self.started = True
        await self.device.start_advertising(auto_restart=True, advertising_interval_min=20, advertising_interval_max=20)

    def _on_connection(self, connection: Connection) -> None:
        connection.on(connection.EVENT_DISCONNECTION, lambda *_: self._selected.pop(connection.handle, None))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_clock(self, _connection: Connection, value: bytes) -> None:
        self.clock = bytes(value)
        self.events.append("clock-set")

    def _on_field(self, connection: Connection, key: str, value: bytes) -> None:
        slot = self._selected.get(connection.handle)
        if slot is not None:
            self.users[slot].profile[key] = bytes(value)

    def _on_control_point(self, connection: Connection, value: bytes) -> None:
        data = bytes(value)
        if data[:1] == b"\x01":  # create a user
            free = next((i for i in range(1, 8) if i not in self.users), None)
            if free is None:
                answer = bytes([0x20, 0x01, 0x04])
            else:
                self.users[free] = SoehnleUser()
                self._selected[connection.handle] = free
                self.events.append(f"created:{free}")
                answer = bytes([0x20, 0x01, 0x01, free])
        elif data[:1] == b"\x02" and len(data) >= 2:  # select a user
            ok = data[1] in self.users
            if ok:
                self._selected[connection.handle] = data[1]
                self.events.append(f"selected:{data[1]}")
            answer = bytes([0x20, 0x02, 0x01 if ok else 0x05])
        else:
            answer = bytes([0x20, data[0] if data else 0, 0x02])
        self._spawn(self.device.indicate_subscriber(connection, self.ucp, answer))

    def _on_command(self, connection: Connection, value: bytes) -> None:
        data = bytes(value)
        if len(data) == 2 and data[0] == 0x09 and data[1] in self.users:
            self.events.append(f"history:{data[1]}")
            self._spawn(self._send(connection, list(self.users[data[1]].records)))

    async def _send(self, connection: Connection, frames: list[bytes]) -> None:
        for frame in frames:
            await self.device.notify_subscriber(connection, self.notify_a, frame)

    @staticmethod
    def frame(slot: int, at: datetime, weight_kg: float, impedance_5k: int, impedance_50k: int) -> bytes:
        return (
            bytes([0x09, slot])
            + at.year.to_bytes(2, "big")
            + bytes([at.month, at.day, at.hour, at.minute, at.second])
            + round(weight_kg * 10).to_bytes(2, "big")
            + impedance_5k.to_bytes(2, "big")
            + impedance_50k.to_bytes(2, "big")
        )

    async def step_on(self, slot: int, weight_kg: float, at: datetime, *, impedance_50k: int = 520) -> None:
        """A weigh-in by the user in ``slot``: stored, and sent at once to a client that selected that slot."""
        record = self.frame(slot, at, weight_kg, impedance_50k + 60, impedance_50k)
        self.users.setdefault(slot, SoehnleUser()).records.append(record)
        for connection in list(self.device.connections.values()):
            if self._selected.get(connection.handle) == slot:
                await self.device.notify_subscriber(connection, self.notify_a, record)
