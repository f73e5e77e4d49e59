"""The scale-driver interface: one sans-I/O state machine per scale family, run by one generic executor.

A *driver* knows one family of scales. It is pure code: no bleak, no asyncio, no clock reads, no store. The
executor (``companion.ble.session``) does all I/O: it scans, asks the registry which driver claims an
advertisement, connects (GATT drivers) or keeps listening (broadcast drivers), feeds the driver *events* and
carries out the *actions* the driver returns. Everything the driver wants to say comes back as a list of
outputs from each event method.

Writing a driver
----------------
1. Create ``companion/ble/drivers/<family>.py`` with a subclass of :class:`Driver`. Fill in the class-level
   metadata (``id``, ``family``, ``devices``, ``link``, ``measures``, ``handshake``, ``needs_key``,
   ``needs_profile``) and the claiming hints (``names``, ``services``, ``service_data``, ``company_ids``).
   ``id`` is stored with every paired scale: never rename it once released.
2. Claiming: :meth:`Driver.claim` gets an :class:`Advert` and returns a confidence from 0 (not mine) to 100.
   The default implementation scores the declared hints (see :func:`hint_confidence`); override it when the
   hints alone cannot tell your family from another one on the same vendor service (0xFFF0, 0xFFB0, 0xFFE0
   are shared by many families): look at manufacturer-data magic bytes, name patterns, lengths. The registry
   only calls ``claim`` for adverts that match at least one declared hint (that keeps classification fast),
   unless the class sets ``claims_any = True``.
3. Behaviour: the executor makes one instance per connection (or per listened-to broadcast scale) with a
   :class:`DriverConfig`, then calls the event methods. Each returns a list of outputs:

   * actions for the executor: :class:`Subscribe`, :class:`Write`, :class:`Read`, :class:`SetTimer`,
     :class:`CancelTimer`, :class:`Disconnect`;
   * :class:`~companion.ble.protocols.Reading` (partial or complete readings: the executor assembles and
     stores them; ``Reading.protocol`` should be the driver ``id`` or a sub-protocol of it);
   * :class:`DriverError` values (not raised: returned) such as :class:`ChecksumError`,
     :class:`UnexpectedOpcode`, :class:`HandshakeFailed`, :class:`HandshakeTimeout`, :class:`WrongKey`.
     A *fatal* error ends the session (the executor disconnects, drops whatever is half-received and shows
     ``error.message``); a non-fatal one is logged as a bad packet and the session goes on;
   * bookkeeping for the executor: :class:`Progress` (a translated line for the Pair screen / CLI),
     :class:`Ready` (set-up finished: pairing succeeded, readings may follow; a GATT driver *must* emit it,
     even with no handshake, or pairing waits ``session.SETUP_TIMEOUT_S`` and fails), :class:`SlotRegistered` /
     :class:`SlotRefused` (a scale-side user slot to remember or forget), :class:`ProfileShared` (the user's
     profile was written to the scale; the executor records it in the audit log).

   ``Disconnect`` is a normal end (e.g. a scale whose history has been read); whatever the driver emitted
   before it is kept. Actions are executed in order, one event at a time (the executor serialises events),
   so a driver never sees two events at once. A driver that needs nothing returns ``[]``. Bytes the driver
   cannot parse become a ``DriverError`` output, never an exception: ``tests/ble/test_drivers_fuzz.py``
   feeds every registered driver arbitrary bytes through every event method and fails on anything else.
4. Register the class in ``companion/ble/drivers/__init__.py`` (``DRIVERS``), add a module of rows to
   ``tests/ble/catalogue/`` (per device a realistic advert and the driver id that must claim it; see
   ``tests/ble/catalogue/core.py``), a sample packet to ``tests/benchmarks/bench_drivers.py`` ``PACKETS``, and
   regenerate the README table: ``python -m companion.ble.drivers --readme README.md``
   (``tests/ble/test_drivers_registry.py`` fails while README and the registry disagree). Set
   ``emulated = True`` only when an emulated device of the family is paired end to end in a test.
   Drivers with UDS-style user slots share their refusal / timeout messages through ``drivers/uds.py``.
5. Optionally implement :meth:`Driver.decode` so ``companion ble decode --driver ID`` can decode a single
   payload of this family.

UUIDs are always *normalised* strings (:func:`uuid_key`): ``"2a9d"`` for 16-bit assigned numbers on the
Bluetooth base UUID, the full lower-case 128-bit form otherwise. Times come in through ``DriverConfig.now``;
timers are relative (``SetTimer(seconds)``) and fire as :meth:`Driver.timeout`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from companion.ble.protocols import Decoded, DecodeError, Reading, normalize_uuid
from companion.ble.protocols._common import Implausible
from companion.i18n import _

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = [
    "Action",
    "Advert",
    "CancelTimer",
    "ChecksumError",
    "ConsentRefused",
    "Decoded",
    "Disconnect",
    "Driver",
    "DriverConfig",
    "DriverError",
    "Gatt",
    "HandshakeFailed",
    "HandshakeTimeout",
    "ImplausibleValue",
    "InternalError",
    "MalformedFrame",
    "Output",
    "ProfileShared",
    "Progress",
    "Read",
    "Reading",
    "Ready",
    "SetTimer",
    "SlotRefused",
    "SlotRegistered",
    "Subscribe",
    "UnexpectedOpcode",
    "UserProfile",
    "UserSlot",
    "WrongKey",
    "Write",
    "hint_confidence",
    "uuid_key",
]

Link = Literal["gatt", "broadcast"]

#: Confidence levels the default claim uses (drivers may return any 0..100).
NO = 0
GENERIC_SERVICE = 20  # a vendor service UUID many families share (0xFFF0, 0xFFE0, 0xFFB0)
SERVICE = 40  # a service UUID specific to the family
NAME = 60  # an advertised-name prefix of the family
SERVICE_DATA = 70  # service data under a UUID the family broadcasts on
COMPANY = 80  # manufacturer data under the family's company id
CERTAIN = 100  # magic bytes / layout checked: nobody else can mean this advert

#: Vendor service UUIDs shared by several unrelated families: alone they are only a weak hint.
SHARED_SERVICES = frozenset({"fff0", "ffe0", "ffb0", "ffe5", "fee7", "ffff"})


@lru_cache(maxsize=4096)
def uuid_key(uuid: str) -> str:
    """The normalised form of a UUID string (see module docstring); unparseable strings stay lower-cased."""
    try:
        return normalize_uuid(uuid)
    except DecodeError:
        return uuid.strip().lower()


def full_uuid(key: str) -> str:
    """The 128-bit form bleak wants, from a normalised key."""
    if len(key) == 4:
        return f"0000{key}-0000-1000-8000-00805f9b34fb"
    return key


# ----- what the air says ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Advert:
    """One advertisement, already normalised: what a driver claims by and what broadcast drivers decode.

    ``manufacturer_data`` is keyed by the 16-bit company id with the id stripped from the bytes (bleak's
    convention); ``service_data`` and ``service_uuids`` use normalised UUID keys. Treat it as read-only (it
    is not frozen only because building one is on the scanning hot path).
    """

    name: str | None = None
    service_uuids: frozenset[str] = frozenset()
    manufacturer_data: Mapping[int, bytes] = field(default_factory=dict)
    service_data: Mapping[str, bytes] = field(default_factory=dict)
    address: str = ""
    rssi: int = 0
    upper_name: str = field(default="", init=False, compare=False, repr=False)  # name.upper(), computed once

    def __post_init__(self) -> None:
        self.upper_name = self.name.upper() if self.name else ""

    @classmethod
    def of(
        cls,
        name: str | None = None,
        service_uuids: Sequence[str] = (),
        manufacturer_data: Mapping[int, bytes] | None = None,
        service_data: Mapping[str, bytes] | None = None,
        address: str = "",
        rssi: int = 0,
    ) -> Advert:
        """Build from raw (bleak-style) fields, normalising every UUID."""
        key = uuid_key
        return cls(
            name or None,
            frozenset([key(u) for u in service_uuids]) if service_uuids else _NO_UUIDS,
            {int(k): v if type(v) is bytes else bytes(v) for k, v in manufacturer_data.items()}
            if manufacturer_data
            else {},
            {key(k): v if type(v) is bytes else bytes(v) for k, v in service_data.items()} if service_data else {},
            address,
            rssi,
        )


_NO_UUIDS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Gatt:
    """What service discovery found on a connected scale (normalised UUID keys)."""

    services: frozenset[str] = frozenset()
    characteristics: frozenset[str] = frozenset()


# ----- configuration in ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserProfile:
    """What some scales need to compute body composition themselves. Only passed when the user allows it."""

    height_cm: float
    birth_date: date
    sex: str  # "male", "female" or anything else (unspecified)
    activity_level: int | None = None  # scale-specific scales 1..5 when the profile has one

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class UserSlot:
    """A user slot on the scale that belongs to one of our profiles."""

    user_index: int
    consent_code: int
    active: bool = False  # the active profile's slot (consented last, stays consented for live readings)


@dataclass(frozen=True, slots=True)
class DriverConfig:
    """Everything a driver may know about the world, passed in by the executor."""

    now: datetime  # aware local time at connection; drivers never read the clock
    mode: Literal["pair", "listen", "decode"] = "listen"
    address: str = ""
    name: str | None = None
    profile: UserProfile | None = None  # None: do not write the user's data to the scale
    slots: tuple[UserSlot, ...] = ()  # known slots on this scale (listen: all household members)
    new_consent_code: int | None = None  # pair: the code to register a new user with (random, from the executor)
    unit: str = "kg"  # the unit the scale should display, where the driver can set it
    bind_key: bytes | None = None  # per-device key for encrypted adverts / authenticated links
    state: Mapping[str, Any] = field(default_factory=dict)  # the driver's own persisted state


# ----- outputs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Subscribe:
    """Enable notifications or indications on a characteristic."""

    char: str


@dataclass(frozen=True, slots=True)
class Write:
    char: str
    data: bytes
    with_response: bool = True


@dataclass(frozen=True, slots=True)
class Read:
    char: str


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Call :meth:`Driver.timeout` with ``name`` after ``seconds`` (replaces a pending timer of that name)."""

    seconds: float
    name: str = "default"


