"""An emulated Yunmai Mini, written from the protocol facts.

Facts (openScale ``YunmaiHandler.kt`` @f7a733b, ble-scale-sync ``src/scales/yunmai.ts`` @3cce009): service 0xFFE0
notifies on 0xFFE4, service 0xFFE5 takes commands on 0xFFE9. Commands are ``0D <len> <cmd> ... <xor of bytes
1..>``: 0x10 set user (uid16 BE at [6..7], height, sex, age, ..., unit), 0x11 set time (u32 BE), 0x13 start.
The scale streams measuring frames (type 0x01) and one measured frame (type 0x02) ``0D <version> <len> 02 00
<time u32 BE> <uid u32 BE> <weight BE /100> <resistance BE> <fat BE /100> <xor>``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bumble import gatt

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16, xor

YUNMAI_ADDRESS = "C0:5C:A1:E0:00:12"


class YunmaiScale(VendorScale):
    VERSION = 0x1E

    def __init__(self, air: VirtualAir, *, name: str = "YUNMAI-ISM2-W", address: str = YUNMAI_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)
        self.uid = 0
        self.clock: int | None = None
        self.started_measuring = False
        self.profile: bytes | None = None
        self.measure = self.notify_char(0xFFE4)
        command = self.write_char(0xFFE9, self._on_write)
        self.device.add_services(
            [gatt.Service(uuid16(0xFFE0), [self.measure]), gatt.Service(uuid16(0xFFE5), [command])]
        )
        self.advertise_as([0xFFE0, 0xFFE5])

    def on_connected(self) -> None:
        self.started_measuring = False

    def _on_write(self, data: bytes) -> None:
        if len(data) < 4 or data[0] != 0x0D or xor(data[1:-1]) != data[-1]:
            self.events.append("bad-command")
            return
        cmd = data[2]
        if cmd == 0x10 and len(data) >= 18:
            self.uid = int.from_bytes(data[6:8], "big")
            self.profile = data
            self.events.append("user-set")
        elif cmd == 0x11 and len(data) >= 8:
            self.clock = int.from_bytes(data[3:7], "big")
            self.events.append("clock-set")
        elif cmd == 0x13:
            self.started_measuring = True
            self.events.append("started")

    def _frame(self, kind: int, weight_kg: float, resistance: int, fat_pct: float) -> bytes:
        at = self.clock if self.clock is not None else 0
        body = bytes((0x0D, self.VERSION, 0x14, kind, 0x00)) + at.to_bytes(4, "big") + self.uid.to_bytes(4, "big")
        body += round(weight_kg * 100).to_bytes(2, "big") + resistance.to_bytes(2, "big")
        body += round(fat_pct * 100).to_bytes(2, "big")
        return body + bytes((xor(body[1:]),))

    async def step_on(self, weight_kg: float, *, resistance: int = 530, fat_pct: float = 21.5) -> None:
        for factor in (0.7, 0.95):
            await self.notify(self.measure, self._frame(0x01, weight_kg * factor, 0, 0))
            await asyncio.sleep(0.02)
        await self.notify(self.measure, self._frame(0x02, weight_kg, resistance, fat_pct))
        self.events.append("measured")

    def clock_time(self) -> datetime | None:
        return None if self.clock is None else datetime.fromtimestamp(self.clock, UTC).replace(tzinfo=None)
