"""The only bleak adapter: one generic executor of any scale driver, shared by the TUI and the CLI.

Scan -> ``companion.ble.drivers.classify`` -> connect (GATT drivers) or keep listening (broadcast drivers) ->
feed the driver its events and carry out the actions it returns -> readings through the assembler to
``companion.ble.intake.Recorder``. Nothing here knows a scale family: the conversations (handshakes, user
slots, clocks) are the drivers' (``companion/ble/drivers``). ``COMPANION_BLE=emulated`` swaps in the Bumble
backend (``companion.ble.emulator.backend``); nothing else changes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakDeviceNotFoundError, BleakError

from companion.ble import drivers
from companion.ble.assembly import ReadingAssembler
from companion.ble.drivers.base import (
    Advert,
    CancelTimer,
    Disconnect,
    Driver,
    DriverConfig,
    DriverError,
    Gatt,
    InternalError,
    ProfileShared,
    Progress,
    Read,
    Ready,
    SetTimer,
    SlotRefused,
    SlotRegistered,
    Subscribe,
    UserProfile,
    UserSlot,
    Write,
    full_uuid,
    uuid_key,
)
from companion.ble.drivers.base import ConsentRefused as DriverConsentRefused
from companion.ble.drivers.base import WrongKey as DriverWrongKey
from companion.ble.intake import Recorded, Recorder
from companion.ble.protocols import Reading, ScaleKind
from companion.i18n import _

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.store import Store
    from companion.store.ble import PairedScale

log = logging.getLogger("companion.ble")

#: The longest a driver's set-up (handshake, user selection) may take before the executor gives up.
SETUP_TIMEOUT_S = 30.0


# ----- errors the user sees --------------------------------------------------------------------------------
class ScaleError(Exception):
    """A problem with the scale or the Bluetooth adapter, with a message that says what to do."""


class NoAdapter(ScaleError):
    pass


class ScaleNotFound(ScaleError):
    pass


class ScaleAsleep(ScaleError):
    pass


class ConnectionLost(ScaleError):
    pass


class MeasurementTimeout(ScaleError):
    pass


class ScaleRefused(ScaleError):
    """The driver ended the session: a failed handshake, a wrong key, a refused consent (``error`` says which)."""

    def __init__(self, error: DriverError) -> None:
        super().__init__(error.message)
        self.error = error


class ConsentRefused(ScaleRefused):
    pass


class WrongKey(ScaleRefused):
    pass


def _refusal(error: DriverError) -> ScaleRefused:
    if isinstance(error, DriverConsentRefused):
        return ConsentRefused(error)
    if isinstance(error, DriverWrongKey):
        return WrongKey(error)
    return ScaleRefused(error)


def no_adapter_message(detail: str = "") -> str:
    text = _(
        "No usable Bluetooth adapter: it is missing, switched off, or Companion may not use it. Switch "
        "Bluetooth on (on Linux your user may need to be in the 'bluetooth' group), or try the emulated "
        "scale: run with COMPANION_BLE=emulated."
    )
    return f"{text} ({detail})" if detail else text


def emulated() -> bool:
    return os.environ.get("COMPANION_BLE", "").strip().lower() == "emulated"


def scanner_kwargs() -> dict[str, Any]:
    if emulated():
        from companion.ble.emulator.backend import BumbleScanner

        return {"backend": BumbleScanner}
    return {}


def client_kwargs() -> dict[str, Any]:
    if emulated():
        from companion.ble.emulator.backend import BumbleClient

        return {"backend": BumbleClient}
    return {}


# ----- scanning -----------------------------------------------------------------------------------------
def advert_of(device: BLEDevice, advert: AdvertisementData) -> Advert:
    """bleak's advertisement as the drivers' normalised ``Advert``."""
    return Advert.of(
        advert.local_name or device.name,
        advert.service_uuids,
        advert.manufacturer_data,
        advert.service_data,
        device.address,
        advert.rssi,
    )


@dataclass
class FoundScale:
    address: str
    name: str | None
    rssi: int
    driver: type[Driver]
    last_advert: Advert | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name or self.address

    @property
    def kind(self) -> ScaleKind:
        """The driver's id, link and family name (the shape callers knew before drivers)."""
        return ScaleKind(self.driver.id, self.driver.link, self.driver.family)


