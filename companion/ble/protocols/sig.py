"""Bluetooth SIG profiles a standards-compliant scale exposes: WSS, BCS, UDS and CTS (sans-I/O).

Layouts: Bluetooth SIG GATT Specification Supplement (GSS) v11 sections 3.252 Weight Measurement,
3.253 Weight Scale Feature, 3.32 Body Composition Measurement, 3.31 Body Composition Feature,
3.240 User Control Point, 3.60 Database Change Increment, 3.239 User Index, 3.62 Current Time, as
implemented by bluetooth-sig-python (RonanB96/bluetooth-sig-python@27bdb3d,
src/bluetooth_sig/gatt/characteristics/*.py) and openScale (oliexdev/openScale@f7a733b,
StandardWeightProfileHandler.kt). See shared/reference/ble_scales.md section 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from companion.ble.protocols._common import (
    INCH_TO_M,
    KJ_PER_KCAL,
    LB_TO_KG,
    DecodeError,
    Implausible,
    Reading,
    encode_date_time,
    exact,
    impedance_problem,
    need,
    parse_date_time,
    u16le,
    u32le,
)

# 16-bit assigned numbers (Bluetooth SIG Assigned Numbers, section 3.4 / 3.8).
WEIGHT_SCALE_SERVICE = 0x181D
BODY_COMPOSITION_SERVICE = 0x181B
USER_DATA_SERVICE = 0x181C
CURRENT_TIME_SERVICE = 0x1805
WEIGHT_MEASUREMENT = 0x2A9D
WEIGHT_SCALE_FEATURE = 0x2A9E
BODY_COMPOSITION_MEASUREMENT = 0x2A9C
BODY_COMPOSITION_FEATURE = 0x2A9B
USER_CONTROL_POINT = 0x2A9F
USER_INDEX = 0x2A9A
DATABASE_CHANGE_INCREMENT = 0x2A99
CURRENT_TIME = 0x2A2B
DATE_OF_BIRTH = 0x2A85
GENDER = 0x2A8C
HEIGHT = 0x2A8E

UNKNOWN_USER = 0xFF


def full_uuid(short: int) -> str:
    """A 16-bit assigned number as a 128-bit UUID string on the Bluetooth base UUID."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


# Weight Scale Feature resolution codes 1..7 (GSS 3.253): kg and lb precision.
_WEIGHT_RES_KG = {1: 0.5, 2: 0.2, 3: 0.1, 4: 0.05, 5: 0.02, 6: 0.01, 7: 0.005}
_HEIGHT_RES_M = {1: 0.01, 2: 0.005, 3: 0.001}


def _mass(raw: int, imperial: int) -> float:
    # Wire unit: 0.005 kg (SI) or 0.01 lb (imperial), whatever the Feature's resolution says.
    # raw / 200 is the float nearest the exact decimal (no 0.005-multiplication noise).
    return round(raw * 0.01 * LB_TO_KG, 4) if imperial else raw / 200


def _height(raw: int, imperial: bool) -> float:
    return round(raw * 0.1 * INCH_TO_M, 4) if imperial else raw / 1000


# Expected length for each combination of the four WSS flag bits (one table lookup instead of
# checks per field).
_WSS_LENGTH = tuple(3 + (7 if f & 2 else 0) + (1 if f & 4 else 0) + (4 if f & 8 else 0) for f in range(16))


