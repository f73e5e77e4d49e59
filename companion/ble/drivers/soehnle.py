"""Soehnle Shape / Style (Shape200, Shape100, Shape50, Style100): GATT, UDS-style user slots, vendor history.

Facts (no code) from openScale ``SoehnleHandler.kt`` (oliexdev/openScale@0cb4064,
android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/SoehnleHandler.kt) and ble-scale-sync
``src/scales/soehnle.ts`` (KristianP26/ble-scale-sync@4d10962):

* vendor service 352e3000-28e9-40b8-a361-6db4cca4147c: notify A 352e3001-…, notify B 352e3004-…, command
  write 352e3002-…; standard Current Time 0x2A2B, User Data 0x181C (User Control Point 0x2A9F, Age 0x2A80,
  Gender 0x2A8C, Height 0x2A8E);
* clock: 9 bytes, year u16 LE, month, day, hour, minute, second, day of week (Sunday 1 .. Saturday 7), 0;
* user slots 1..7 with consent code 0: create ``01 00 00`` -> ``20 01 <result> <index>``; select
  ``02 <index> 00 00`` -> ``20 02 <result>`` (not 0x01: the slot is gone, create again);
* profile: age u8, gender (0 male, 1 female), height u16 LE cm;
* history: write ``09 <index>`` to the command characteristic; the scale answers on A with 15-byte ``09``
  frames: [1] user index, [2..3] year BE, [4] month, [5] day, [6] hour, [7] minute, [8] second, [9..10] weight
  BE / 10 kg, [11..12] impedance at 5 kHz BE, [13..14] impedance at 50 kHz BE (ohm).

openScale factory-resets the scale (``0B FF``) when it knows no slot; Companion never does: it would wipe the
other users of the scale.
"""

from __future__ import annotations

from datetime import datetime

from companion.ble.drivers import uds
from companion.ble.drivers.base import (
    CERTAIN,
    NAME,
    Advert,
    CancelTimer,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    ImplausibleValue,
    MalformedFrame,
    Output,
    ProfileShared,
    Progress,
    Ready,
    SetTimer,
    SlotRefused,
    SlotRegistered,
    Subscribe,
    UserSlot,
    Write,
)
from companion.ble.protocols import DecodeError, Reading
from companion.ble.protocols._common import Implausible, impedance_problem, weight_problem
from companion.i18n import N_, _

PROTOCOL = "soehnle"
SERVICE = "352e3000-28e9-40b8-a361-6db4cca4147c"
NOTIFY_A = "352e3001-28e9-40b8-a361-6db4cca4147c"
NOTIFY_B = "352e3004-28e9-40b8-a361-6db4cca4147c"
COMMAND = "352e3002-28e9-40b8-a361-6db4cca4147c"
UCP = "2a9f"
CLOCK = "2a2b"
AGE, GENDER, HEIGHT = "2a80", "2a8c", "2a8e"
FRAME_MEASUREMENT = 0x09


def encode_clock(at: datetime) -> bytes:
    """The 9-byte clock openScale writes to 0x2A2B (day of week counted from Sunday = 1)."""
    sunday_first = at.isoweekday() % 7 + 1
    return at.year.to_bytes(2, "little") + bytes([at.month, at.day, at.hour, at.minute, at.second, sunday_first, 0])


def encode_history_request(user_index: int) -> bytes:
    return bytes([FRAME_MEASUREMENT, user_index & 0xFF])


def decode_measurement(data: bytes) -> Reading:
    """A 15-byte ``09`` measurement frame from characteristic A."""
    what = "Soehnle measurement"
    if len(data) != 15:
        raise DecodeError(f"{what}: expected 15 bytes, got {len(data)}")
    if data[0] != FRAME_MEASUREMENT:
        raise DecodeError(f"{what}: not a measurement frame (opcode 0x{data[0]:02x})")
    year = data[2] << 8 | data[3]
    try:
        at: datetime | None = datetime(year, data[4], data[5], data[6], data[7], data[8]) if year else None
    except ValueError:
        raise DecodeError(f"{what}: invalid date {year}-{data[4]}-{data[5]} {data[6]}:{data[7]}:{data[8]}") from None
    weight = (data[9] << 8 | data[10]) / 10
    impedance_50k = float(data[13] << 8 | data[14])
    problem = weight_problem(weight, what)
    impedance = None
    if impedance_50k:  # 0: not measured (shoes, socks)
        impedance = impedance_50k
        problem = problem or impedance_problem(impedance, what)
    reading = Reading.make(
        protocol=PROTOCOL,
        weight_kg=weight,
        unit="kg",
        stabilized=True,
        timestamp=at,
        user_index=data[1],
        impedance_ohm=impedance,
    )
    if problem:
        raise Implausible(problem, reading)
    return reading


