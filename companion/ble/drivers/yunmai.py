"""Yunmai Mini / SE / Signal / Pro (names ``YUNMAI-ISM*``, ``YUNMAI-ISSE*``, ``YUNMAI-SIGNAL*``, ...).

Measurements notify on 0xFFE4 (service 0xFFE0); commands are written to 0xFFE9 (service 0xFFE5). Facts
from openScale ``android_app/.../core/bluetooth/scales/YunmaiHandler.kt`` and ble-scale-sync
``src/scales/yunmai.ts`` (commits in ``shared/reference/ble_scales.md``); the code is written here.

Every write is ``0D <length> <command> ... <xor>`` with the XOR over bytes 1..n-2 (openScale's
``xorChecksum(start = 1)``; the published start command ``0D 05 13 00 16`` checks out: 05^13^00 = 16).
Every notification is ``0D <protocol version> <length> <type> ... <xor>``; type 0x01 = measuring (live),
0x02 = measured (final): ``[5..8]`` time u32 BE, ``[9..12]`` user id u32 BE, ``[13..14]`` weight BE / 100,
``[15..16]`` resistance BE (Mini/SE), ``[17..18]`` body fat BE / 100 when the protocol version >= 0x1E.

Where the sources disagree: openScale drops final frames shorter than 18 bytes; ble-scale-sync accepts 15
bytes (weight only). We accept 15 (a weight-only Yunmai still weighs) and read resistance/fat only when
present. openScale ignores frames whose user id is not the one it set; so do we (another phone's user).
"""

from __future__ import annotations

from datetime import UTC, datetime

from companion.ble.drivers._vendor import local_wall_clock, step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    SERVICE,
    Advert,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    Output,
    ProfileShared,
    Ready,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight, xor_checksum

PROTOCOL = "yunmai"
SERVICE_MEASURE = 0xFFE0
CHAR_MEASURE = 0xFFE4
SERVICE_COMMAND = 0xFFE5
CHAR_COMMAND = 0xFFE9

CMD_SET_USER = 0x10
CMD_SET_TIME = 0x11
CMD_GET_PROTOCOL_VERSION = 0x13
TYPE_MEASURING = 0x01
TYPE_MEASURED = 0x02

#: The start command ("get protocol version") that makes the scale stream (openScale MAGIC_START).
START = bytes((0x0D, 0x05, CMD_GET_PROTOCOL_VERSION, 0x00, 0x16))

UNIT_CODES = {"kg": 1, "lb": 2}


def with_checksum(body: bytes) -> bytes:
    """Append the XOR of bytes 1.. of ``body`` (byte 0 is the 0x0D marker)."""
    return body + bytes((xor_checksum(body[1:]),))


def encode_user(uid: int, height_cm: int, male: bool, age: int, unit: str = "kg", activity: int = 1) -> bytes:
    """SET_USER: ``0D 12 10 01 00 00 <uid16 BE> <height> <sex 1 m/2 f> <age> 55 5A 00 00 <unit> <activity>``.

    Stones are sent as pounds (openScale: the vendor app converts later).
    """
    body = bytes(
        (
            0x0D,
            0x12,
            CMD_SET_USER,
            0x01,
            0x00,
            0x00,
            (uid >> 8) & 0xFF,
            uid & 0xFF,
            height_cm & 0xFF,
            0x01 if male else 0x02,
            age & 0xFF,
            0x55,
            0x5A,
            0x00,
            0x00,
            UNIT_CODES.get(unit, 2),
            activity & 0xFF,
        )
    )
    return with_checksum(body)


def encode_set_time(at: datetime) -> bytes:
    """SET_TIME: ``0D 0D 11 <u32 BE seconds> 00 00 00 00 00 <xor>``; local wall time counted as UTC (the
    scale has no time zone, so its stamps decode back to local time)."""
    seconds = int(at.replace(tzinfo=UTC).timestamp()) if at.tzinfo is None else int(at.timestamp())
    body = bytes((0x0D, 0x0D, CMD_SET_TIME)) + (seconds & 0xFFFFFFFF).to_bytes(4, "big") + bytes(5)
    return with_checksum(body)