def decode_weight_measurement(data: bytes) -> Reading:
    """Weight Measurement 0x2A9D: flags u8, weight u16, [Date Time], [user u8], [BMI u16, height u16]."""
    what = "weight measurement"
    n = len(data)
    need(data, 3, what)
    # Bits 4-7 are reserved for future use: receivers ignore them (GSS 3.252; Core "RFU" convention).
    flags = data[0] & 0x0F
    expected = _WSS_LENGTH[flags]
    if n < expected:
        raise DecodeError(f"{what}: truncated, need {expected} bytes, got {n}")
    if n > expected:
        raise DecodeError(f"{what}: {n - expected} unexpected byte(s) after the announced fields")
    imperial = flags & 0x01
    raw = data[1] | data[2] << 8
    if raw == 0xFFFF:
        raise DecodeError(f"{what}: the scale reports the measurement as unsuccessful")
    # 0xFFFE x 0.005 kg = 327.67 kg and 0xFFFE x 0.01 lb = 297 kg: never above 500 kg, so no
    # range check needed.
    weight = round(raw * 0.01 * LB_TO_KG, 4) if imperial else raw / 200
    pos = 3
    timestamp = None
    if flags & 0x02:
        timestamp = parse_date_time(data, 3, what)
        pos = 10
    user = None
    if flags & 0x04:
        user = data[pos]
        pos += 1
        if user == UNKNOWN_USER:
            user = None
    if flags & 0x08:
        return Reading.make(
            protocol="sig-wss",
            weight_kg=weight,
            unit="lb" if imperial else "kg",
            stabilized=True,
            timestamp=timestamp,
            user_index=user,
            bmi=(data[pos] | data[pos + 1] << 8) / 10,
            height_m=_height(data[pos + 2] | data[pos + 3] << 8, bool(imperial)),
        )
    return Reading.make(
        protocol="sig-wss",
        weight_kg=weight,
        unit="lb" if imperial else "kg",
        stabilized=True,
        timestamp=timestamp,
        user_index=user,
    )


def encode_weight_measurement(
    weight_kg: float,
    *,
    timestamp: datetime | None = None,
    user_index: int | None = None,
    bmi: float | None = None,
    height_m: float | None = None,
) -> bytes:
    """The inverse (SI units), used by the emulated scale."""
    flags = 0
    body = bytearray(round(weight_kg / 0.005).to_bytes(2, "little"))
    if timestamp is not None:
        flags |= 0x02
        body += encode_date_time(timestamp)
    if user_index is not None:
        flags |= 0x04
        body.append(user_index)
    if bmi is not None and height_m is not None:
        flags |= 0x08
        body += round(bmi / 0.1).to_bytes(2, "little") + round(height_m / 0.001).to_bytes(2, "little")
    return bytes([flags]) + bytes(body)


@dataclass(frozen=True, slots=True)
class WeightScaleFeature:
    """Weight Scale Feature 0x2A9E (GSS 3.253)."""

    timestamp_supported: bool
    multiple_users_supported: bool
    bmi_supported: bool
    weight_resolution_kg: float | None  # None: not specified
    height_resolution_m: float | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": "sig-wss-feature"}
        out.update({k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None})
        return out


def _feature_word(data: bytes, what: str, used_bits: int, mass_shift: int) -> tuple[int, float | None, float | None]:
    """The 32-bit feature field shared by 0x2A9E and 0x2A9B: (value, mass resolution, height resolution).

    Both carry a 4-bit mass-resolution code at ``mass_shift`` and a 3-bit height-resolution code right after it
    (codes above 7 / 3 are reserved); bits from ``used_bits`` up are reserved (GSS 3.253 and 3.31). Reserved
    bits are ignored and reserved codes read as "not specified", as the specification asks of receivers.
    """
    exact(data, 4, what)
    value = u32le(data, 0) & ((1 << used_bits) - 1)
    mass_code = (value >> mass_shift) & 0x0F
    height_code = (value >> (mass_shift + 4)) & 0x07
    return value, _WEIGHT_RES_KG.get(mass_code), _HEIGHT_RES_M.get(height_code)


def decode_weight_scale_feature(data: bytes) -> WeightScaleFeature:
    value, mass_res, height_res = _feature_word(data, "weight scale feature", 10, 3)
    return WeightScaleFeature(bool(value & 1), bool(value & 2), bool(value & 4), mass_res, height_res)


def encode_weight_scale_feature(
    *, timestamp: bool, multi_user: bool, bmi: bool, weight_code: int = 7, height_code: int = 3
) -> bytes:
    value = int(timestamp) | int(multi_user) << 1 | int(bmi) << 2 | weight_code << 3 | height_code << 7
    return value.to_bytes(4, "little")


