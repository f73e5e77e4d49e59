"""1byone classic protocol: Eufy C1 (T9146), P1 (T9147), A1 (T9120) and 1byone "Health Scale".

Service 0xFFF0, notify 0xFFF4, write 0xFFF1. Facts from openScale ``OneByoneHandler.kt`` and ble-scale-sync
``src/scales/one-byone.ts`` / ``tests/scales/one-byone.test.ts`` (commits in ``shared/reference/ble_scales.md``);
the code is written here. The app writes the unit/group command ``FD 37 <unit 0 kg/1 lb/2 st> <group 01> 00 ...
<xor>`` and the clock ``F1 <year u16 BE> <month> <day> <hour> <minute> <second>``; the scale acknowledges the clock
with ``F1 00``. ``F2 00`` asks for stored readings, which arrive as long CF frames with a time stamp, ended by
``F2 00``; ``F2 01`` then clears them. Measurement frames: ``CF <ohm x10 u16 LE> <kg x100 u16 LE> ... [9] == 1: no
impedance``, from 18 bytes on with ``<year u16 BE> <month> <day> <h> <m> <s>`` at 11..17.

Where the sources disagree: openScale sends the FD 37 command as 11 bytes with the XOR of the first ten in the
last byte; ble-scale-sync appends the XOR as a twelfth byte. We follow openScale (the original driver's layout).
The scale has no "locked" flag: like ble-scale-sync (#284), a weight counts as settled when two consecutive frames
agree.
"""

from __future__ import annotations

from datetime import datetime

from companion.ble.drivers._vendor import (
    HANDSHAKE_SECONDS,
    dropped_during_setup,
    handshake_timeout,
    local_wall_clock,
    step_on,
)
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    CancelTimer,
    Decoded,
    Driver,
    Gatt,
    Output,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight, xor_checksum

PROTOCOL = "onebyone"
CHAR_NOTIFY = "fff4"
CHAR_WRITE = "fff1"
UNIT_CODES = {"kg": 0, "lb": 1, "st": 2}
HISTORY_REQUEST = b"\xf2\x00"
HISTORY_CLEAR = b"\xf2\x01"


def encode_unit(unit: str) -> bytes:
    body = bytearray((0xFD, 0x37, UNIT_CODES.get(unit, 0), 0x01, 0, 0, 0, 0, 0, 0, 0))
    body[-1] = xor_checksum(bytes(body[:-1]))
    return bytes(body)


def encode_clock(at: datetime) -> bytes:
    return bytes((0xF1, at.year >> 8, at.year & 0xFF, at.month, at.day, at.hour, at.minute, at.second))


def decode_measurement(data: bytes, stabilized: bool | None = None) -> Reading:
    if len(data) < 10 or data[0] != 0xCF:
        raise DecodeError(f"1byone frame: expected a CF frame of 10+ bytes, got {data[:1].hex()} ({len(data)})")
    weight = check_weight((data[3] | data[4] << 8) / 100, "1byone weight")
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg"}
    if stabilized is not None:
        values["stabilized"] = stabilized
    ohm = round((data[1] | data[2] << 8) * 0.1, 1)
    if data[9] != 1 and 50 <= ohm <= 3000:
        values["impedance_ohm"] = ohm
    if len(data) >= 18:
        try:
            values["timestamp"] = datetime((data[11] << 8) | data[12], data[13], data[14], data[15], data[16], data[17])
        except ValueError:
            raise DecodeError("1byone stored reading: invalid date") from None
    return Reading.make(**values)


class OneByoneDriver(Driver):
    id = PROTOCOL
    family = "1byone classic (Eufy C1 / P1 / A1)"
    devices = ("Eufy Smart Scale C1 (T9146)", "Eufy Smart Scale P1 (T9147)", "Eufy A1 (T9120)", "1byone Health Scale")
    measures = ("weight_kg", "impedance_ohm", "timestamp")
    handshake = True
    emulated = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "OneByoneHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/one-byone.ts, tests/scales/one-byone.test.ts @3cce009",
    )
    names = ("EUFY T9146", "EUFY T9147", "EUFY T9120", "T9146", "T9147", "T9120", "HEALTH SCALE")

    phase = "clock"
    history_count = 0
    previous_raw: bytes | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        name = advert.upper_name
        if any(model in name for model in ("T9146", "T9147", "T9120", "HEALTH SCALE")):
            return NAME + 10
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_NOTIFY:
            raise DecodeError("the 1byone driver decodes characteristic fff4 only")
        return decode_measurement(data)

    def connected(self, gatt: Gatt) -> list[Output]:
        return [
            Subscribe(CHAR_NOTIFY),
            Write(CHAR_WRITE, encode_unit(self.config.unit)),
            Write(CHAR_WRITE, encode_clock(local_wall_clock(self.config))),
            SetTimer(HANDSHAKE_SECONDS, "handshake"),
        ]

    def timeout(self, name: str) -> list[Output]:
        return [handshake_timeout(self.phase)] if name == "handshake" and self.phase != "live" else []

    def disconnected(self) -> list[Output]:
        return [] if self.phase == "live" else [dropped_during_setup(self.phase)]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != CHAR_NOTIFY:
            return []
        if data == b"\xf1\x00" and self.phase == "clock":
            self.phase = "history"
            return [Write(CHAR_WRITE, HISTORY_REQUEST), SetTimer(HANDSHAKE_SECONDS, "handshake")]
        if data == b"\xf2\x00" and self.phase == "history":
            self.phase = "live"
            out: list[Output] = [CancelTimer("handshake")]
            if self.history_count:
                out.append(Write(CHAR_WRITE, HISTORY_CLEAR))
            return [*out, Ready(), step_on()]
        history = self.phase == "history"
        # Live frames have no "locked" flag: settled when the raw weight repeats (ble-scale-sync #284).
        raw = data[3:5]
        settled = history or raw == self.previous_raw
        try:
            reading = decode_measurement(data, settled)
        except DecodeError as exc:
            return [as_error(exc)]
        if history:
            if reading.timestamp is None or reading.impedance_ohm is None:
                return []  # openScale drops stored readings without time or impedance
            self.history_count += 1
        else:
            self.previous_raw = raw
        return [reading]
