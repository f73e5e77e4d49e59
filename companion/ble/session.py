"""The only bleak adapter: scanning, pairing and live listening, shared by the TUI and the CLI.

Everything protocol-specific is in ``companion.ble.protocols`` (pure); this module moves bytes between
bleak and those decoders, keeps the UDS conversation (register / consent / clock) and hands complete
readings to ``companion.ble.intake.Recorder``. ``COMPANION_BLE=emulated`` swaps in the Bumble backend
(``companion.ble.emulator.backend``); nothing else changes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakDeviceNotFoundError, BleakError

from companion.ble.assembly import ReadingAssembler
from companion.ble.intake import Recorded, Recorder
from companion.ble.protocols import (
    KINDS,
    DecodeError,
    Reading,
    ScaleKind,
    decode_characteristic,
    decode_service_data,
    identify_scale,
    normalize_uuid,
    qn,
    sig,
)
from companion.i18n import _

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.store import Store
    from companion.store.ble import PairedScale

log = logging.getLogger("companion.ble")


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


class ConsentRefused(ScaleError):
    pass


class MeasurementTimeout(ScaleError):
    pass


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
@dataclass
class FoundScale:
    address: str
    name: str | None
    rssi: int
    kind: ScaleKind
    last_advert: AdvertisementData | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name or self.address


def _kind_of(advert: AdvertisementData) -> ScaleKind | None:
    return identify_scale(
        advert.local_name, advert.service_uuids, advert.service_data, advert.manufacturer_data
    )


async def scan(
    timeout: float = 4.0, *, until: Callable[[FoundScale], bool] | None = None
) -> list[FoundScale]:
    """Nearby scales (anything we can identify), strongest signal first."""
    found: dict[str, FoundScale] = {}
    done = asyncio.Event()

    def seen(device: BLEDevice, advert: AdvertisementData) -> None:
        kind = _kind_of(advert)
        if kind is None:
            return
        item = FoundScale(device.address, advert.local_name or device.name, advert.rssi, kind, advert)
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
class GattLink:
    """A connected GATT scale: subscriptions, decoding, the UDS control point and the clock."""

    def __init__(
        self,
        address: str,
        kind: ScaleKind,
        on_reading: Callable[[Reading], None],
        on_bad_packet: Callable[[str, bytes, str], None],
        on_lost: Callable[[], None],
    ) -> None:
        self.address = address
        self.kind = kind
        self._on_reading = on_reading
        self._on_bad_packet = on_bad_packet
        self._on_lost = on_lost
        self._ucp: asyncio.Queue[sig.ControlPointResponse] = asyncio.Queue()
        self._client: BleakClient | None = None
        self._qn: qn.QNSession | None = None
        self._closing = False
        self.has_uds = False
        self.has_bcs = False

    async def open(self, timeout: float = 10.0) -> None:
        client = BleakClient(
            self.address, disconnected_callback=self._lost, timeout=timeout, **client_kwargs()
        )
        try:
            await client.connect()
        except BleakDeviceNotFoundError:
            raise ScaleAsleep(
                _(
                    "The scale did not answer. It may be asleep or out of range: step on it to wake it "
                    "and try again."
                )
            ) from None
        except TimeoutError:
            raise ScaleAsleep(
                _("Connecting to the scale timed out. Step on it to wake it and try again.")
            ) from None
        except (BleakError, OSError) as exc:
            raise ConnectionLost(
                _("Could not connect to the scale: {detail}").format(detail=str(exc))
            ) from None
        self._client = client
        uuids = {normalize_uuid(c.uuid) for c in client.services.characteristics.values()}
        self.has_uds = "2a9f" in uuids
        self.has_bcs = "2a9c" in uuids
        for short in ("2a9d", "2a9c", "2a9f", "fff1", "ffe1"):
            if short in uuids:
                await client.start_notify(sig.full_uuid(int(short, 16)), self._notified)

    def _lost(self, _client: BleakClient) -> None:
        if not self._closing:
            self._on_lost()

    def _notified(self, characteristic: Any, data: bytearray) -> None:
        short = normalize_uuid(characteristic.uuid)
        payload = bytes(data)
        try:
            if short == "2a9f":
                self._ucp.put_nowait(sig.decode_control_point_response(payload))
                return
            if short in ("fff1", "ffe1") and self.kind.protocol == qn.PROTOCOL:
                if self._qn is None:
                    self._qn = qn.QNSession(now=datetime.now().astimezone())
                readings, replies = self._qn.receive(payload)
                for reply in replies:
                    asyncio.get_running_loop().create_task(self._write_vendor(short, reply))
                for reading in readings:
                    self._on_reading(reading)
                return
            decoded = decode_characteristic(short, payload)
        except DecodeError as exc:
            self._on_bad_packet(short, payload, exc.reason)
            return
        if isinstance(decoded, Reading):
            self._on_reading(decoded)

    async def _write_vendor(self, notify_uuid: str, data: bytes) -> None:
        target = 0xFFF2 if notify_uuid == "fff1" else 0xFFE3
        try:
            if self._client is not None:
                await self._client.write_gatt_char(sig.full_uuid(target), data, response=False)
        except (BleakError, OSError) as exc:
            log.info("vendor handshake write failed: %s", exc)

    async def control(self, payload: bytes, timeout: float = 5.0) -> sig.ControlPointResponse:
        assert self._client is not None
        while not self._ucp.empty():
            self._ucp.get_nowait()
        try:
            await self._client.write_gatt_char(sig.full_uuid(sig.USER_CONTROL_POINT), payload, response=True)
            return await asyncio.wait_for(self._ucp.get(), timeout)
        except TimeoutError:
            raise MeasurementTimeout(_("The scale did not answer the user registration in time.")) from None
        except (BleakError, OSError) as exc:
            raise ConnectionLost(
                _("The connection to the scale was lost: {detail}").format(detail=str(exc))
            ) from None

    async def write(self, short: int, data: bytes) -> None:
        assert self._client is not None
        try:
            await self._client.write_gatt_char(sig.full_uuid(short), data, response=True)
        except (BleakError, OSError) as exc:
            raise ConnectionLost(
                _("The connection to the scale was lost: {detail}").format(detail=str(exc))
            ) from None

    async def set_clock(self, now: datetime) -> None:
        """CTS 0x2A2B, local wall-clock time (scales have no time zone), adjust reason "manual"."""
        await self.write(sig.CURRENT_TIME, sig.encode_current_time(now.replace(tzinfo=None)))

    async def register(self, consent_code: int) -> int:
        response = await self.control(sig.encode_register_new_user(consent_code))
        if response.result == sig.RESULT_FAILED:
            raise ConsentRefused(
                _("The scale has no free user slot. Delete a user on the scale and try again.")
            )
        if not response.ok or response.user_index is None:
            raise ConsentRefused(_("The scale refused to register a new user."))
        return response.user_index

    async def consent(self, user_index: int, consent_code: int) -> bool:
        """True when the scale accepted the code; False for a wrong code (UDS result 0x05 or 0x03)."""
        response = await self.control(sig.encode_consent(user_index, consent_code))
        return response.ok

    async def write_user_data(self, profile: Profile, today: datetime) -> None:
        born = profile.birth_date
        await self.write(sig.DATE_OF_BIRTH, sig.encode_date_of_birth(born.year, born.month, born.day))
        await self.write(sig.GENDER, sig.encode_gender(profile.sex.value))
        await self.write(sig.HEIGHT, sig.encode_height_cm(profile.height_cm))
        assert self._client is not None
        current = await self._client.read_gatt_char(sig.full_uuid(sig.DATABASE_CHANGE_INCREMENT))
        value = int.from_bytes(bytes(current)[:4].ljust(4, b"\0"), "little") + 1
        await self.write(sig.DATABASE_CHANGE_INCREMENT, sig.encode_database_change_increment(value))

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

    def __init__(
        self, store: Store, address: str, sink: EventSink, *, expects_composition: bool = True
    ) -> None:
        self.store = store
        self.address = address
        self.sink = sink
        self.assembler = ReadingAssembler(expects_composition=expects_composition)
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
) -> PairOutcome:
    """Connect, register or consent (UDS), set the clock, optionally wait for a first reading, remember it."""
    from companion.store.ble import BleRepository

    say = progress or (lambda _text: None)
    repo = BleRepository(store)
    assert profile.id is not None
    events: asyncio.Queue[ScaleEvent] = asyncio.Queue()

    def sink(event: ScaleEvent) -> None:
        events.put_nowait(event)
        if on_event is not None:
            on_event(event)

    pipe = _ReadingPipe(store, found.address, sink)
    user_index: int | None = None
    registered = False
    if found.kind.transport == "broadcast":
        scale = repo.remember(found.address, found.name, found.kind.protocol, "broadcast")
        say(_("This scale only broadcasts; nothing to set up. Step on it to weigh yourself."))
        first = await _first_reading_broadcast(pipe, events, found, first_reading_timeout)
        return PairOutcome(scale, None, False, first)
    lost = asyncio.Event()
    link = GattLink(found.address, found.kind, pipe.reading, pipe.bad_packet, lost.set)
    say(_("Connecting to {name}...").format(name=found.label))
    await link.open()
    try:
        pipe.assembler.expects_composition = link.has_bcs
        if link.has_uds or found.kind.protocol == "sig":
            say(_("Setting the scale's clock..."))
            await link.set_clock(store.clock.now().astimezone())
        if link.has_uds:
            slot = repo.slot_for_profile(found.address, profile.id)
            if slot is not None:
                say(_("Asking the scale for your user slot {index}...").format(index=slot.user_index + 1))
                if await link.consent(slot.user_index, slot.consent_code):
                    user_index = slot.user_index
                else:
                    say(_("The scale no longer knows your consent code; registering you again."))
                    repo.forget_slot(found.address, slot.user_index)
            if user_index is None:
                code = (rng or random.SystemRandom()).randint(0, sig.MAX_CONSENT_CODE)
                say(_("Registering you as a new user on the scale..."))
                user_index = await link.register(code)
                if not await link.consent(user_index, code):
                    raise ConsentRefused(_("The scale did not accept the new consent code."))
                if store.consents.is_granted("health-data"):
                    # The scale needs birth date, sex and height for its own body-composition estimate.
                    await link.write_user_data(profile, store.clock.now())
                    store.audit.record(
                        "share",
                        f"scale {found.address}",
                        "date of birth, sex and height written to the scale",
                    )
                registered = True
                # Device, slot (with its consent code) and the profile's user index: one transaction.
                repo.remember_user_slot(
                    found.address, found.name, found.kind.protocol, user_index, code, profile
                )
        scale = repo.remember(found.address, found.name, found.kind.protocol, "gatt")
        first = None
        if first_reading_timeout > 0:
            say(_("Step on the scale for a first reading..."))
            first = await _wait_recorded(events, first_reading_timeout, lost, pipe)
        return PairOutcome(scale, user_index, registered, first)
    finally:
        await link.close()


async def _wait_recorded(
    events: asyncio.Queue[ScaleEvent], timeout: float, lost: asyncio.Event | None, pipe: _ReadingPipe
) -> Recorded | None:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if lost is not None and lost.is_set():
            pipe.assembler.reset()
            raise ConnectionLost(
                _("The scale disconnected before the reading was complete; nothing was stored.")
            )
        try:
            event = await asyncio.wait_for(events.get(), min(remaining, 0.25))
        except TimeoutError:
            pipe.poll()
            continue
        if event.recorded is not None:
            return event.recorded


async def _first_reading_broadcast(
    pipe: _ReadingPipe, events: asyncio.Queue[ScaleEvent], found: FoundScale, timeout: float
) -> Recorded | None:
    if timeout <= 0:
        return None
    listener = BroadcastListener({found.address: found.kind.protocol}, {found.address: pipe})
    async with listener:
        return await _wait_recorded(events, timeout, None, pipe)


# ----- listening ------------------------------------------------------------------------------------------
class BroadcastListener:
    """Feeds advertisements of paired broadcast scales into their pipes."""

    def __init__(
        self,
        protocols: dict[str, str],
        pipes: dict[str, _ReadingPipe],
        on_seen: Callable[[str, AdvertisementData], None] | None = None,
    ) -> None:
        self.protocols = protocols
        self.pipes = pipes
        self.on_seen = on_seen
        self._scanner: BleakScanner | None = None

    def _advert(self, device: BLEDevice, advert: AdvertisementData) -> None:
        if self.on_seen is not None:
            self.on_seen(device.address, advert)
        pipe = self.pipes.get(device.address)
        if pipe is None:
            return
        for uuid, payload in advert.service_data.items():
            short = normalize_uuid(uuid)
            if short not in ("181b", "181d"):
                continue
            try:
                decoded = decode_service_data(short, payload)
            except DecodeError as exc:
                pipe.bad_packet(short, payload, exc.reason)
                continue
            if isinstance(decoded, Reading):
                pipe.reading(decoded)

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
    consent is given with the stored code so the scale sends this user's readings, including stored history.
    """

    def __init__(self, store: Store, sink: EventSink, *, reconnect_delay: float = 1.0) -> None:
        self.store = store
        self.sink = sink
        self.reconnect_delay = reconnect_delay
        self._links: dict[str, asyncio.Task[None]] = {}
        self.refused: set[str] = set()  # scales that refused our consent code: wait for a new pairing

    async def run(self) -> None:
        from companion.store.ble import BleRepository

        repo = BleRepository(self.store)
        scales = repo.paired()
        if not scales:
            self.sink(ScaleEvent("status", _("No scale paired yet.")))
            return
        pipes = {s.address: _ReadingPipe(self.store, s.address, self.sink) for s in scales}
        gatt = {s.address: s for s in scales if s.transport == "gatt"}

        def seen(address: str, advert: AdvertisementData) -> None:
            scale = gatt.get(address)
            if scale is None or address in self.refused:
                return
            task = self._links.get(address)
            if task is None or task.done():
                self._links[address] = asyncio.get_running_loop().create_task(
                    self._gatt(scale, pipes[address])
                )

        listener = BroadcastListener({s.address: s.protocol for s in scales}, pipes, on_seen=seen)
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

    async def _consent_all(self, link: GattLink, address: str) -> bool:
        """Set the clock, then consent as every household member with a slot on this scale, in turn.

        A UDS scale hands over the readings it stored for a user when that user consents, so each profile's
        history is collected; the active profile goes last and stays consented for live readings. Returns
        whether the active profile's consent was accepted.
        """
        from companion.store.ble import BleRepository

        await link.set_clock(self.store.clock.now().astimezone())
        active = self.store.profiles.active()
        slots = BleRepository(self.store).slots(address)
        slots.sort(key=lambda slot: active is not None and slot.profile_id == active.id)
        accepted = False
        for slot in slots:
            ok = await link.consent(slot.user_index, slot.consent_code)
            if active is not None and slot.profile_id == active.id:
                accepted = ok
            elif ok:
                await asyncio.sleep(0.05)  # let the scale hand over this user's stored readings
        return accepted

    async def _gatt(self, scale: PairedScale, pipe: _ReadingPipe) -> None:
        from companion.store.ble import BleRepository

        kind = KINDS.get(scale.protocol, KINDS["sig"])
        lost = asyncio.Event()
        link = GattLink(scale.address, kind, pipe.reading, pipe.bad_packet, lost.set)
        try:
            await link.open()
        except ScaleError as exc:
            self.sink(ScaleEvent("status", str(exc), address=scale.address))
            await asyncio.sleep(self.reconnect_delay)
            return
        try:
            pipe.assembler.expects_composition = link.has_bcs
            if link.has_uds and not await self._consent_all(link, scale.address):
                self.refused.add(scale.address)
                self.sink(
                    ScaleEvent(
                        "status",
                        _("The scale did not accept your consent code; pair it again on the Pair screen."),
                        address=scale.address,
                    )
                )
                return
            self.sink(
                ScaleEvent(
                    "status",
                    _("Connected to {name}.").format(name=scale.name or scale.address),
                    address=scale.address,
                )
            )
            BleRepository(self.store).touch(scale.address)
            await lost.wait()
            pipe.assembler.reset()
            self.sink(ScaleEvent("lost", _("The scale disconnected."), address=scale.address))
        except ScaleError as exc:
            pipe.assembler.reset()
            self.sink(ScaleEvent("lost", str(exc), address=scale.address))
        finally:
            await link.close()
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
            _("No reading within {seconds} seconds. Step on the scale and try again.").format(
                seconds=int(timeout)
            )
        )
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
