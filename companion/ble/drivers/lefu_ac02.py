"""Lefu / Fitdays OEM scales speaking the fixed 8-byte "AC 02" frames on the shared service 0xFFB0 (Hutbit
218008 / WL292 and its stock-branded twins such as "SWAN").

Facts from ble-scale-sync ``src/scales/hutbit.ts``, ``src/scales/lefu-signature.ts`` and
``tests/scales/hutbit.test.ts`` (issues #254, #278, #318, #322; commit in ``shared/reference/ble_scales.md``); the
code is written here. After enabling FFB2 notifications the phone writes five fixed frames on FFB1 (the Fitdays
app's, captured in #254: plain additive checksum, no app token, so safe to replay). Then the scale streams
``AC 02 <weight u16 BE / 10> 00 00 <status> <sum>`` with status 0xCE measuring, 0xCA stable, followed by
``AC 02 FD 01 <ohm u16 BE> CB <sum>`` (raw impedance; ``FD 00`` = still measuring, ``FD FF`` = no skin contact).
The checksum is the low byte of the sum of bytes 2..6.

Where the sources disagree: openScale's catalogue gives the name "swan" on FFB0 to its MGB handler (another AC02
dialect with other weight scaling); ble-scale-sync's captured "SWAN" advert (#278) carries the Lefu fingerprint
(company 0x02AC with the reversed MAC, services FFB0 + D618) and speaks this protocol. We claim the fingerprint and
the Hutbit name, and leave a bare "swan" name to a future MGB driver. The scale's own body-fat frames reported
0.4-0.7 % in #254 and are ignored; the raw impedance is kept.
"""

from __future__ import annotations

from companion.ble.drivers._vendor import step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    Decoded,
    Driver,
    Gatt,
    Output,
    Ready,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight

PROTOCOL = "lefu-ac02"
COMPANY_ID = 0x02AC  # RTB Elektronik's id, squatted by the Lefu firmware: only a hint together with the services
CHAR_WRITE = "ffb1"
CHAR_NOTIFY = "ffb2"
STATUS_LIVE = 0xCE
STATUS_STABLE = 0xCA
STATUS_IMPEDANCE = 0xCB
OP_IMPEDANCE = 0xFD

#: The Fitdays app's FFB1 handshake (ble-scale-sync #254).
HANDSHAKE = tuple(
    bytes.fromhex(h)
    for h in ("ac02fa010000ccc7", "ac02fb021fa5cc8d", "ac02fde20101ccad", "ac02fc010000ccc9", "ac02fe060000ccd0")
)


def checksum(frame: bytes) -> int:
    return sum(frame[2:7]) & 0xFF


def is_lefu_advert(advert: Advert) -> bool:
    """The Lefu OEM fingerprint of ble-scale-sync ``isHutbitOemAdvert``: 0x02AC data of 6 bytes (the reversed MAC)
    or 7 (plus a status byte 0/1), with both services FFB0 and D618 advertised."""
    data = advert.manufacturer_data.get(COMPANY_ID)
    if data is None or len(data) not in (6, 7) or (len(data) == 7 and data[6] > 1):
        return False
    return {"ffb0", "d618"} <= advert.service_uuids


def decode_frame(data: bytes) -> tuple[str, float | None]:
    """("live"|"stable", kg), ("impedance", ohm) or ("progress", None)."""
    if len(data) != 8 or data[0] != 0xAC or data[1] != 0x02:
        raise DecodeError(f"Lefu AC02 frame: expected 8 bytes starting AC 02, got {data[:2].hex()} ({len(data)})")
    if checksum(data) != data[7]:
        raise DecodeError("Lefu AC02 frame: checksum mismatch")
    if data[2] == OP_IMPEDANCE:
        if data[3] in (0x00, 0xFF):  # measuring / no skin contact
            return "progress", None
        if data[3] != 0x01 or data[6] != STATUS_IMPEDANCE:
            raise DecodeError(f"Lefu AC02 frame: unexpected opcode FD {data[3]:02x}")
        ohm = float((data[4] << 8) | data[5])
        if not 150 <= ohm <= 1200:  # ble-scale-sync IMPEDANCE_MIN/MAX_OHM
            raise DecodeError(f"Lefu AC02 frame: impossible impedance {ohm:g} ohm")
        return "impedance", ohm
    if data[6] not in (STATUS_LIVE, STATUS_STABLE):
        raise DecodeError(f"Lefu AC02 frame: unexpected opcode (status 0x{data[6]:02x})")
    kg = check_weight(((data[2] << 8) | data[3]) / 10, "Lefu AC02 weight")
    return ("stable" if data[6] == STATUS_STABLE else "live"), kg


class LefuAc02Driver(Driver):
    id = PROTOCOL
    family = "Lefu / Fitdays AC02 (FFB0)"
    devices = ("Hutbit Smart Scale (218008 / WL292)", 'Lefu OEM "SWAN"', "Juniper (Lefu OEM)")
    measures = ("weight_kg", "impedance_ohm")
    handshake = True
    waits_for_impedance = True
    sources = (
        "KristianP26/ble-scale-sync src/scales/hutbit.ts, src/scales/lefu-signature.ts, tests/scales/hutbit.test.ts "
        "@3cce009",
    )
    names = ("HUTBIT",)
    services = ("ffb0",)
    company_ids = (COMPANY_ID,)

    stable_kg: float | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if "HUTBIT" in advert.upper_name:
            return NAME + 10
        if is_lefu_advert(advert):
            return NAME + 20
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_NOTIFY:
            raise DecodeError("the Lefu AC02 driver decodes characteristic ffb2 only")
        kind, value = decode_frame(data)
        if kind == "impedance":
            return Reading.make(protocol=PROTOCOL, impedance_ohm=value)
        if value is None:
            raise DecodeError("Lefu AC02: a progress frame carries no value")
        return Reading.make(protocol=PROTOCOL, weight_kg=value, unit="kg", stabilized=kind == "stable")

    def connected(self, gatt: Gatt) -> list[Output]:
        writes = [Write(CHAR_WRITE, f, with_response=False) for f in HANDSHAKE]
        return [Subscribe(CHAR_NOTIFY), *writes, Ready(), step_on()]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != CHAR_NOTIFY:
            return []
        try:
            kind, value = decode_frame(data)
        except DecodeError as exc:
            return [as_error(exc)]
        if kind in ("live", "stable"):
            stable = kind == "stable"
            if stable:
                self.stable_kg = value
            return [Reading.make(protocol=PROTOCOL, weight_kg=value, unit="kg", stabilized=stable)]
        if kind == "impedance" and self.stable_kg is not None:
            # The impedance belongs to the weight that just settled (never to an earlier weigh-in).
            weight, self.stable_kg = self.stable_kg, None
            return [Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=True, impedance_ohm=value)]
        return []
