"""Bluetooth SIG standard scales: Weight Scale (WSS), Body Composition (BCS), User Data (UDS), Current Time (CTS).

Packet layouts in ``companion.ble.protocols.sig``. The conversation follows openScale's
``StandardWeightProfileHandler.kt`` and UDS 1.0 (shared/reference/ble_scales.md section 1, "Pairing-wizard
sequence"): subscribe, set the clock, then consent with a stored slot or register a new user (random code),
consent, write date of birth / gender / height and bump the Database Change Increment. While listening, every
household member with a slot consents in turn (the scale hands over each user's stored history on consent);
the active profile goes last and stays consented for live readings.
"""

from __future__ import annotations

from companion.ble.drivers import uds
from companion.ble.drivers.base import (
    SERVICE,
    Advert,
    CancelTimer,
    ConsentRefused,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    Output,
    ProfileShared,
    Progress,
    Read,
    Ready,
    SetTimer,
    SlotRefused,
    SlotRegistered,
    Subscribe,
    UserSlot,
    Write,
    as_error,
)
from companion.ble.protocols import DecodeError, decode_characteristic, sig
from companion.i18n import N_, _

UCP = "2a9f"
WEIGHT = "2a9d"
COMPOSITION = "2a9c"
CLOCK = "2a2b"
CHANGE_INCREMENT = "2a99"
#: Claim for an advert that lists 0x181D / 0x181B: above a vendor name prefix, below vendor magic bytes.
STANDARD_SERVICE = 75
#: Time a scale gets to hand over a household member's stored readings after their consent.
HISTORY_S = 0.05


