"""Catalogue rows for the vendor GATT families of branch ble-gatt (Beurer/Sanitas legacy, Yunmai, Renpho 0x1A10,
Eufy P2, Robi S9), with the neighbours on the same shared services.

Names from openScale ``android_app/app/src/test/java/com/health/openscale/core/bluetooth/ScaleCatalog.kt``
@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale) and the name tables of its handlers; the Eufy
advert layout (company 0xFF48: MAC, 0xCF) from ble-scale-sync ``src/scales/eufy-p2.ts`` @3cce009 (and the emulator).
"""

from __future__ import annotations

from tests.ble.catalogue import Row

_OS = "oliexdev/openScale ScaleCatalog.kt @f7a733b"
_EUFY_VENDOR = bytes.fromhex("cfe6031d09f7") + b"\xcf" + bytes(12)

ROWS = [
    # Beurer / Sanitas legacy: one FFE0 service, told apart from QN type 1 (also FFE0) by the name.
    Row("Beurer BF700", "beurer-sanitas-legacy", "BEURER BF700", ("ffe0",), source=_OS),
    Row("Beurer BF710", "beurer-sanitas-legacy", "BEURER BF710", ("ffe0",), source=_OS),
    Row("Beurer BF800", "beurer-sanitas-legacy", "BF-800", ("ffe0",), source="openScale BeurerSanitasHandler.kt"),
    Row("Runtastic Libra", "beurer-sanitas-legacy", "RT-Libra-W", source="openScale BeurerSanitasHandler.kt"),
    Row("Sanitas SBF70", "beurer-sanitas-legacy", "SANITAS SBF70", ("ffe0",), source=_OS),
    Row("SilverCrest SBF75", "beurer-sanitas-legacy", "SBF75", ("ffe0",), source="openScale BeurerSanitasHandler.kt"),
    Row("Crane (AICDSCALE1)", "beurer-sanitas-legacy", "AICDSCALE1", source="openScale BeurerSanitasHandler.kt"),
    # The standard Beurer / Sanitas scales go to the SIG driver (Beurer company id 0x0611 in the advert).
    Row("Beurer BF600", "sig", "BF600", ("181d", "181b"), {0x0611: b""}, source=_OS),
    Row("Beurer BF950", "sig", "BF950", ("181d", "181b"), {0x0611: b""}, source=_OS),
    Row("Beurer BF105", "sig", "BF105", ("181d",), {0x0611: b""}, source=_OS),
    Row("Beurer BF500", "sig", "BF500", ("181d", "181b"), {0x0611: b""}, source=_OS),
    Row("Beurer BF788", "sig", "BF788", ("181d", "181b"), {0x0611: b""}, source="ble-scale-sync #229"),
    Row("Sanitas SBF72", "sig", "SANITAS SBF72", ("181b", "181c"), {0x0611: b""}, source=_OS),
    Row("Beurer BF915", "sig", "Beurer BF915", ("181b", "181c"), {0x0611: b""}, source=_OS),
    # Yunmai: FFE0 + FFE5; the QN type-1 scale next to it keeps its FFE0.
    Row("Yunmai Mini", "yunmai", "YUNMAI-ISM2-W", ("ffe0", "ffe5"), source="emulator"),
    Row("Yunmai SE", "yunmai", "YUNMAI-ISSE-1234", source=_OS),
    Row("Yunmai Signal", "yunmai", "YUNMAI-SIGNAL-1234", source=_OS),
    Row("Yunmai, name lost (services only)", "yunmai", None, ("ffe0", "ffe5")),
    Row("Renpho ES-26M next to the Yunmai (QN type 1)", "qn", "Renpho-Scale", ("ffe0",)),
    # Renpho 0x1A10.
    Row("Renpho ES-26BB-B", "renpho-1a10", "ES-26BB-B", ("1a10",), source=_OS),
    Row("Renpho R-MSC04", "renpho-1a10", "R-MSC04", ("1a10",), source="ble-scale-sync renpho-msc04.ts"),
    Row("ES-CS20M", "renpho-1a10", "ES-CS20M", source=_OS),
    Row("Renpho ES-32MD placeholder name", "renpho-1a10", "113360_A1B2", source="ble-scale-sync es-cs20m.ts"),
    Row("0x1A10 scale without a name", "renpho-1a10", None, ("1a10",)),
    # Eufy P2 / P2 Pro: manufacturer data 0xFF48 with the 0xCF marker, or the T9148/T9149 names, on FFF0 (shared
    # with QN type 2 and Etekcity).
    Row("Eufy Smart Scale P2 (T9148)", "eufy-p2", "eufy T9148", ("fff0",), source=_OS),
    Row(
        "Eufy Smart Scale P2 Pro (T9149)", "eufy-p2", "eufy T9149", ("fff0",), {0xFF48: _EUFY_VENDOR}, source="emulator"
    ),
    Row("Eufy P2 Pro advert without a name", "eufy-p2", None, ("fff0",), {0xFF48: _EUFY_VENDOR}),
    Row("QN type 2 next to the Eufy", "qn", "QN-Scale", ("fff0",)),
    # 1byone classic on the same FFF0: Eufy C1 / P1 / A1 and the 1byone Health Scale, by name.
    Row("Eufy C1 (T9146)", "onebyone", "eufy T9146", ("fff0",), source=_OS),
    Row("Eufy P1 (T9147)", "onebyone", "eufy T9147", ("fff0",), source=_OS),
    Row("Eufy A1 (T9120)", "onebyone", "eufy T9120", source=_OS),
    Row("1byone Health Scale", "onebyone", "Health Scale", ("fff0",), source="openScale OneByoneHandler.kt"),
    # Robi S9 on the shared FFB0 service.
    Row("Robi S9", "robi-s9", "Robi S9", ("ffb0",), source="emulator"),
    Row("robi (openScale fixture)", "robi-s9", "robi", source=_OS),
    # Lefu / Fitdays AC02 on the same FFB0: the Lefu fingerprint (ble-scale-sync #278 / #318 captures) or the name.
    Row(
        "Lefu OEM SWAN (Hutbit twin)",
        "lefu-ac02",
        "SWAN",
        ("d618", "ffb0"),
        {0x02AC: bytes.fromhex("7eb893ecb30301")},
        source="ble-scale-sync tests/scales/hutbit.test.ts @3cce009",
    ),
    Row(
        "Hutbit, nameless (6-byte payload)",
        "lefu-ac02",
        None,
        ("d618", "ffb0"),
        {0x02AC: bytes.fromhex("12a291ecb303")},
    ),
    Row("Hutbit Smart Scale", "lefu-ac02", "Hutbit Scale", ("ffb0",)),
    Row("FitTrack Dara 2.0", "fittrack-dara", "FITTRACK Dara", ("ffb0", "d618"), source=_OS),
    # Inlife on FFF0, by its fixed names.
    Row("Inlife FatScale", "inlife", "000fatscale01", ("fff0",), source=_OS),
    Row("Inlife FatScale (042)", "inlife", "042fatscale01", ("fff0",), source="openScale InlifeHandler.kt"),
    Row("Excelvan CF369", "excelvan-cf369", "Electronic Scale", ("fff0",), source=_OS),
    Row("Digoo DG-SO38H", "digoo", "Mengii", ("fff0",), source=_OS),
    Row("Hesley", "hesley", "yunchen", ("fff0",), source=_OS),
    Row("Koogeek S1", "koogeek-s1", "Koogeek-S1", ("fff0",), source="ble-scale-sync koogeek-s1.ts #270"),
    # Medisana BS4xx (Transtek 0x78B2), names as in the openScale catalogue.
    Row("Medisana BS430", "medisana-bs44x", "0203B1234", ("78b2",), source=_OS),
    Row("Medisana BS444", "medisana-bs44x", "0131971234", source=_OS),
    Row("Medisana BS440", "medisana-bs44x", "0202B6", ("78b2",), source="openScale MedisanaBs44xHandler.kt"),
]