# Body Composition Measurement optional fields in flag-bit order (GSS 3.32): (bit, name, size).
_BCS_FIELDS = (
    (1, "timestamp", 7),
    (2, "user", 1),
    (3, "bmr", 2),
    (4, "muscle_pct", 2),
    (5, "muscle_mass", 2),
    (6, "ffm", 2),
    (7, "slm", 2),
    (8, "water_mass", 2),
    (9, "impedance", 2),
    (10, "weight", 2),
    (11, "height", 2),
)
BCS_MULTI_PACKET = 1 << 12


def _bcs_length(flags: int) -> int:
    return 4 + sum(size for bit, _name, size in _BCS_FIELDS if flags & (1 << bit))


_BCS_LENGTH = tuple(_bcs_length(f << 1) for f in range(2048))  # by flag bits 1..11
_BCS_NAMES = ("bmr", "muscle_pct", "muscle_mass", "ffm", "slm", "water_mass", "impedance", "weight", "height")


def decode_body_composition(data: bytes) -> Reading:
    """Body Composition Measurement 0x2A9C: flags u16, body fat u16 x0.1 %, optional fields by flag bit.

    Bit 12 marks one part of a measurement split over several indications; merge them with
    ``companion.ble.assembly.merge_readings`` (openScale merges per user index).
    """
    what = "body composition measurement"
    n = len(data)
    if n < 4:
        raise DecodeError(f"{what}: truncated, need 4 bytes, got {n}")
    flags = (data[0] | data[1] << 8) & 0x1FFF  # bits 13-15 are reserved for future use: ignored (GSS 3.32)
    expected = _BCS_LENGTH[(flags >> 1) & 0x7FF]
    if n < expected:
        raise DecodeError(f"{what}: truncated, need {expected} bytes, got {n}")
    if n > expected:
        raise DecodeError(f"{what}: {n - expected} unexpected byte(s) after the announced fields")
    imperial = flags & 1
    fat_raw = data[2] | data[3] << 8
    if fat_raw == 0xFFFF:
        raise DecodeError(f"{what}: the scale reports the measurement as unsuccessful")
    problem = f"{what}: impossible body fat {fat_raw / 10:g} %" if fat_raw > 1000 else None
    # Masses: raw / 200 kg is exact to the wire's 0.005 kg (no float noise); imperial converts from 0.01 lb.
    pos = 4
    timestamp = user = bmr = muscle_pct = impedance = height = None
    muscle = fat_free = soft_lean = water = weight = None
    if flags & 0x02:
        timestamp = parse_date_time(data, 4, what)
        pos = 11
    if flags & 0x04:
        user = data[pos]
        if user == UNKNOWN_USER:
            user = None
        pos += 1
    if flags & 0x08:
        bmr = round((data[pos] | data[pos + 1] << 8) / KJ_PER_KCAL, 1)
        pos += 2
    if flags & 0x10:
        raw = data[pos] | data[pos + 1] << 8
        if raw > 1000:
            problem = problem or f"{what}: impossible muscle percentage {raw / 10:g} %"
        muscle_pct = raw / 10
        pos += 2
    if flags & 0x20:
        raw = data[pos] | data[pos + 1] << 8
        muscle = raw / 200 if not imperial else round(raw * 0.01 * LB_TO_KG, 4)
        pos += 2
    if flags & 0x40:
        raw = data[pos] | data[pos + 1] << 8
        fat_free = raw / 200 if not imperial else round(raw * 0.01 * LB_TO_KG, 4)
        pos += 2
    if flags & 0x80:
        raw = data[pos] | data[pos + 1] << 8
        soft_lean = raw / 200 if not imperial else round(raw * 0.01 * LB_TO_KG, 4)
        pos += 2
    if flags & 0x100:
        raw = data[pos] | data[pos + 1] << 8
        water = raw / 200 if not imperial else round(raw * 0.01 * LB_TO_KG, 4)
        pos += 2
    if flags & 0x200:
        impedance = (data[pos] | data[pos + 1] << 8) / 10
        if not 50.0 <= impedance <= 3000.0:
            problem = problem or impedance_problem(impedance, what)
        pos += 2
    if flags & 0x400:
        raw = data[pos] | data[pos + 1] << 8
        weight = raw / 200 if not imperial else round(raw * 0.01 * LB_TO_KG, 4)
        pos += 2
    if flags & 0x800:
        height = _height(data[pos] | data[pos + 1] << 8, bool(imperial))
    reading = Reading.make(
        protocol="sig-bcs",
        unit="lb" if imperial else "kg",
        stabilized=True,
        body_fat_pct=fat_raw / 10,
        timestamp=timestamp,
        user_index=user,
        bmr_kcal=bmr,
        muscle_pct=muscle_pct,
        muscle_mass_kg=muscle,
        fat_free_mass_kg=fat_free,
        soft_lean_mass_kg=soft_lean,
        body_water_mass_kg=water,
        weight_kg=weight,
        impedance_ohm=impedance,
        height_m=height,
        multi_packet=True if flags & BCS_MULTI_PACKET else None,
    )
    if problem:
        raise Implausible(problem, reading)
    return reading


