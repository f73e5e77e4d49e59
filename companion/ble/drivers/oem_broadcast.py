"""Small broadcast-only OEM scales: weight (sometimes impedance) in manufacturer data (pure, sans-I/O).

All layouts from oliexdev/openScale@f7a733b2 ``android_app/app/src/main/java/com/health/openscale/core/
bluetooth/scales/``; offsets are into the value after the 2-byte company id, as bleak (and Android) split it.

* **QN broadcast** (``QNHandlerBroadcast.kt``; non-connectable ES-CS20M variant 3 and other QN/Yolanda
  OEMs): company 0xFFFF, ``AA BB`` magic, MAC ``[2:8]``, status ``[15]`` bit 5 stable, weight u16 LE
  ``[17:19]`` /100 kg. No impedance. (shared/reference/ble_scales.md agrees.)
* **Etekcity Fit 8S** (``EtekcityFit8SHandler.kt``, after ronnnnnnnnnnnnn/etekcity_esf551_ble): company
  0x06D0 with service 0xFFD0 advertised, 20 bytes: grams u24 LE ``[10:13]``, impedance u16 LE ohm
  ``[13:15]`` (0 = none), ``[15]`` 1 = stable, display unit ``[16]`` (0 kg, 1 lb, 2 st).
* **Sinocare** "Weight Scale" (``SinocareHandler.kt``): company 0xFF64, at least 17 bytes, ``[16]`` = XOR of
  ``[6:16]``, weight u16 LE ``[9:11]`` /100 kg. No stability flag: openScale waits for the same weight nine
  times in a row, and so do we (``SINOCARE_REPEATS``).
* **Scale Up** (``ScaleupHandler.kt``, name ``da``): the AD value is ``flag, weight u16 BE, impedance u16
  BE, MAC``; the split company id is ``flag | weight_high << 8``, so the value here is ``weight_low,
  impedance (2), MAC (6)``. Flag 0xD0 measuring, 0xE0 stable. The impedance's unit is unknown (openScale
  does not store it), so we do not either.
* **AAA002 / AAA007 / AAA013** (``AAAxHandler.kt``): ``[6:12]`` XOR-masked with the company id's high byte:
  u32 BE (bit 31 final, bits 0-17 grams), type (0xAD weight, 0xA6 impedance), 5-bit checksum of the sum.
"""

from __future__ import annotations

from companion.ble.drivers.base import CERTAIN, COMPANY, NAME, Advert, Driver, DriverConfig, Output, Ready, as_error
from companion.ble.protocols._common import DecodeError, Reading, check_impedance

QN_PROTOCOL = "qn-broadcast"
QN_COMPANY_ID = 0xFFFF
FIT8S_PROTOCOL = "etekcity-fit8s"
FIT8S_COMPANY_ID = 0x06D0
FIT8S_SERVICE = "ffd0"
SINOCARE_PROTOCOL = "sinocare"
SINOCARE_COMPANY_ID = 0xFF64
SINOCARE_REPEATS = 9
SCALEUP_PROTOCOL = "scaleup"
AAAX_PROTOCOL = "aaa-broadcast"
AAAX_NAMES = ("AAA002", "AAA007", "AAA013")
_SCALEUP_MEASURING, _SCALEUP_STABLE = 0xD0, 0xE0
_FIT8S_UNITS = {0: "kg", 1: "lb", 2: "st"}


def decode_qn(data: bytes) -> Reading:
    what = "QN broadcast advertisement"
    if len(data) < 19:
        raise DecodeError(f"{what}: truncated, need 19 bytes, got {len(data)}")
    if data[0] != 0xAA or data[1] != 0xBB:
        raise DecodeError(f"{what}: no AA BB magic")
    weight = (data[17] | data[18] << 8) / 100
    if weight > 500.0:
        raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
    return Reading.make(protocol=QN_PROTOCOL, weight_kg=weight, unit="kg", stabilized=bool(data[15] & 0x20))


def encode_qn(address: str, weight_kg: float, *, stable: bool) -> bytes:
    out = bytearray(19)
    out[0:2] = b"\xaa\xbb"
    out[2:8] = bytes(int(p, 16) for p in address.split(":"))
    out[15] = 0x20 if stable else 0
    out[17:19] = round(weight_kg * 100).to_bytes(2, "little")
    return bytes(out)


