"""Inlife / "FatScale" (names ``000fatscale01``, ``000fatscale02``, ``042fatscale01``) on the shared 0xFFF0 service.

Notify 0xFFF1, write 0xFFF2; 14-byte frames ``02 <cmd> <payload...> <xor> AA`` with the XOR over bytes 1..11 in
byte 12. The app sends its user (0xD2: level 1..3, sex 0 male / 1 female, user id, age, height cm); the scale
streams 0xD8 live weights (u16 BE / 10 at [2..3]) and one 0xDD result: new firmware (``[11]`` = 0x80 / 0x81) with
the impedance as u32 BE at [4..7], old firmware with the lean body mass (u24 BE / 1000 at [4..6], 0xFFFFFF =
feet misplaced) and a visceral factor; the app then sends 0xD4 (finish). Facts from openScale ``InlifeHandler.kt``
and ble-scale-sync ``src/scales/inlife.ts`` (commits in ``shared/reference/ble_scales.md``); code written here.

Where the sources disagree: ble-scale-sync XORs bytes 0..11 (the 0x02 start byte included) for its user frame;
openScale XORs bytes 1..11 and checks incoming frames the same way. We follow openScale, the only one of the two
that validates what the scale sends. The old firmware's lean mass is reported as fat-free mass; openScale's
formulas that turn the visceral factor into a visceral-fat level are not repeated here.
"""

from __future__ import annotations

from companion.ble.drivers._vendor import local_wall_clock, step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    Decoded,
    Driver,
    Gatt,
    Output,
    ProfileShared,
    Ready,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight, xor_checksum

PROTOCOL = "inlife"
CHAR_NOTIFY = "fff1"
CHAR_WRITE = "fff2"
CMD_SET_USER = 0xD2
CMD_FINISH = 0xD4
CMD_WEIGHT = 0xD8
CMD_RESULT = 0xDD
CMD_USER_ACK = 0xDF
CMD_IDLE = 0x0F
NAMES = ("000FATSCALE01", "000FATSCALE02", "042FATSCALE01")


def frame(cmd: int, *params: int) -> bytes:
    body = bytearray(14)
    body[0], body[1], body[13] = 0x02, cmd, 0xAA
    for i, p in enumerate(params[:10]):
        body[2 + i] = p & 0xFF
    body[12] = xor_checksum(bytes(body[1:12]))
    return bytes(body)


def decode_frame(data: bytes) -> Reading | None:
    """0xD8 -> live ``Reading``, 0xDD -> final ``Reading``, acknowledgements -> ``None``."""
    if len(data) != 14 or data[0] != 0x02 or data[13] != 0xAA:
        raise DecodeError(f"Inlife frame: expected 14 bytes 02 .. AA, got {len(data)}")
    if xor_checksum(data[1:13]) != 0:
        raise DecodeError("Inlife frame: checksum mismatch")
    cmd = data[1]
    if cmd in (CMD_USER_ACK, CMD_IDLE):
        return None
    if cmd not in (CMD_WEIGHT, CMD_RESULT):
        raise DecodeError(f"Inlife frame: unexpected opcode 0x{cmd:02x}")
    weight = check_weight(((data[2] << 8) | data[3]) / 10, "Inlife weight")
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg"}
    if cmd == CMD_WEIGHT:
        return Reading.make(**values, stabilized=False)
    values["stabilized"] = True
    if data[11] in (0x80, 0x81):
        ohm = int.from_bytes(data[4:8], "big")
        if 50 <= ohm <= 3000:
            values["impedance_ohm"] = float(ohm)
    else:
        lbm = int.from_bytes(data[4:7], "big")
        if lbm != 0xFFFFFF and 0 < lbm / 1000 < weight:
            values["fat_free_mass_kg"] = lbm / 1000
    return Reading.make(**values)


class InlifeDriver(Driver):
    id = PROTOCOL
    family = "Inlife / FatScale"
    devices = ("Inlife FatScale (000fatscale01 / 02, 042fatscale01)",)
    measures = ("weight_kg", "impedance_ohm", "fat_free_mass_kg")
    handshake = True
    needs_profile = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "InlifeHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/inlife.ts, tests/scales/inlife.test.ts @3cce009",
    )
    names = NAMES

    last: bytes | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        return NAME + 10 if advert.upper_name in NAMES else NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_NOTIFY:
            raise DecodeError("the Inlife driver decodes characteristic fff1 only")
        reading = decode_frame(data)
        if reading is None:
            raise DecodeError("Inlife: an acknowledgement carries no measurement")
        return reading

    def connected(self, gatt: Gatt) -> list[Output]:
        out: list[Output] = [Subscribe(CHAR_NOTIFY)]
        profile = self.config.profile
        if profile is not None:
            level = min(max((profile.activity_level or 1) - 2, 1), 3)  # 1 general, 2 amateur, 3 professional
            age = profile.age_on(local_wall_clock(self.config).date())
            sex = 0 if profile.sex == "male" else 1
            out += [
                Write(CHAR_WRITE, frame(CMD_SET_USER, level, sex, 1, age, round(profile.height_cm))),
                ProfileShared("height, age, sex, activity level"),
            ]
        return [*out, Ready(), step_on()]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != CHAR_NOTIFY or data == self.last:
            return []  # the scale repeats frames (openScale drops duplicates)
        self.last = data
        try:
            reading = decode_frame(data)
        except DecodeError as exc:
            return [as_error(exc)]
        if reading is None:
            return []
        if reading.stabilized:
            return [reading, Write(CHAR_WRITE, frame(CMD_FINISH))]
        return [reading]