async def scan(timeout: float = 4.0, *, until: Callable[[FoundScale], bool] | None = None) -> list[FoundScale]:
    """Nearby scales (anything a driver claims), strongest signal first."""
    found: dict[str, FoundScale] = {}
    done = asyncio.Event()

    def seen(device: BLEDevice, advert: AdvertisementData) -> None:
        normalised = advert_of(device, advert)
        driver = drivers.classify(normalised)
        if driver is None:
            return
        item = FoundScale(device.address, normalised.name, advert.rssi, driver, normalised)
        found[device.address] = item
        if until is not None and until(item):
            done.set()

    try:
        async with BleakScanner(seen, **scanner_kwargs()):
            try:
                await asyncio.wait_for(done.wait(), timeout)
            except TimeoutError:
                pass
    except (BleakError, OSError) as exc:
        raise NoAdapter(no_adapter_message(str(exc))) from None
    return sorted(found.values(), key=lambda f: -f.rssi)


# ----- one GATT connection -----------------------------------------------------------------------------
def _lost_message(exc: BaseException) -> str:
    return _("The connection to the scale was lost: {detail}").format(detail=str(exc))


class GattLink:
    """One bleak connection: discovery, subscriptions, reads and writes. It knows no scale family."""

    def __init__(
        self,
        address: str,
        on_notification: Callable[[str, bytes], None],
        on_lost: Callable[[], None],
    ) -> None:
        self.address = address
        self._on_notification = on_notification
        self._on_lost = on_lost
        self._client: BleakClient | None = None
        self._closing = False

    async def open(self, timeout: float = 10.0) -> Gatt:
        client = BleakClient(self.address, disconnected_callback=self._lost, timeout=timeout, **client_kwargs())
        try:
            await client.connect()
        except BleakDeviceNotFoundError:
            raise ScaleAsleep(
                _("The scale did not answer. It may be asleep or out of range: step on it to wake it and try again.")
            ) from None
        except TimeoutError:
            raise ScaleAsleep(_("Connecting to the scale timed out. Step on it to wake it and try again.")) from None
        except (BleakError, OSError) as exc:
            raise ConnectionLost(_("Could not connect to the scale: {detail}").format(detail=str(exc))) from None
        self._client = client
        return Gatt(
            frozenset(uuid_key(s.uuid) for s in client.services),
            frozenset(uuid_key(c.uuid) for c in client.services.characteristics.values()),
        )

    def _lost(self, _client: BleakClient) -> None:
        if not self._closing:
            self._on_lost()

    def _notified(self, characteristic: Any, data: bytearray) -> None:
        self._on_notification(uuid_key(characteristic.uuid), bytes(data))

    def _require(self) -> BleakClient:
        if self._client is None:
            raise ConnectionLost(_("The scale disconnected."))
        return self._client

    async def subscribe(self, char: str) -> None:
        try:
            await self._require().start_notify(full_uuid(char), self._notified)
        except (BleakError, OSError) as exc:
            raise ConnectionLost(_lost_message(exc)) from None

    async def write(self, char: str, data: bytes, *, response: bool = True) -> None:
        try:
            await self._require().write_gatt_char(full_uuid(char), data, response=response)
        except (BleakError, OSError) as exc:
            raise ConnectionLost(_lost_message(exc)) from None

    async def read(self, char: str) -> bytes:
        try:
            return bytes(await self._require().read_gatt_char(full_uuid(char)))
        except (BleakError, OSError) as exc:
            raise ConnectionLost(_lost_message(exc)) from None

    async def close(self) -> None:
        self._closing = True
        if self._client is not None:
            try:
                await self._client.disconnect()
            except (BleakError, OSError):
                pass
            self._client = None


# ----- events the UI and CLI follow -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScaleEvent:
    kind: str  # status | live | stored | duplicate | rejected | not-allowed | lost
    text: str = ""
    reading: Reading | None = None
    recorded: Recorded | None = None
    address: str | None = None
    at: float = field(default_factory=time.perf_counter)


EventSink = Callable[[ScaleEvent], None]


