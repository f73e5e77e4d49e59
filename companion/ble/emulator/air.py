"""The virtual radio: a Bumble ``LocalLink`` joining in-process controllers, one per asyncio loop.

The app side is a Bumble ``Device`` (the "adapter") that the bleak backend in ``backend.py`` drives; every
emulated scale is another ``Device`` on the same link. Nothing leaves the process: no radio, no BlueZ.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import Any

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger("companion.ble.emulator")

ADAPTER_ADDRESS = "C0:C0:C0:00:00:01"


def make_device(link: LocalLink, name: str, address: str) -> Device:
    controller = Controller(name, link=link, public_address=address)
    device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
    return device


class VirtualAir:
    """One link, the app's adapter device and the scales registered on it."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self.adapter = make_device(self.link, "companion-adapter", ADAPTER_ADDRESS)
        self.scales: dict[str, Any] = {}
        self._powered = False
        self._lock = asyncio.Lock()
        self.connect_lock = asyncio.Lock()  # the adapter makes one connection attempt at a time
        self._advert_listeners: list[Callable[[Any], None]] = []
        self._scan_users = 0

    async def ready(self) -> VirtualAir:
        async with self._lock:
            if not self._powered:
                await self.adapter.power_on()
                self.adapter.on(self.adapter.EVENT_ADVERTISEMENT, self._on_advertisement)
                self._powered = True
            for scale in list(self.scales.values()):
                if not scale.started:
                    await scale.start()
        return self

    def add_scale(self, scale: Any) -> None:
        self.scales[scale.address] = scale

    # Several bleak scanners may be open at once (pairing wizard and live worker): share one scan.
    def _on_advertisement(self, advertisement: Any) -> None:
        for listener in list(self._advert_listeners):
            listener(advertisement)

    async def start_scan(self, listener: Callable[[Any], None]) -> None:
        await self.ready()
        self._advert_listeners.append(listener)
        self._scan_users += 1
        if self._scan_users == 1:
            await self.adapter.start_scanning(filter_duplicates=False, active=False)

    async def stop_scan(self, listener: Callable[[Any], None]) -> None:
        if listener in self._advert_listeners:
            self._advert_listeners.remove(listener)
            self._scan_users -= 1
            if self._scan_users == 0 and self.adapter.scanning:
                # Shielded: a cancelled caller must not cancel the HCI command under Bumble's host (its late
                # response would then hit a cancelled future).
                await asyncio.shield(self.adapter.stop_scanning())


_AIRS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VirtualAir] = weakref.WeakKeyDictionary()
#: Called with a fresh air to populate it (the default adds the demo scales; tests may replace it).
_populate: Callable[[VirtualAir], None] | None = None


def set_populate(populate: Callable[[VirtualAir], None] | None) -> None:
    global _populate
    _populate = populate


def get_air() -> VirtualAir:
    """The air of the running loop (created, with its scales, on first use)."""
    loop = asyncio.get_running_loop()
    air = _AIRS.get(loop)
    if air is None:
        air = _AIRS[loop] = VirtualAir()
        populate = _populate
        if populate is None:
            from companion.ble.emulator.scale import populate_default

            populate = populate_default
        populate(air)
    return air


def reset_air() -> None:
    """Forget the air of the running loop (tests)."""
    try:
        _AIRS.pop(asyncio.get_running_loop(), None)
    except RuntimeError:
        pass


async def quiesce(timeout: float = 0.5) -> None:
    """Wait (briefly) until no emulated device has an HCI command in flight.

    A loop that ends (``asyncio.run`` cancelling every task) while an emulated scale waits for its own HCI
    command leaves Bumble's host answering a cancelled future; the CLI calls this before returning.
    """
    try:
        air = _AIRS.get(asyncio.get_running_loop())
    except RuntimeError:
        return
    if air is None:
        return
    devices = [air.adapter] + [getattr(s, "device", None) for s in air.scales.values()]
    deadline = asyncio.get_running_loop().time() + timeout
    while any(d is not None and d.host.pending_command is not None for d in devices):
        if asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.01)
