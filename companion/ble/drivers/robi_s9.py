"""Robi S9 (Fitdays app; Lefu-style 20-byte frames on the shared vendor service 0xFFB0).

The phone writes a B0/B1/B2/BD handshake on FFB1; the scale streams A2 live frames on FFB2 (notify) and the final
result as an A3 frame on FFB3 (indicate). Frames are ``<seq> <len> 00 <type> <payload...> <trailer>``, 20 bytes.
Facts from ble-scale-sync ``src/scales/robi-s9.ts`` / ``tests/scales/robi-s9.test.ts`` and openScale
``RobiS9Handler.kt`` / ``RobiS9HandlerTest.kt`` (commits in ``shared/reference/ble_scales.md``); the code is written
here.

The handshake is the Fitdays app's, captured in ble-scale-sync issue #228 and replayed verbatim by both projects:
its trailer byte's algorithm is not known and the B1 frames carry a timestamp and token, so the frames cannot be
regenerated (the scale accepts the stale ones). The A3 frame carries the weight as a 3-byte big-endian gram count
at [5..7] (ble-scale-sync #248: ``01 2d c2`` = 77.25 kg); the impedance and the scrambled composition frames are
not decoded by either source, so this driver reports weight only. The trailer is not checked (unknown algorithm).
A scale that does not like the handshake drops the link (#228): a disconnect before the first frame is a failed
handshake.
"""

from __future__ import annotations

from companion.ble.drivers._vendor import HandshakeGuard, step_on
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
from companion.ble.protocols._common import DecodeError, Reading, check_weight

PROTOCOL = "robi-s9"
CHAR_WRITE = "ffb1"
CHAR_LIVE = "ffb2"
CHAR_RESULT = "ffb3"
TYPE_LIVE = 0xA2
TYPE_RESULT = 0xA3

#: The Fitdays app's handshake (ble-scale-sync issue #228 HCI snoop), in the order the app sent it.
HANDSHAKE = tuple(
    bytes.fromhex(h)
    for h in (
        "000300b000000000000000000000000000000010",
        "011000b16a2eefa9003c01aa1e55b20f1b581403",
        "021000b16a2eefa9003c01aa1e55b20f1b581403",
        "030600b201aa1e55b20000000000000000000002",
        "040200bd09000000000000000000000000000006",
        "051000b16a2eefa9003c01aa1e55b20f1b581403",
        "061000b16a2eefa9003c01aa1e55b20f1b581403",
        "070600b201aa1e55b20000000000000000000002",
        "081000b16a2eefa9003c01aa1e55b20f1b581403",
        "090300b001000000000000000000000000000011",
        "0a0300b002000000000000000000000000000012",
    )
)
#: How long the scale may stay silent after the handshake before we give up (a person has to step on).
WAIT_SECONDS = 60.0


def decode_frame(data: bytes) -> Reading | None:
    """An A3 result -> final ``Reading``; an A2 live frame -> ``None`` (progress only)."""
    if len(data) < 11:
        raise DecodeError(f"Robi S9 frame: truncated, got {len(data)} bytes")
    if data[2] != 0x00:
        raise DecodeError("Robi S9 frame: bad header")
    if data[3] == TYPE_LIVE:
        return None
    if data[3] != TYPE_RESULT:
        raise DecodeError(f"Robi S9 frame: unexpected opcode 0x{data[3]:02x}")
    weight = check_weight(int.from_bytes(data[5:8], "big") / 1000, "Robi S9 result")
    if weight == 0:
        raise DecodeError("Robi S9 result: no weight")
    return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=True)


class RobiS9Driver(HandshakeGuard, Driver):
    id = PROTOCOL
    family = "Robi S9 (Fitdays FFB0 frames)"
    devices = ("Robi S9",)
    handshake = True
    emulated = True
    sources = (
        "KristianP26/ble-scale-sync src/scales/robi-s9.ts, tests/scales/robi-s9.test.ts @3cce009",
        "oliexdev/openScale android_app/app/src/test/java/com/health/openscale/core/bluetooth/scales/"
        "RobiS9HandlerTest.kt @f7a733b",
    )
    names = ("ROBI",)
    services = ("ffb0",)

    ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        name = advert.upper_name
        if name.startswith(("SWAN", "ICOMON", "YG")):
            return NO  # the MGB protocol, not this one (ble-scale-sync robi-s9.ts)
        if "ROBI" in name:
            return NAME + 10
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key not in (CHAR_LIVE, CHAR_RESULT):
            raise DecodeError("the Robi S9 driver decodes characteristics ffb2 and ffb3 only")
        reading = decode_frame(data)
        if reading is None:
            raise DecodeError("Robi S9: live frames carry no decoded value")
        return reading

    def connected(self, gatt: Gatt) -> list[Output]:
        return [
            Subscribe(CHAR_LIVE),
            Subscribe(CHAR_RESULT),
            *(Write(CHAR_WRITE, frame) for frame in HANDSHAKE),
            SetTimer(WAIT_SECONDS, "handshake"),
            step_on(),
        ]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char not in (CHAR_LIVE, CHAR_RESULT):
            return []
        try:
            reading = decode_frame(data)
        except DecodeError as exc:
            return [as_error(exc)]
        started: list[Output] = []
        if not self.ready:
            self.ready = True
            started = [CancelTimer("handshake"), Ready()]
        return started if reading is None else [reading, *started]