class _ReadingPipe:
    """decoded packets -> assembler -> recorder -> events, for one scale."""

    def __init__(self, store: Store, address: str, sink: EventSink, driver: type[Driver]) -> None:
        self.store = store
        self.address = address
        self.sink = sink
        self.assembler = ReadingAssembler(
            expects_composition=driver.expects_composition, waits_for_impedance=driver.waits_for_impedance
        )
        self.recorder = Recorder(store)

    def reading(self, reading: Reading) -> None:
        if reading.weight_kg:
            self.sink(ScaleEvent("live", reading=reading, address=self.address))
        complete = self.assembler.feed(reading, time.monotonic())
        if complete is not None:
            self.commit(complete)

    def poll(self) -> None:
        complete = self.assembler.poll(time.monotonic())
        if complete is not None:
            self.commit(complete)

    def commit(self, reading: Reading) -> None:
        recorded = self.recorder.record(self.address, reading)
        self.sink(
            ScaleEvent(
                recorded.status,
                text=recorded.message,
                reading=reading,
                recorded=recorded,
                address=self.address,
            )
        )

    def bad_packet(self, source: str, payload: bytes, reason: str) -> None:
        from companion.store.ble import BleRepository

        BleRepository(self.store).log_decode_error(self.address, source, payload, reason)
        log.info("undecodable packet from %s (%s): %s", self.address, source, reason)
        self.sink(
            ScaleEvent(
                "rejected",
                text=_("Ignored a bad packet from the scale: {reason}").format(reason=reason),
                address=self.address,
            )
        )


# ----- the executor -----------------------------------------------------------------------------------------
_Event = tuple[str, tuple[Any, ...], str, bytes]  # driver method, its arguments, source, payload (for logs)