class SoehnleShape(Driver):
    id = PROTOCOL
    family = N_("Soehnle Shape / Style")
    devices = ("Soehnle Shape200", "Soehnle Shape100", "Soehnle Shape50", "Soehnle Style100")
    link = "gatt"
    measures = ("weight_kg", "impedance_ohm")
    handshake = True
    needs_profile = True
    user_slots = True
    emulated = True  # companion/ble/emulator/soehnle.py, tests/ble/test_soehnle_emulated.py
    names = ("SHAPE200", "SHAPE100", "SHAPE50", "STYLE100")
    services = (SERVICE,)
    sources = (
        "oliexdev/openScale@0cb4064 android_app/.../core/bluetooth/scales/SoehnleHandler.kt",
        "KristianP26/ble-scale-sync@4d10962 src/scales/soehnle.ts",
    )

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.chars: frozenset[str] = frozenset()
        self._pending: str | None = None  # "create" or "select" while the UCP answer is awaited
        self._slot: UserSlot | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if SERVICE in advert.service_uuids:
            return CERTAIN
        return NAME if advert.name and advert.upper_name.startswith(cls.names) else 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source == "characteristic" and key in (NOTIFY_A, NOTIFY_B):
            return decode_measurement(data)
        raise DecodeError(f"the {cls.family} sends readings on characteristic {NOTIFY_A} only")

    def connected(self, gatt: Gatt) -> list[Output]:
        self.chars = gatt.characteristics
        if UCP not in self.chars or NOTIFY_A not in self.chars or COMMAND not in self.chars:
            return [
                HandshakeFailed(
                    "Soehnle: the user data or vendor characteristics are missing",
                    _("This scale does not offer what a Soehnle Shape scale should; nothing was changed."),
                )
            ]
        out: list[Output] = [Subscribe(UCP), Subscribe(NOTIFY_A)]
        if NOTIFY_B in self.chars:
            out.append(Subscribe(NOTIFY_B))
        if CLOCK in self.chars:
            out.append(Write(CLOCK, encode_clock(self.config.now.replace(tzinfo=None))))
        active = next((s for s in self.config.slots if s.active), None)
        if active is not None:
            if self.config.mode == "pair":
                out.append(
                    Progress(_("Asking the scale for your user slot {index}...").format(index=active.user_index))
                )
            return out + self._select(active)
        if self.config.mode != "pair":
            return [*out, uds.refused_while_listening("Soehnle: user slot not accepted")]
        return out + self._create()

    def _select(self, slot: UserSlot) -> list[Output]:
        self._pending, self._slot = "select", slot
        return [Write(UCP, bytes([0x02, slot.user_index & 0xFF, 0x00, 0x00])), SetTimer(uds.UCP_TIMEOUT_S, "ucp")]

    def _create(self) -> list[Output]:
        self._pending = "create"
        return [
            Progress(_("Registering you as a new user on the scale...")),
            Write(UCP, bytes([0x01, 0x00, 0x00])),
            SetTimer(uds.UCP_TIMEOUT_S, "ucp"),
        ]

    def timeout(self, name: str) -> list[Output]:
        if name == "ucp" and self._pending is not None:
            self._pending = None
            return [uds.ucp_timeout()]
        return []

    def _answer(self, data: bytes) -> list[Output]:
        if self._pending is None:
            return []
        if len(data) < 3 or data[0] != 0x20 or data[1] not in (0x01, 0x02):
            return [uds.wrong_answer(f"unexpected answer {data.hex()}")]
        pending, self._pending = self._pending, None
        out: list[Output] = [CancelTimer("ucp")]
        ok = data[2] == 0x01
        if pending == "select":
            slot = self._slot
            assert slot is not None
            if ok:
                return [*out, *self._history(), Ready(slot.user_index)]
            if self.config.mode != "pair":
                return [*out, uds.refused_while_listening("Soehnle: user slot not accepted")]
            return [
                *out,
                SlotRefused(slot.user_index),
                Progress(_("The scale no longer knows your consent code; registering you again.")),
                *self._create(),
            ]
        if not ok or len(data) < 4:
            return [*out, uds.no_free_slot("Soehnle: no free user slot")]
        index = data[3]
        self._slot = UserSlot(index, 0, active=True)
        return [*out, *self._profile(), SlotRegistered(index, 0), *self._history(), Ready(index, registered=True)]

    def _profile(self) -> list[Output]:
        profile = self.config.profile
        if profile is None or not {AGE, GENDER, HEIGHT} <= self.chars:
            return []
        age = profile.age_on(self.config.now.date())
        return [
            Write(AGE, bytes([max(0, min(age, 255))])),
            Write(GENDER, bytes([0x00 if profile.sex == "male" else 0x01])),
            Write(HEIGHT, round(profile.height_cm).to_bytes(2, "little")),
            ProfileShared("age, sex and height written to the scale"),
        ]

    def _history(self) -> list[Output]:
        """Ask for the stored readings of every household member with a slot (never other people's)."""
        indices = sorted({s.user_index for s in self.config.slots} | ({self._slot.user_index} if self._slot else set()))
        return [Write(COMMAND, encode_history_request(i)) for i in indices]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char == UCP:
            return self._answer(data)
        if char not in (NOTIFY_A, NOTIFY_B) or not data or data[0] != FRAME_MEASUREMENT:
            return []  # battery, acknowledgements and frames openScale also ignores
        try:
            return [decode_measurement(data)]
        except Implausible as exc:
            return [ImplausibleValue(exc.reason)]
        except DecodeError as exc:
            return [MalformedFrame(exc.reason)]
