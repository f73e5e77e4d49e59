"""An emulated Robi S9, written from the protocol facts.

Facts (ble-scale-sync ``src/scales/robi-s9.ts`` and tests @3cce009, openScale ``RobiS9HandlerTest.kt`` @f7a733b):
service 0xFFB0; the app writes its handshake on FFB1 as 20-byte frames ``<seq> <len> 00 <type> ...``, types
B0 B1 B1 B2 BD B1 B1 B2 B1 B0 B0 with seq 00..0a; a scale that does not get it drops the link. Then live frames
``<seq> 07 00 A2 ...`` on FFB2 and the result ``<seq> 08 00 A3 <flag> <grams u24 BE> ...`` on FFB3 (indicate).
"""

from __future__ import annotations

import asyncio

from bumble import gatt

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16

ROBI_S9_ADDRESS = "C0:5C:A1:E0:00:15"
EXPECTED_TYPES = (0xB0, 0xB1, 0xB1, 0xB2, 0xBD, 0xB1, 0xB1, 0xB2, 0xB1, 0xB0, 0xB0)


class RobiS9Scale(VendorScale):
    def __init__(self, air: VirtualAir, *, name: str = "Robi S9", address: str = ROBI_S9_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)
        self.handshake: list[bytes] = []
        self.accepted = False
        self.live = self.notify_char(0xFFB2)
        self.result = self.notify_char(0xFFB3, indicate=True)
        write = self.write_char(0xFFB1, self._on_write)
        self.device.add_services([gatt.Service(uuid16(0xFFB0), [write, self.live, self.result])])
        self.advertise_as([0xFFB0])
        self._seq = 0x10

    def on_connected(self) -> None:
        self.handshake = []
        self.accepted = False

    def _on_write(self, data: bytes) -> None:
        step = len(self.handshake)
        expected = EXPECTED_TYPES[step] if step < len(EXPECTED_TYPES) else None
        if len(data) != 20 or data[0] != step or data[2] != 0x00 or data[3] != expected:
            self.events.append("handshake-wrong")
            self.spawn(self.disconnect())
            return
        self.handshake.append(data)
        if len(self.handshake) == len(EXPECTED_TYPES):
            self.accepted = True
            self.events.append("handshake-ok")

    def _frame(self, length: int, kind: int, payload: bytes) -> bytes:
        self._seq = (self._seq + 1) & 0xFF
        body = bytes((self._seq, length, 0x00, kind)) + payload
        return body.ljust(19, b"\0") + b"\x13"

    async def step_on(self, weight_kg: float) -> None:
        if not self.accepted:
            self.events.append("not-accepted")
            return
        for factor in (0.5, 0.9):
            grams = round(weight_kg * factor * 1000)
            await self.notify(self.live, self._frame(0x07, 0xA2, b"\x04" + grams.to_bytes(3, "big")))
            await asyncio.sleep(0.02)
        grams = round(weight_kg * 1000)
        await self.notify(self.result, self._frame(0x08, 0xA3, b"\x00" + grams.to_bytes(3, "big")))
        self.events.append("measured")
