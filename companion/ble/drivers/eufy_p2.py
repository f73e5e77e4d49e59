"""Eufy Smart Scale P2 (T9148) and P2 Pro (T9149): an AES handshake, then 16-byte weight frames.

Service 0xFFF0: FFF1 write (handshake), FFF2 weight notify, FFF4 handshake notify. Facts from ble-scale-sync
``src/scales/eufy-p2.ts`` and its tests (which credit bdr99/eufylife-ble-client) and openScale
``core/bluetooth/libs/EufyP2Lib.kt`` / ``EufyP2LibTest.kt`` (commits in ``shared/reference/ble_scales.md``); the
code is written here.

Handshake (client = us):
- key = MD5 of the MAC written as 12 upper-case hex digits, IV = sixteen ASCII '0' (0x30) bytes, AES-128-CBC
  with PKCS#7 padding; every encrypted message travels as the hex of its base64 text, split into segments of
  at most 15 base64 characters: ``<prefix> <segments> <index> <base64 length> <chunk...> <xor of all before>``;
- C0 (us): our 15-character id; C1 (scale, on FFF4, segmented the same way): the scale's id;
  C2 (us): ``"<our id>_<scale id>"``; C3 (scale): ``C3 01 00 01 <status> <xor>``, status 0 = accepted.

Weight frame on FFF2 (16 bytes): ``CF 0E 00 CF <impedance u16 LE / 10> <weight u16 LE / 100> ... [12] 0 =
final ... [15] XOR of [2..14]``.

Where the sources disagree: openScale reads the impedance as a u24 at [8..10]; ble-scale-sync settled on the u16
at [4..5] / 10 with real P2 Pro frames and the vendor app's body fat as ground truth (its issue #289: [4..5] is
zero exactly when the app shows no body fat and orders two people correctly, [8..10] does not). We follow
ble-scale-sync. It also found the scale marks frames final while the weight still settles (#284) and waits for
two consecutive final frames of equal weight; so do we. A frame that fails its XOR keeps its weight and loses
its impedance (ble-scale-sync does the same: three frames of one unit are too little evidence to drop weights),
and the driver reports the checksum error alongside.
"""

from __future__ import annotations

import base64
import hashlib

