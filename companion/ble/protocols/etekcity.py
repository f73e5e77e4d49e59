"""Etekcity ESF-551 notifications and Etekcity advertisements (ronnnnnnnnnnnnn/etekcity_esf551_ble@1ab90b1).

GATT notify 0xFFF1 / write 0xFFF2, no handshake. 22-byte frames ``A5 02 .. 10 00 .. 01 61 A1 00 ...``:
weight u24 LE grams [10:13], impedance u16 LE ohm [13:15] valid when [20] == 1, stable when [19] == 1,
display unit [21] (0 kg, 1 lb, 2 st). Advertisements: company id 1744 (0x06D0), reversed MAC [1:7], model id
big-endian [7:9]. shared/reference/ble_scales.md section 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.ble.protocols._common import (
    DecodeError,
    Implausible,
    Reading,
    exact,
    impedance_problem,
    need,
    weight_problem,
)

PROTOCOL = "etekcity-esf551"
COMPANY_ID = 1744
_UNITS = {0: "kg", 1: "lb", 2: "st"}
_MAGIC = ((0, 0xA5), (1, 0x02), (3, 0x10), (4, 0x00), (6, 0x01), (7, 0x61), (8, 0xA1), (9, 0x00))


def decode_notification(data: bytes) -> Reading:
    what = "Etekcity frame"
    exact(data, 22, what)
    for pos, value in _MAGIC:
        if data[pos] != value:
            raise DecodeError(f"{what}: unexpected byte 0x{data[pos]:02x} at {pos}")
    if data[21] not in _UNITS:
        raise DecodeError(f"{what}: unknown display unit {data[21]}")
    if data[19] > 1 or data[20] > 1:
        raise DecodeError(f"{what}: unknown flag values")
    grams = data[10] | data[11] << 8 | data[12] << 16
    weight = round(grams / 1000, 3)
    problem = weight_problem(weight, what)
    impedance = None
    if data[20] == 1:
        impedance = float(data[13] | data[14] << 8)
        problem = problem or impedance_problem(impedance, what)
    reading = Reading.make(
        protocol=PROTOCOL,
        weight_kg=weight,
        unit=_UNITS[data[21]],
        stabilized=data[19] == 1,
        impedance_ohm=impedance,
    )
    if problem:
        raise Implausible(problem, reading)
    return reading


def encode_notification(weight_kg: float, *, stable: bool, impedance_ohm: int | None = None, unit: int = 0) -> bytes:
    out = bytearray(22)
    for pos, value in _MAGIC:
        out[pos] = value
    out[10:13] = round(weight_kg * 1000).to_bytes(3, "little")
    if impedance_ohm is not None:
        out[13:15] = impedance_ohm.to_bytes(2, "little")
        out[20] = 1
    out[19] = 1 if stable else 0
    out[21] = unit
    return bytes(out)


@dataclass(frozen=True, slots=True)
class EtekcityAdvertisement:
    address: str
    model_id: int

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "address": self.address, "model_id": self.model_id}


def decode_advertisement(data: bytes) -> EtekcityAdvertisement:
    what = "Etekcity advertisement"
    need(data, 9, what)
    mac = ":".join(f"{b:02X}" for b in reversed(data[1:7]))
    return EtekcityAdvertisement(mac, int.from_bytes(data[7:9], "big"))
