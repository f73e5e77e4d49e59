"""An emulated Renpho ES-26BB-B (vendor service 0x1A10), written from the protocol facts.

Facts (openScale ``RenphoES26BBHandler.kt`` @f7a733b, ble-scale-sync ``src/scales/renpho-es26bb.ts`` @3cce009):
notify 0x2A10, write 0x2A11; frames ``55 AA <cmd> <len u16 BE> <payload> <sum of all before>``. The scale waits
for ``55 AA 90 00 04 01 00 00 00 94`` before it streams; it sends history (0x15: weight u32 BE /100, ohm u16 BE,
seconds ago u32 BE) until acknowledged with ``55 AA 95 00 01 01 96``, and live frames 0x14 (type 0x00 measuring,
0x01 final; weight u32 BE /100, ohm u16 BE).
"""

from __future__ import annotations

import asyncio

from bumble import gatt

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16

RENPHO_1A10_ADDRESS = "C0:5C:A1:E0:00:13"
START = bytes.fromhex("55aa9000040100000094")
HISTORY_ACK = bytes.fromhex("55aa9500010196")


def frame(cmd: int, payload: bytes) -> bytes:
    body = bytes((0x55, 0xAA, cmd)) + len(payload).to_bytes(2, "big") + payload
    return body + bytes((sum(body) & 0xFF,))


class RenphoEs26bbScale(VendorScale):
    def __init__(self, air: VirtualAir, *, name: str = "ES-26BB-B", address: str = RENPHO_1A10_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)
        self.streaming = False
        self.history: list[tuple[float, int, int]] = []  # (kg, ohm, seconds ago)
        self.results = self.notify_char(0x2A10)
        control = self.write_char(0x2A11, self._on_write)
        self.device.add_services([gatt.Service(uuid16(0x1A10), [self.results, control])])
        self.advertise_as([0x1A10])

    def on_connected(self) -> None:
        self.streaming = False

    def _on_write(self, data: bytes) -> None:
        if data == START:
            self.streaming = True
            self.events.append("started")
            # Scale info (power on, kg, precision 1, offline count), then the oldest stored reading.
            out = [frame(0x11, bytes((0x01, 0x01, 0x01, len(self.history), 0x00)))]
            if self.history:
                out.append(self._history_frame())
            self.send(self.results, *out)
        elif data == HISTORY_ACK and self.history:
            self.history.pop(0)
            self.events.append("history-acked")
            if self.history:
                self.send(self.results, self._history_frame())

    def _history_frame(self) -> bytes:
        kg, ohm, ago = self.history[0]
        return frame(0x15, round(kg * 100).to_bytes(4, "big") + ohm.to_bytes(2, "big") + ago.to_bytes(4, "big"))

    async def step_on(self, weight_kg: float, *, impedance_ohm: int = 505) -> None:
        if not self.streaming:
            self.events.append("not-started")
            return
        for factor in (0.8, 0.97):
            payload = bytes((0x00,)) + round(weight_kg * factor * 100).to_bytes(4, "big") + bytes(2)
            await self.notify(self.results, frame(0x14, payload))
            await asyncio.sleep(0.02)
        payload = bytes((0x01,)) + round(weight_kg * 100).to_bytes(4, "big") + impedance_ohm.to_bytes(2, "big")
        await self.notify(self.results, frame(0x14, payload))
        self.events.append("measured")