def encode_body_composition(
    body_fat_pct: float,
    *,
    timestamp: datetime | None = None,
    user_index: int | None = None,
    bmr_kcal: float | None = None,
    muscle_mass_kg: float | None = None,
    body_water_mass_kg: float | None = None,
    impedance_ohm: float | None = None,
    weight_kg: float | None = None,
    height_m: float | None = None,
    multi_packet: bool = False,
) -> bytes:
    """The inverse (SI units), used by the emulated scale; the split into packets is the caller's."""
    flags = BCS_MULTI_PACKET if multi_packet else 0
    body = bytearray()

    def put(bit: int, raw: bytes) -> None:
        nonlocal flags
        flags |= 1 << bit
        body.extend(raw)

    if timestamp is not None:
        put(1, encode_date_time(timestamp))
    if user_index is not None:
        put(2, bytes([user_index]))
    if bmr_kcal is not None:
        put(3, round(bmr_kcal * KJ_PER_KCAL).to_bytes(2, "little"))
    if muscle_mass_kg is not None:
        put(5, round(muscle_mass_kg / 0.005).to_bytes(2, "little"))
    if body_water_mass_kg is not None:
        put(8, round(body_water_mass_kg / 0.005).to_bytes(2, "little"))
    if impedance_ohm is not None:
        put(9, round(impedance_ohm * 10).to_bytes(2, "little"))
    if weight_kg is not None:
        put(10, round(weight_kg / 0.005).to_bytes(2, "little"))
    if height_m is not None:
        put(11, round(height_m / 0.001).to_bytes(2, "little"))
    return flags.to_bytes(2, "little") + round(body_fat_pct * 10).to_bytes(2, "little") + bytes(body)


@dataclass(frozen=True, slots=True)
class BodyCompositionFeature:
    """Body Composition Feature 0x2A9B (GSS 3.31): which optional fields the scale can send."""

    supported: tuple[str, ...]
    mass_resolution_kg: float | None
    height_resolution_m: float | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": "sig-bcs-feature", "supported": list(self.supported)}
        if self.mass_resolution_kg is not None:
            out["mass_resolution_kg"] = self.mass_resolution_kg
        if self.height_resolution_m is not None:
            out["height_resolution_m"] = self.height_resolution_m
        return out


_BCS_FEATURE_NAMES = (
    "timestamp",
    "multiple_users",
    "bmr",
    "muscle_pct",
    "muscle_mass",
    "fat_free_mass",
    "soft_lean_mass",
    "body_water_mass",
    "impedance",
    "weight",
    "height",
)


def decode_body_composition_feature(data: bytes) -> BodyCompositionFeature:
    value, mass_res, height_res = _feature_word(data, "body composition feature", 18, 11)
    names = tuple(name for bit, name in enumerate(_BCS_FEATURE_NAMES) if value & (1 << bit))
    return BodyCompositionFeature(names, mass_res, height_res)


def encode_body_composition_feature(supported: tuple[str, ...], mass_code: int = 7, height_code: int = 3) -> bytes:
    value = sum(1 << _BCS_FEATURE_NAMES.index(name) for name in supported) | mass_code << 11 | height_code << 15
    return value.to_bytes(4, "little")