@dataclass(frozen=True, slots=True)
class CancelTimer:
    name: str = "default"


@dataclass(frozen=True, slots=True)
class Disconnect:
    pass


@dataclass(frozen=True, slots=True)
class Progress:
    """A translated line for the person pairing (Pair screen status, CLI stderr)."""

    text: str


@dataclass(frozen=True, slots=True)
class Ready:
    """Set-up finished (handshake, user selection, clock): the scale is paired / will send readings."""

    user_index: int | None = None
    registered: bool = False


@dataclass(frozen=True, slots=True)
class SlotRegistered:
    """The scale gave the active profile a new user slot protected by ``consent_code``."""

    user_index: int
    consent_code: int


@dataclass(frozen=True, slots=True)
class SlotRefused:
    """The scale no longer accepts the stored code for this slot: forget it."""

    user_index: int


@dataclass(frozen=True, slots=True)
class ProfileShared:
    """The user's profile (``what``, untranslated, for the audit log) was written to the scale."""

    what: str


class DriverError(Exception):
    """Something the scale sent (or did not send) that the driver cannot accept. Returned, not raised.

    ``message`` is translated and shown to the user; ``reason`` is the technical detail for logs and
    ``companion ble decode``. Fatal errors end the session.
    """

    fatal: ClassVar[bool] = False

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or self.describe(reason)

    @classmethod
    def describe(cls, reason: str) -> str:
        """The translated message when the driver gives none (subclasses say what kind of problem it is)."""
        return reason

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.reason == self.reason  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.reason))


