"""The driver registry: metadata that holds, sans-I/O modules, the README table in step (issue #14 item 7)."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from companion.ble import drivers
from companion.ble.drivers.base import Driver
from companion.ble.protocols import Reading

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = drivers.all_drivers()
READING_FIELDS = {f.name for f in fields(Reading)}


def test_readme_table_is_generated_from_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == drivers.readme_with_table(readme), (
        "README's Supported scales table is stale: run python -m companion.ble.drivers --readme README.md"
    )
    for d in DRIVERS:
        assert f"(`{d.id}`)" in readme


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.id for d in DRIVERS])
def test_driver_metadata_is_complete(driver: type[Driver]) -> None:
    assert driver.id and driver.id == driver.id.strip().lower() and " " not in driver.id
    assert driver.family and driver.devices and all(driver.devices)
    assert driver.link in ("gatt", "broadcast")
    assert driver.measures and set(driver.measures) <= READING_FIELDS
    assert driver.names or driver.services or driver.service_data or driver.company_ids or driver.claims_any
    assert all(n == n.upper() for n in driver.names), "name prefixes are matched upper-case"
    assert driver.sources, "cite where the protocol facts come from"


def test_ids_are_unique() -> None:
    ids = [d.id for d in drivers.DRIVERS]
    assert len(ids) == len(set(ids))


FORBIDDEN_IMPORTS = {"bleak", "bumble", "asyncio", "socket", "sqlite3", "time", "threading", "random", "textual"}


@pytest.mark.parametrize("path", sorted((ROOT / "companion" / "ble" / "drivers").glob("*.py")), ids=lambda p: p.name)
def test_driver_modules_are_sans_io(path: Path) -> None:
    """No I/O library, no clock reads, no randomness: drivers get time and codes through DriverConfig."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        assert not set(names) & FORBIDDEN_IMPORTS, f"{path.name} imports {names}"
        if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow"):
            parent = node.value
            assert not (isinstance(parent, ast.Name) and parent.id in ("datetime", "date")), (
                f"{path.name} reads the clock"
            )


async def test_every_emulated_scale_is_claimed_by_a_driver_marked_emulated(air) -> None:  # type: ignore[no-untyped-def]
    """The README's "tested with an emulated scale" column: each default emulated device is claimed by a driver
    that says so, and each driver that says so is claimed by one of them or has its own e2e test module."""
    from companion.ble.drivers.base import Advert
    from companion.ble.emulator.air import VirtualAir
    from companion.ble.emulator.backend import parse_ad_structures
    from companion.ble.emulator.scale import populate_default

    air = VirtualAir()
    populate_default(air)
    claimed = set()
    for address, device in air.scales.items():
        name, uuids, service_data, manufacturer, _tx = parse_ad_structures(bytes(device.device.advertising_data))
        driver = drivers.classify(Advert.of(name, uuids, manufacturer, service_data, address))
        if driver is None:
            continue  # the heart-rate strap
        assert driver.emulated, f"{driver.id} has an emulated device; mark it emulated = True"
        claimed.add(driver.id)
    e2e = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "ble").glob("test_*.py"))
    for d in DRIVERS:
        if d.emulated:
            assert d.id in claimed or f'"{d.id}"' in e2e, f"{d.id} says emulated but no emulated device shows it"
