"""Beurer / Sanitas legacy protocol (BF700, BF710, BF800, Runtastic Libra, Sanitas SBF70, SilverCrest SBF75).

One vendor characteristic 0xFFE1 in service 0xFFE0 carries everything, both ways (notify + write with
response). Facts from openScale ``android_app/.../core/bluetooth/scales/BeurerSanitasHandler.kt`` and
ble-scale-sync ``src/scales/beurer-sanitas.ts`` (commits in ``shared/reference/ble_scales.md``); the code is
written here.

Framing: the first byte is ``<family nibble><kind nibble>``: family 0xF (BF700/BF800/Libra) or 0xE
(BF710/SBF70/SBF75); kind 7 = command/data, 6 = INIT, 9 = SET_TIME (both "alternative start" frames).
Commands are ``<start> <cmd> <params...>``, the scale answers commands with ``<start> F0 <cmd> <status> ...``
and sends data frames (user info 0x34, saved measurement 0x42, live weight 0x58, measurement 0x59) that the
app must acknowledge with ``<start> F1 <b1> <b2> <b3>`` (an echo of bytes 1..3). The E7 scales stop the 0x59
stream after part 1 unless each frame is acknowledged (ble-scale-sync issue #211), so every E7 data frame is
acknowledged; the F7 scales get the acknowledgements openScale sends (0x34, 0x42, 0x59).

Where the sources disagree:
- 0x58 live weight: ble-scale-sync reads the weight at [3..4] for E7 frames and at [4..5] for F7 frames;
  openScale reads [3..4] for both and treats [2] == 0 as "stable". We follow openScale (it drives the whole
  state machine of both families), and the captured E7 frames of ble-scale-sync issue #112 agree with it.
- Bone mass: openScale decodes the u16 at [14] of the merged measurement as bone in 50 g steps. In the
  only published E7 capture (ble-scale-sync issue #211) that field is 0x00E9 = 11.65 kg for an 83.55 kg
  person, which is not a bone mass; so the E7 family reports no bone mass, the F7 family keeps openScale's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from companion.ble.drivers import uds
from companion.ble.drivers._vendor import (
    HANDSHAKE_SECONDS,
    HandshakeGuard,
    local_wall_clock,
    step_on,
)
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    CancelTimer,
    ConsentRefused,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    MalformedFrame,
    Output,
    ProfileShared,
    Progress,
    Ready,
    SetTimer,
    SlotRegistered,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_impedance, check_weight, u16be
from companion.i18n import _

PROTOCOL = "beurer-sanitas-legacy"
SERVICE = 0xFFE0
CHARACTERISTIC = 0xFFE1

FAMILY_F7 = 0xF0  # BF700, BF800, Runtastic Libra
FAMILY_E7 = 0xE0  # BF710, Sanitas SBF70, SilverCrest SBF75, Crane (AICDSCALE1)

KIND_INIT = 0x06
KIND_COMMAND = 0x07
KIND_SET_TIME = 0x09

CMD_USER_ADD = 0x31
CMD_USER_LIST = 0x33
CMD_USER_INFO = 0x34
CMD_USER_DETAILS = 0x36
CMD_DO_MEASUREMENT = 0x40
CMD_GET_SAVED = 0x41
CMD_SAVED_MEASUREMENT = 0x42
CMD_DELETE_SAVED = 0x43
CMD_SET_UNIT = 0x4D
CMD_SCALE_STATUS = 0x4F
CMD_LIVE_WEIGHT = 0x58
CMD_MEASUREMENT = 0x59
CMD_SCALE_ACK = 0xF0
CMD_APP_ACK = 0xF1

#: Scale unit codes of CMD_SET_UNIT / the status answer.
UNIT_CODES = {"kg": 1, "lb": 2, "st": 4}
UNIT_NAMES = {v: k for k, v in UNIT_CODES.items()}

_GRAM_STEP = 0.05  # weights in 50 g steps


def start_byte(family: int, kind: int = KIND_COMMAND) -> int:
    return family | kind


def family_for_name(name: str | None) -> int | None:
    """The protocol family from the advertised name (openScale's name table), or ``None``."""
    n = (name or "").lower()
    if any(
        k in n
        for k in ("bf-700", "beurer bf700", "bf-800", "beurer bf800", "rt-libra-b", "rt-libra-w", "libra-b", "libra-w")
    ):
        return FAMILY_F7
    if any(k in n for k in ("bf700", "beurer bf710", "sanitas sbf70", "sbf75", "aicdscale1")):
        return FAMILY_E7
    return None


# ----- app -> scale ---------------------------------------------------------------------------------------
def encode_init(family: int) -> bytes:
    return bytes((start_byte(family, KIND_INIT), 0x01))


def encode_set_time(family: int, at: datetime) -> bytes:
    """SET_TIME: u32 BE seconds since 1970 of the local wall clock.

    The scale has no time zone: it shows and stamps whatever it was given. We give it the local wall time
    counted as if it were UTC, so decoding its stamps "as UTC" yields naive local time again.
    """
    seconds = int(at.replace(tzinfo=UTC).timestamp()) if at.tzinfo is None else int(at.timestamp())
    return bytes((start_byte(family, KIND_SET_TIME),)) + (seconds & 0xFFFFFFFF).to_bytes(4, "big")


def encode_command(family: int, command: int, params: bytes = b"") -> bytes:
    return bytes((start_byte(family), command)) + params


def encode_user_id(uid: int) -> bytes:
    return (uid & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def encode_ack(family: int, frame: bytes) -> bytes:
    """The app's acknowledgement of a data frame: echo of its bytes 1..3."""
    if len(frame) < 4:
        raise DecodeError("Beurer/Sanitas frame too short to acknowledge")
    return bytes((start_byte(family), CMD_APP_ACK)) + frame[1:4]


def scale_name(name: str, fallback: str) -> bytes:
    """The three letters the scale shows for a user: the name's ASCII letters/digits, upper case.

    openScale strips accents (NFD) and everything but A-Z0-9, and falls back to the user id.
    """
    folded = unicodedata.normalize("NFD", name)
    letters = "".join(c for c in folded if c.isascii() and c.isalnum()).upper() or fallback
    return letters.encode("ascii")[:3].ljust(3, b"\0")


def encode_user_add(
    family: int,
    uid: int,
    nick: bytes,
    birth_year: int,
    birth_month: int,
    birth_day: int,
    height_cm: int,
    male: bool,
    activity: int,
) -> bytes:
    """CMD_USER_ADD: uid (8), nick (3), year-1900, month 0..11, day, height cm, sex bit 0x80 | activity 1..5."""
    params = (
        encode_user_id(uid)
        + nick[:3].ljust(3, b"\0")
        + bytes(
            (
                (birth_year - 1900) & 0xFF,
                (birth_month - 1) & 0xFF,
                birth_day & 0xFF,
                height_cm & 0xFF,
                (0x80 if male else 0) | (activity & 0x0F),
            )
        )
    )
    return encode_command(family, CMD_USER_ADD, params)


# ----- scale -> app ---------------------------------------------------------------------------------------
class Frame(NamedTuple):
    """One frame from the scale: its kind (init-ack, ack, data), command and raw bytes (a tuple: cheap to make)."""

    family: int
    kind: str  # "init-ack", "ack", "data"
    command: int  # for "ack": the acknowledged command; for "data": the data command
    data: bytes


def parse_frame(data: bytes, family: int) -> Frame:
    if not data:
        raise DecodeError("Beurer/Sanitas: empty frame")
    if data[0] == start_byte(family, KIND_INIT):
        return Frame(family, "init-ack", 0, data)
    if data[0] != start_byte(family):
        raise DecodeError(f"Beurer/Sanitas: unexpected start byte 0x{data[0]:02x}")
    if len(data) < 2:
        raise DecodeError("Beurer/Sanitas: frame without a command")
    if data[1] == CMD_SCALE_ACK:
        if len(data) < 4:
            raise DecodeError("Beurer/Sanitas: acknowledgement truncated")
        return Frame(family, "ack", data[2], data)
    if data[1] in (CMD_USER_INFO, CMD_SAVED_MEASUREMENT, CMD_LIVE_WEIGHT, CMD_MEASUREMENT):
        need = 5 if data[1] == CMD_LIVE_WEIGHT else 4
        if len(data) < need:
            raise DecodeError(f"Beurer/Sanitas: frame 0x{data[1]:02x} truncated")
        return Frame(family, "data", data[1], data)
    raise DecodeError(f"Beurer/Sanitas: unexpected opcode 0x{data[1]:02x}")


@dataclass(frozen=True, slots=True)
class ScaleStatus:
    battery_pct: int
    unit: str | None
    user_exists: bool
    version: int


def decode_status(frame: Frame) -> ScaleStatus:
    d = frame.data
    if len(d) < 12:
        raise DecodeError("Beurer/Sanitas: scale status truncated")
    return ScaleStatus(battery_pct=d[4], unit=UNIT_NAMES.get(d[7]), user_exists=d[8] == 0, version=d[11])


@dataclass(frozen=True, slots=True)
class RemoteUser:
    uid: int
    name: str
    birth_year: int


def decode_user_info(frame: Frame) -> tuple[int, int, RemoteUser]:
    """(count, current, user) of a 0x34 frame: uid u64 BE [4..11], 3-letter name [12..14], year-1900 [15]."""
    d = frame.data
    if len(d) < 16:
        raise DecodeError("Beurer/Sanitas: user info truncated")
    raw = d[12:15].split(b"\0", 1)[0]
    name = raw.decode("ascii", errors="replace")
    return d[2], d[3], RemoteUser(int.from_bytes(d[4:12], "big"), name, 1900 + d[15])


def decode_live_weight(frame: Frame) -> Reading:
    """0x58: [2] == 0 stable, weight u16 BE at [3..4] in 50 g."""
    d = frame.data
    weight = check_weight(round(u16be(d, 3) * _GRAM_STEP, 2), "Beurer/Sanitas live weight")
    return Reading.make(protocol=PROTOCOL, weight_kg=weight, unit="kg", stabilized=d[2] == 0)


def decode_measurement(merged: bytes, family: int, user_index: int | None = None) -> Reading:
    """The merged payload of a 0x59 / 0x42 measurement (all big-endian):

    [0..3] Unix time, [4..5] weight (50 g), [6..7] impedance (ohm), [8..9] fat (0.1 %), [10..11] water
    (0.1 %), [12..13] muscle (0.1 %), [14..15] bone (50 g; see the module note), [16..] BMR, AMR, BMI.
    An all-zero composition is what the scale sends for a user it does not know: weight only then.
    """
    if len(merged) < 16:
        raise DecodeError(f"Beurer/Sanitas measurement: truncated, need 16 bytes, got {len(merged)}")
    seconds = int.from_bytes(merged[0:4], "big")
    weight = check_weight(round(u16be(merged, 4) * _GRAM_STEP, 2), "Beurer/Sanitas measurement")
    if weight == 0:
        raise DecodeError("Beurer/Sanitas measurement: no weight")
    impedance = u16be(merged, 6)
    fat = u16be(merged, 8) / 10
    water = u16be(merged, 10) / 10
    muscle = u16be(merged, 12) / 10
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": True}
    # Times before 2000 are an unset clock (ble_scales.md section 6: fall back to the receive time).
    if seconds >= 946684800:
        values["timestamp"] = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    if user_index is not None:
        values["user_index"] = user_index
    if impedance or fat or water or muscle:
        values["impedance_ohm"] = check_impedance(float(impedance), "Beurer/Sanitas measurement")
        if not 0 < fat < 80 or not 0 < water < 90 or not 0 < muscle < 90:
            raise DecodeError("Beurer/Sanitas measurement: impossible body composition")
        values["body_fat_pct"] = fat
        values["body_water_pct"] = water
        values["muscle_pct"] = muscle
        bone = round(u16be(merged, 14) * _GRAM_STEP, 2)
        if family == FAMILY_F7 and 0 < bone < weight:
            values["bone_mass_kg"] = bone
    return Reading.make(**values)


# ----- the driver -------------------------------------------------------------------------------------------
_CHAR = f"{CHARACTERISTIC:04x}"
_FIRST_UID = 101  # openScale numbers the users it creates from 101 when the scale has none


class BeurerSanitasLegacyDriver(HandshakeGuard, Driver):
    """INIT, clock, status (and unit), user list, history of our user (then deleted on the scale), user
    creation when pairing, then live weight and the numbered measurement parts; every data frame ACKed.

    Our user on the scale is remembered as a slot: ``user_index`` = its place in the scale's list,
    ``consent_code`` = the 64-bit user id we gave it (below 2**31; the scale matches nothing else).
    """

    id = PROTOCOL
    family = "Beurer / Sanitas (F7/E7 protocol)"
    devices = (
        "Beurer BF700",
        "Beurer BF710",
        "Beurer BF800",
        "Runtastic Libra",
        "Sanitas SBF70",
        "SilverCrest SBF75",
        "Crane (AICDSCALE1)",
    )
    measures = (
        "weight_kg",
        "impedance_ohm",
        "body_fat_pct",
        "body_water_pct",
        "muscle_pct",
        "bone_mass_kg",
        "timestamp",
    )
    handshake = True
    needs_profile = True
    user_slots = True
    emulated = True
    waits_for_impedance = True  # the stable 0x58 weight comes before the 0x59 composition
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "BeurerSanitasHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/beurer-sanitas.ts, tests/scales/beurer-sanitas.test.ts @3cce009",
    )
    names = (
        "BF-700",
        "BF-800",
        "BEURER BF7",
        "BEURER BF8",
        "RT-LIBRA",
        "LIBRA-",
        "BF700",
        "SANITAS SBF70",
        "SBF75",
        "AICDSCALE1",
    )
    services = ("ffe0",)

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.family_byte = family_for_name(config.name) or FAMILY_E7
        self.phase = "init"
        self.remote: list[RemoteUser] = []
        self.user: RemoteUser | None = None
        self.user_index: int | None = None
        self.parts: dict[int, bytes] = {}
        self.saved_first: bytes | None = None
        self.ready = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if family_for_name(advert.name) is not None:
            return NAME + 10
        return NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != _CHAR or len(data) < 2:
            raise DecodeError("the Beurer/Sanitas driver decodes live-weight frames on ffe1 only")
        frame = parse_frame(data, data[0] & 0xF0)
        if frame.command != CMD_LIVE_WEIGHT or frame.kind != "data":
            raise DecodeError("Beurer/Sanitas: only live-weight frames decode on their own")
        return decode_live_weight(frame)

    # --- helpers ---
    def _cmd(self, command: int, params: bytes = b"") -> Write:
        return Write(_CHAR, encode_command(self.family_byte, command, params))

    def _wait(self, phase: str) -> SetTimer:
        self.phase = phase
        return SetTimer(HANDSHAKE_SECONDS, "handshake")

    def _known_uids(self) -> dict[int, int]:
        return {s.consent_code: s.user_index for s in self.config.slots}

    # --- events ---
    def step_name(self) -> str:
        return f"the {self.phase} step"

    def connected(self, gatt: Gatt) -> list[Output]:
        return [
            Subscribe(_CHAR),
            Write(_CHAR, encode_init(self.family_byte)),
            self._wait("init"),
            Progress(_("Waking the scale…")),
        ]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != _CHAR:
            return []
        try:
            frame = parse_frame(data, self.family_byte)
            if frame.kind == "init-ack":
                return self._on_init_ack()
            if frame.kind == "ack":
                return self._on_ack(frame)
            return self._on_data(frame)
        except DecodeError as exc:
            return [as_error(exc)]

    def _on_init_ack(self) -> list[Output]:
        if self.phase != "init":
            return []
        return [
            Write(_CHAR, encode_set_time(self.family_byte, local_wall_clock(self.config))),
            self._cmd(CMD_SCALE_STATUS, encode_user_id(0)),
            self._wait("status"),
        ]

    def _on_ack(self, frame: Frame) -> list[Output]:
        d, cmd = frame.data, frame.command
        if cmd == CMD_SCALE_STATUS and self.phase == "status":
            status = decode_status(frame)
            wanted = UNIT_CODES.get(self.config.unit)
            if wanted is not None and status.unit != self.config.unit:
                return [self._cmd(CMD_SET_UNIT, bytes((wanted,))), self._wait("unit")]
            return [self._cmd(CMD_USER_LIST), self._wait("users")]
        if cmd == CMD_SET_UNIT and self.phase == "unit":
            return [self._cmd(CMD_USER_LIST), self._wait("users")]
        if cmd == CMD_USER_LIST and self.phase == "users":
            if len(d) < 5:
                raise DecodeError("Beurer/Sanitas: user list answer truncated")
            return self._choose_user() if d[4] == 0 else [self._wait("users")]
        if cmd == CMD_GET_SAVED and self.phase == "history":
            return self._measure() if d[3] == 0 else [self._wait("history")]
        if cmd == CMD_DELETE_SAVED and self.phase == "history":
            return self._measure()
        if cmd == CMD_USER_ADD and self.phase == "create":
            if d[3] != 0 or self.user is None:
                return [uds.no_free_slot("user add refused")]
            self.user_index = len(self.remote) + 1
            out: list[Output] = [SlotRegistered(self.user_index, self.user.uid)]
            return out + self._measure(registered=True)
        if cmd == CMD_DO_MEASUREMENT:
            return []
        return []

    def _choose_user(self) -> list[Output]:
        known = self._known_uids()
        active = next((s.consent_code for s in self.config.slots if s.active), None)
        mine = [u for u in self.remote if u.uid in known]
        mine.sort(key=lambda u: u.uid != active)
        if mine:
            self.user = mine[0]
            self.user_index = known[self.user.uid]
            return [self._cmd(CMD_GET_SAVED, encode_user_id(self.user.uid)), self._wait("history")]
        profile = self.config.profile
        if self.config.mode != "pair" or profile is None:
            return [
                ConsentRefused(
                    "no user of ours on the scale",
                    _("This scale has no user for you yet. Pair it again and allow sharing your profile."),
                )
            ]
        uid = max([_FIRST_UID - 1, *(u.uid for u in self.remote)]) + 1
        nick = scale_name("", f"C{uid % 100:02d}")
        self.user = RemoteUser(uid, nick.rstrip(b"\0").decode("ascii"), profile.birth_date.year)
        born = profile.birth_date
        activity = min(max(profile.activity_level or 1, 1), 5)
        return [
            Write(
                _CHAR,
                encode_user_add(
                    self.family_byte,
                    uid,
                    nick,
                    born.year,
                    born.month,
                    born.day,
                    round(profile.height_cm),
                    profile.sex == "male",
                    activity,
                ),
            ),
            ProfileShared("height, birth date, sex, activity level"),
            self._wait("create"),
        ]

    def _measure(self, registered: bool = False) -> list[Output]:
        assert self.user is not None
        self.phase = "measure"
        self.ready = True
        return [
            CancelTimer("handshake"),
            self._cmd(CMD_DO_MEASUREMENT, encode_user_id(self.user.uid)),
            Ready(user_index=self.user_index, registered=registered),
            step_on(),
        ]

    def _ack(self, frame: Frame) -> list[Output]:
        return [Write(_CHAR, encode_ack(self.family_byte, frame.data))]

    def _on_data(self, frame: Frame) -> list[Output]:
        cmd, d = frame.command, frame.data
        if cmd == CMD_USER_INFO:
            count, current, user = decode_user_info(frame)
            if len(self.remote) == current - 1:
                self.remote.append(user)
            out = self._ack(frame)
            if current >= count and self.phase == "users":
                out += self._choose_user()
            return out
        if cmd == CMD_SAVED_MEASUREMENT:
            count, current = d[2], d[3]
            out = self._ack(frame)
            if current % 2 == 1:
                self.saved_first = d[4:]
            elif self.saved_first is not None:
                merged, self.saved_first = self.saved_first + d[4:], None
                out.insert(0, decode_measurement(merged, self.family_byte, self.user_index))
            if current >= count and self.phase == "history" and self.user is not None:
                out += [self._cmd(CMD_DELETE_SAVED, encode_user_id(self.user.uid)), self._wait("history")]
            return out
        if cmd == CMD_LIVE_WEIGHT:
            reading = decode_live_weight(frame)
            return [reading] + ([] if self.family_byte == FAMILY_F7 else self._ack(frame))
        # CMD_MEASUREMENT: part 1 names the user (uid at [5..12]), parts 2..count carry the payload.
        count, part = d[2], d[3]
        out = self._ack(frame)
        if part <= 1:
            self.parts = {}
            return out
        self.parts[part] = d[4:]
        if part < count:
            return out
        chunks = [self.parts.get(p) for p in range(2, count + 1)]
        self.parts = {}
        if any(c is None for c in chunks):
            return out + [MalformedFrame("Beurer/Sanitas: measurement part missing")]
        merged = b"".join(c for c in chunks if c is not None)
        if len(merged) >= 6 and u16be(merged, 4) == 0:
            return out  # what the scale sends for a user it does not know (ble-scale-sync #112): nothing
        return [decode_measurement(merged, self.family_byte, self.user_index), *out]
