"""Xiaomi Mi Smart Scale (v1) and Mi Body Composition Scale 2 advertisements (passive, no connection).

Layouts: Bluetooth-Devices/xiaomi-ble@509f516 ``parser.py`` (``_parse_scale_v1``), openScale
``MiScaleHandler.kt`` and RobertWojtowicz/export2garmin ``miscale/miscale_ble.py``;
shared/reference/ble_scales.md section 2. Impedance is whole ohms (xiaomi-ble, openScale);
blevalueparser's 0.1 ohm reading is not followed.
"""

from __future__ import annotations

from datetime import datetime

from companion.ble.protocols._common import (
    LB_TO_KG,
    Implausible,
    Reading,
    encode_date_time,
    exact,
    impedance_problem,
    parse_date_time,
)

MI_SCALE_V1 = "mi-scale"
MI_SCALE_V2 = "mi-scale-2"


def _mass(raw: int, lb: bool, jin: bool) -> tuple[float, str]:
    if lb:
        return round(raw / 100 * LB_TO_KG, 4), "lb"
    # kg: raw / 200; catty: raw / 100 jin and 1 jin = 0.5 kg, so also raw / 200 kg.
    return raw / 200, "jin" if jin else "kg"


def decode_mi_scale_v1(data: bytes) -> Reading:
    """Service data 0x181D, 10 bytes: ctrl, weight u16 LE, Date Time.

    ctrl bit0 lb, bit4 catty, bit5 stabilized, bit7 load removed (xiaomi-ble ``_parse_scale_v1``).
    """
    what = "Mi scale advertisement"
    if len(data) != 10:
        exact(data, 10, what)
    ctrl = data[0]
    weight, unit = _mass(data[1] | data[2] << 8, bool(ctrl & 0x01), bool(ctrl & 0x10))
    # u16 / 200 kg <= 327.7 kg and u16 / 100 lb <= 297 kg: always in the possible range.
    return Reading.make(
        protocol=MI_SCALE_V1,
        weight_kg=weight,
        unit=unit,
        stabilized=bool(ctrl & 0x20),
        load_removed=bool(ctrl & 0x80),
        timestamp=parse_date_time(data, 3, what),
    )


def encode_mi_scale_v1(
    weight_kg: float, *, stabilized: bool, load_removed: bool = False, at: datetime | None = None
) -> bytes:
    ctrl = (0x20 if stabilized else 0) | (0x80 if load_removed else 0)
    stamp = encode_date_time(at) if at is not None else bytes(7)
    return bytes([ctrl]) + round(weight_kg * 200).to_bytes(2, "little") + stamp


def decode_mi_scale_v2(data: bytes) -> Reading:
    """Service data 0x181B, 13 bytes: ctrl0, ctrl1, Date Time, impedance u16 LE (ohm), weight u16 LE.

    ctrl0 bit0 lb; ctrl1 bit1 impedance present, bit5 stabilized, bit6 catty, bit7 load removed.
    """
    what = "Mi body composition scale advertisement"
    if len(data) != 13:
        exact(data, 13, what)
    ctrl1 = data[1]
    weight, unit = _mass(data[11] | data[12] << 8, bool(data[0] & 0x01), bool(ctrl1 & 0x40))
    load_removed = bool(ctrl1 & 0x80)
    impedance = None
    problem = None
    if ctrl1 & 0x02 and not load_removed:
        impedance = float(data[9] | data[10] << 8)
        if not 50.0 <= impedance <= 3000.0:
            problem = impedance_problem(impedance, what)
    reading = Reading.make(
        protocol=MI_SCALE_V2,
        weight_kg=weight,
        unit=unit,
        stabilized=bool(ctrl1 & 0x20),
        load_removed=load_removed,
        timestamp=parse_date_time(data, 2, what),
        impedance_ohm=impedance,
    )
    if problem:
        raise Implausible(problem, reading)
    return reading


def encode_mi_scale_v2(
    weight_kg: float,
    *,
    stabilized: bool,
    impedance_ohm: int | None = None,
    load_removed: bool = False,
    at: datetime | None = None,
) -> bytes:
    """The inverse, used by the emulated broadcast scale."""
    ctrl1 = 0x04 | (0x20 if stabilized else 0) | (0x80 if load_removed else 0) | (0x02 if impedance_ohm else 0)
    stamp = encode_date_time(at) if at is not None else bytes(7)
    return (
        bytes([0x02, ctrl1])
        + stamp
        + int(impedance_ohm or 0).to_bytes(2, "little")
        + round(weight_kg * 200).to_bytes(2, "little")
    )
