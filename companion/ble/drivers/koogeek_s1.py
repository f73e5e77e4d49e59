"""Koogeek S1 on the shared vendor service 0xFFF0 (notify 0xFFF4, write 0xFFF3).

Facts from ble-scale-sync ``src/scales/koogeek-s1.ts`` and ``tests/scales/koogeek-s1.test.ts`` (its issue #270: the
protocol of the vendor's Smart Health app, validated on the reporter's scale with captured frames; commit in
``shared/reference/ble_scales.md``); the code is written here. Frames are ``55 AA 55 AA <cmd> ... <xor of all
before>``. The scale repeats an init frame (0x01) and sends no weight until the app answers ``55 AA 55 AA 81 01 01
81``; a query (0x07) must be answered with 0x87 echoing its byte 6. Data frames are 14 bytes: 0x02 live, 0x03
stable; weight ``[9..10]`` BE / 10 kg, impedance ``[11..12]`` BE ohm (zero through socks).
"""

from __future__ import annotations

from companion.ble.drivers._vendor import (
    HANDSHAKE_SECONDS,
    HandshakeGuard,
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

PROTOCOL = "koogeek-s1"
CHAR_NOTIFY = "fff4"
CHAR_WRITE = "fff3"
MAGIC = b"\x55\xaa\x55\xaa"
CMD_INIT, CMD_LIVE, CMD_STABLE, CMD_QUERY = 0x01, 0x02, 0x03, 0x07


def outbound(cmd: int, *payload: int) -> bytes:
    body = MAGIC + bytes((cmd, 0x01, *payload))
    return body + bytes((xor_checksum(body),))


INIT_ACK = outbound(0x81, 0x01)


def parse(data: bytes) -> tuple[int, Reading | None]:
    if len(data) < 6 or data[:4] != MAGIC:
        raise DecodeError("Koogeek S1 frame: no 55 AA 55 AA header")
    if xor_checksum(data[:-1]) != data[-1]:
        raise DecodeError("Koogeek S1 frame: checksum mismatch")
    cmd = data[4]
    if cmd in (CMD_INIT, CMD_QUERY):
        return cmd, None
    if cmd not in (CMD_LIVE, CMD_STABLE):
        raise DecodeError(f"Koogeek S1 frame: unexpected opcode 0x{cmd:02x}")
    if len(data) < 14:
        raise DecodeError(f"Koogeek S1 data frame: truncated, need 14 bytes, got {len(data)}")
    weight = check_weight(((data[9] << 8) | data[10]) / 10, "Koogeek S1 weight")
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg"}
    values["stabilized"] = cmd == CMD_STABLE
    ohm = (data[11] << 8) | data[12]
    if cmd == CMD_STABLE and 50 <= ohm <= 3000:
        values["impedance_ohm"] = float(ohm)
    return cmd, Reading.make(**values)


class KoogeekS1Driver(HandshakeGuard, Driver):
    id = PROTOCOL
    family = "Koogeek S1"
    devices = ("Koogeek S1",)
    measures = ("weight_kg", "impedance_ohm")
    handshake = True
    setup_step = "the init frame"
    sources = ("KristianP26/ble-scale-sync src/scales/koogeek-s1.ts, tests/scales/koogeek-s1.test.ts @3cce009",)
    names = ("KOOGEEK-S1",)

    ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        return NAME + 10 if "KOOGEEK-S1" in advert.upper_name else NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_NOTIFY:
            raise DecodeError("the Koogeek S1 driver decodes characteristic fff4 only")
        _cmd, reading = parse(data)
        if reading is None:
            raise DecodeError("Koogeek S1: a handshake frame carries no measurement")
        return reading

    def connected(self, gatt: Gatt) -> list[Output]:
        return [Subscribe(CHAR_NOTIFY), SetTimer(HANDSHAKE_SECONDS, "handshake")]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != CHAR_NOTIFY:
            return []
        try:
            cmd, reading = parse(data)
        except DecodeError as exc:
            return [as_error(exc)]
        if cmd == CMD_INIT:
            out: list[Output] = [Write(CHAR_WRITE, INIT_ACK, with_response=False)]
            if not self.ready:
                self.ready = True
                out += [CancelTimer("handshake"), Ready(), step_on()]
            return out
        if cmd == CMD_QUERY:
            if len(data) < 7:
                return [as_error(DecodeError("Koogeek S1 query: truncated"))]
            return [Write(CHAR_WRITE, outbound(0x87, data[6]), with_response=False)]
        return [] if reading is None else [reading]