class DriverRun:
    """Runs one driver instance: feeds it events one at a time and carries out what it answers.

    GATT drivers get a ``GattLink`` (``open``); broadcast drivers get ``feed_advert``. Readings go to the
    pipe, bookkeeping (user slots, audit) to the store, progress lines to ``say``. A fatal driver error or a
    lost link ends the run: ``failure`` says why and the pipe's half-received parts are dropped.
    """

    def __init__(
        self,
        driver: Driver,
        pipe: _ReadingPipe,
        *,
        say: Callable[[str], None] | None = None,
        profile: Profile | None = None,
    ) -> None:
        self.driver = driver
        self.pipe = pipe
        self.store = pipe.store
        self.address = pipe.address
        self.say = say or (lambda _text: None)
        self.profile = profile
        self.link: GattLink | None = None
        self.ready: Ready | None = None
        self.failure: ScaleError | None = None
        self.lost = False
        self.ended = False  # the driver asked to disconnect
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[_Event | None] = asyncio.Queue()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._task: asyncio.Task[None] | None = None

    # --- GATT ---
    async def open(self, timeout: float = 10.0) -> None:
        self.link = GattLink(self.address, self._notified, self._lost)
        gatt = await self.link.open(timeout)
        self._task = asyncio.get_running_loop().create_task(self._loop())
        self._post("connected", (gatt,))

    def _notified(self, char: str, data: bytes) -> None:
        self._post("notification", (char, data), char, data)

    def _lost(self) -> None:
        self.lost = True
        self._post("disconnected", ())
        self._changed.set()

    def _post(self, method: str, args: tuple[Any, ...], source: str = "", payload: bytes = b"") -> None:
        self._queue.put_nowait((method, args, source, payload))

    def _call(self, method: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return list(getattr(self.driver, method)(*args))
        except Exception:  # a driver bug must not take the worker down with it
            log.exception("driver %s failed on %s", type(self.driver).__name__, method)
            return [InternalError(f"driver raised on {method}")]

    async def _loop(self) -> None:
        try:
            while self.failure is None and not self.ended:
                event = await self._queue.get()
                if event is None:
                    return
                method, args, source, payload = event
                outputs = self._call(method, args)
                if method == "connected":
                    self.pipe.assembler.expects_composition = self.driver.expects_composition
                await self._apply(outputs, source, payload)
        except ScaleError as exc:
            self._fail(exc)

    def _fail(self, exc: ScaleError) -> None:
        if self.failure is None:
            self.failure = exc
            self.pipe.assembler.reset()
        self._changed.set()

    async def _apply(self, outputs: list[Any], source: str, payload: bytes) -> None:
        link = self.link
        for out in outputs:
            if self.failure is not None:
                return
            if isinstance(out, Write) and link is not None:
                await link.write(out.char, out.data, response=out.with_response)
                self._post("write_done", (out.char,))
            elif isinstance(out, Subscribe) and link is not None:
                await link.subscribe(out.char)
            elif isinstance(out, Read) and link is not None:
                data = await link.read(out.char)
                self._post("read_result", (out.char, data), out.char, data)
            elif isinstance(out, SetTimer):
                self._set_timer(out.name, out.seconds)
            elif isinstance(out, CancelTimer):
                timer = self._timers.pop(out.name, None)
                if timer is not None:
                    timer.cancel()
            elif isinstance(out, Disconnect):
                # The driver is done with the scale (e.g. its history is read): a normal end, not a failure.
                self.ended = True
                self._changed.set()
                return
            else:
                self._bookkeep(out, source, payload)

    def _set_timer(self, name: str, seconds: float) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self._timers[name] = loop.call_later(seconds, self._post, "timeout", (name,))

    def _bookkeep(self, out: Any, source: str, payload: bytes) -> None:
        """Everything that is not an action: readings, errors, progress, slots, audit."""
        from companion.store.ble import BleRepository

        if isinstance(out, Reading):
            self.pipe.reading(out)
        elif isinstance(out, DriverError):
            if out.fatal:
                self._fail(_refusal(out))
            else:
                self.pipe.bad_packet(source or "?", payload, out.message)
        elif isinstance(out, Progress):
            self.say(out.text)
        elif isinstance(out, Ready):
            self.ready = out
            self._changed.set()
        elif isinstance(out, SlotRegistered):
            if self.profile is None:
                log.info("slot %d registered outside pairing: not remembered", out.user_index)
                return
            # Device, slot (with its consent code) and the profile's user index: one transaction.
            BleRepository(self.store).remember_user_slot(
                self.address,
                self.driver.config.name,
                type(self.driver).id,
                out.user_index,
                out.consent_code,
                self.profile,
            )
        elif isinstance(out, SlotRefused):
            BleRepository(self.store).forget_slot(self.address, out.user_index)
        elif isinstance(out, ProfileShared):
            self.store.audit.record("share", f"scale {self.address}", out.what)
        else:
            log.info("driver %s: %r ignored here", type(self.driver).id, out)

    async def until_ready(self, timeout: float = SETUP_TIMEOUT_S) -> Ready:
        """Wait for the driver's ``Ready``; raise what went wrong instead (nothing half-stored)."""
        deadline = time.monotonic() + timeout
        while self.ready is None:
            if self.lost or self.ended:  # first: a failed write is usually the consequence of the lost link
                self.pipe.assembler.reset()
                raise ConnectionLost(_("The scale disconnected during set-up; nothing was stored."))
            if self.failure is not None:
                raise self.failure
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.pipe.assembler.reset()
                raise MeasurementTimeout(_("The scale did not finish setting up in time."))
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))
            except TimeoutError:
                pass
        return self.ready

    async def until_finished(self) -> None:
        """Wait until the link is lost or the driver ends the session."""
        while not self.lost and not self.ended and self.failure is None:
            self._changed.clear()
            await self._changed.wait()

    async def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._task is not None:
            self._queue.put_nowait(None)
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self.link is not None:
            await self.link.close()

    # --- broadcast ---
    def feed_advert(self, advert: Advert) -> None:
        if self.failure is not None:  # a refused key: this scale is not listened to until paired again
            return
        source, payload = _advert_payload(advert)
        self._broadcast_outputs(self._call("advert", (advert,)), source, payload)

    def _broadcast_outputs(self, outputs: list[Any], source: str, payload: bytes) -> None:
        for out in outputs:
            if isinstance(out, SetTimer):  # broadcast drivers wait too (a closing packet, an impedance)
                old = self._timers.pop(out.name, None)
                if old is not None:
                    old.cancel()
                loop = asyncio.get_running_loop()
                self._timers[out.name] = loop.call_later(out.seconds, self._broadcast_timeout, out.name)
            elif isinstance(out, CancelTimer):
                timer = self._timers.pop(out.name, None)
                if timer is not None:
                    timer.cancel()
            elif isinstance(out, DriverError | Reading | Progress | Ready):
                failed = self.failure
                self._bookkeep(out, source, payload)
                if failed is None and self.failure is not None and self.driver.config.mode != "pair":
                    self.say(str(self.failure))  # listening: nobody awaits this run, so say it (once)

    def _broadcast_timeout(self, name: str) -> None:
        self._timers.pop(name, None)
        if self.failure is None:
            self._broadcast_outputs(self._call("timeout", (name,)), "timer", b"")


def _advert_payload(advert: Advert) -> tuple[str, bytes]:
    for uuid, data in advert.service_data.items():
        return uuid, data
    for company, data in advert.manufacturer_data.items():
        return f"0x{company:04x}", data
    return "advert", b""


