"""Xiaomi S400 / S200 / S800: encrypted MiBeacon v5 advertisements on service data 0xFE95 (pure, sans-I/O).

Frame (Bluetooth-Devices/xiaomi-ble@509f516e ``src/xiaomi_ble/parser.py`` ``_parse_xiaomi`` and
``_decrypt_mibeacon_v4_v5``; KristianP26/ble-scale-sync@3cce0090 ``src/scales/xiaomi-s800.ts``;
shared/reference/ble_scales.md section 2):

* ``[0:2]`` frame control, u16 LE: bit 3 encrypted, bit 4 MAC included, bit 5 capability included,
  bit 6 object included, bit 7 mesh, bits 12-15 version (5 here).
* ``[2:4]`` product id, u16 LE (S400 0x3BD5/0x30D9/0x48CF/0x4B05, S200 0x45C9/0x4C04/0x4DCB, S800 0x51E2).
* ``[4]`` frame counter (low byte of the 32-bit packet counter).
* ``[5:11]`` the MAC, byte-reversed, when bit 4 is set; then a capability byte (and an I/O byte when the
  capability has bit 5) when bit 5 is set.
* the AES-128-CCM ciphertext of the objects, then a 3-byte extended counter and a 4-byte MIC.
  Nonce = reversed MAC (6) + ``[2:5]`` (product id, frame counter) + extended counter (3); associated data
  is the single byte 0x11; the key is the 16-byte per-device bind key from the Xiaomi cloud.

Objects inside: type u16 LE, length u8, value.

* S400 (0x6E16, 9 bytes): profile u8, u32 LE packed: weight bits 0-10 (/10 kg), heart rate bits 11-17
  (+50 bpm, 1..126 valid), impedance bits 18-31 (/10 ohm); then 4 unused bytes. A measurement is two
  packets: weight + heart rate + impedance, then a packet with only the second impedance (the end).
  All-zero = the person stepped off. A weight without impedance is final on its own (socks).
  The sources disagree on which impedance is which frequency: openScale ``S400Decryptor.kt`` calls the
  weight packet's value "high frequency", xiaomi-ble ``obj6e16`` calls it the 50 kHz "low" one. We follow
  xiaomi-ble: body impedance falls as frequency rises, and in every published pair the weight packet's
  value is the larger one (543.2 vs 497.6 ohm in xiaomi-ble's tests), so it is the 50 kHz value that the
  Mi Fit body-composition model (companion.ble.bodycomp) expects. It becomes ``impedance_ohm``.
* S200 (0x4E16, 9 bytes): profile u8, weight u32 LE /100 kg, u32 timestamp (ignored, as xiaomi-ble does).
* S800 (0x4E16 under product 0x51E2): weight u16 LE /100 kg at value offset 7 (ble-scale-sync
  ``parseS800Object``). Same object id as the S200 with another layout: the product id decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from companion.ble.drivers.base import (
    NAME,
    Advert,
    CancelTimer,
    Driver,
    DriverConfig,
    MalformedFrame,
    Output,
    Progress,
    Ready,
    SetTimer,
    WrongKey,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading
from companion.i18n import _

SERVICE_UUID = "fe95"
PROTOCOL_S400 = "xiaomi-s400"
PROTOCOL_S200 = "xiaomi-s200"
PROTOCOL_S800 = "xiaomi-s800"

S400_PRODUCTS = frozenset({0x30D9, 0x3BD5, 0x48CF, 0x4B05})  # xiaomi-ble devices.py: MJTZC01YM, MJTZC03YM
S200_PRODUCTS = frozenset({0x45C9, 0x4C04, 0x4DCB})  # xiaomi-ble devices.py: MJTZC02YM
S800_PRODUCTS = frozenset({0x51E2})  # ble-scale-sync xiaomi-s800.ts: S800_PID (xiaomi.scales.ms116)
OBJ_S400 = 0x6E16
OBJ_WEIGHT = 0x4E16

_FC_ENCRYPTED = 0x08
_FC_MAC = 0x10
_FC_CAPABILITY = 0x20
_FC_OBJECT = 0x40
_FC_MESH = 0x80
_AAD = b"\x11"
BIND_KEY_BYTES = 16


class BindKeyMismatch(DecodeError):
    """The advert's MIC does not verify under this bind key (wrong key, wrong MAC, or a forged packet)."""


