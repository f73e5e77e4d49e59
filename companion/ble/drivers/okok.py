"""OKOK / Chipsea broadcast scales (names ``ADV``, ``Chipsea-BLE``, ``Yoda0``/``Yoda1``..., or nameless):
weigh-ins in manufacturer data, four layouts told apart by the company id (pure, sans-I/O).

Layouts (oliexdev/openScale@f7a733b2 ``android_app/app/src/main/java/com/health/openscale/core/bluetooth/
scales/OkOkHandler.kt``), offsets into the value after the 2-byte company id:

* **V20** (company 0x20CA), 19 bytes: ``[6]`` flags (bit 0 final, bit 2 weight in 1/100 kg, else 1/10),
  weight u16 BE ``[8:10]``, impedance u16 BE ``[10:12]`` /10 ohm, ``[12]`` = 0x20 XOR ``[0:12]``.
* **V11** (company 0x11CA), 23 bytes: weight u16 BE ``[3:5]``, properties ``[9]`` (bits 1-2 resolution:
  0 -> /10, 1 -> /1, 2 -> /100; bits 3-4 unit: 0 kg, 1 jin, 2 lb, 3 st:lb with stones in the high byte),
  ``[16]`` = 0xCA XOR 0x11 XOR ``[0:16]``. No stability flag: every valid frame is a result.
* **VF0** (company 0xF0FF), at least 4 bytes: weight u16 LE ``[2:4]`` /10 kg (no flags, no checksum).
* **C0** (any company id whose low byte is 0xC0: the AD value starts ``C0 <weight high>``...), at least 13
  bytes: weight u16 BE ``[0:2]``, attributes ``[6]`` (bit 0 stable, bits 1-2 resolution, bits 3-4 unit as V11).

openScale converts lb with 2.204623 and st:lb with 6.350293 kg per stone + 0.453592 kg per pound; we use the
exact pound (0.45359237 kg) for both, the difference is below the scales' resolution.
"""

from __future__ import annotations

from companion.ble.drivers.base import COMPANY, Advert, Driver, DriverConfig, Output, Ready, as_error
from companion.ble.protocols._common import LB_TO_KG, DecodeError, Reading, check_impedance

PROTOCOL = "okok"
COMPANY_V20 = 0x20CA
COMPANY_V11 = 0x11CA
COMPANY_VF0 = 0xF0FF
NAMES = ("ADV", "Chipsea-BLE")
NAME_PREFIXES = ("Yoda0", "Yoda1")
_DIVISORS = {0: 10, 1: 1, 2: 100, 3: 10}
_UNITS = {0: "kg", 1: "jin", 2: "lb", 3: "st"}


def is_c0(company_id: int) -> bool:
    return company_id & 0xFF == 0xC0


def variant(company_id: int) -> str | None:
    if company_id == COMPANY_V20:
        return "v20"
    if company_id == COMPANY_V11:
        return "v11"
    if company_id == COMPANY_VF0:
        return "vf0"
    if is_c0(company_id):
        return "c0"
    return None


def _xor(seed: int, data: bytes) -> int:
    for byte in data:
        seed ^= byte
    return seed


def _mass(high: int, low: int, props: int, what: str) -> tuple[float, str]:
    divisor = _DIVISORS[(props >> 1) & 3]
    unit = _UNITS[(props >> 3) & 3]
    raw = high << 8 | low
    if unit == "kg":
        kg = raw / divisor
    elif unit == "jin":
        kg = raw / divisor / 2
    elif unit == "lb":
        kg = round(raw / divisor * LB_TO_KG, 4)
    else:
        kg = round((high * 14 + low / divisor) * LB_TO_KG, 4)
    if kg > 500.0:
        raise DecodeError(f"{what}: impossible weight {kg:g} kg (0..500)")
    return kg, unit


