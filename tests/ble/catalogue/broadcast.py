"""Catalogue rows for the broadcast-only and encrypted families (ble-broadcast).

Adverts are the published vectors where sources have them (xiaomi-ble ``tests/test_parser.py`` @509f516e,
openScale ``S400DecryptorTest.kt`` / ``YunmaiXHandlerTest.kt`` @f7a733b2, ble-scale-sync
``tests/scales/qn-scale.test.ts`` / ``xiaomi-s800.test.ts`` @3cce0090), else built from the handlers' layouts.
The catalogue's adverts all come from address C0:FF:EE:00:00:01: the Yunmai X frame echoes that MAC.
"""

from __future__ import annotations

from tests.ble.catalogue import Row

_S400 = b'HY\xd5;\n\xbc\x07\x8f\xf24\x8c\x84A8\xe90"\x00\x00\x00\x9eS\x85\x99'  # xiaomi-ble S400 packet 1
_S400_OPENSCALE = bytes.fromhex("4859d53b2d3314943c58b133638c7457a4000000c3e670dc")  # openScale Test1 (74.2 kg)
_S200 = b"HY\x04L\x01\x9a\x80\xa2u\x93\x90\x10\xf0\xab\xc4\xfa\xdc\x06\x00\x00=)\xc0D"  # xiaomi-ble S200
_S800 = bytes.fromhex("5859e2515b04ae478fa1ab") + bytes(16)  # ble-scale-sync: FC 0x5958, PID 0x51E2, MAC frame
_S800_IDLE_NAMED = bytes.fromhex("1059e2515c04ae478fa1ab")  # MAC-included frame without an object
_LYWSD03MMC = bytes.fromhex("5858 5b05 01") + bytes(15)  # a Xiaomi thermometer on the same 0xFE95
# Yunmai X for C0:FF:EE:00:00:01: company id = MAC octets 5, 4 (0x0001), then octets 3..0, signature, ...
_YUNMAI = bytes.fromhex("00eeffc0 0b7417 04 03 1f40 01f4 ad")
_YUNMAI_IDLE = bytes.fromhex("00eeffc0 0b7417 04 01 0000 0000 05")
_C20 = bytes.fromhex("00000000000000000000c100941d0048008813")
_OKOK_V20 = bytes.fromhex("000000000000 05 00 1c52 1403 7c 000000000000")
_QN_AABB = bytes.fromhex("aabb000000000000000000000000002300521c00000000")  # ble-scale-sync makeBroadcast(72.5)
_FIT8S = bytes.fromhex("01 665544332211 000000 ff2a01 0802 01 00 000000")
_SINOCARE = bytes.fromhex("000000000000 000000 a41a 0000000000 be")
_OPENSCALE = "oliexdev/openScale .../core/bluetooth/scales/{}.kt @f7a733b2"

ROWS = [
    # Xiaomi MiBeacon v5 (encrypted) on 0xFE95: the product id decides, whatever the name.
    Row(
        "Xiaomi Body Composition Scale S400 (MJTZC01YM)",
        "xiaomi-s400",
        None,
        service_data={"fe95": _S400},
        source="Bluetooth-Devices/xiaomi-ble tests/test_parser.py @509f516e",
    ),
    Row(
        "Xiaomi S400, named",
        "xiaomi-s400",
        "Xiaomi Scale S400 BEEF",
        service_data={"fe95": _S400_OPENSCALE},
        source="oliexdev/openScale S400DecryptorTest.kt @f7a733b2",
    ),
    Row("Xiaomi S400, name only (no service data yet)", "xiaomi-s400", "Xiaomi Scale S400 8E8B"),
    Row(
        "Xiaomi Smart Scale S200 (MJTZC02YM)",
        "xiaomi-s200",
        None,
        service_data={"fe95": _S200},
        source="Bluetooth-Devices/xiaomi-ble tests/test_parser.py @509f516e",
    ),
    Row(
        "Xiaomi Mijia Scale S800 (MS116)",
        "xiaomi-s800",
        None,
        service_data={"fe95": _S800},
        source="KristianP26/ble-scale-sync tests/scales/xiaomi-s800.test.ts @3cce0090",
    ),
    Row(
        "Xiaomi Mijia Scale S800, named, idle",
        "xiaomi-s800",
        "Mijia Scale S800 A1AB",
        service_data={"fe95": _S800_IDLE_NAMED},
    ),
    Row("Xiaomi thermometer on 0xFE95 (not a scale)", None, "LYWSD03MMC", service_data={"fe95": _LYWSD03MMC}),
    # Yunmai X: no name, service 0x1320, the MAC-echoing manufacturer frame.
    Row(
        "Yunmai X (YMBS-M268)",
        "yunmai-x",
        None,
        ("1320",),
        {0x0001: _YUNMAI},
        source=_OPENSCALE.format("YunmaiXHandler"),
    ),
    Row("Yunmai X idle frame, no service list", "yunmai-x", None, (), {0x0001: _YUNMAI_IDLE}),
    Row("Yunmai X frame relayed from another MAC", None, None, (), {0x3456: _YUNMAI}),
    Row(
        "Eufy Smart Scale C20 (T9130)",
        "eufy-c20",
        "eufy T9130",
        (),
        {0xBC64: _C20},
        source=_OPENSCALE.format("EufyC20Handler"),
    ),
    Row("Eufy C20, name only", "eufy-c20", "eufy C20"),
    Row(
        "OKOK V20 (Chipsea-BLE)",
        "okok",
        "Chipsea-BLE",
        (),
        {0x20CA: _OKOK_V20},
        source=_OPENSCALE.format("OkOkHandler"),
    ),
    Row("OKOK C0 layout, nameless", "okok", None, (), {0x05C0: bytes.fromhex("05ac0000000001000000000000")}),
    Row("OKOK V11 (Yoda1)", "okok", "Yoda1", (), {0x11CA: bytes(23)}),
    Row(
        "QN broadcast (ES-CS20M non-connectable)",
        "qn-broadcast",
        None,
        (),
        {0xFFFF: _QN_AABB},
        source="KristianP26/ble-scale-sync tests/scales/qn-scale.test.ts @3cce0090",
    ),
    Row(
        "Etekcity Fit 8S",
        "etekcity-fit8s",
        None,
        ("ffd0",),
        {0x06D0: _FIT8S},
        source=_OPENSCALE.format("EtekcityFit8SHandler"),
    ),
    Row(
        "Sinocare Weight Scale",
        "sinocare",
        "Weight Scale",
        (),
        {0xFF64: _SINOCARE},
        source=_OPENSCALE.format("SinocareHandler"),
    ),
    Row(
        'Scale Up ("da")',
        "scaleup",
        "da",
        (),
        {0x1CE0: bytes.fromhex("5201f4112233445566")},
        source=_OPENSCALE.format("ScaleupHandler"),
    ),
    Row("AAA007", "aaa-broadcast", "AAA007", (), {0x5A01: bytes(12)}, source=_OPENSCALE.format("AAAxHandler")),
]
