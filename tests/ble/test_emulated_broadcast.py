"""The emulated broadcast scales (S400, Yunmai X, Eufy C20) seen through bleak's real scanner API on the
Bumble virtual air: the registry names the right driver and the driver decodes the weigh-in. The emulators
encrypt and lay out their adverts from the protocol facts, independently of the drivers under test."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bleak import BleakScanner

from companion.ble import drivers, session
from companion.ble.drivers.base import Advert, DriverConfig, WrongKey
from companion.ble.emulator.eufy_c20 import EufyC20Scale
from companion.ble.emulator.xiaomi_s400 import DEMO_BIND_KEY, XiaomiS400Scale
from companion.ble.emulator.yunmai_x import YunmaiXScale
from companion.ble.protocols import Reading


async def _listen(address: str, person, config: DriverConfig | None = None):  # type: ignore[no-untyped-def]
    """Scan while ``person`` weighs themselves; feed the claimed driver every advert of ``address``."""
    outputs: list[object] = []
    state: dict[str, object] = {}

    def seen(device, adv) -> None:  # type: ignore[no-untyped-def]
        if device.address != address:
            return
        advert = Advert.of(adv.local_name, adv.service_uuids, adv.manufacturer_data, adv.service_data, device.address)
        if "driver" not in state:
            cls = drivers.classify(advert)
            assert cls is not None
            state["cls"] = cls
            state["driver"] = cls(config or DriverConfig(now=datetime.now().astimezone(), address=address))
        outputs.extend(state["driver"].advert(advert))  # type: ignore[attr-defined]

    async with BleakScanner(seen, **session.scanner_kwargs()):
        await person()
        await asyncio.sleep(0.1)
    return state.get("cls"), state.get("driver"), outputs


def _finals(outputs: list[object]) -> list[Reading]:
    return [o for o in outputs if isinstance(o, Reading) and o.stabilized and o.weight_kg]


async def test_s400_with_the_demo_key(air):  # type: ignore[no-untyped-def]
    scale = XiaomiS400Scale(air, address="C0:5C:A1:E0:01:10")
    await air.ready()
    config = DriverConfig(now=datetime.now().astimezone(), mode="pair", address=scale.address, bind_key=DEMO_BIND_KEY)

    async def person() -> None:
        await scale.step_on(81.4, impedance_ohm=515.0, heart_rate_bpm=70)
        await scale.step_off()

    cls, _driver, outputs = await _listen(scale.address, person, config)
    assert cls is drivers.get("xiaomi-s400")
    [final] = _finals(outputs)
    assert (final.weight_kg, final.impedance_ohm, final.heart_rate_bpm) == (81.4, 515.0, 70.0)
    assert not [o for o in outputs if isinstance(o, WrongKey)]


async def test_s400_with_a_wrong_key_says_so(air):  # type: ignore[no-untyped-def]
    scale = XiaomiS400Scale(air, address="C0:5C:A1:E0:01:11")
    await air.ready()
    config = DriverConfig(
        now=datetime.now().astimezone(), mode="pair", address=scale.address, bind_key=bytes(16)
    )

    async def person() -> None:
        await scale.step_on(81.4)

    _cls, _driver, outputs = await _listen(scale.address, person, config)
    assert not _finals(outputs)
    errors = [o for o in outputs if isinstance(o, WrongKey)]
    assert errors and "does not decrypt" in errors[0].message


async def test_yunmai_x_nameless_broadcast(air):  # type: ignore[no-untyped-def]
    scale = YunmaiXScale(air, address="C0:5C:A1:E0:01:12")
    await air.ready()

    async def person() -> None:
        await scale.step_on(77.25, impedance_ohm=470)
        await scale.step_off()

    cls, _driver, outputs = await _listen(scale.address, person)
    assert cls is drivers.get("yunmai-x")
    [final] = _finals(outputs)
    assert final.weight_kg == 77.25 and final.impedance_ohm == 470.0


async def test_eufy_c20_broadcast(air):  # type: ignore[no-untyped-def]
    scale = EufyC20Scale(air, address="C0:5C:A1:E0:01:13")
    await air.ready()

    async def person() -> None:
        await scale.step_on(68.9, impedance_ohm=498.5, heart_rate_bpm=66)
        await scale.step_off()

    cls, _driver, outputs = await _listen(scale.address, person)
    assert cls is drivers.get("eufy-c20")
    [final] = _finals(outputs)
    assert (final.weight_kg, final.impedance_ohm, final.heart_rate_bpm) == (68.9, 498.5, 66.0)