def _user_profile(profile: Profile) -> UserProfile:
    return UserProfile(profile.height_cm, profile.birth_date, profile.sex.value)


# ----- pairing ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PairOutcome:
    scale: PairedScale
    user_index: int | None
    registered: bool
    first: Recorded | None


async def pair(
    store: Store,
    found: FoundScale,
    profile: Profile,
    *,
    progress: Callable[[str], None] | None = None,
    first_reading_timeout: float = 0.0,
    rng: random.Random | None = None,
    on_event: EventSink | None = None,
    bind_key: bytes | None = None,
) -> PairOutcome:
    """Connect, let the driver set the scale up (handshake, user slot, clock), optionally wait for a first
    reading, remember it. ``bind_key``: the per-device key of scales whose driver ``needs_key``."""
    from companion.store.ble import BleRepository

    say = progress or (lambda _text: None)
    repo = BleRepository(store)
    assert profile.id is not None
    events: asyncio.Queue[ScaleEvent] = asyncio.Queue()

    def sink(event: ScaleEvent) -> None:
        events.put_nowait(event)
        if on_event is not None:
            on_event(event)

    cls = found.driver
    pipe = _ReadingPipe(store, found.address, sink, cls)
    if cls.link == "broadcast" and cls.needs_key:
        return await _pair_with_key(store, found, pipe, events, say, bind_key, first_reading_timeout)
    if cls.link == "broadcast":
        scale = repo.remember(found.address, found.name, cls.id, "broadcast")
        say(_("This scale only broadcasts; nothing to set up. Step on it to weigh yourself."))
        first = await _first_reading_broadcast(pipe, events, found, first_reading_timeout)
        return PairOutcome(scale, None, False, first)
    slot = repo.slot_for_profile(found.address, profile.id)
    config = DriverConfig(
        now=store.clock.now().astimezone(),
        mode="pair",
        address=found.address,
        name=found.name,
        # The scale needs birth date, sex and height for its own body-composition estimate.
        profile=_user_profile(profile) if store.consents.is_granted("health-data") else None,
        slots=(UserSlot(slot.user_index, slot.consent_code, active=True),) if slot is not None else (),
        new_consent_code=(rng or random.SystemRandom()).randint(0, MAX_CONSENT_CODE),
    )
    run = DriverRun(cls(config), pipe, say=say, profile=profile)
    say(_("Connecting to {name}...").format(name=found.label))
    try:
        await run.open()
        ready = await run.until_ready()
        scale = repo.remember(found.address, found.name, cls.id, "gatt")
        first = None
        if first_reading_timeout > 0:
            say(_("Step on the scale for a first reading..."))
            first = await _wait_recorded(events, first_reading_timeout, run, pipe)
        return PairOutcome(scale, ready.user_index, ready.registered, first)
    finally:
        await run.close()


#: UDS consent codes are 0..9999 (UDS 1.0 section 3.5); other drivers use the code as they see fit.
MAX_CONSENT_CODE = 9999


async def _wait_recorded(
    events: asyncio.Queue[ScaleEvent], timeout: float, run: DriverRun | None, pipe: _ReadingPipe
) -> Recorded | None:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if run is not None and run.failure is not None:
            raise run.failure
        if run is not None and run.ended:  # the driver is done with the scale: what it sent is all there is
            while not events.empty():
                event = events.get_nowait()
                if event.recorded is not None:
                    return event.recorded
            return None
        if run is not None and run.lost:
            pipe.assembler.reset()
            raise ConnectionLost(_("The scale disconnected before the reading was complete; nothing was stored."))
        try:
            event = await asyncio.wait_for(events.get(), min(remaining, 0.25))
        except TimeoutError:
            pipe.poll()
            continue
        if event.recorded is not None:
            return event.recorded


#: How long pairing waits for an encrypted advert that proves (or disproves) the bind key.
KEY_CHECK_TIMEOUT_S = 60.0