def decode_fit8s(data: bytes) -> Reading:
    what = "Etekcity Fit 8S advertisement"
    if len(data) != 20:
        raise DecodeError(f"{what}: expected 20 bytes, got {len(data)}")
    if data[15] > 1 or data[16] not in _FIT8S_UNITS:
        raise DecodeError(f"{what}: unknown flag values")
    grams = data[10] | data[11] << 8 | data[12] << 16
    if grams > 500_000:
        raise DecodeError(f"{what}: impossible weight {grams / 1000:g} kg (0..500)")
    raw = data[13] | data[14] << 8
    return Reading.make(
        protocol=FIT8S_PROTOCOL,
        weight_kg=grams / 1000,
        unit=_FIT8S_UNITS[data[16]],
        stabilized=data[15] == 1,
        impedance_ohm=check_impedance(float(raw), what) if raw else None,
    )


def decode_sinocare(data: bytes) -> Reading:
    """One Sinocare frame; ``stabilized`` stays False (stability comes from repetition, see the driver)."""
    what = "Sinocare advertisement"
    if len(data) < 17:
        raise DecodeError(f"{what}: truncated, need 17 bytes, got {len(data)}")
    check = 0
    for byte in data[6:16]:
        check ^= byte
    if check != data[16]:
        raise DecodeError(f"{what}: checksum mismatch")
    return Reading.make(
        protocol=SINOCARE_PROTOCOL, weight_kg=(data[9] | data[10] << 8) / 100, unit="kg", stabilized=False
    )


def is_scaleup(company_id: int) -> bool:
    return company_id & 0xFF in (_SCALEUP_MEASURING, _SCALEUP_STABLE)


def decode_scaleup(company_id: int, data: bytes) -> Reading:
    what = "Scale Up advertisement"
    flag = company_id & 0xFF
    if flag not in (_SCALEUP_MEASURING, _SCALEUP_STABLE):
        raise DecodeError(f"{what}: unknown flag 0x{flag:02x}")
    if len(data) < 9:
        raise DecodeError(f"{what}: truncated, need 9 bytes, got {len(data)}")
    weight = ((company_id >> 8) << 8 | data[0]) / 100  # at most 655.35
    if weight > 500.0:
        raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
    return Reading.make(protocol=SCALEUP_PROTOCOL, weight_kg=weight, unit="kg", stabilized=flag == _SCALEUP_STABLE)


def decode_aaax(company_id: int, data: bytes) -> Reading | None:
    """A weight frame as a reading; ``None`` for an impedance frame (its value is not documented)."""
    what = "AAA-series advertisement"
    if len(data) < 12:
        raise DecodeError(f"{what}: truncated, need 12 bytes, got {len(data)}")
    key = (company_id >> 8) & 0xFF
    payload = bytes(b ^ key for b in data[6:12])
    if sum(payload[:5]) & 0x1F != payload[5] & 0x1F:
        raise DecodeError(f"{what}: checksum mismatch")
    kind = payload[4]
    if kind == 0xA6:
        return None
    if kind != 0xAD:
        raise DecodeError(f"{what}: unknown frame type 0x{kind:02x}")
    value = int.from_bytes(payload[:4], "big")
    grams = value & 0x3FFFF  # at most 262 kg
    return Reading.make(protocol=AAAX_PROTOCOL, weight_kg=grams / 1000, unit="kg", stabilized=bool(value >> 31))


_OPENSCALE = "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
_AT = " @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4"


def manufacturer_key(source: str, key: str, family: str, company: int | None = None) -> int:
    """For ``Driver.decode``: the company id of a manufacturer-data payload; anything else is not ours."""
    if source != "manufacturer-data":
        raise DecodeError(f"the {family} sends readings in manufacturer data only")
    try:
        value = int(key, 16) if key.lower().startswith("0x") else int(key)
    except ValueError:
        raise DecodeError(f"not a company id: {key!r}") from None
    if company is not None and value != company:
        raise DecodeError(f"the {family} uses company id 0x{company:04x}, not 0x{value:04x}")
    return value


class _StableOnce(Driver):
    """Shared behaviour: live readings pass through, each stable weight is published once per weigh-in."""

    link = "broadcast"

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._last: tuple[float | None, float | None] | None = None
        self._ready = False

    def _frames(self, advert: Advert) -> list[tuple[int, bytes]]:
        return [(c, d) for c, d in advert.manufacturer_data.items() if c in self.company_ids]

    def _read(self, company: int, data: bytes) -> Reading | None:
        raise NotImplementedError

    def advert(self, advert: Advert) -> list[Output]:
        out: list[Output] = []
        for company, data in self._frames(advert):
            try:
                reading = self._read(company, data)
            except DecodeError as exc:
                out.append(as_error(exc))
                continue
            if reading is None:
                continue
            if self.config.mode == "pair" and not self._ready:
                self._ready = True
                out.append(Ready())
            out += self._pass(reading)
        return out

    def _pass(self, reading: Reading) -> list[Output]:
        if not reading.stabilized:
            self._last = None
            return [reading] if reading.weight_kg else []
        key = (reading.weight_kg, reading.impedance_ohm)
        if key == self._last or not reading.weight_kg:
            return []
        self._last = key
        return [reading]