class MalformedFrame(DriverError):
    """A frame of the wrong length or layout (the generic per-packet error)."""


class ChecksumError(MalformedFrame):
    @classmethod
    def describe(cls, reason: str) -> str:
        return _("a damaged frame (wrong checksum): {reason}").format(reason=reason)


class UnexpectedOpcode(MalformedFrame):
    @classmethod
    def describe(cls, reason: str) -> str:
        return _("a frame Companion does not expect here: {reason}").format(reason=reason)


class ImplausibleValue(MalformedFrame):
    """The packet is well-formed but says something physically impossible (kept out of the store)."""

    @classmethod
    def describe(cls, reason: str) -> str:
        return _("a physically impossible value: {reason}").format(reason=reason)


class HandshakeFailed(DriverError):
    """The scale answered the set-up exchange wrongly (fatal: the session ends, nothing is stored)."""

    fatal = True

    @classmethod
    def describe(cls, reason: str) -> str:
        return _("The scale answered the set-up exchange wrongly ({reason}); nothing was stored.").format(
            reason=reason
        )


class HandshakeTimeout(HandshakeFailed):
    @classmethod
    def describe(cls, reason: str) -> str:
        return _("The scale stopped answering during set-up ({reason}). Step on it and try again.").format(
            reason=reason
        )


class WrongKey(HandshakeFailed):
    """The bind key / consent code does not fit this scale."""

    @classmethod
    def describe(cls, reason: str) -> str:
        return _("The key for this scale does not fit ({reason}); pair it again with the right key.").format(
            reason=reason
        )


class ConsentRefused(HandshakeFailed):
    """The scale refused user registration or consent (no free slot, wrong code)."""

    @classmethod
    def describe(cls, reason: str) -> str:
        return _("The scale refused to let Companion in ({reason}).").format(reason=reason)


class InternalError(HandshakeFailed):
    """The driver itself failed (a bug): the executor ends the session rather than guess."""

    @classmethod
    def describe(cls, reason: str) -> str:
        return _("Companion could not follow this scale; nothing was stored.")


if TYPE_CHECKING:
    Action: TypeAlias = Subscribe | Write | Read | SetTimer | CancelTimer | Disconnect
    Output: TypeAlias = Action | Reading | DriverError | Progress | Ready | SlotRegistered | SlotRefused | ProfileShared
else:
    Action = object
    Output = object