async def _pair_with_key(
    store: Store,
    found: FoundScale,
    pipe: _ReadingPipe,
    events: asyncio.Queue[ScaleEvent],
    say: Callable[[str], None],
    bind_key: bytes | None,
    first_reading_timeout: float,
) -> PairOutcome:
    """An encrypted broadcast scale: the key must decrypt one of its adverts before anything is stored; then
    device and key are saved together (``companion.ble.keys``: OS keyring or the encrypted store)."""
    from companion.ble import keys

    if bind_key is None:
        raise WrongKey(DriverWrongKey("no bind key given", _("This scale needs its bind key to be paired.")))
    config = DriverConfig(
        now=store.clock.now().astimezone(), mode="pair", address=found.address, name=found.name, bind_key=bind_key
    )
    run = DriverRun(found.driver(config), pipe, say=say)
    say(_("Step on the scale: its next advert checks the bind key..."))
    try:
        async with BroadcastListener({found.address: run}):
            await run.until_ready(KEY_CHECK_TIMEOUT_S)
            scale = keys.remember_scale_with_key(
                store, found.address, found.name, found.driver.id, "broadcast", bind_key
            )
            first = None
            if first_reading_timeout > 0:
                first = await _wait_recorded(events, first_reading_timeout, run, pipe)
        return PairOutcome(scale, None, False, first)
    except MeasurementTimeout:
        raise MeasurementTimeout(
            _(
                "No encrypted advert from the scale yet, so the bind key could not be checked. Step on the "
                "scale and try again."
            )
        ) from None
    finally:
        await run.close()


async def _first_reading_broadcast(
    pipe: _ReadingPipe, events: asyncio.Queue[ScaleEvent], found: FoundScale, timeout: float
) -> Recorded | None:
    if timeout <= 0:
        return None
    config = DriverConfig(now=pipe.store.clock.now().astimezone(), mode="pair", address=found.address)
    listener = BroadcastListener({found.address: DriverRun(found.driver(config), pipe)})
    async with listener:
        return await _wait_recorded(events, timeout, None, pipe)


# ----- listening ------------------------------------------------------------------------------------------
class BroadcastListener:
    """Feeds advertisements of paired broadcast scales to their drivers."""

    def __init__(
        self,
        runs: dict[str, DriverRun],
        on_seen: Callable[[str, AdvertisementData], None] | None = None,
    ) -> None:
        self.runs = runs
        self.on_seen = on_seen
        self._scanner: BleakScanner | None = None

    def _advert(self, device: BLEDevice, advert: AdvertisementData) -> None:
        if self.on_seen is not None:
            self.on_seen(device.address, advert)
        run = self.runs.get(device.address)
        if run is not None:
            run.feed_advert(advert_of(device, advert))

    async def __aenter__(self) -> BroadcastListener:
        try:
            self._scanner = BleakScanner(self._advert, **scanner_kwargs())
            await self._scanner.start()
        except (BleakError, OSError) as exc:
            raise NoAdapter(no_adapter_message(str(exc))) from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._scanner is not None:
            try:
                await self._scanner.stop()
            except (BleakError, OSError):
                pass