class BindKeyMissing(DecodeError):
    """The advert is encrypted and no bind key is known for this scale."""


def protocol_for_product(product_id: int) -> str | None:
    if product_id in S400_PRODUCTS:
        return PROTOCOL_S400
    if product_id in S200_PRODUCTS:
        return PROTOCOL_S200
    if product_id in S800_PRODUCTS:
        return PROTOCOL_S800
    return None


def parse_bind_key(text: str) -> bytes:
    """A bind key as typed by a person: 32 hex digits (spaces, colons or dashes allowed)."""
    cleaned = "".join(ch for ch in text.strip() if ch not in " :-")
    if len(cleaned) != 2 * BIND_KEY_BYTES or any(ch not in "0123456789abcdefABCDEF" for ch in cleaned):
        raise DecodeError("a bind key is 32 hexadecimal characters (0-9, a-f)")
    return bytes.fromhex(cleaned)


@lru_cache(maxsize=256)
def mac_bytes(address: str) -> bytes:
    """'8C:D0:B2:F6:BE:EF' -> the 6 bytes in display order."""
    parts = address.replace("-", ":").split(":")
    if len(parts) != 6 or any(len(p) != 2 for p in parts):
        raise DecodeError(f"not a Bluetooth address: {address!r}")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise DecodeError(f"not a Bluetooth address: {address!r}") from None


@lru_cache(maxsize=64)
def _cipher(key: bytes):  # type: ignore[no-untyped-def]  # AESCCM; imported lazily (start-up time)
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    return AESCCM(key, tag_length=4)


@lru_cache(maxsize=1)
def _invalid_tag() -> type[Exception]:
    from cryptography.exceptions import InvalidTag

    return InvalidTag


@dataclass(frozen=True, slots=True)
class Frame:
    """One MiBeacon advert, decrypted: product id, 32-bit packet counter and the object bytes (TLVs)."""

    product_id: int
    counter: int
    objects: bytes
    encrypted: bool


def product_id(data: bytes) -> int | None:
    """The product id of a MiBeacon advert without decrypting it (None when too short or not v2+)."""
    if len(data) < 5 or (data[1] >> 4) < 2:
        return None
    return data[2] | data[3] << 8


def decode_frame(data: bytes, address: str, bind_key: bytes | None) -> Frame:
    """Check the header, decrypt with ``bind_key`` (AES-CCM, 4-byte MIC) and return the objects.

    ``address`` is the scale's Bluetooth address (the S400 leaves the MAC out of its adverts; the nonce needs
    it). Raises ``DecodeError`` (``BindKeyMissing`` / ``BindKeyMismatch`` for key problems).
    """
    what = "Xiaomi MiBeacon advert"
    if len(data) < 5:
        raise DecodeError(f"{what}: truncated, need 5 bytes, got {len(data)}")
    control = data[0] | data[1] << 8
    version = control >> 12
    if version < 4:
        raise DecodeError(f"{what}: MiBeacon version {version} is not an encrypted-v5 scale advert")
    if control & _FC_MESH:
        raise DecodeError(f"{what}: mesh adverts are not scale readings")
    pos = 5
    mac_reversed = None
    if control & _FC_MAC:
        if len(data) < 11:
            raise DecodeError(f"{what}: truncated inside the MAC address")
        mac_reversed = bytes(data[5:11])
        pos = 11
    own = mac_bytes(address)[::-1]
    if mac_reversed is not None and mac_reversed != own:
        raise DecodeError(f"{what}: the advert names another device ({mac_reversed[::-1].hex(':')})")
    if control & _FC_CAPABILITY:
        if len(data) <= pos:
            raise DecodeError(f"{what}: truncated inside the capability byte")
        capability = data[pos]
        pos += 1
        if capability & 0x20:
            pos += 1
    pid = data[2] | data[3] << 8
    if not control & _FC_OBJECT:
        if len(data) < pos:
            raise DecodeError(f"{what}: truncated header")
        return Frame(pid, data[4], b"", bool(control & _FC_ENCRYPTED))
    if not control & _FC_ENCRYPTED:
        if len(data) < pos + 3:
            raise DecodeError(f"{what}: truncated object")
        return Frame(pid, data[4], bytes(data[pos:]), False)
    if len(data) < pos + 3 + 7:
        raise DecodeError(f"{what}: truncated, an encrypted advert needs {pos + 10} bytes, got {len(data)}")
    if bind_key is None:
        raise BindKeyMissing(f"{what}: encrypted; the scale's bind key is needed")
    if len(bind_key) != BIND_KEY_BYTES:
        raise BindKeyMissing(f"{what}: a bind key has 16 bytes, this one {len(bind_key)}")
    ext = bytes(data[-7:-4])
    nonce = own + bytes(data[2:5]) + ext
    try:
        plain = _cipher(bind_key).decrypt(nonce, data[pos:-7] + data[-4:], _AAD)
    except _invalid_tag():
        raise BindKeyMismatch(f"{what}: this bind key does not decrypt the advert (MIC check failed)") from None
    counter = data[4] | ext[0] << 8 | ext[1] << 16 | ext[2] << 24
    return Frame(pid, counter, plain, True)