from companion.ble.drivers._vendor import (
    HANDSHAKE_SECONDS,
    HandshakeGuard,
)
from companion.ble.drivers.base import (
    CERTAIN,
    NAME,
    NO,
    Advert,
    CancelTimer,
    ChecksumError,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    MalformedFrame,
    Output,
    Progress,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    WrongKey,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight, xor_checksum
from companion.i18n import _

PROTOCOL = "eufy-p2"
COMPANY_ID = 0xFF48
CHAR_WRITE = "fff1"
CHAR_WEIGHT = "fff2"
CHAR_AUTH = "fff4"
IV = b"0" * 16
_SEGMENT = 15  # base64 characters per segment
_LATCH_KG = 2.0  # ble-scale-sync LATCH_WEIGHT_TOLERANCE_RAW: an impedance belongs to one body within 2 kg
_IMPEDANCE_BAND = (200.0, 1000.0)  # ble-scale-sync MIN/MAX_IMPEDANCE_OHM


def key_from_mac(mac: str) -> bytes:
    clean = mac.replace(":", "").replace("-", "").upper()
    if len(clean) != 12 or any(c not in "0123456789ABCDEF" for c in clean):
        raise DecodeError(f"Eufy P2: not a MAC address: {mac!r}")
    return hashlib.md5(clean.encode("ascii"), usedforsecurity=False).digest()


def encrypt(text: str, key: bytes) -> bytes:
    """AES-128-CBC + PKCS#7 of ``text`` -> the base64 text as ASCII bytes."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    plain = padder.update(text.encode("utf-8")) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize())


def decrypt(b64: bytes, key: bytes) -> str:
    """The inverse of :func:`encrypt`; any failure (base64, block size, padding, UTF-8) is a ``DecodeError``."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        raw = base64.b64decode(b64, validate=True)
        dec = Cipher(algorithms.AES(key), modes.CBC(IV)).decryptor()
        padded = dec.update(raw) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
    except ValueError as exc:  # binascii.Error, bad length/padding and UnicodeDecodeError are ValueErrors
        raise DecodeError(f"Eufy P2: cannot decrypt the scale's answer ({exc.__class__.__name__})") from None


def segments(b64: bytes, prefix: int) -> list[bytes]:
    """Split base64 text into handshake frames (at most 15 characters each)."""
    count = max(1, -(-len(b64) // _SEGMENT))
    out = []
    for i in range(count):
        body = bytes((prefix, count, i, len(b64) & 0xFF)) + b64[i * _SEGMENT : (i + 1) * _SEGMENT]
        out.append(body + bytes((xor_checksum(body),)))
    return out


class Reassembler:
    """Collects the segments of one prefix; ``feed`` returns the base64 text when the last one arrived."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix
        self.buffer = b""
        self.expected = 0
        self.next = 0

    def feed(self, frame: bytes) -> bytes | None:
        if len(frame) < 5 or frame[0] != self.prefix:
            raise DecodeError(f"Eufy P2: not a 0x{self.prefix:02x} handshake frame")
        if xor_checksum(frame[:-1]) != frame[-1]:
            raise DecodeError("Eufy P2: handshake frame checksum mismatch")
        count, index, total = frame[1], frame[2], frame[3]
        if index == 0:
            self.buffer, self.expected, self.next = b"", total, 0
        if index != self.next or index >= count:
            raise DecodeError(f"Eufy P2: handshake segment {index} out of order")
        self.buffer += frame[4:-1]
        self.next += 1
        if index < count - 1:
            return None
        if len(self.buffer) != self.expected:
            raise DecodeError("Eufy P2: handshake message length mismatch")
        return self.buffer


def decode_weight_frame(data: bytes) -> tuple[Reading, bool, bool]:
    """(reading, final, checksum ok) of a 16-byte FFF2 frame."""
    if len(data) != 16:
        raise DecodeError(f"Eufy P2 weight frame: expected 16 bytes, got {len(data)}")
    if data[0] != 0xCF or data[2] != 0x00:
        raise DecodeError(f"Eufy P2 weight frame: unexpected opcode 0x{data[0]:02x}")
    weight = check_weight((data[6] | data[7] << 8) / 100, "Eufy P2 weight frame")
    final = data[12] == 0
    ok = xor_checksum(data[2:15]) == data[15]
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": final}
    ohm = (data[4] | data[5] << 8) / 10
    if ok and _IMPEDANCE_BAND[0] < ohm <= _IMPEDANCE_BAND[1]:
        values["impedance_ohm"] = ohm
    return Reading.make(**values), final, ok


class EufyP2Driver(HandshakeGuard, Driver):
    id = PROTOCOL
    family = "Eufy Smart Scale P2 / P2 Pro"
    devices = ("Eufy Smart Scale P2 (T9148)", "Eufy Smart Scale P2 Pro (T9149)")
    measures = ("weight_kg", "impedance_ohm")
    handshake = True
    waits_for_impedance = True
    emulated = True
    sources = (
        "KristianP26/ble-scale-sync src/scales/eufy-p2.ts, tests/scales/eufy-p2.test.ts @3cce009",
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/libs/EufyP2Lib.kt "
        "@f7a733b",
    )
    names = ("EUFY T9148", "EUFY T9149")
    company_ids = (COMPANY_ID,)

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        # Our 15-character id: per connection, derived from the address and the time (drivers get no randomness;
        # the scale only needs it to differ between phones, it is no secret).
        seed = f"{config.address}|{config.now.isoformat()}".encode()
        self.client_id = str(config.state.get("client_id") or hashlib.sha256(seed).hexdigest()[:15])
        self.key: bytes | None = None
        self.c1 = Reassembler(0xC1)
        self.phase = "c0"
        self.ready = False
        self.previous_final: float | None = None
        self.latched: tuple[float, float] | None = None  # (weight, impedance)

    @classmethod
    def claim(cls, advert: Advert) -> int:
        vendor = advert.manufacturer_data.get(COMPANY_ID)
        if vendor is not None and len(vendor) >= 19 and vendor[6] == 0xCF:
            return CERTAIN
        if advert.upper_name.startswith(cls.names):
            return NAME + 10
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_WEIGHT:
            raise DecodeError("the Eufy P2 driver decodes characteristic fff2 only")
        reading, _final, ok = decode_weight_frame(data)
        if not ok:
            raise DecodeError("Eufy P2 weight frame: checksum mismatch")
        return reading

    def step_name(self) -> str:
        return f"the {self.phase} step"

    def connected(self, gatt: Gatt) -> list[Output]:
        try:
            self.key = key_from_mac(self.config.address)
        except DecodeError:
            return [
                HandshakeFailed(
                    "no MAC address for the Eufy key",
                    _("This scale's handshake needs its Bluetooth address, which this computer does not show."),
                )
            ]
        frames = segments(encrypt(self.client_id, self.key), 0xC0)
        return [
            Subscribe(CHAR_WEIGHT),
            Subscribe(CHAR_AUTH),
            *(Write(CHAR_WRITE, f) for f in frames),
            SetTimer(HANDSHAKE_SECONDS, "handshake"),
            Progress(_("Authenticating with the scale…")),
        ]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char == CHAR_AUTH:
            return self._auth(data)
        if char != CHAR_WEIGHT:
            return []
        if not self.ready:
            return []  # the scale may chatter before it is authenticated: nothing counts yet
        try:
            reading, final, ok = decode_weight_frame(data)
        except DecodeError as exc:
            return [as_error(exc)]
        out: list[Output] = [] if ok else [ChecksumError("Eufy P2 weight frame: checksum mismatch")]
        weight = reading.weight_kg or 0.0
        if reading.impedance_ohm:
            self.latched = (weight, reading.impedance_ohm)
        elif self.latched and abs(self.latched[0] - weight) <= _LATCH_KG:
            reading = Reading.make(**{**reading.__dict__, "impedance_ohm": self.latched[1]})
        if final:
            settled = self.previous_final == weight
            self.previous_final = weight
            if not settled:
                reading = Reading.make(**{**reading.__dict__, "stabilized": False})
        else:
            self.previous_final = None
        return out + [reading]

    def _auth(self, data: bytes) -> list[Output]:
        if self.ready or self.key is None:
            return []
        try:
            if data[:1] == b"\xc1" and self.phase == "c0":
                text = self.c1.feed(data)
                if text is None:
                    return []
                try:
                    device_id = decrypt(text, self.key)
                except DecodeError as exc:
                    return [
                        WrongKey(
                            exc.reason,
                            _("The scale answered the handshake with a message this app cannot read. Try again."),
                        )
                    ]
                self.phase = "c2"
                frames = segments(encrypt(f"{self.client_id}_{device_id}", self.key), 0xC2)
                return [*(Write(CHAR_WRITE, f) for f in frames), SetTimer(HANDSHAKE_SECONDS, "handshake")]
            if data[:1] == b"\xc3" and self.phase == "c2":
                if len(data) < 6:
                    raise DecodeError("Eufy P2: C3 truncated")
                if xor_checksum(data[:-1]) != data[-1]:
                    raise DecodeError("Eufy P2: C3 checksum mismatch")
                if data[4] != 0:
                    return [
                        WrongKey(
                            f"C3 status {data[4]}",
                            _("The scale refused the handshake. Restart the scale and try again."),
                        )
                    ]
                self.ready = True
                return [CancelTimer("handshake"), Ready(), Progress(_("Step on the scale."))]
            raise DecodeError(
                f"Eufy P2: unexpected opcode 0x{data[0]:02x} in phase {self.phase}"
                if data
                else "Eufy P2: empty handshake frame"
            )
        except DecodeError as exc:
            # A broken handshake cannot be resumed: fatal, with the technical reason for the log.
            error: MalformedFrame = as_error(exc)
            return [
                HandshakeFailed(
                    error.reason,
                    _("The scale answered the handshake wrongly. Nothing was stored; try again."),
                )
            ]
