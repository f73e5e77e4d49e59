"""QN / Yolanda family (Renpho ES-26M, FITINDEX, Arboleaf, Etekcity ESF-24 and other OEMs): GATT with handshake.

Frames and flow in ``companion.ble.protocols.qn`` (openScale ``QNHandler.kt``; shared/reference/ble_scales.md
section 2): subscribe -> scale 0x12 info -> we write 0x13 config -> scale 0x14 -> we write 0x20 time -> 0x10
weight frames. Type 1 scales use service 0xFFE0 (notify FFE1, config FFE3, time FFE4), type 2 0xFFF0 (notify
FFF1, write FFF2).
"""

from __future__ import annotations

from companion.ble.drivers.base import (
    GENERIC_SERVICE,
    NAME,
    Advert,
    CancelTimer,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    HandshakeTimeout,
    Output,
    Ready,
    SetTimer,
    Subscribe,
    UnexpectedOpcode,
    Write,
    as_error,
)
from companion.ble.protocols import DecodeError, qn
from companion.i18n import N_, _

#: Opcodes a QN scale may send that we do not need for live readings (history 0x23, newer firmware 0xA0...).
_IGNORED = frozenset({0x11, 0x15, 0x21, 0x23, 0xA0, 0xA1, 0xA2, 0xA3})


class QnScale(Driver):
    id = qn.PROTOCOL
    family = N_("QN / Renpho / FITINDEX")
    devices = (
        "Renpho ES-26M",
        "Renpho ES-CS20M",
        "Renpho Elis 1",
        "FITINDEX ES-26M",
        "Arboleaf",
        "Etekcity ESF-24",
    )
    link = "gatt"
    measures = ("weight_kg", "impedance_ohm")
    handshake = True
    emulated = True
    waits_for_impedance = True
    names = ("QN-", "RENPHO", "FITINDEX")
    services = ("ffe0", "fff0")
    sources = ("oliexdev/openScale@f7a733b QNHandler.kt",)
    #: Seconds from subscription to the end of the 0x12 / 0x13 / 0x14 exchange.
    handshake_timeout_s = 8.0

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.session = qn.QNSession(unit=self.config.unit, now=self.config.now)
        self.notify = "fff1"
        self.write_config = "fff2"
        self.write_time = "fff2"
        self.ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if advert.name and advert.upper_name.startswith(cls.names):
            return NAME
        if not advert.service_uuids.isdisjoint(cls.services):
            return GENERIC_SERVICE
        return 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source == "characteristic" and key in ("fff1", "ffe1"):
            return qn.decode_weight_frame(data)
        raise DecodeError(f"the {cls.family} sends readings on characteristic fff1 or ffe1 only")

    def connected(self, gatt: Gatt) -> list[Output]:
        chars = gatt.characteristics
        if "ffe1" in chars and "fff1" not in chars:  # type 1
            self.notify = "ffe1"
            self.write_config = "ffe3"
            self.write_time = "ffe4" if "ffe4" in chars else "ffe3"
        return [Subscribe(self.notify), SetTimer(self.handshake_timeout_s, "handshake")]

    def timeout(self, name: str) -> list[Output]:
        if name != "handshake" or self.ready:
            return []
        return [
            HandshakeTimeout(
                "QN handshake: no configuration exchange within the time limit",
                _("The scale did not finish the start-up exchange in time. Step on it and try again."),
            )
        ]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != self.notify:
            return []
        try:
            qn.check_frame(data)
            op = data[0]
            if op == qn.OP_INFO:
                if len(data) < 12:
                    return [self._bad_handshake(f"QN info frame: truncated, need 12 bytes, got {len(data)}")]
                _readings, replies = self.session.receive(data)
                return [Write(self.write_config, reply, with_response=False) for reply in replies]
            if op == qn.OP_CONFIG_ACK:
                _readings, replies = self.session.receive(data)
                out: list[Output] = [Write(self.write_time, reply, with_response=False) for reply in replies]
                if not self.ready:
                    self.ready = True
                    out += [CancelTimer("handshake"), Ready()]
                return out
            if op == qn.OP_WEIGHT:
                return [qn.decode_weight_frame(data, self.session.divisor)]
            if op in _IGNORED:
                return []
            return [UnexpectedOpcode(f"QN frame: unexpected opcode 0x{op:02x}")]
        except DecodeError as exc:
            return [as_error(exc)]

    def _bad_handshake(self, reason: str) -> HandshakeFailed:
        return HandshakeFailed(
            reason, _("The scale answered the start-up exchange wrongly ({reason}).").format(reason=reason)
        )
