"""Eufy Smart Scale C20 (T9130): weigh-ins broadcast as manufacturer data of company 0xBC64 (pure, sans-I/O).

Layout (oliexdev/openScale@f7a733b2 ``android_app/app/src/main/java/com/health/openscale/core/bluetooth/
scales/EufyC20Handler.kt``; no public capture exists, the offsets below are that handler's): in the value
after the company id, ``[10]`` flags (bit 0 weight present, bit 6 impedance present, bit 7 heart rate
present), ``[12:14]`` weight u16 LE /100 kg, ``[15]`` heart rate bpm, ``[17:19]`` impedance u16 LE /10 ohm.
The scale sends the weight first and adds impedance and heart rate in later adverts; a weigh-in is
complete when all three are there (openScale publishes then); without bare feet it stays weight-only.
"""

from __future__ import annotations

from companion.ble.drivers.base import Advert, CancelTimer, Driver, DriverConfig, Output, Ready, SetTimer, as_error
from companion.ble.protocols._common import DecodeError, Reading, check_impedance

PROTOCOL = "eufy-c20"
COMPANY_ID = 0xBC64  # 48228
_HAS_WEIGHT, _HAS_IMPEDANCE, _HAS_HEART_RATE = 0x01, 0x40, 0x80


def decode(data: bytes) -> Reading:
    what = "Eufy C20 advertisement"
    if len(data) < 14:
        raise DecodeError(f"{what}: truncated, need 14 bytes, got {len(data)}")
    flags = data[10]
    weight = None
    if flags & _HAS_WEIGHT:
        weight = (data[12] | data[13] << 8) / 100  # at most 655.35
        if weight > 500.0:
            raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
    heart = None
    if flags & _HAS_HEART_RATE:
        if len(data) < 16:
            raise DecodeError(f"{what}: heart rate announced but missing")
        heart = float(data[15]) or None
    impedance = None
    if flags & _HAS_IMPEDANCE:
        if len(data) < 19:
            raise DecodeError(f"{what}: impedance announced but missing")
        raw = data[17] | data[18] << 8
        impedance = check_impedance(raw / 10, what) if raw else None
    complete = bool(weight) and impedance is not None and heart is not None
    return Reading.make(
        protocol=PROTOCOL,
        weight_kg=weight,
        unit="kg" if weight is not None else None,
        stabilized=complete,
        impedance_ohm=impedance,
        heart_rate_bpm=heart,
    )


def encode(
    weight_kg: float | None,
    *,
    impedance_ohm: float | None = None,
    heart_rate_bpm: int | None = None,
    prefix: bytes = b"",
) -> bytes:
    """A manufacturer-data value (company id not included) with the given fields, for tests and the emulator."""
    out = bytearray(prefix[:10].ljust(10, b"\0")) + bytearray(9)
    flags = 0
    if weight_kg is not None:
        flags |= _HAS_WEIGHT
        out[12:14] = round(weight_kg * 100).to_bytes(2, "little")
    if heart_rate_bpm is not None:
        flags |= _HAS_HEART_RATE
        out[15] = heart_rate_bpm
    if impedance_ohm is not None:
        flags |= _HAS_IMPEDANCE
        out[17:19] = round(impedance_ohm * 10).to_bytes(2, "little")
    out[10] = flags
    return bytes(out)


#: A weight that never gets its impedance and heart rate (shoes, socks) is published after this long.
COMPLETE_WAIT_S = 10.0


class EufyC20Driver(Driver):
    id = PROTOCOL
    family = "Eufy Smart Scale C20"
    devices = ("Eufy Smart Scale C20 (T9130)",)
    link = "broadcast"
    measures = ("weight_kg", "impedance_ohm", "heart_rate_bpm")
    company_ids = (COMPANY_ID,)
    names = ("EUFY C20", "EUFY T9130", "EUFY SMART SCALE C20")
    emulated = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "EufyC20Handler.kt @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4",
    )

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._weight: Reading | None = None
        self._published: tuple[float | None, float | None] | None = None
        self._ready = False

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        from companion.ble.drivers.oem_broadcast import manufacturer_key

        manufacturer_key(source, key, cls.family, COMPANY_ID)
        return decode(data)

    def advert(self, advert: Advert) -> list[Output]:
        data = advert.manufacturer_data.get(COMPANY_ID)
        if data is None:
            return []
        try:
            reading = decode(data)
        except DecodeError as exc:
            return [as_error(exc)]
        out: list[Output] = []
        if self.config.mode == "pair" and not self._ready:
            self._ready = True
            out.append(Ready())
        if not reading.weight_kg:
            return out
        if reading.stabilized:
            key = (reading.weight_kg, reading.impedance_ohm)
            self._weight = None
            if key == self._published:
                return out  # the complete advert is repeated
            self._published = key
            return [*out, CancelTimer("complete"), reading]
        self._published = None
        self._weight = Reading.make(**{**reading.__dict__, "stabilized": True})
        return [*out, reading, SetTimer(COMPLETE_WAIT_S, "complete")]

    def timeout(self, name: str) -> list[Output]:
        if name != "complete" or self._weight is None:
            return []
        weight, self._weight = self._weight, None
        self._published = (weight.weight_kg, None)
        return [weight]
