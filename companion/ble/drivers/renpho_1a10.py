"""Renpho's older vendor-service family 0x1A10 (ES-26BB-B, R-MSC04; ES-CS20M / ES-32MD weigh the same way).

Notify 0x2A10 (and indicate 0x2A12 on the R-MSC04), write 0x2A11. Every frame is
``55 AA <cmd> <length u16 BE> <payload> <sum>`` with the checksum the low byte of the sum of all bytes before
it. Facts from openScale ``android_app/.../core/bluetooth/scales/RenphoES26BBHandler.kt`` and
``ESCS20MHandler.kt``, ble-scale-sync ``src/scales/renpho-es26bb.ts``, ``renpho-msc04.ts`` and
``es-cs20m.ts`` (commits in ``shared/reference/ble_scales.md``); the code is written here.

The app starts the stream with ``55 AA 90 00 04 01 00 00 00 94``. The scale then sends:
- 0x14 live (ES-26BB): ``[5]`` type (0x01 / 0x11 final), ``[6..9]`` weight u32 BE / 100, ``[10..11]`` ohm;
- 0x15 offline/history (ES-26BB): ``[5..8]`` weight u32 BE / 100, ``[9..10]`` ohm, ``[11..14]`` seconds ago;
  it must be acknowledged with ``55 AA 95 00 01 01 96`` or the scale replays it on every connection;
- 0x21 live / 0x24 final (R-MSC04): weight = the last two payload bytes BE / 100, no impedance;
- 0x11 scale info / start-stop, 0x10 operation callback: no measurement.

Where the sources disagree: the ES-26BB handlers of both projects never check the ``55 AA`` header or the
length field (ble-scale-sync's tests feed frames with a zero header); the R-MSC04 adapter checks both. We
check the checksum always and the length field whenever the header is ``55 AA``; a zero header is accepted
as the ES-26BB tests show it. The ES-CS20M's profile handshake (0x97/0x96, fragmented 0x19 BIA frames) is
not implemented: that model is weighed weight-only through the common 0x14 layout at ``[8..9]``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import NamedTuple

from companion.ble.drivers._vendor import (
    HANDSHAKE_SECONDS,
    HandshakeGuard,
    local_wall_clock,
    step_on,
)
from companion.ble.drivers.base import (
    CancelTimer,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    Output,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_impedance, check_weight, sum_checksum

PROTOCOL = "renpho-1a10"
SERVICE = 0x1A10
CHAR_NOTIFY = 0x2A10
CHAR_WRITE = 0x2A11
CHAR_INDICATE = 0x2A12

CMD_OP_CALLBACK = 0x10
CMD_INFO = 0x11
CMD_LIVE = 0x14
CMD_OFFLINE = 0x15
CMD_MSC04_LIVE = 0x21
CMD_MSC04_FINAL = 0x24

START = bytes.fromhex("55aa90000401000000 94".replace(" ", ""))
OFFLINE_ACK = bytes.fromhex("55aa9500010196")


def frame(cmd: int, payload: bytes) -> bytes:
    body = bytes((0x55, 0xAA, cmd)) + len(payload).to_bytes(2, "big") + payload
    return body + bytes((sum_checksum(body),))


class Frame(NamedTuple):
    """A decoded frame: ``reading`` when it carries a weight; ``history`` when it must be acknowledged."""

    cmd: int
    reading: Reading | None
    history: bool = False
    seconds_ago: int = 0


def decode_frame(data: bytes, *, variant: str = "es26bb") -> Frame:
    if len(data) < 6:
        raise DecodeError(f"Renpho 0x1A10 frame: truncated, got {len(data)} bytes")
    if sum_checksum(data[:-1]) != data[-1]:
        raise DecodeError("Renpho 0x1A10 frame: checksum mismatch")
    if data[0] == 0x55 and data[1] == 0xAA:
        declared = (data[3] << 8) | data[4]
        if declared + 6 != len(data):
            raise DecodeError(f"Renpho 0x1A10 frame: length field {declared} does not match {len(data)} bytes")
    elif data[0] or data[1]:
        raise DecodeError("Renpho 0x1A10 frame: bad header")
    cmd = data[2]
    if cmd == CMD_LIVE:
        if variant == "escs20m":
            if len(data) < 11:
                raise DecodeError("ES-CS20M weight frame: truncated")
            weight = check_weight(((data[8] << 8) | data[9]) / 100, "ES-CS20M weight")
            stable = data[5] != 0
            return Frame(cmd, Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=stable))
        if len(data) < 13:
            raise DecodeError("Renpho live frame: truncated")
        final = data[5] in (0x01, 0x11)
        weight = check_weight(int.from_bytes(data[6:10], "big") / 100, "Renpho live weight")
        values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": final}
        ohm = (data[10] << 8) | data[11]
        if final and ohm:
            values["impedance_ohm"] = check_impedance(float(ohm), "Renpho live frame")
        return Frame(cmd, Reading.make(**values))
    if cmd == CMD_OFFLINE:
        if len(data) < 16:
            raise DecodeError("Renpho offline frame: truncated")
        weight = check_weight(int.from_bytes(data[5:9], "big") / 100, "Renpho offline weight")
        values = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": True}
        ohm = (data[9] << 8) | data[10]
        if ohm:
            values["impedance_ohm"] = check_impedance(float(ohm), "Renpho offline frame")
        ago = int.from_bytes(data[11:15], "big")
        return Frame(cmd, Reading.make(**values), history=True, seconds_ago=ago)
    if cmd in (CMD_MSC04_LIVE, CMD_MSC04_FINAL):
        if len(data) < 8:
            raise DecodeError("R-MSC04 weight frame: truncated")
        weight = check_weight(((data[-3] << 8) | data[-2]) / 100, "R-MSC04 weight")
        final = cmd == CMD_MSC04_FINAL
        return Frame(cmd, Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=final))
    if cmd in (CMD_INFO, CMD_OP_CALLBACK, 0x16, 0x17, 0x18, 0x19):
        return Frame(cmd, None)
    raise DecodeError(f"Renpho 0x1A10 frame: unexpected opcode 0x{cmd:02x}")


# ----- the driver -------------------------------------------------------------------------------------------
_NOTIFY = f"{CHAR_NOTIFY:04x}"
_WRITE = f"{CHAR_WRITE:04x}"
_INDICATE = f"{CHAR_INDICATE:04x}"


def _variant(name: str | None) -> str:
    n = (name or "").upper()
    if n.startswith("R-MSC"):
        return "msc04"
    if "ES-CS20M" in n or "ES-32MD" in n or n.startswith("113360_"):
        return "escs20m"
    return "es26bb"


class Renpho1A10Driver(HandshakeGuard, Driver):
    """Subscribe, write the start command; final live frames are readings, offline frames are history
    (acknowledged so the scale forgets them)."""

    id = PROTOCOL
    family = "Renpho 0x1A10 (ES-26BB, R-MSC04, ES-CS20M)"
    devices = ("Renpho ES-26BB-B", "Renpho R-MSC04", "ES-CS20M", "Renpho ES-32MD")
    measures = ("weight_kg", "impedance_ohm", "timestamp")
    handshake = True
    setup_step = "the start command"
    emulated = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "RenphoES26BBHandler.kt, ESCS20MHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/renpho-es26bb.ts, renpho-msc04.ts, es-cs20m.ts @3cce009",
    )
    names = ("ES-26BB", "R-MSC", "ES-CS20M", "ES-32MD", "113360_")
    services = ("1a10",)

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.variant = _variant(config.name)
        self.started = False
        self.ready = False

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key not in (_NOTIFY, _INDICATE):
            raise DecodeError("the Renpho 0x1A10 driver decodes characteristics 2a10 and 2a12 only")
        decoded = decode_frame(data)
        if decoded.reading is None:
            raise DecodeError(f"Renpho 0x1A10 frame 0x{decoded.cmd:02x} carries no measurement")
        return decoded.reading

    def connected(self, gatt: Gatt) -> list[Output]:
        out: list[Output] = [Subscribe(_NOTIFY)]
        if _INDICATE in gatt.characteristics:
            out.append(Subscribe(_INDICATE))
        # The start command is the handshake: a scale that never answers it with a frame has not started.
        out += [Write(_WRITE, START), SetTimer(HANDSHAKE_SECONDS, "handshake"), step_on()]
        return out

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char not in (_NOTIFY, _INDICATE):
            return []
        try:
            decoded = decode_frame(data, variant=self.variant)
        except DecodeError as exc:
            return [as_error(exc)]
        started: list[Output] = []
        if not self.ready:
            self.ready = True
            started = [CancelTimer("handshake"), Ready()]
        reading = decoded.reading
        if reading is None:
            return started
        if decoded.history:
            at = local_wall_clock(self.config) - timedelta(seconds=decoded.seconds_ago)
            return [replace(reading, timestamp=at), Write(_WRITE, OFFLINE_ACK), *started]
        return [reading, *started]