class SigScale(Driver):
    id = "sig"
    family = N_("Bluetooth standard scale")
    devices = (
        "Beurer BF105 / BF500 / BF600 / BF720 / BF788 / BF950",
        "Sanitas SBF72 / SBF73",
        "Renpho ES-WBE28",
        "any scale with the Bluetooth Weight Scale or Body Composition service",
    )
    link = "gatt"
    measures = (
        "weight_kg",
        "body_fat_pct",
        "impedance_ohm",
        "muscle_mass_kg",
        "body_water_mass_kg",
        "bmr_kcal",
        "bmi",
    )
    handshake = True
    needs_profile = True
    user_slots = True
    emulated = True
    expects_composition = True
    services = ("181d", "181b")
    sources = (
        "oliexdev/openScale@f7a733b StandardWeightProfileHandler.kt",
        "RonanB96/bluetooth-sig-python@27bdb3d src/bluetooth_sig/gatt/characteristics",
    )

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.has_uds = False
        self.has_bcs = False
        self.chars: frozenset[str] = frozenset()
        self._pending: int | None = None  # the UCP op code awaiting its response
        self._step = ""
        self._queue: list[UserSlot] = []  # listen: slots still to consent
        self._slot: UserSlot | None = None  # the slot being consented
        self._new_index: int | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        # A standard scale lists the Weight Scale / Body Composition *service*: specific evidence, stronger than
        # a vendor name prefix (Renpho's ES-WBE28 is a standard scale). Mi scales put *service data* under the
        # same numbers (and may list the service too): then this is only a weak claim.
        if advert.service_uuids.isdisjoint(cls.services):
            return 0
        return SERVICE if advert.service_data.keys() & {"181d", "181b"} else STANDARD_SERVICE

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic":
            raise DecodeError("standard scales send readings as GATT characteristics only")
        return decode_characteristic(key, data)

    # ----- set-up ------------------------------------------------------------------------------------------
    def connected(self, gatt: Gatt) -> list[Output]:
        chars = self.chars = gatt.characteristics
        self.has_uds = UCP in chars
        self.has_bcs = self.expects_composition = COMPOSITION in chars
        out: list[Output] = [Subscribe(c) for c in (WEIGHT, COMPOSITION, UCP) if c in chars]
        if CLOCK in chars:
            if self.config.mode == "pair":
                out.append(Progress(_("Setting the scale's clock...")))
            # CTS 0x2A2B in local wall-clock time (scales have no time zone), adjust reason "manual".
            out.append(Write(CLOCK, sig.encode_current_time(self.config.now.replace(tzinfo=None))))
        if not self.has_uds:
            return [*out, Ready()]
        if self.config.mode == "pair":
            active = next((s for s in self.config.slots if s.active), None)
            if active is not None:
                out.append(
                    Progress(_("Asking the scale for your user slot {index}...").format(index=active.user_index + 1))
                )
                return out + self._consent(active, "known")
            return out + self._register()
        # listen: the others first (their history), the active profile last (stays consented)
        self._queue = sorted(self.config.slots, key=lambda s: s.active)
        return out + self._next_listen()

    def _ucp(self, op: int, payload: bytes) -> list[Output]:
        self._pending = op
        return [Write(UCP, payload), SetTimer(uds.UCP_TIMEOUT_S, "ucp")]

    def _consent(self, slot: UserSlot, step: str) -> list[Output]:
        self._slot, self._step = slot, step
        return self._ucp(sig.OP_CONSENT, sig.encode_consent(slot.user_index, slot.consent_code))

    def _register(self) -> list[Output]:
        code = self.config.new_consent_code
        if code is None:
            return [ConsentRefused("no consent code to register with", _("The scale refused to register a new user."))]
        self._step = "register"
        return [
            Progress(_("Registering you as a new user on the scale...")),
            *self._ucp(sig.OP_REGISTER_NEW_USER, sig.encode_register_new_user(code)),
        ]

    def _next_listen(self) -> list[Output]:
        if not self._queue:
            return [uds.refused_while_listening()]
        return self._consent(self._queue.pop(0), "listen")

    def timeout(self, name: str) -> list[Output]:
        if name == "ucp" and self._pending is not None:
            self._pending = None
            return [uds.ucp_timeout()]
        if name == "history":
            return self._next_listen()
        return []

    def _control_point(self, data: bytes) -> list[Output]:
        try:
            response = sig.decode_control_point_response(data)
        except DecodeError as exc:
            return [uds.wrong_answer(exc.reason)]
        if self._pending is None:
            return []  # a late or unsolicited response: nothing waits for it
        if response.request_opcode != self._pending:
            return [uds.wrong_answer(f"response to op code 0x{response.request_opcode:02x}")]
        self._pending = None
        out: list[Output] = [CancelTimer("ucp")]
        step, slot = self._step, self._slot
        if step == "register":
            if response.result == sig.RESULT_FAILED:
                return [*out, uds.no_free_slot()]
            if not response.ok or response.user_index is None:
                return [*out, ConsentRefused("register refused", _("The scale refused to register a new user."))]
            code = self.config.new_consent_code
            assert code is not None
            self._new_index = response.user_index
            return out + self._consent(UserSlot(response.user_index, code, active=True), "new")
        assert slot is not None
        if step == "known":
            if response.ok:
                return [*out, Ready(slot.user_index)]
            return [
                *out,
                SlotRefused(slot.user_index),
                Progress(_("The scale no longer knows your consent code; registering you again.")),
                *self._register(),
            ]
        if step == "new":
            if not response.ok:
                return [*out, ConsentRefused("new code refused", _("The scale did not accept the new consent code."))]
            return out + self._write_profile()
        # listen
        if slot.active:
            if response.ok:
                return [*out, Ready(slot.user_index)]
            return [*out, uds.refused_while_listening()]
        if response.ok:
            return [*out, SetTimer(HISTORY_S, "history")]  # let the scale hand over this user's readings
        return out + self._next_listen()

    def _write_profile(self) -> list[Output]:
        profile = self.config.profile
        wanted = (sig.DATE_OF_BIRTH, sig.GENDER, sig.HEIGHT)
        if profile is None or not all(f"{c:04x}" in self.chars for c in wanted):
            return self._registered()
        born = profile.birth_date
        self._step = "change-increment"
        out: list[Output] = [
            Write(f"{sig.DATE_OF_BIRTH:04x}", sig.encode_date_of_birth(born.year, born.month, born.day)),
            Write(f"{sig.GENDER:04x}", sig.encode_gender(profile.sex)),
            Write(f"{sig.HEIGHT:04x}", sig.encode_height_cm(profile.height_cm)),
        ]
        if CHANGE_INCREMENT in self.chars:
            return [*out, Read(CHANGE_INCREMENT)]
        return out + self._shared()

    def read_result(self, char: str, data: bytes) -> list[Output]:
        if char != CHANGE_INCREMENT or self._step != "change-increment":
            return []
        value = int.from_bytes(bytes(data)[:4].ljust(4, b"\0"), "little") + 1
        return [Write(CHANGE_INCREMENT, sig.encode_database_change_increment(value)), *self._shared()]

    def _shared(self) -> list[Output]:
        return [ProfileShared("date of birth, sex and height written to the scale"), *self._registered()]

    def _registered(self) -> list[Output]:
        self._step = "done"
        index, code = self._new_index, self.config.new_consent_code
        assert index is not None and code is not None
        return [SlotRegistered(index, code), Ready(index, registered=True)]

    # ----- readings ------------------------------------------------------------------------------------------
    def notification(self, char: str, data: bytes) -> list[Output]:
        if char == UCP:
            return self._control_point(data)
        try:
            if char == WEIGHT:
                return [sig.decode_weight_measurement(data)]
            if char == COMPOSITION:
                return [sig.decode_body_composition(data)]
        except DecodeError as exc:
            return [as_error(exc)]
        return []