def as_error(exc: DecodeError) -> MalformedFrame:
    """A decoder's ``DecodeError`` as the matching typed driver error."""
    reason = exc.reason
    if isinstance(exc, Implausible):
        return ImplausibleValue(reason)
    if "checksum" in reason:
        return ChecksumError(reason)
    if "impossible" in reason:
        return ImplausibleValue(reason)
    if "opcode" in reason or "op code" in reason:
        return UnexpectedOpcode(reason)
    return MalformedFrame(reason)


# ----- the driver ---------------------------------------------------------------------------------------------
def hint_confidence(cls: type[Driver], advert: Advert) -> int:
    """The default claim: the strongest of the declared hints the advert matches (0 when none does)."""
    best = NO
    if cls.company_ids and not advert.manufacturer_data.keys().isdisjoint(cls.company_ids):
        best = COMPANY
    if cls.service_data and not advert.service_data.keys().isdisjoint(cls.service_data):
        best = max(best, SERVICE_DATA)
    if cls.names and advert.name and advert.upper_name.startswith(cls.names):
        best = max(best, NAME)
    if best < SERVICE and cls.services:
        hit = advert.service_uuids.intersection(cls.services)
        if hit:
            best = max(best, GENERIC_SERVICE if hit <= SHARED_SERVICES else SERVICE)
    return best


class Driver:
    """One scale family. Subclass, fill in the metadata, override the events you need (all default to ``[]``)."""

    # --- metadata (class level; shown by ``companion ble drivers`` and the README table) ---
    id: ClassVar[str] = ""  # stable identifier, stored with paired scales
    family: ClassVar[str] = ""  # human name of the family (brand names: untranslated)
    devices: ClassVar[tuple[str, ...]] = ()  # models known to speak it
    link: ClassVar[Link] = "gatt"
    measures: ClassVar[tuple[str, ...]] = ("weight_kg",)  # Reading fields the family can report
    handshake: ClassVar[bool] = False  # needs writes before it sends readings
    needs_key: ClassVar[bool] = False  # needs a per-device bind key (``DriverConfig.bind_key``)
    needs_profile: ClassVar[bool] = False  # wants height / age / sex written to the scale
    user_slots: ClassVar[bool] = False  # keeps per-user slots on the scale (UDS-style consent codes)
    emulated: ClassVar[bool] = False  # an emulated device in companion.ble.emulator covers this family
    #: Stable weights are followed by an impedance measurement worth waiting a few seconds for.
    waits_for_impedance: ClassVar[bool] = False
    #: Readings arrive as a weight followed by a separate composition packet (SIG WSS + BCS). A driver may
    #: change it on the instance in ``connected`` (e.g. when discovery finds no composition characteristic).
    expects_composition: bool = False
    #: Sources cited for the protocol facts (repository, path, commit).
    sources: ClassVar[tuple[str, ...]] = ()

    # --- claiming hints ---
    names: ClassVar[tuple[str, ...]] = ()  # upper-case local-name prefixes
    services: ClassVar[tuple[str, ...]] = ()  # advertised service UUIDs (normalised keys)
    service_data: ClassVar[tuple[str, ...]] = ()  # service-data UUIDs (normalised keys)
    company_ids: ClassVar[tuple[int, ...]] = ()  # manufacturer-data company ids
    claims_any: ClassVar[bool] = False  # ask claim() about every advert (slow: avoid)

    def __init__(self, config: DriverConfig) -> None:
        self.config = config

    @classmethod
    def claim(cls, advert: Advert) -> int:
        """How sure this family is that ``advert`` is one of its scales: 0 (no) .. 100 (certain)."""
        return hint_confidence(cls, advert)

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        """Decode one payload statelessly for ``companion ble decode --driver``.

        ``source`` is ``"characteristic"``, ``"service-data"`` or ``"manufacturer-data"``; ``key`` the
        normalised UUID or the company id as decimal text. Raise ``DecodeError`` for anything undecodable.
        """
        raise DecodeError(f"the {cls.id} driver cannot decode single payloads")

    # --- events (GATT drivers) ---
    def connected(self, gatt: Gatt) -> list[Output]:
        """The link is up and services are discovered: subscribe, start the handshake."""
        return []

    def notification(self, char: str, data: bytes) -> list[Output]:
        """A notification or indication arrived on ``char``."""
        return []

    def read_result(self, char: str, data: bytes) -> list[Output]:
        """The value of a :class:`Read` the driver asked for."""
        return []

    def write_done(self, char: str) -> list[Output]:
        """A :class:`Write` the driver asked for went through."""
        return []

    def timeout(self, name: str) -> list[Output]:
        """A :class:`SetTimer` timer fired."""
        return []

    def disconnected(self) -> list[Output]:
        """The scale dropped the link (the executor drops half-received readings itself)."""
        return []

    # --- events (broadcast drivers, and GATT drivers that read their adverts) ---
    def advert(self, advert: Advert) -> list[Output]:
        """An advertisement from this scale (broadcast drivers decode readings from it)."""
        return []