class LiveListener:
    """Listens to every paired scale until cancelled: adverts for broadcast scales, a GATT link otherwise.

    GATT scales are connected when their advertisement is seen (they advertise when someone steps on), then
    their driver sets them up with what the store knows (user slots of every household member, so a
    multi-user scale hands over each user's stored history). A scale whose driver fails is reported and the
    others keep being listened to.
    """

    def __init__(self, store: Store, sink: EventSink, *, reconnect_delay: float = 1.0) -> None:
        self.store = store
        self.sink = sink
        self.reconnect_delay = reconnect_delay
        self._links: dict[str, asyncio.Task[None]] = {}
        self.refused: set[str] = set()  # refused our consent code or key: wait for a new pairing

    async def run(self) -> None:
        from companion.store.ble import BleRepository

        repo = BleRepository(self.store)
        scales = repo.paired()
        if not scales:
            self.sink(ScaleEvent("status", _("No scale paired yet.")))
            return
        known: dict[str, tuple[PairedScale, type[Driver]]] = {}
        for scale in scales:
            driver = drivers.get(scale.protocol)
            if driver is None:  # paired by a newer Companion, or a family that was withdrawn
                log.warning("no driver %r for %s", scale.protocol, scale.address)
                text = _("Companion has no driver for {name} ({driver}); pair it again on the Pair screen.")
                self.sink(
                    ScaleEvent(
                        "status",
                        text.format(name=scale.name or scale.address, driver=scale.protocol),
                        address=scale.address,
                    )
                )
                continue
            known[scale.address] = (scale, driver)
        pipes = {a: _ReadingPipe(self.store, a, self.sink, d) for a, (_s, d) in known.items()}
        gatt = {a: s for a, (s, d) in known.items() if d.link == "gatt"}
        now = self.store.clock.now().astimezone()
        runs = {
            a: DriverRun(
                d(DriverConfig(now=now, address=a, name=s.name, bind_key=self._key(s, d))),
                pipes[a],
                say=self._status_for(a),
            )
            for a, (s, d) in known.items()
            if d.link == "broadcast"
        }

        def seen(address: str, advert: AdvertisementData) -> None:
            scale = gatt.get(address)
            if scale is None or address in self.refused:
                return
            task = self._links.get(address)
            if task is None or task.done():
                self._links[address] = asyncio.get_running_loop().create_task(
                    self._gatt(scale, known[address][1], pipes[address])
                )

        listener = BroadcastListener(runs, on_seen=seen)
        self.sink(ScaleEvent("status", _("Listening for your scale...")))
        try:
            async with listener:
                while True:
                    await asyncio.sleep(0.25)
                    for pipe in pipes.values():
                        pipe.poll()
        finally:
            for task in self._links.values():
                task.cancel()

    def _status_for(self, address: str) -> Callable[[str], None]:
        """Progress and failures of one broadcast scale as status events (a refused key says so once)."""

        def say(text: str) -> None:
            self.sink(ScaleEvent("status", text, address=address))

        return say

    def _key(self, scale: PairedScale, driver: type[Driver]) -> bytes | None:
        if not driver.needs_key:
            return None
        from companion.ble import keys

        return keys.bind_key(self.store, scale.address)

    def _config(self, scale: PairedScale) -> DriverConfig:
        from companion.store.ble import BleRepository

        active = self.store.profiles.active()
        slots = tuple(
            UserSlot(s.user_index, s.consent_code, active=active is not None and s.profile_id == active.id)
            for s in BleRepository(self.store).slots(scale.address)
        )
        return DriverConfig(
            now=self.store.clock.now().astimezone(),
            mode="listen",
            address=scale.address,
            name=scale.name,
            slots=slots,
        )

    async def _gatt(self, scale: PairedScale, driver: type[Driver], pipe: _ReadingPipe) -> None:
        from companion.store.ble import BleRepository

        run = DriverRun(driver(self._config(scale)), pipe)
        try:
            await run.open()
        except ScaleError as exc:
            self.sink(ScaleEvent("status", str(exc), address=scale.address))
            await asyncio.sleep(self.reconnect_delay)
            return
        try:
            try:
                await run.until_ready()
            except (ConsentRefused, WrongKey) as exc:
                self.refused.add(scale.address)
                self.sink(ScaleEvent("status", str(exc), address=scale.address))
                return
            self.sink(
                ScaleEvent(
                    "status",
                    _("Connected to {name}.").format(name=scale.name or scale.address),
                    address=scale.address,
                )
            )
            BleRepository(self.store).touch(scale.address)
            await run.until_finished()
            if not run.ended:  # a lost link may leave parts behind: drop them (a driver's goodbye does not)
                pipe.assembler.reset()
            if run.failure is not None:
                self.sink(ScaleEvent("lost", str(run.failure), address=scale.address))
            else:
                self.sink(ScaleEvent("lost", _("The scale disconnected."), address=scale.address))
        except ScaleError as exc:
            pipe.assembler.reset()
            self.sink(ScaleEvent("lost", str(exc), address=scale.address))
        finally:
            await run.close()
            await asyncio.sleep(self.reconnect_delay)


async def measure_once(store: Store, timeout: float = 60.0, on_event: EventSink | None = None) -> Recorded:
    """Listen until one reading is stored (or refused), for ``companion measure``."""
    result: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()

    def sink(event: ScaleEvent) -> None:
        if on_event is not None:
            on_event(event)
        if event.recorded is not None and event.recorded.status != "duplicate" and not result.done():
            result.set_result(event.recorded)

    listener = LiveListener(store, sink)
    task = asyncio.get_running_loop().create_task(listener.run())
    try:
        waiting: set[asyncio.Future[Any]] = {task, result}
        done, _pending = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if result.done():
            return result.result()
        if task in done:
            task.result()  # re-raise NoAdapter and friends
            raise ScaleNotFound(_("No scale is paired yet; run `companion pair` first."))
        raise MeasurementTimeout(
            _("No reading within {seconds} seconds. Step on the scale and try again.").format(seconds=int(timeout))
        )
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