# ----- User Data Service ------------------------------------------------------------------------------
# User Control Point 0x2A9F (UDS 1.0 section 3.5; ble-scale-sync src/scales/beurer-bf720.ts for the layout).
OP_REGISTER_NEW_USER = 0x01
OP_CONSENT = 0x02
OP_DELETE_USER_DATA = 0x03
OP_LIST_ALL_USERS = 0x04
OP_DELETE_USER = 0x05
OP_RESPONSE = 0x20
RESULT_SUCCESS = 0x01
RESULT_NOT_SUPPORTED = 0x02
RESULT_INVALID_PARAMETER = 0x03
RESULT_FAILED = 0x04
RESULT_NOT_AUTHORIZED = 0x05
MAX_CONSENT_CODE = 9999

_RESULT_NAMES = {
    RESULT_SUCCESS: "success",
    RESULT_NOT_SUPPORTED: "op-code-not-supported",
    RESULT_INVALID_PARAMETER: "invalid-parameter",
    RESULT_FAILED: "operation-failed",
    RESULT_NOT_AUTHORIZED: "user-not-authorized",
}
_OP_NAMES = {
    OP_REGISTER_NEW_USER: "register-new-user",
    OP_CONSENT: "consent",
    OP_DELETE_USER_DATA: "delete-user-data",
    OP_LIST_ALL_USERS: "list-all-users",
    OP_DELETE_USER: "delete-user",
}


def _check_code(code: int) -> None:
    if not 0 <= code <= MAX_CONSENT_CODE:
        raise DecodeError(f"consent code must be 0..{MAX_CONSENT_CODE}")


def encode_register_new_user(consent_code: int) -> bytes:
    _check_code(consent_code)
    return bytes([OP_REGISTER_NEW_USER]) + consent_code.to_bytes(2, "little")


def encode_consent(user_index: int, consent_code: int) -> bytes:
    _check_code(consent_code)
    if not 0 <= user_index < UNKNOWN_USER:
        raise DecodeError("user index must be 0..254")
    return bytes([OP_CONSENT, user_index]) + consent_code.to_bytes(2, "little")


def encode_delete_user_data() -> bytes:
    return bytes([OP_DELETE_USER_DATA])


@dataclass(frozen=True, slots=True)
class ControlPointRequest:
    opcode: int
    user_index: int | None = None
    consent_code: int | None = None


def decode_control_point_request(data: bytes) -> ControlPointRequest:
    """What a client wrote to 0x2A9F (the emulated scale's side)."""
    what = "user control point request"
    need(data, 1, what)
    op = data[0]
    if op == OP_REGISTER_NEW_USER:
        exact(data, 3, what)
        code = u16le(data, 1)
        if code > MAX_CONSENT_CODE:
            raise DecodeError(f"{what}: consent code {code} out of range")
        return ControlPointRequest(op, consent_code=code)
    if op == OP_CONSENT:
        exact(data, 4, what)
        return ControlPointRequest(op, user_index=data[1], consent_code=u16le(data, 2))
    if op in (OP_DELETE_USER_DATA, OP_LIST_ALL_USERS):
        exact(data, 1, what)
        return ControlPointRequest(op)
    if op == OP_DELETE_USER:
        exact(data, 2, what)
        return ControlPointRequest(op, user_index=data[1])
    raise DecodeError(f"{what}: unknown op code 0x{op:02x}")


@dataclass(frozen=True, slots=True)
class ControlPointResponse:
    """An indication on 0x2A9F: ``20 <request op> <result> [parameters]``."""

    request_opcode: int
    result: int
    user_index: int | None = None  # register-new-user: the new index
    users: tuple[int, ...] | None = None  # list-all-users

    @property
    def ok(self) -> bool:
        return self.result == RESULT_SUCCESS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": "sig-uds-control-point",
            "request": _OP_NAMES.get(self.request_opcode, f"0x{self.request_opcode:02x}"),
            "result": _RESULT_NAMES[self.result],
        }
        if self.user_index is not None:
            out["user_index"] = self.user_index
        if self.users is not None:
            out["users"] = list(self.users)
        return out


