"""Catalogue rows for the four original families and adverts nobody may claim."""

from __future__ import annotations

from tests.ble.catalogue import Row

_MI_V1 = bytes.fromhex("22 9c 3e e7 07 01 07 0f 1a 1b")  # xiaomi-ble test vector layout: ctrl, weight, Date Time
_MI_V2 = bytes.fromhex("02 26 e7 07 01 07 0f 1a 1b f4 01 5c 3a")
_ETEKCITY = bytes.fromhex("00 06 05 04 03 02 01 02 27")  # reversed MAC [1:7], model id 551 BE [7:9]

ROWS = [
    # Bluetooth SIG standard scales: the Weight Scale / Body Composition service in the advert.
    Row(
        "Companion emulated standard scale",
        "sig",
        "Companion Scale",
        ("181d", "181b", "181c", "1805"),
        source="emulator",
    ),
    Row("Beurer BF720", "sig", "BF720", ("181d",), {0x0611: b"\x01"}, source="shared/reference/ble_scales.md s1"),
    Row("Sanitas SBF73", "sig", "SBF73", ("181b", "181d")),
    Row("Renpho ES-WBE28 (standard scale with a vendor name)", "sig", "Renpho-Scale", ("181b", "181d")),
    Row("unnamed standard weight scale", "sig", None, ("0000181d-0000-1000-8000-00805f9b34fb",)),
    # Xiaomi: service data under 0x181D / 0x181B (and sometimes the service UUID listed too).
    Row("Xiaomi Mi Smart Scale (XMTZC01HM)", "mi-scale", "MI_SCALE", ("181d",), service_data={"181d": _MI_V1}),
    Row("Xiaomi Mi Smart Scale 2 (XMTZC04HM), no name", "mi-scale", None, service_data={"181d": _MI_V1}),
    Row("Xiaomi Mi Body Composition Scale 2 (XMTZC05HM)", "mi-scale-2", "MIBFS", service_data={"181b": _MI_V2}),
    Row(
        "Xiaomi Mi Body Composition Scale (XMTZC02HM)", "mi-scale-2", "MIBCS", ("181b",), service_data={"181b": _MI_V2}
    ),
    Row("Xiaomi Mi Body Composition Scale 2, name only (scan response)", "mi-scale-2", "MIBFS"),
    # QN / Yolanda: vendor services 0xFFE0 (type 1) or 0xFFF0 (type 2), names QN-*, Renpho*, FITINDEX*.
    Row("QN-Scale (type 2)", "qn", "QN-Scale", ("fff0",), source="emulator"),
    Row("Renpho ES-26M (type 1)", "qn", "Renpho-Scale", ("ffe0",)),
    Row("FITINDEX ES-26M", "qn", "FITINDEX", ("fff0",)),
    Row("QN-Scale1 without services in the advert", "qn", "QN-Scale1"),
    # Etekcity ESF-551: manufacturer data of company 1744 beats the shared 0xFFF0 service.
    Row(
        "Etekcity ESF-551", "etekcity-esf551", "Etekcity Fitness Scale", ("fff0",), {1744: _ETEKCITY}, source="emulator"
    ),
    # Nothing a scale driver may take.
    Row("heart-rate strap", None, "Companion HR", ("180d",)),
    Row("phone", None, "Pixel 8", (), {0x00E0: b"\x01\x02"}),
    Row("empty advert", None),
]
