"""An emulated Yunmai X (YMBS-M268): no name, service UUID 0x1320, weigh-ins in a 16-byte manufacturer AD
structure that starts with the MAC byte-reversed (so the "company id" bleak splits off is part of the MAC).

Written from the layout (oliexdev/openScale ``YunmaiXHandler.kt``; shared/reference/ble_scales.md section 2),
not by calling the driver: signature ``0B 74 17``, a per-session byte, state 1 measuring / 2 stable / 3 final,
weight u16 BE in 0.01 kg, impedance u16 BE in ohm (final frame only), XOR of the six bytes before it.
"""

from __future__ import annotations

import asyncio

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.broadcast import BroadcastScale, ad, mac_octets

YUNMAI_X_ADDRESS = "C0:5C:A1:E0:00:22"


class YunmaiXScale(BroadcastScale):
    def __init__(self, air: VirtualAir, *, address: str = YUNMAI_X_ADDRESS) -> None:
        super().__init__(air, name=None, address=address)
        self.session = 0x04

    def frame(self, state: int, weight_kg: float, impedance_ohm: int = 0) -> bytes:
        body = bytes([self.session, state]) + round(weight_kg * 100).to_bytes(2, "big")
        body += impedance_ohm.to_bytes(2, "big")
        check = 0
        for byte in body:
            check ^= byte
        return mac_octets(self.address)[::-1] + b"\x0b\x74\x17" + body + bytes([check])

    async def send(self, manufacturer: bytes) -> None:
        await self.advertise(ad(0x01, b"\x06") + ad(0x03, (0x1320).to_bytes(2, "little")) + ad(0xFF, manufacturer))

    async def step_on(
        self, weight_kg: float, *, impedance_ohm: int | None = 480, unstable_steps: int = 3, step_s: float = 0.06
    ) -> None:
        self.session = (self.session + 1) & 0xFF
        for i in range(unstable_steps):
            await self.send(self.frame(1, weight_kg * (0.7 + 0.3 * (i + 1) / (unstable_steps + 1))))
            await asyncio.sleep(step_s)
        await self.send(self.frame(2, weight_kg))
        await asyncio.sleep(0.2)
        if impedance_ohm:
            await self.send(self.frame(3, weight_kg, impedance_ohm))
            await asyncio.sleep(0.3)
        self.events.append("stable")

    async def step_off(self) -> None:
        await self.idle()
        self.events.append("off")

    async def idle(self) -> None:
        """Awake and empty: a live frame with weight 0 (openScale's "idle frame")."""
        await self.send(self.frame(1, 0.0))
