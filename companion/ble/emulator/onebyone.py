"""An emulated Eufy Smart Scale C1 (T9146, 1byone classic protocol), written from the protocol facts.

Facts (openScale ``OneByoneHandler.kt`` @f7a733b, ble-scale-sync ``src/scales/one-byone.ts`` @3cce009): service
0xFFF0, the app writes on FFF1 and the scale notifies on FFF4. ``FD 37 <unit> <group> ... <xor>`` sets the unit,
``F1 <year u16 BE> <month> <day> <h> <m> <s>`` the clock (answered ``F1 00``); ``F2 00`` asks for stored readings,
sent as 18-byte CF frames with their date at 11..17 and ended by ``F2 00``; ``F2 01`` clears them. Live frames:
``CF <ohm x10 u16 LE> <kg x100 u16 LE> 00 00 00 00 <[9] 1 = no impedance>``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bumble import gatt

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16

ONEBYONE_ADDRESS = "C0:5C:A1:E0:00:16"


def cf_frame(weight_kg: float, impedance_ohm: float | None, at: datetime | None = None) -> bytes:
    body = bytearray(10)
    body[0] = 0xCF
    body[1:3] = round((impedance_ohm or 0) * 10).to_bytes(2, "little")
    body[3:5] = round(weight_kg * 100).to_bytes(2, "little")
    body[9] = 0 if impedance_ohm else 1
    if at is not None:
        body += bytes((0,)) + at.year.to_bytes(2, "big") + bytes((at.month, at.day, at.hour, at.minute, at.second))
    return bytes(body)


class EufyC1Scale(VendorScale):
    def __init__(self, air: VirtualAir, *, name: str = "eufy T9146", address: str = ONEBYONE_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)
        self.unit: int | None = None
        self.clock: datetime | None = None
        self.history: list[tuple[float, float, datetime]] = []
        self.frames = self.notify_char(0xFFF4)
        write = self.write_char(0xFFF1, self._on_write)
        self.device.add_services([gatt.Service(uuid16(0xFFF0), [write, self.frames])])
        self.advertise_as([0xFFF0])

    def _on_write(self, data: bytes) -> None:
        if len(data) == 11 and data[:2] == b"\xfd\x37":
            self.unit = data[2]
            self.events.append("unit-set")
        elif len(data) == 8 and data[0] == 0xF1:
            try:
                self.clock = datetime((data[1] << 8) | data[2], data[3], data[4], data[5], data[6], data[7])
            except ValueError:
                self.events.append("bad-clock")
                return
            self.events.append("clock-set")
            self.send(self.frames, b"\xf1\x00")
        elif data == b"\xf2\x00":
            self.events.append("history-asked")
            frames = [cf_frame(kg, ohm, at) for kg, ohm, at in self.history]
            self.send(self.frames, *frames, b"\xf2\x00")
        elif data == b"\xf2\x01":
            self.history.clear()
            self.events.append("history-cleared")

    async def step_on(self, weight_kg: float, *, impedance_ohm: float = 498.0) -> None:
        for factor in (0.8, 0.97):
            await self.device.notify_subscribers(self.frames, cf_frame(weight_kg * factor, None))
            await asyncio.sleep(0.02)
        for _ in range(2):  # the same weight twice: settled
            await self.device.notify_subscribers(self.frames, cf_frame(weight_kg, impedance_ohm))
            await asyncio.sleep(0.02)
        self.events.append("measured")
