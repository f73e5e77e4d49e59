"""Run one driver against an emulated scale through real bleak (BleakScanner / BleakClient on the Bumble
backend): scan, classify the advert with the registry, connect, feed the driver its events, carry out its actions.

The end-to-end tests of the vendor GATT families use it; it does what the generic executor does for them
(serialised events, timers, disconnect on a fatal error) so the driver runs on the real bleak code path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bleak import BleakClient, BleakScanner

from companion.ble.drivers import classify
from companion.ble.drivers.base import (
    Advert,
    CancelTimer,
    Disconnect,
    DriverConfig,
    DriverError,
    Gatt,
    Read,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    full_uuid,
    uuid_key,
)
from companion.ble.protocols import Reading
from companion.ble.session import client_kwargs, scanner_kwargs

NOW = datetime(2026, 5, 4, 7, 15, tzinfo=timezone(timedelta(hours=2)))


@dataclass
class Session:
    driver_id: str = ""
    outputs: list[Any] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    errors: list[DriverError] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def fatal(self) -> DriverError | None:
        return next((e for e in self.errors if e.fatal), None)


async def find(address: str, timeout: float = 5.0) -> Advert:
    seen: asyncio.Future[Advert] = asyncio.get_running_loop().create_future()

    def on_advert(device: Any, data: Any) -> None:
        if device.address == address and not seen.done():
            seen.set_result(
                Advert.of(
                    data.local_name, data.service_uuids, data.manufacturer_data, data.service_data, device.address
                )
            )

    async with BleakScanner(on_advert, **scanner_kwargs()):
        return await asyncio.wait_for(seen, timeout)


async def run(address: str, until: Any, *, timeout: float = 8.0, **config: Any) -> Session:
    """Connect, run the classified driver until ``until(session)`` is true (or a fatal error / timeout)."""
    advert = await find(address)
    driver_cls = classify(advert)
    assert driver_cls is not None, f"no driver claims {advert}"
    session = Session(driver_id=driver_cls.id)
    driver = driver_cls(DriverConfig(now=NOW, address=address, name=advert.name, **config))
    lock = asyncio.Lock()
    timers: dict[str, asyncio.TimerHandle] = {}
    loop = asyncio.get_running_loop()

    async with BleakClient(
        address, disconnected_callback=lambda _c: loop.create_task(event("disconnected")), **client_kwargs()
    ) as client:
        chars = {uuid_key(c.uuid): c for s in client.services for c in s.characteristics}
        gatt = Gatt(frozenset(uuid_key(s.uuid) for s in client.services), frozenset(chars))

        async def act(outputs: list[Any]) -> None:
            for out in outputs:
                session.outputs.append(out)
                if isinstance(out, Subscribe):
                    key = out.char
                    await client.start_notify(
                        full_uuid(key),
                        lambda _c, data, key=key: loop.create_task(event("notification", key, bytes(data))),
                    )
                elif isinstance(out, Write):
                    await client.write_gatt_char(full_uuid(out.char), out.data, response=out.with_response)
                elif isinstance(out, Read):
                    value = await client.read_gatt_char(full_uuid(out.char))
                    await act(driver.read_result(out.char, bytes(value)))
                elif isinstance(out, SetTimer):
                    if out.name in timers:
                        timers[out.name].cancel()
                    timers[out.name] = loop.call_later(
                        out.seconds, lambda name=out.name: loop.create_task(event("timeout", name))
                    )
                elif isinstance(out, CancelTimer):
                    handle = timers.pop(out.name, None)
                    if handle:
                        handle.cancel()
                elif isinstance(out, Disconnect):
                    session.done.set()
                elif isinstance(out, Ready):
                    session.ready.set()
                elif isinstance(out, Reading):
                    session.readings.append(out)
                elif isinstance(out, DriverError):
                    session.errors.append(out)
                    if out.fatal:
                        session.done.set()
            if until(session):
                session.done.set()

        async def event(kind: str, *args: Any) -> None:
            async with lock:
                if session.done.is_set():
                    return
                await act(getattr(driver, kind)(*args))

        async with lock:
            await act(driver.connected(gatt))
        try:
            await asyncio.wait_for(session.done.wait(), timeout)
        finally:
            for handle in timers.values():
                handle.cancel()
    return session
