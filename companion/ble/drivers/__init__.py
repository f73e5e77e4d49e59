"""The scale-driver registry: every supported family, and which one claims an advertisement.

How to write a driver: see ``companion/ble/drivers/base.py``. To register one, import its module below and
add the class to ``DRIVERS`` (one line each; the order does not matter: ties between equally confident
drivers go to the lower ``id`` so the result never depends on this list's order). Then add catalogue rows
in ``tests/ble/catalogue.py`` and regenerate the README table with ``python -m companion.ble.drivers
--markdown``.

``classify`` is on the scanning hot path (every advertisement nearby, many per second): it looks drivers up
by their declared hints (company id, service-data UUID, service UUID, name prefix) and asks only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from companion.ble.drivers import (
    beurer_legacy,
    etekcity,
    eufy_c20,
    eufy_p2,
    fff0_oem,
    fittrack_dara,
    inlife,
    koogeek_s1,
    lefu_ac02,
    medisana_bs44x,
    mibeacon,
    oem_broadcast,
    okok,
    onebyone,
    qn,
    renpho_1a10,
    robi_s9,
    sig,
    soehnle,
    xiaomi,
    yunmai,
    yunmai_x,
)
from companion.ble.drivers.base import Advert, Driver

# One line per family (keep sorted by module name to ease merges).
DRIVERS: list[type[Driver]] = [
    beurer_legacy.BeurerSanitasLegacyDriver,
    etekcity.EtekcityEsf551,
    eufy_c20.EufyC20Driver,
    eufy_p2.EufyP2Driver,
    fff0_oem.DigooDriver,
    fff0_oem.ExcelvanCf369Driver,
    fff0_oem.HesleyDriver,
    fittrack_dara.FitTrackDaraDriver,
    inlife.InlifeDriver,
    koogeek_s1.KoogeekS1Driver,
    lefu_ac02.LefuAc02Driver,
    medisana_bs44x.MedisanaBs44xDriver,
    mibeacon.XiaomiS200Driver,
    mibeacon.XiaomiS400Driver,
    mibeacon.XiaomiS800Driver,
    oem_broadcast.AaaBroadcastDriver,
    oem_broadcast.EtekcityFit8SDriver,
    oem_broadcast.QnBroadcastDriver,
    oem_broadcast.ScaleUpDriver,
    oem_broadcast.SinocareDriver,
    okok.OkOkDriver,
    onebyone.OneByoneDriver,
    qn.QnScale,
    renpho_1a10.Renpho1A10Driver,
    robi_s9.RobiS9Driver,
    sig.SigScale,
    soehnle.SoehnleShape,
    xiaomi.MiScaleV1,
    xiaomi.MiScaleV2,
    yunmai.YunmaiDriver,
    yunmai_x.YunmaiXDriver,
]


class _Index:
    """Hint -> candidate drivers, built once from ``DRIVERS``."""

    def __init__(self, drivers: Iterable[type[Driver]]) -> None:
        self.drivers = tuple(sorted(drivers, key=lambda d: d.id))
        self.by_company: dict[int, list[type[Driver]]] = {}
        self.by_service_data: dict[str, list[type[Driver]]] = {}
        self.by_service: dict[str, list[type[Driver]]] = {}
        self.by_name: dict[str, list[type[Driver]]] = {}
        self.always: list[type[Driver]] = []
        for d in self.drivers:
            for company in d.company_ids:
                self.by_company.setdefault(company, []).append(d)
            for uuid in d.service_data:
                self.by_service_data.setdefault(uuid, []).append(d)
            for uuid in d.services:
                self.by_service.setdefault(uuid, []).append(d)
            for prefix in d.names:
                self.by_name.setdefault(prefix.upper(), []).append(d)
            if d.claims_any:
                self.always.append(d)
        self.name_lengths = tuple(sorted({len(p) for p in self.by_name}))
        self.rank = {d: i for i, d in enumerate(self.drivers)}

    def candidates(self, advert: Advert) -> set[type[Driver]]:
        found: set[type[Driver]] = set(self.always)
        if advert.manufacturer_data:
            by_company = self.by_company
            for company in advert.manufacturer_data:
                if company in by_company:
                    found.update(by_company[company])
        if advert.service_data:
            by_service_data = self.by_service_data
            for uuid in advert.service_data:
                if uuid in by_service_data:
                    found.update(by_service_data[uuid])
        if advert.service_uuids:
            by_service = self.by_service
            for uuid in advert.service_uuids:
                if uuid in by_service:
                    found.update(by_service[uuid])
        name = advert.upper_name
        if name:
            by_name = self.by_name
            size = len(name)
            for length in self.name_lengths:
                if length > size:
                    break
                prefix = name[:length]
                if prefix in by_name:
                    found.update(by_name[prefix])
        return found


_index: _Index | None = None
_indexed = 0


def refresh() -> None:
    """Rebuild the hint index (after changing ``DRIVERS`` at run time, as tests do)."""
    global _index, _indexed
    _index, _indexed = _Index(DRIVERS), len(DRIVERS)


def _current() -> _Index:
    if _index is None or _indexed != len(DRIVERS):
        refresh()
    assert _index is not None
    return _index


def ranked(advert: Advert) -> list[tuple[int, type[Driver]]]:
    """Every driver that claims ``advert`` with its confidence, best first (ties: lower id first)."""
    index = _current()
    scored = [(d.claim(advert), d) for d in index.candidates(advert)]
    scored = [(c, d) for c, d in scored if c > 0]
    scored.sort(key=lambda item: (-item[0], index.rank[item[1]]))
    return scored


def classify(advert: Advert) -> type[Driver] | None:
    """The driver that claims ``advert`` most confidently (ties: lower ``id``), or ``None``."""
    index = _index if _index is not None and _indexed == len(DRIVERS) else _current()
    found = index.candidates(advert)
    if not found:
        return None
    best: type[Driver] | None = None
    best_score = 0
    rank = index.rank
    for d in found:
        score = d.claim(advert)
        if score > best_score or (score == best_score and score > 0 and best and rank[d] < rank[best]):
            best, best_score = d, score
    return best


def get(driver_id: str) -> type[Driver] | None:
    """A driver by its id (``None`` when unknown)."""
    for d in DRIVERS:
        if d.id == driver_id:
            return d
    return None


def all_drivers() -> tuple[type[Driver], ...]:
    """Every registered driver, sorted by id."""
    return _current().drivers


# ----- what the registry says about itself (``companion ble drivers``, README) ------------------------------
#: Reading fields as the README names them.
FIELD_NAMES = {
    "weight_kg": "weight",
    "impedance_ohm": "impedance",
    "body_fat_pct": "body fat",
    "body_water_pct": "body water",
    "body_water_mass_kg": "body water",
    "bone_mass_kg": "bone mass",
    "muscle_mass_kg": "muscle mass",
    "muscle_pct": "muscle",
    "fat_free_mass_kg": "fat-free mass",
    "soft_lean_mass_kg": "lean mass",
    "bmi": "BMI",
    "bmr_kcal": "BMR",
    "visceral_fat": "visceral fat",
    "heart_rate_bpm": "heart rate",
}
README_BEGIN = "<!-- supported-scales:begin (generated: python -m companion.ble.drivers --readme README.md) -->"
README_END = "<!-- supported-scales:end -->"


def describe(d: type[Driver]) -> dict[str, Any]:
    """One driver's metadata as JSON-ready data (``companion ble drivers --json``)."""
    return {
        "id": d.id,
        "family": d.family,
        "devices": list(d.devices),
        "link": d.link,
        "measures": list(d.measures),
        "handshake": d.handshake,
        "needs_key": d.needs_key,
        "needs_profile": d.needs_profile,
        "user_slots": d.user_slots,
        "emulated": d.emulated,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The README "Supported scales" table, generated from the registry."""
    lines = [
        "| Family | Devices | Link | Measures | Handshake | Tested with an emulated scale |",
        "|---|---|---|---|---|---|",
    ]
    for d in sorted(all_drivers(), key=lambda d: (d.family.lower(), d.id)):
        measures: list[str] = []
        for f in d.measures:
            name = FIELD_NAMES.get(f, f)
            if name not in measures:
                measures.append(name)
        handshake = "yes" if d.handshake else "no"
        if d.needs_key:
            handshake += " (needs a key)"
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    f"{d.family} (`{d.id}`)",
                    "; ".join(d.devices),
                    "broadcast" if d.link == "broadcast" else "GATT",
                    ", ".join(measures),
                    handshake,
                    "yes" if d.emulated else "no",
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def readme_with_table(readme: str) -> str:
    """``readme`` with the text between the two markers replaced by the current table."""
    start = readme.index(README_BEGIN) + len(README_BEGIN)
    end = readme.index(README_END, start)
    return readme[:start] + "\n" + markdown_table() + readme[end:]


__all__ = [
    "DRIVERS",
    "Advert",
    "Driver",
    "all_drivers",
    "classify",
    "describe",
    "get",
    "markdown_table",
    "ranked",
    "readme_with_table",
    "refresh",
]
