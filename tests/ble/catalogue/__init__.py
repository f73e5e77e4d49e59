"""The claiming-order catalogue: for every supported device, a realistic advert and the driver that must claim it.

Like openScale's ``ScaleCatalog.kt`` fixtures. One module per family in this package, each with a ``ROWS`` list
of :class:`Row`; ``test_catalogue.py`` gathers every module, so a family branch adds its own file and never
edits another's. Families that share a vendor service (0xFFF0, 0xFFB0, 0xFFE0) are told apart here: add the
neighbours' adverts you know of too, with the driver that must win.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from companion.ble.drivers.base import Advert


@dataclass(frozen=True)
class Row:
    device: str  # what the row stands for, e.g. "Renpho ES-26M"
    expected: str | None  # the driver id that must claim it; None: no driver may claim it
    name: str | None = None
    services: Sequence[str] = ()
    manufacturer: Mapping[int, bytes] = field(default_factory=dict)
    service_data: Mapping[str, bytes] = field(default_factory=dict)
    source: str = ""  # where the advert's facts come from (repository, path, commit) or "emulator"

    def advert(self) -> Advert:
        return Advert.of(self.name, self.services, self.manufacturer, self.service_data, "C0:FF:EE:00:00:01", -60)


def all_rows() -> list[Row]:
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rows.extend(getattr(module, "ROWS", ()))
    return rows