class QnBroadcastDriver(_StableOnce):
    id = QN_PROTOCOL
    family = "QN / Yolanda broadcast scales"
    devices = ("Renpho ES-CS20M (non-connectable variant)", "QN-family broadcast scales (AA BB)")
    company_ids = (QN_COMPANY_ID,)
    sources = (_OPENSCALE + "QNHandlerBroadcast.kt" + _AT,)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        data = advert.manufacturer_data.get(QN_COMPANY_ID)
        return CERTAIN if data is not None and data[:2] == b"\xaa\xbb" and len(data) >= 19 else 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        manufacturer_key(source, key, cls.family, QN_COMPANY_ID)
        return decode_qn(data)

    def _read(self, company: int, data: bytes) -> Reading | None:
        return decode_qn(data)


class EtekcityFit8SDriver(_StableOnce):
    id = FIT8S_PROTOCOL
    family = "Etekcity Fit 8S"
    devices = ("Etekcity Fit 8S",)
    measures = ("weight_kg", "impedance_ohm")
    company_ids = (FIT8S_COMPANY_ID,)
    sources = (_OPENSCALE + "EtekcityFit8SHandler.kt" + _AT,)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        data = advert.manufacturer_data.get(FIT8S_COMPANY_ID)
        if data is None or FIT8S_SERVICE not in advert.service_uuids:
            return 0  # company 0x06D0 without 0xFFD0 is the connectable ESF-551
        return CERTAIN if len(data) == 20 else COMPANY

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        manufacturer_key(source, key, cls.family, FIT8S_COMPANY_ID)
        return decode_fit8s(data)

    def _read(self, company: int, data: bytes) -> Reading | None:
        return decode_fit8s(data)


class SinocareDriver(_StableOnce):
    id = SINOCARE_PROTOCOL
    family = "Sinocare weight scales"
    devices = ("Sinocare Weight Scale",)
    company_ids = (SINOCARE_COMPANY_ID,)
    names = ("WEIGHT SCALE",)
    sources = (_OPENSCALE + "SinocareHandler.kt" + _AT,)

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._weight: float | None = None
        self._repeats = 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        manufacturer_key(source, key, cls.family, SINOCARE_COMPANY_ID)
        return decode_sinocare(data)

    def _read(self, company: int, data: bytes) -> Reading | None:
        reading = decode_sinocare(data)
        if reading.weight_kg != self._weight:
            self._weight, self._repeats = reading.weight_kg, 1
            return reading
        self._repeats += 1
        return (
            Reading.make(**{**reading.__dict__, "stabilized": True}) if self._repeats >= SINOCARE_REPEATS else reading
        )


class ScaleUpDriver(_StableOnce):
    id = SCALEUP_PROTOCOL
    family = "Scale Up broadcast scales"
    devices = ('Scale Up (advertised name "da")',)
    names = ("DA",)
    sources = (_OPENSCALE + "ScaleupHandler.kt" + _AT,)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if (advert.name or "").strip().lower() != "da":
            return 0
        return CERTAIN if any(is_scaleup(c) for c in advert.manufacturer_data) else NAME

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        return decode_scaleup(manufacturer_key(source, key, cls.family), data)

    def _frames(self, advert: Advert) -> list[tuple[int, bytes]]:
        return [(c, d) for c, d in advert.manufacturer_data.items() if is_scaleup(c)]

    def _read(self, company: int, data: bytes) -> Reading | None:
        return decode_scaleup(company, data)


class AaaBroadcastDriver(_StableOnce):
    id = AAAX_PROTOCOL
    family = "AAA-series broadcast scales"
    devices = ("AAA002", "AAA007", "AAA013")
    names = AAAX_NAMES
    sources = (_OPENSCALE + "AAAxHandler.kt" + _AT,)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        return NAME if (advert.name or "").strip() in AAAX_NAMES else 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        reading = decode_aaax(manufacturer_key(source, key, cls.family), data)
        if reading is None:
            raise DecodeError("AAA-series advertisement: an impedance frame (its value is not documented)")
        return reading

    def _frames(self, advert: Advert) -> list[tuple[int, bytes]]:
        return list(advert.manufacturer_data.items())

    def _read(self, company: int, data: bytes) -> Reading | None:
        return decode_aaax(company, data)