def decode_control_point_response(data: bytes) -> ControlPointResponse:
    what = "user control point response"
    need(data, 3, what)
    if data[0] != OP_RESPONSE:
        raise DecodeError(f"{what}: expected response code 0x20, got 0x{data[0]:02x}")
    op, result = data[1], data[2]
    if op not in _OP_NAMES:
        raise DecodeError(f"{what}: unknown request op code 0x{op:02x}")
    if result not in _RESULT_NAMES:
        raise DecodeError(f"{what}: unknown result code 0x{result:02x}")
    if result != RESULT_SUCCESS or op not in (OP_REGISTER_NEW_USER, OP_LIST_ALL_USERS):
        exact(data, 3, what)
        return ControlPointResponse(op, result)
    if op == OP_REGISTER_NEW_USER:
        exact(data, 4, what)
        if data[3] == UNKNOWN_USER:
            raise DecodeError(f"{what}: the scale assigned the reserved user index 255")
        return ControlPointResponse(op, result, user_index=data[3])
    need(data, 4, what)  # list all users (UDS 1.1; layout as parsed by openScale)
    count = data[3]
    exact(data, 4 + count, what)
    return ControlPointResponse(op, result, users=tuple(data[4:]))


def encode_control_point_response(op: int, result: int, user_index: int | None = None) -> bytes:
    return bytes([OP_RESPONSE, op, result]) + (bytes([user_index]) if user_index is not None else b"")


@dataclass(frozen=True, slots=True)
class UserIndex:
    """User Index 0x2A9A: the user currently consented (``None`` = unknown user)."""

    user_index: int | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": "sig-uds-user-index"}
        if self.user_index is not None:
            out["user_index"] = self.user_index
        return out


def decode_user_index(data: bytes) -> UserIndex:
    exact(data, 1, "user index")
    return UserIndex(None if data[0] == UNKNOWN_USER else data[0])


@dataclass(frozen=True, slots=True)
class DatabaseChangeIncrement:
    """Database Change Increment 0x2A99 (uint32): bumped whenever the user's data on either side changes."""

    value: int

    def to_json(self) -> dict[str, Any]:
        return {"protocol": "sig-uds-change-increment", "value": self.value}


def decode_database_change_increment(data: bytes) -> DatabaseChangeIncrement:
    exact(data, 4, "database change increment")
    return DatabaseChangeIncrement(u32le(data, 0))


def encode_database_change_increment(value: int) -> bytes:
    return (value & 0xFFFFFFFF).to_bytes(4, "little")


def encode_date_of_birth(year: int, month: int, day: int) -> bytes:
    return year.to_bytes(2, "little") + bytes([month, day])


def encode_gender(sex: str) -> bytes:
    """Gender 0x2A8C: 0 male, 1 female, 2 unspecified."""
    return bytes([{"male": 0, "female": 1}.get(sex, 2)])


def encode_height_cm(height_cm: float) -> bytes:
    """Height 0x2A8E in UDS: uint16 in 0.01 m (i.e. centimetres)."""
    return round(height_cm).to_bytes(2, "little")


# ----- Current Time 0x2A2B (CTS 1.1 section 3.1; GSS 3.62) ------------------------------------------------
ADJUST_MANUAL = 0x01


@dataclass(frozen=True, slots=True)
class CurrentTime:
    at: datetime | None
    day_of_week: int
    fractions256: int
    adjust_reason: int

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": "sig-current-time", "adjust_reason": self.adjust_reason}
        if self.at is not None:
            out["timestamp"] = self.at.isoformat()
        return out


def encode_current_time(at: datetime, adjust_reason: int = ADJUST_MANUAL) -> bytes:
    """10 bytes: Date Time, day of week (1 Monday .. 7 Sunday), Fractions256, Adjust Reason.

    Scales have no time zone: pass local wall-clock time.
    """
    fractions = at.microsecond * 256 // 1_000_000
    return encode_date_time(at) + bytes([at.isoweekday(), fractions, adjust_reason & 0x0F])


def decode_current_time(data: bytes) -> CurrentTime:
    what = "current time"
    exact(data, 10, what)
    at = parse_date_time(data, 0, what)
    if data[7] > 7:
        raise DecodeError(f"{what}: invalid day of week {data[7]}")
    # Adjust Reason bits 4-7 are reserved for future use: ignored (CTS 1.1 section 3.1.2.4).
    return CurrentTime(at, data[7], data[8], data[9] & 0x0F)