def decode_notification(data: bytes, *, expected_uid: int | None = None) -> Reading | None:
    """A live or final frame -> ``Reading``; ``None`` for a final frame of another user id.

    The checksum is verified when the frame is as long as its length byte says (openScale does not check
    it; a frame that fails it is a corrupted frame, not a measurement).
    """
    if len(data) < 4 or data[0] != 0x0D:
        raise DecodeError("Yunmai: not a Yunmai frame")
    declared = data[2]
    if declared == len(data) and xor_checksum(data[1:-1]) != data[-1]:
        raise DecodeError("Yunmai: checksum mismatch")
    kind = data[3]
    if kind == TYPE_MEASURING:
        # Live frames carry the creeping weight at the same offset when long enough.
        if len(data) >= 15:
            weight = check_weight(((data[13] << 8) | data[14]) / 100, "Yunmai live weight")
            return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=False)
        return Reading.make(protocol=PROTOCOL, stabilized=False)
    if kind != TYPE_MEASURED:
        raise DecodeError(f"Yunmai: unexpected opcode (frame type) 0x{kind:02x}")
    if len(data) < 15:
        raise DecodeError(f"Yunmai final frame: truncated, need 15 bytes, got {len(data)}")
    uid = int.from_bytes(data[9:13], "big")
    if expected_uid is not None and uid != expected_uid:
        return None
    weight = check_weight(((data[13] << 8) | data[14]) / 100, "Yunmai final weight")
    if weight == 0:
        raise DecodeError("Yunmai final frame: no weight")
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": True}
    seconds = int.from_bytes(data[5:9], "big")
    if seconds >= 315532800:  # before 1980: the clock was never set (openScale falls back the same way)
        values["timestamp"] = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    if len(data) >= 17:
        resistance = (data[15] << 8) | data[16]
        if 50 <= resistance <= 3000:
            values["impedance_ohm"] = float(resistance)
    if len(data) >= 19 and data[1] >= 0x1E:
        fat = ((data[17] << 8) | data[18]) / 100
        if 0 < fat < 80:
            values["body_fat_pct"] = fat
    return Reading.make(**values)


def encode_result(
    weight_kg: float,
    *,
    uid: int,
    at: datetime,
    resistance: int = 0,
    fat_pct: float | None = None,
    version: int = 0x1E,
    final: bool = True,
) -> bytes:
    """A scale's frame (for tests and the emulator's documentation of the layout)."""
    seconds = int(at.replace(tzinfo=UTC).timestamp())
    body = bytearray((0x0D, version, 0, TYPE_MEASURED if final else TYPE_MEASURING, 0x00))
    body += seconds.to_bytes(4, "big") + uid.to_bytes(4, "big") + round(weight_kg * 100).to_bytes(2, "big")
    body += resistance.to_bytes(2, "big")
    if version >= 0x1E:
        body += round((fat_pct or 0) * 100).to_bytes(2, "big")
    body[2] = len(body) + 1
    return bytes(body) + bytes((xor_checksum(bytes(body[1:])),))


# ----- the driver -------------------------------------------------------------------------------------------
class YunmaiDriver(Driver):
    """Subscribe, send the user profile (when shared) and the clock, start; then live and final frames."""

    id = PROTOCOL
    family = "Yunmai Mini / SE / Signal"
    devices = ("Yunmai Mini (M1501)", "Yunmai SE (M1301)", "Yunmai Signal (M1302)", "Yunmai Pro")
    measures = ("weight_kg", "impedance_ohm", "body_fat_pct", "timestamp")
    handshake = True
    needs_profile = True
    waits_for_impedance = True
    emulated = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "YunmaiHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/yunmai.ts @3cce009",
    )
    names = ("YUNMAI-",)
    services = ("ffe0", "ffe5")

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        active = next((s for s in config.slots if s.active), None)
        # The 16-bit user id the scale stamps its frames with (openScale: the app's user id, 1 by default).
        self.uid = (active.user_index if active else 1) & 0xFFFF or 1
        self.ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if advert.upper_name.startswith("YUNMAI-"):
            # Yunmai X (YMBS-M268) is a broadcast scale of another family and advertises no FFE5.
            return NAME + 10
        if {"ffe0", "ffe5"} <= advert.service_uuids:
            return SERVICE
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != "ffe4":
            raise DecodeError("the Yunmai driver decodes characteristic ffe4 only")
        reading = decode_notification(data)
        if reading is None:
            raise DecodeError("Yunmai: frame of another user")
        return reading

    def connected(self, gatt: Gatt) -> list[Output]:
        char_cmd = f"{CHAR_COMMAND:04x}"
        out: list[Output] = [Subscribe(f"{CHAR_MEASURE:04x}")]
        profile = self.config.profile
        if profile is not None:
            today = local_wall_clock(self.config).date()
            out.append(
                Write(
                    char_cmd,
                    encode_user(
                        self.uid,
                        round(profile.height_cm),
                        profile.sex == "male",
                        profile.age_on(today),
                        self.config.unit,
                        profile.activity_level or 1,
                    ),
                )
            )
            out.append(ProfileShared("height, age, sex"))
        out += [Write(char_cmd, encode_set_time(local_wall_clock(self.config))), Write(char_cmd, START)]
        self.ready = True
        out += [Ready(user_index=self.uid), step_on()]
        return out

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != f"{CHAR_MEASURE:04x}":
            return []
        try:
            reading = decode_notification(data, expected_uid=self.uid)
        except DecodeError as exc:
            return [as_error(exc)]
        return [] if reading is None else [reading]
