"""QN / Yolanda family (Renpho ES-26M, FITINDEX, Arboleaf, Etekcity ESF-24 and other OEMs):
a sans-I/O session.

Frames: opcode, total length, protocol-type byte, payload, checksum = sum of all previous bytes mod 256.
Flow (openScale ``QNHandler.kt``, etekcity ``esf24/protocol.py``; shared/reference/ble_scales.md section 2):
subscribe -> scale sends 0x12 (info; byte[10] == 1 means weight /100, else /10) -> client writes 0x13 config
-> scale 0x14 -> client writes 0x20 time (u32 LE seconds since 2000-01-01 UTC, openScale's epoch) -> 0x10
weight frames: weight BE [3..4], stable [5] == 1, R1 BE [6..7], R2 BE [8..9] (ohm). Services: type 1 0xFFE0
(notify FFE1, write FFE3/FFE4) or type 2 0xFFF0 (notify FFF1, write FFF2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from companion.ble.protocols._common import (
    DecodeError,
    Implausible,
    Reading,
    impedance_problem,
    need,
    sum_checksum,
    weight_problem,
)

PROTOCOL = "qn"
QN_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # openScale: 946684800
OP_WEIGHT = 0x10
OP_INFO = 0x12
OP_CONFIG = 0x13
OP_CONFIG_ACK = 0x14
OP_TIME = 0x20
UNIT_CODES = {"kg": 0x01, "lb": 0x02, "st": 0x08}


def frame(opcode: int, proto: int, payload: bytes) -> bytes:
    body = bytes([opcode, len(payload) + 4, proto]) + payload
    return body + bytes([sum_checksum(body)])


def check_frame(data: bytes) -> None:
    what = "QN frame"
    need(data, 4, what)
    if data[1] != len(data):
        raise DecodeError(f"{what}: length byte says {data[1]}, got {len(data)} bytes")
    if sum_checksum(data[:-1]) != data[-1]:
        raise DecodeError(f"{what}: checksum mismatch")


def decode_weight_frame(data: bytes, divisor: int = 100) -> Reading:
    """A 0x10 weight frame (11 bytes). ``divisor`` comes from the 0x12 info frame (100 or 10)."""
    what = "QN weight frame"
    if len(data) != 11 or data[1] != 11 or data[0] != OP_WEIGHT:
        check_frame(data)
        if data[0] != OP_WEIGHT:
            raise DecodeError(f"{what}: not a weight frame (opcode 0x{data[0]:02x})")
        raise DecodeError(f"{what}: expected 11 bytes, got {len(data)}")
    if sum(data[:10]) & 0xFF != data[10]:
        raise DecodeError(f"{what}: checksum mismatch")
    state = data[5]
    if state > 2:
        raise DecodeError(f"{what}: unknown state 0x{state:02x}")
    stable = state == 1
    weight = (data[3] << 8 | data[4]) / divisor
    problem = weight_problem(weight, what) if weight > 500.0 else None
    impedance = None
    if stable:
        resistance = (data[6] << 8 | data[7]) or (data[8] << 8 | data[9])
        if resistance:
            impedance = float(resistance)
            if not 50.0 <= impedance <= 3000.0:
                problem = problem or impedance_problem(impedance, what)
    reading = Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=stable, impedance_ohm=impedance)
    if problem:
        raise Implausible(problem, reading)
    return reading


def encode_weight_frame(weight_kg: float, *, stable: bool, impedance_ohm: int = 0, proto: int = 0xFF) -> bytes:
    payload = round(weight_kg * 100).to_bytes(2, "big") + bytes([1 if stable else 0])
    payload += impedance_ohm.to_bytes(2, "big") + impedance_ohm.to_bytes(2, "big")
    return frame(OP_WEIGHT, proto, payload)


def encode_config(unit: str = "kg", proto: int = 0xFF) -> bytes:
    return frame(OP_CONFIG, proto, bytes([UNIT_CODES[unit], 0x10, 0x00, 0x00, 0x00]))


def encode_time(at: datetime, proto: int = 0xFF) -> bytes:
    seconds = int((at - QN_EPOCH).total_seconds())
    return frame(OP_TIME, proto, max(seconds, 0).to_bytes(4, "little"))


@dataclass
class QNSession:
    """Feed notifications in, get readings out plus the bytes to write back (the handshake)."""

    unit: str = "kg"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    divisor: int = 100
    proto: int = 0xFF

    def receive(self, data: bytes) -> tuple[list[Reading], list[bytes]]:
        check_frame(data)
        op = data[0]
        if op == OP_INFO:
            need(data, 12, "QN info frame")
            self.proto = data[2]
            self.divisor = 100 if data[10] == 1 else 10
            return [], [encode_config(self.unit, self.proto)]
        if op == OP_CONFIG_ACK:
            return [], [encode_time(self.now, self.proto)]
        if op == OP_WEIGHT:
            return [decode_weight_frame(data, self.divisor)], []
        return [], []  # other opcodes (history 0x23, 0xA0...) are not needed for live readings
