"""Etekcity ESF-551: GATT notify 0xFFF1, no handshake; identified by manufacturer data of company 1744.

Layouts in ``companion.ble.protocols.etekcity`` (ronnnnnnnnnnnnn/etekcity_esf551_ble@1ab90b1;
shared/reference/ble_scales.md section 2).
"""

from __future__ import annotations

from companion.ble.drivers.base import (
    CERTAIN,
    COMPANY,
    Advert,
    Decoded,
    Driver,
    Gatt,
    Output,
    Ready,
    Subscribe,
    as_error,
)
from companion.ble.protocols import DecodeError, etekcity
from companion.i18n import N_

NOTIFY = "fff1"


class EtekcityEsf551(Driver):
    id = etekcity.PROTOCOL
    family = N_("Etekcity ESF-551")
    devices = ("Etekcity ESF-551 Smart Fitness Scale",)
    link = "gatt"
    measures = ("weight_kg", "impedance_ohm")
    company_ids = (etekcity.COMPANY_ID,)
    emulated = True
    waits_for_impedance = True
    sources = ("ronnnnnnnnnnnnn/etekcity_esf551_ble@1ab90b1 src/etekcity_esf551_ble/parser.py",)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        data = advert.manufacturer_data.get(etekcity.COMPANY_ID)
        if data is None:
            return 0
        # Reversed MAC at [1:7] (the address on platforms that show it) and a model id at [7:9].
        if "ffd0" in advert.service_uuids:  # same company, broadcast-only Fit 8S (oem_broadcast.py)
            return COMPANY
        return CERTAIN if len(data) >= 9 else COMPANY

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source == "characteristic" and key == NOTIFY:
            return etekcity.decode_notification(data)
        if source == "manufacturer-data" and key == str(etekcity.COMPANY_ID):
            return etekcity.decode_advertisement(data)
        raise DecodeError(f"the {cls.family} sends readings on characteristic fff1 only")

    def connected(self, gatt: Gatt) -> list[Output]:
        return [Subscribe(NOTIFY), Ready()]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != NOTIFY:
            return []
        try:
            return [etekcity.decode_notification(data)]
        except DecodeError as exc:
            return [as_error(exc)]
