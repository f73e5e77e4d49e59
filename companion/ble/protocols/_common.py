"""What every decoder shares: the reading, the one error type, little helpers for bytes and dates.

Pure code: no bleak, no I/O. Every decoder takes ``bytes`` and returns a frozen dataclass or raises
``DecodeError`` (and nothing else; tests/ble/test_protocols_fuzz.py proves it with hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

LB_TO_KG = 0.45359237
INCH_TO_M = 0.0254
KJ_PER_KCAL = 4.1868
#: Heaviest weight a bathroom scale can report (DESIGN: "> 500 kg is impossible").
MAX_WEIGHT_KG = 500.0
#: Plausible bioelectrical impedance in ohm (same as domain.model.IMPEDANCE_RANGE).
IMPEDANCE_RANGE_OHM = (50.0, 3000.0)


class DecodeError(ValueError):
    """A payload cannot be decoded; ``reason`` says why in plain words (shown to users and supporters)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Implausible(DecodeError):
    """A well-formed packet that says something physically impossible.

    ``reading`` is what the packet says, for ``companion ble decode`` (a debugging tool prints it with
    ``"plausible": false``); the live path keeps it out of the store like any other undecodable packet.
    """

    def __init__(self, reason: str, reading: Reading) -> None:
        super().__init__(reason)
        self.reading = reading


@dataclass(frozen=True)
class Reading:
    """One (possibly partial) reading from a scale. SI units; ``None`` = not in the packet.

    Field names are the JSON contract of ``companion ble decode`` (DESIGN.md). Decoders build it with
    ``Reading.make`` (one dict update instead of 22 frozen ``__setattr__`` calls: 5x faster, same object).
    """

    protocol: str
    weight_kg: float | None = None
    unit: str | None = None  # what the scale displayed: kg, lb, st, jin
    stabilized: bool | None = None
    load_removed: bool | None = None
    timestamp: datetime | None = None  # naive: the scale's local time
    user_index: int | None = None
    impedance_ohm: float | None = None
    body_fat_pct: float | None = None
    body_water_pct: float | None = None
    body_water_mass_kg: float | None = None
    bone_mass_kg: float | None = None
    muscle_mass_kg: float | None = None
    muscle_pct: float | None = None
    fat_free_mass_kg: float | None = None
    soft_lean_mass_kg: float | None = None
    bmi: float | None = None
    height_m: float | None = None
    bmr_kcal: float | None = None
    visceral_fat: float | None = None
    heart_rate_bpm: float | None = None
    multi_packet: bool | None = None

    @classmethod
    def make(cls, **values: Any) -> Reading:
        """Fast constructor for decoders: only the given fields; the rest keep their ``None`` defaults."""
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @property
    def is_final(self) -> bool:
        """A weight the scale considers settled (and the person still on it)."""
        return bool(self.weight_kg) and self.stabilized is not False and not self.load_removed


def need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise DecodeError(f"{what}: truncated, need {size} bytes, got {len(data)}")


def exact(data: bytes, size: int, what: str) -> None:
    if len(data) != size:
        raise DecodeError(f"{what}: expected {size} bytes, got {len(data)}")


def u16le(data: bytes, pos: int) -> int:
    return data[pos] | (data[pos + 1] << 8)


def u16be(data: bytes, pos: int) -> int:
    return (data[pos] << 8) | data[pos + 1]


def u32le(data: bytes, pos: int) -> int:
    return data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16) | (data[pos + 3] << 24)


def weight_problem(kg: float, what: str) -> str | None:
    """Why ``kg`` cannot be a person's weight on a bathroom scale, or ``None``."""
    if kg < 0 or kg > MAX_WEIGHT_KG:
        return f"{what}: impossible weight {kg:g} kg (0..{MAX_WEIGHT_KG:g})"
    return None


def impedance_problem(ohm: float, what: str) -> str | None:
    """Why ``ohm`` cannot be a body's impedance, or ``None``."""
    lo, hi = IMPEDANCE_RANGE_OHM
    if not lo <= ohm <= hi:
        return f"{what}: impossible impedance {ohm:g} ohm ({lo:g}..{hi:g})"
    return None


def check_weight(kg: float, what: str) -> float:
    if kg < 0 or kg > MAX_WEIGHT_KG:
        raise DecodeError(f"{what}: impossible weight {kg:g} kg (0..{MAX_WEIGHT_KG:g})")
    return kg


def check_impedance(ohm: float, what: str) -> float:
    lo, hi = IMPEDANCE_RANGE_OHM
    if not lo <= ohm <= hi:
        raise DecodeError(f"{what}: impossible impedance {ohm:g} ohm ({lo:g}..{hi:g})")
    return ohm


def parse_date_time(data: bytes, pos: int, what: str) -> datetime | None:
    """Bluetooth SIG Date Time (GSS 3.70): uint16 year, month, day, hours, minutes, seconds.

    Year, month or day 0 mean "not known" -> ``None``. Out-of-range fields are a ``DecodeError``.
    """
    year = data[pos] | data[pos + 1] << 8
    month = data[pos + 2]
    day = data[pos + 3]
    if year == 0 or month == 0 or day == 0:
        return None
    hour = data[pos + 4]
    minute = data[pos + 5]
    second = data[pos + 6]
    if not (1582 <= year <= 9999 and month <= 12 and day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
        raise DecodeError(f"{what}: invalid date/time {year}-{month}-{day} {hour}:{minute}:{second}")
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise DecodeError(f"{what}: invalid date {year}-{month}-{day}") from None


def encode_date_time(at: datetime) -> bytes:
    return bytes((at.year & 0xFF, at.year >> 8, at.month, at.day, at.hour, at.minute, at.second))


def sum_checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def xor_checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value
