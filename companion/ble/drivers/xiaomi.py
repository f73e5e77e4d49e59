"""Xiaomi Mi Smart Scale (v1) and Mi Body Composition Scale 2: passive, readings in advertisement service data.

Layouts in ``companion.ble.protocols.xiaomi`` (xiaomi-ble ``parser.py``, openScale ``MiScaleHandler.kt``;
shared/reference/ble_scales.md section 2). No connection, no handshake.
"""

from __future__ import annotations

from typing import ClassVar

from companion.ble.drivers.base import (
    CERTAIN,
    NAME,
    Advert,
    Decoded,
    Driver,
    Output,
    as_error,
)
from companion.ble.protocols import DecodeError, xiaomi
from companion.i18n import N_


class _MiScale(Driver):
    link = "broadcast"
    emulated = False
    sources = (
        "Bluetooth-Devices/xiaomi-ble@509f516 src/xiaomi_ble/parser.py",
        "oliexdev/openScale@f7a733b MiScaleHandler.kt",
    )
    _uuid: ClassVar[str] = ""
    _size: ClassVar[int] = 0

    @classmethod
    def claim(cls, advert: Advert) -> int:
        payload = advert.service_data.get(cls._uuid)
        if payload is not None:
            # The Mi scales' service data has a fixed length; a SIG scale never sends service data here.
            return CERTAIN if len(payload) == cls._size else NAME
        if advert.name and advert.upper_name.startswith(cls.names):
            return NAME
        return 0

    @classmethod
    def _decode(cls, data: bytes) -> Decoded:
        raise NotImplementedError

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "service-data" or key != cls._uuid:
            raise DecodeError(f"{cls.family} sends readings as service data {cls._uuid} only")
        return cls._decode(data)

    def advert(self, advert: Advert) -> list[Output]:
        payload = advert.service_data.get(self._uuid)
        if payload is None:
            return []
        try:
            return [self._decode(payload)]  # type: ignore[list-item]
        except DecodeError as exc:
            return [as_error(exc)]


class MiScaleV1(_MiScale):
    id = xiaomi.MI_SCALE_V1
    family = N_("Xiaomi Mi Smart Scale")
    devices = ("Xiaomi Mi Smart Scale (XMTZC01HM)", "Xiaomi Mi Smart Scale 2 (XMTZC04HM)")
    measures = ("weight_kg",)
    names = ("MI_SCALE", "MISCA")
    service_data = ("181d",)
    _uuid = "181d"
    _size = 10

    @classmethod
    def _decode(cls, data: bytes) -> Decoded:
        return xiaomi.decode_mi_scale_v1(data)


class MiScaleV2(_MiScale):
    id = xiaomi.MI_SCALE_V2
    family = N_("Xiaomi Mi Body Composition Scale 2")
    devices = ("Xiaomi Mi Body Composition Scale (XMTZC02HM)", "Xiaomi Mi Body Composition Scale 2 (XMTZC05HM)")
    measures = ("weight_kg", "impedance_ohm")
    names = ("MIBCS", "MIBFS")
    service_data = ("181b",)
    emulated = True
    waits_for_impedance = True
    _uuid = "181b"
    _size = 13

    @classmethod
    def _decode(cls, data: bytes) -> Decoded:
        return xiaomi.decode_mi_scale_v2(data)
