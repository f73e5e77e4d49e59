"""An emulated Eufy Smart Scale C20 (T9130): weigh-ins in manufacturer data of company 0xBC64.

Written from the layout in oliexdev/openScale ``EufyC20Handler.kt`` (not by calling the driver): ``[10]``
flags (bit 0 weight, bit 6 impedance, bit 7 heart rate), weight u16 LE /100 at ``[12:14]``, heart rate at
``[15]``, impedance u16 LE /10 at ``[17:19]`` (offsets after the company id). The weight comes first; the
impedance and heart rate follow a few seconds later when the person stands barefoot.
"""

from __future__ import annotations

import asyncio

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.broadcast import BroadcastScale, ad

EUFY_C20_ADDRESS = "C0:5C:A1:E0:00:23"
COMPANY_ID = 0xBC64


def payload(weight_kg: float | None, impedance_ohm: float | None = None, heart_rate_bpm: int | None = None) -> bytes:
    out = bytearray(19)
    flags = 0
    if weight_kg is not None:
        flags |= 0x01
        out[12:14] = round(weight_kg * 100).to_bytes(2, "little")
    if heart_rate_bpm is not None:
        flags |= 0x80
        out[15] = heart_rate_bpm
    if impedance_ohm is not None:
        flags |= 0x40
        out[17:19] = round(impedance_ohm * 10).to_bytes(2, "little")
    out[10] = flags
    return bytes(out)


class EufyC20Scale(BroadcastScale):
    def __init__(self, air: VirtualAir, *, name: str = "eufy C20", address: str = EUFY_C20_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)

    async def send(self, value: bytes) -> None:
        data = ad(0x01, b"\x06") + ad(0xFF, COMPANY_ID.to_bytes(2, "little") + value) + self._name_ad()
        await self.advertise(data)

    async def step_on(
        self,
        weight_kg: float,
        *,
        impedance_ohm: float | None = 505.0,
        heart_rate_bpm: int | None = 68,
        unstable_steps: int = 3,
        step_s: float = 0.06,
    ) -> None:
        for i in range(unstable_steps):
            await self.send(payload(weight_kg * (0.7 + 0.3 * (i + 1) / (unstable_steps + 1))))
            await asyncio.sleep(step_s)
        await self.send(payload(weight_kg))
        await asyncio.sleep(0.2)
        if impedance_ohm is not None:
            await self.send(payload(weight_kg, impedance_ohm, heart_rate_bpm))
            await asyncio.sleep(0.3)
        self.events.append("stable")

    async def step_off(self) -> None:
        await self.idle()
        self.events.append("off")

    async def idle(self) -> None:
        """Awake and empty: the advert without any field flag."""
        await self.send(payload(None))
