"""Claiming order: every catalogued advert is claimed by exactly the driver it names (issue #14 item 3)."""

from __future__ import annotations

import pytest

from companion.ble import drivers
from tests.ble.catalogue import Row, all_rows

ROWS = all_rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.expected}:{r.device}" for r in ROWS])
def test_the_right_driver_claims_every_catalogued_advert(row: Row) -> None:
    advert = row.advert()
    chosen = drivers.classify(advert)
    ranking = [(d.id, confidence) for confidence, d in drivers.ranked(advert)]
    assert (chosen.id if chosen else None) == row.expected, f"{row.device}: ranking {ranking}"
    # classify and ranked agree (one is the fast path of the other)
    assert (ranking[0][0] if ranking else None) == row.expected


def test_every_driver_has_a_catalogue_row() -> None:
    claimed = {r.expected for r in ROWS}
    missing = [d.id for d in drivers.all_drivers() if d.id not in claimed]
    assert not missing, f"add catalogue rows (tests/ble/catalogue/) for {missing}"


def test_ties_are_broken_by_id_not_by_registry_order() -> None:
    from companion.ble.drivers.base import Advert, Driver

    class B(Driver):
        id = "zz-b"
        names = ("TIE",)

    class A(Driver):
        id = "zz-a"
        names = ("TIE",)

    saved = list(drivers.DRIVERS)
    try:
        for order in ([A, B], [B, A]):
            drivers.DRIVERS[:] = saved + order
            drivers.refresh()
            assert drivers.classify(Advert.of("TIE-1")) is A
    finally:
        drivers.DRIVERS[:] = saved
        drivers.refresh()
    assert drivers.classify(Advert.of("TIE-1")) is None