def iter_objects(objects: bytes) -> list[tuple[int, bytes]]:
    """TLVs (type u16 LE, length u8, value); a TLV running past the end is a ``DecodeError``."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while len(objects) >= pos + 3:
        kind = objects[pos] | objects[pos + 1] << 8
        size = objects[pos + 2]
        end = pos + 3 + size
        if end > len(objects):
            raise DecodeError("Xiaomi MiBeacon object: runs past the end of the advert")
        out.append((kind, objects[pos + 3 : end]))
        pos = end
    return out


@dataclass(frozen=True, slots=True)
class S400Packet:
    """One S400 measurement object, undecided whether it is the first or the closing packet."""

    profile: int
    weight_kg: float
    heart_rate_bpm: int | None
    impedance_ohm: float | None

    @property
    def is_reset(self) -> bool:
        return not self.weight_kg and self.impedance_ohm is None and self.heart_rate_bpm is None

    @property
    def is_closing(self) -> bool:
        """Only the second impedance: the end of the bare-feet measurement."""
        return not self.weight_kg and self.impedance_ohm is not None


def decode_s400_object(value: bytes) -> S400Packet:
    what = "Xiaomi S400 measurement"
    if len(value) != 9:
        raise DecodeError(f"{what}: expected 9 bytes, got {len(value)}")
    packed = value[1] | value[2] << 8 | value[3] << 16 | value[4] << 24
    mass = packed & 0x7FF
    heart = (packed >> 11) & 0x7F
    impedance = packed >> 18
    return S400Packet(
        profile=value[0],
        weight_kg=mass / 10,  # at most 2047 / 10 = 204.7 kg: always possible
        heart_rate_bpm=heart + 50 if 0 < heart < 127 else None,
        impedance_ohm=impedance / 10 if impedance else None,  # at most 1638.3 ohm
    )


def decode_s200_object(value: bytes) -> Reading | None:
    """S200 weight object; ``None`` for the all-zero idle object."""
    what = "Xiaomi S200 measurement"
    if len(value) != 9:
        raise DecodeError(f"{what}: expected 9 bytes, got {len(value)}")
    raw = value[1] | value[2] << 8 | value[3] << 16 | value[4] << 24
    if raw == 0:
        return None
    weight = raw / 100
    if weight > 500.0:
        raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
    return Reading.make(protocol=PROTOCOL_S200, weight_kg=weight, unit="kg", stabilized=True)


def decode_s800_object(value: bytes) -> Reading | None:
    """S800 weight object (u16 LE /100 at offset 7); ``None`` when it carries no weight."""
    what = "Xiaomi S800 measurement"
    if len(value) < 9:
        raise DecodeError(f"{what}: expected 9 bytes, got {len(value)}")
    raw = value[7] | value[8] << 8
    if raw == 0:
        return None
    return Reading.make(protocol=PROTOCOL_S800, weight_kg=raw / 100, unit="kg", stabilized=True)


# ----- drivers ---------------------------------------------------------------------------------------------

#: How long the S400 waits for its closing impedance packet before the weigh-in is published without it.
S400_CLOSING_WAIT_S = 4.0
_CLOSING_TIMER = SetTimer(S400_CLOSING_WAIT_S, "s400")  # outputs are immutable: built once, not per advert
_CANCEL_CLOSING = CancelTimer("s400")
#: MIC failures in a row, with no advert ever decrypted, before a bind key is declared wrong (xiaomi-ble
#: asks for re-authentication after the second failure too: a single corrupted advert is not proof).
WRONG_KEY_AFTER = 2


def wrong_key_message() -> str:
    return _(
        "This bind key does not decrypt this scale's adverts. Check that it is the key of this very scale "
        "(32 characters, copied from the Xiaomi Home cloud) and enter it again; nothing was stored."
    )


def missing_key_message() -> str:
    return _("This scale encrypts its readings: enter its bind key on the Pair screen (or `companion pair`).")


class ReplayedAdvert(MalformedFrame):
    """An encrypted advert whose packet counter is older than one already accepted."""


class _MiBeaconDriver(Driver):
    link = "broadcast"
    needs_key = True
    service_data = (SERVICE_UUID,)
    products: frozenset[int] = frozenset()
    sources = (
        "Bluetooth-Devices/xiaomi-ble src/xiaomi_ble/parser.py @509f516e46dfd21172a70c7e66955ecf3f0923e6",
        "oliexdev/openScale .../core/bluetooth/libs/S400Decryptor.kt @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4",
        "KristianP26/ble-scale-sync src/scales/xiaomi-s800.ts @3cce009047e847c14f28cd5c92ef7b40f955496d",
    )

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._last_counter: int | None = None
        self._verified = False
        self._failures = 0
        self._warned_missing = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        data = advert.service_data.get(SERVICE_UUID)
        if data is not None:
            pid = product_id(data)
            return 100 if pid in cls.products else 0
        if cls.names and advert.upper_name.startswith(cls.names):
            return NAME
        return 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        raise DecodeError(
            f"{cls.family} adverts are encrypted: they decode only with the scale's bind key and address "
            "(pair the scale instead)"
        )

    def _objects(self, advert: Advert) -> tuple[list[tuple[int, bytes]], list[Output]]:
        data = advert.service_data.get(SERVICE_UUID)
        if data is None or product_id(data) not in self.products:
            return [], []
        try:
            frame = decode_frame(data, self.config.address or advert.address, self.config.bind_key)
        except BindKeyMissing as exc:
            if self._warned_missing:
                return [], []
            self._warned_missing = True
            return [], [WrongKey(exc.reason, missing_key_message())]
        except BindKeyMismatch as exc:
            if self._verified:  # the key worked before: this one advert is corrupt or forged
                return [], [MalformedFrame(exc.reason)]
            self._failures += 1
            if self._failures >= WRONG_KEY_AFTER:
                return [], [WrongKey(exc.reason, wrong_key_message())]
            return [], [MalformedFrame(exc.reason)]
        except DecodeError as exc:
            return [], [as_error(exc)]
        out: list[Output] = []
        if frame.encrypted:
            self._failures = 0
            if not self._verified:
                self._verified = True
                if self.config.mode == "pair":
                    out += [Progress(_("The bind key fits: the scale's adverts decrypt.")), Ready()]
            last = self._last_counter
            if last is not None:
                if frame.counter == last:
                    return [], out  # the same advert repeated (scales send each one many times)
                if frame.counter < last and last - frame.counter < 1 << 24:
                    replayed = f"{self.family} advert counter {frame.counter} after {last}: replayed"
                    return [], [*out, ReplayedAdvert(replayed)]
            self._last_counter = frame.counter
        try:
            return iter_objects(frame.objects), out
        except DecodeError as exc:
            return [], out + [as_error(exc)]


class XiaomiS400Driver(_MiBeaconDriver):
    """Xiaomi Body Composition Scale S400 (MJTZC01YM) and S400 Pro (MJTZC03YM)."""

    id = PROTOCOL_S400
    family = "Xiaomi Body Composition Scale S400"
    devices = ("Xiaomi Body Composition Scale S400 (MJTZC01YM)", "Xiaomi S400 Pro (MJTZC03YM)")
    measures = ("weight_kg", "impedance_ohm", "heart_rate_bpm")
    names = ("XIAOMI SCALE S400", "XMTZC14HM")
    products = S400_PRODUCTS
    emulated = True

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._pending: S400Packet | None = None

    def _final(self, packet: S400Packet) -> Reading:
        return Reading.make(
            protocol=self.id,
            weight_kg=packet.weight_kg,
            unit="kg",
            stabilized=True,
            impedance_ohm=packet.impedance_ohm,
            heart_rate_bpm=float(packet.heart_rate_bpm) if packet.heart_rate_bpm else None,
        )

    def advert(self, advert: Advert) -> list[Output]:
        objects, out = self._objects(advert)
        for kind, value in objects:
            if kind != OBJ_S400:
                continue
            try:
                packet = decode_s400_object(value)
            except DecodeError as exc:
                out.append(as_error(exc))
                continue
            if packet.is_reset:
                self._pending = None
                out += [_CANCEL_CLOSING, Reading.make(protocol=self.id, weight_kg=0.0, load_removed=True)]
            elif packet.is_closing:
                pending, self._pending = self._pending, None
                if pending is not None:
                    out += [_CANCEL_CLOSING, self._final(pending)]
            elif packet.impedance_ohm is None:  # socks: the weight is all there will be
                self._pending = None
                out += [_CANCEL_CLOSING, self._final(packet)]
            else:
                self._pending = packet
                live = Reading.make(
                    protocol=self.id,
                    weight_kg=packet.weight_kg,
                    unit="kg",
                    stabilized=False,
                    heart_rate_bpm=float(packet.heart_rate_bpm) if packet.heart_rate_bpm else None,
                )
                out += [live, _CLOSING_TIMER]
        return out

    def timeout(self, name: str) -> list[Output]:
        if name != "s400" or self._pending is None:
            return []
        pending, self._pending = self._pending, None
        return [self._final(pending)]


class _WeightOnlyDriver(_MiBeaconDriver):
    """S200 / S800: one weight object (0x4E16) per advert; the layout is the product's (``weight_object``)."""

    @staticmethod
    def weight_object(value: bytes) -> Reading | None:  # pragma: no cover - every subclass sets its own
        raise NotImplementedError

    def advert(self, advert: Advert) -> list[Output]:
        objects, out = self._objects(advert)
        for kind, value in objects:
            if kind != OBJ_WEIGHT:
                continue
            try:
                reading = self.weight_object(value)
            except DecodeError as exc:
                out.append(as_error(exc))
                continue
            if reading is not None:
                out.append(reading)
        return out


class XiaomiS200Driver(_WeightOnlyDriver):
    """Xiaomi Smart Scale S200 (MJTZC02YM): weight only."""

    id = PROTOCOL_S200
    family = "Xiaomi Smart Scale S200"
    devices = ("Xiaomi Smart Scale S200 (MJTZC02YM)",)
    products = S200_PRODUCTS
    weight_object = staticmethod(decode_s200_object)


class XiaomiS800Driver(_WeightOnlyDriver):
    """Xiaomi Mijia 8-electrode Body Composition Scale S800 (xiaomi.scales.ms116): weight only (its body
    composition is only on an authenticated GATT path, out of scope as in ble-scale-sync)."""

    id = PROTOCOL_S800
    family = "Xiaomi Body Composition Scale S800"
    devices = ("Xiaomi Mijia Body Composition Scale S800 (MS116)",)
    names = ("MIJIA SCALE S800", "MS116")
    products = S800_PRODUCTS
    weight_object = staticmethod(decode_s800_object)