def decode(company_id: int, data: bytes) -> Reading:
    kind = variant(company_id)
    if kind == "v20":
        what = "OKOK V20 advertisement"
        if len(data) != 19:
            raise DecodeError(f"{what}: expected 19 bytes, got {len(data)}")
        if _xor(0x20, data[:12]) != data[12]:
            raise DecodeError(f"{what}: checksum mismatch")
        flags = data[6]
        weight = (data[8] << 8 | data[9]) / (100 if flags & 0x04 else 10)
        if weight > 500.0:
            raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
        raw = data[10] << 8 | data[11]
        final = bool(flags & 0x01)
        impedance = check_impedance(raw / 10, what) if raw and final else None
        return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=final, impedance_ohm=impedance)
    if kind == "v11":
        what = "OKOK V11 advertisement"
        if len(data) != 23:
            raise DecodeError(f"{what}: expected 23 bytes, got {len(data)}")
        if _xor(0xCA ^ 0x11, data[:16]) != data[16]:
            raise DecodeError(f"{what}: checksum mismatch")
        weight, unit = _mass(data[3], data[4], data[9], what)
        return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit=unit, stabilized=True)
    if kind == "vf0":
        what = "OKOK VF0 advertisement"
        if len(data) < 4:
            raise DecodeError(f"{what}: truncated, need 4 bytes, got {len(data)}")
        return Reading.make(protocol=PROTOCOL, weight_kg=(data[2] | data[3] << 8) / 10, unit="kg", stabilized=True)
    if kind == "c0":
        what = "OKOK C0 advertisement"
        if len(data) < 13:
            raise DecodeError(f"{what}: truncated, need 13 bytes, got {len(data)}")
        attributes = data[6]
        weight, unit = _mass(data[0], data[1], attributes, what)
        return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit=unit, stabilized=bool(attributes & 0x01))
    raise DecodeError(f"OKOK advertisement: company id 0x{company_id:04x} is not an OKOK layout")


def encode_v20(weight_kg: float, *, final: bool, impedance_ohm: float = 0.0, prefix: bytes = b"") -> bytes:
    """A V20 value (company id 0x20CA not included), weights in 1/100 kg, for tests and the emulator."""
    out = bytearray(prefix[:6].ljust(6, b"\0")) + bytearray(13)
    out[6] = 0x04 | (0x01 if final else 0)
    out[8:10] = round(weight_kg * 100).to_bytes(2, "big")
    out[10:12] = round(impedance_ohm * 10).to_bytes(2, "big")
    out[12] = _xor(0x20, bytes(out[:12]))
    return bytes(out)


class OkOkDriver(Driver):
    id = PROTOCOL
    family = "OKOK / Chipsea broadcast scales"
    devices = ("OKOK V20 (company 0x20CA)", "OKOK V11 (0x11CA)", "OKOK VF0 (0xF0FF)", "OKOK / Chipsea C0 layout")
    link = "broadcast"
    measures = ("weight_kg", "impedance_ohm")
    company_ids = (COMPANY_V20, COMPANY_V11, COMPANY_VF0)
    names = ("CHIPSEA-BLE", "YODA0", "YODA1")
    claims_any = True  # the C0 layout has a different company id per reading (its low byte is 0xC0)
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "OkOkHandler.kt @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4",
    )

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._last: tuple[float | None, float | None] | None = None
        self._ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if not advert.manufacturer_data:
            return 0
        name = advert.name or ""
        named = name in NAMES or name.startswith(NAME_PREFIXES)
        for company in advert.manufacturer_data:
            if company in (COMPANY_V20, COMPANY_V11, COMPANY_VF0):
                return COMPANY if named else 50
            if is_c0(company) and (named or not name):
                return COMPANY if named else 30
        return 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        from companion.ble.drivers.oem_broadcast import manufacturer_key

        return decode(manufacturer_key(source, key, cls.family), data)

    def advert(self, advert: Advert) -> list[Output]:
        out: list[Output] = []
        for company, data in advert.manufacturer_data.items():
            if variant(company) is None:
                continue
            try:
                reading = decode(company, data)
            except DecodeError as exc:
                out.append(as_error(exc))
                continue
            if self.config.mode == "pair" and not self._ready:
                self._ready = True
                out.append(Ready())
            if not reading.stabilized:
                self._last = None
                out.append(reading)
                continue
            key = (reading.weight_kg, reading.impedance_ohm)
            if key != self._last and reading.weight_kg:
                self._last = key
                out.append(reading)
        return out
