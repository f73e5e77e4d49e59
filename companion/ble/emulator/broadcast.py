"""What every emulated broadcast-only scale shares: a Bumble device that is never connected to and only
changes its advertising data (the person steps on, the weight settles, impedance follows, they step off)."""

from __future__ import annotations

import asyncio
from typing import Any

from bumble.device import AdvertisingType

from companion.ble.emulator.air import VirtualAir, make_device


def ad(kind: int, payload: bytes) -> bytes:
    """One AD structure (Core Spec Vol 3 Part C 11): length, type, payload."""
    return bytes([len(payload) + 1, kind]) + payload


def mac_octets(address: str) -> bytes:
    return bytes(int(part, 16) for part in address.split(":"))


class BroadcastScale:
    """Base: ``advertise(data)`` replaces what the scale is sending; ``events`` records what happened."""

    kind = "broadcast"

    def __init__(self, air: VirtualAir, *, name: str | None, address: str) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name or "broadcast-scale", address)
        self.started = False
        self.events: list[str] = []
        self.weigh_in_on_start: float | None = None
        #: Scripted runs: the person steps on again every this many seconds (None: once).
        self.repeat_weigh_in_s: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        air.add_scale(self)

    async def start(self) -> None:
        await self.device.power_on()
        self.started = True
        await self.idle()
        if self.weigh_in_on_start is not None:
            weight, self.weigh_in_on_start = self.weigh_in_on_start, None
            task = asyncio.get_running_loop().create_task(self._scripted(weight))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _scripted(self, weight: float) -> None:
        await asyncio.sleep(0.3)
        while True:
            await self.step_on(weight)
            await self.step_off()
            if self.repeat_weigh_in_s is None:
                return
            await asyncio.sleep(self.repeat_weigh_in_s)

    async def idle(self) -> None:
        """What the scale sends while awake and nobody stands on it (default: nothing)."""
        await self.silence()

    async def step_on(self, weight_kg: float) -> None:  # pragma: no cover - every scale overrides it
        raise NotImplementedError

    async def step_off(self) -> None:  # pragma: no cover - every scale overrides it
        raise NotImplementedError

    def _name_ad(self) -> bytes:
        return ad(0x09, self.name.encode()[:20]) if self.name else b""

    async def advertise(self, data: bytes) -> None:
        if self.device.is_advertising:
            await self.device.stop_advertising()
        await self.device.start_advertising(
            advertising_type=AdvertisingType.UNDIRECTED_SCANNABLE,
            advertising_data=data,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )

    async def silence(self) -> None:
        if self.device.is_advertising:
            await self.device.stop_advertising()
