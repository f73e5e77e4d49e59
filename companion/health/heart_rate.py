"""Heart Rate Measurement (GATT characteristic 0x2A37) decoder: sans-I/O, bytes in, a frozen reading out.

Layout (Bluetooth SIG, Heart Rate Service 1.0 and the GATT Specification Supplement, "Heart Rate Measurement"):
- byte 0, flags: bit 0 heart-rate value format (0: UINT8, 1: UINT16 little-endian); bits 1-2 sensor contact
  status (bit 2 "supported", bit 1 "contact detected"; 0b00/0b01 = not supported); bit 3 Energy Expended
  present (UINT16, kilojoules, saturates at 0xFFFF); bit 4 RR-Interval(s) present (UINT16 each, unit 1/1024 s,
  as many as fit in the rest of the packet, oldest first); bits 5-7 reserved.
- then the heart rate (bpm), the energy expended if flagged, the RR intervals if flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

HEART_RATE_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION = "00002a38-0000-1000-8000-00805f9b34fb"

_FORMAT_UINT16 = 0x01
_CONTACT_DETECTED = 0x02
_CONTACT_SUPPORTED = 0x04
_ENERGY_PRESENT = 0x08
_RR_PRESENT = 0x10
RR_UNIT_S = 1 / 1024


class HeartRateDecodeError(ValueError):
    """The packet is too short for the fields its flags announce."""


@dataclass(frozen=True, slots=True)
class HeartRateReading:
    bpm: int
    sensor_contact: bool | None  # None: the sensor does not report contact
    energy_kj: int | None
    rr_intervals_ms: tuple[float, ...]

    @property
    def rr_intervals_s(self) -> tuple[float, ...]:
        return tuple(ms / 1000.0 for ms in self.rr_intervals_ms)


def decode_heart_rate(data: bytes | bytearray | memoryview) -> HeartRateReading:
    raw = bytes(data)
    if not raw:
        raise HeartRateDecodeError("empty packet")
    flags = raw[0]
    pos = 1
    if flags & _FORMAT_UINT16:
        if len(raw) < pos + 2:
            raise HeartRateDecodeError("packet too short for a 16-bit heart rate")
        bpm = int.from_bytes(raw[pos:pos + 2], "little")
        pos += 2
    else:
        if len(raw) < pos + 1:
            raise HeartRateDecodeError("packet too short for a heart rate")
        bpm = raw[pos]
        pos += 1
    contact: bool | None = bool(flags & _CONTACT_DETECTED) if flags & _CONTACT_SUPPORTED else None
    energy: int | None = None
    if flags & _ENERGY_PRESENT:
        if len(raw) < pos + 2:
            raise HeartRateDecodeError("packet too short for the energy expended")
        energy = int.from_bytes(raw[pos:pos + 2], "little")
        pos += 2
    rr: tuple[float, ...] = ()
    if flags & _RR_PRESENT:
        rest = raw[pos:]
        if len(rest) < 2 or len(rest) % 2:
            raise HeartRateDecodeError("RR intervals announced but missing or cut off")
        rr = tuple(int.from_bytes(rest[i:i + 2], "little") * 1000.0 / 1024.0 for i in range(0, len(rest), 2))
    return HeartRateReading(bpm, contact, energy, rr)


def encode_heart_rate(reading: HeartRateReading, *, uint16: bool | None = None) -> bytes:
    """The inverse (for the emulated strap and for tests): the smallest packet carrying ``reading``."""
    wide = reading.bpm > 255 if uint16 is None else uint16
    flags = _FORMAT_UINT16 if wide else 0
    if reading.sensor_contact is not None:
        flags |= _CONTACT_SUPPORTED | (_CONTACT_DETECTED if reading.sensor_contact else 0)
    out = bytearray()
    out += reading.bpm.to_bytes(2 if wide else 1, "little")
    if reading.energy_kj is not None:
        flags |= _ENERGY_PRESENT
        out += min(reading.energy_kj, 0xFFFF).to_bytes(2, "little")
    if reading.rr_intervals_ms:
        flags |= _RR_PRESENT
        for ms in reading.rr_intervals_ms:
            out += min(round(ms * 1024 / 1000), 0xFFFF).to_bytes(2, "little")
    return bytes([flags]) + bytes(out)
