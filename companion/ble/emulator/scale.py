"""Emulated scales on Bumble: a Bluetooth SIG body-composition scale (GATT) and a Mi-style broadcast scale.

Scriptable from tests and the demo: a person steps on (unstable readings, then a stable one), steps off, the
scale keeps readings taken while nobody was connected and sends them after consent (and can be told to replay
them again, as some scales do), drops the connection mid-measurement, and answers a wrong consent code with
"user not authorized" exactly as UDS 1.0 says (shared/reference/ble_scales.md section 1).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bumble import gatt
from bumble.device import AdvertisingType, Connection

from companion.ble.emulator.air import VirtualAir, make_device
from companion.ble.protocols import etekcity, qn, sig, xiaomi

log = logging.getLogger("companion.ble.emulator")

SIG_SCALE_ADDRESS = "C0:5C:A1:E0:00:01"
MI_SCALE_ADDRESS = "C0:5C:A1:E0:00:02"
QN_SCALE_ADDRESS = "C0:5C:A1:E0:00:03"
ETEKCITY_ADDRESS = "C0:5C:A1:E0:00:04"
_UNSET_CLOCK = datetime(2000, 1, 1)  # what a scale shows before anyone sets its clock


def _ad(kind: int, payload: bytes) -> bytes:
    return bytes([len(payload) + 1, kind]) + payload


def _u16_uuids(*uuids: int) -> bytes:
    return b"".join(u.to_bytes(2, "little") for u in uuids)


@dataclass
class WeighIn:
    weight_kg: float
    at: datetime
    user_index: int | None
    impedance_ohm: float | None = None
    body_fat_pct: float | None = None
    muscle_mass_kg: float | None = None
    body_water_mass_kg: float | None = None


@dataclass
class ScaleUser:
    consent_code: int
    data: dict[str, bytes] = field(default_factory=dict)
    change_increment: int = 0


class SigScale:
    """A standards-compliant scale: WSS 0x181D, BCS 0x181B, UDS 0x181C and CTS 0x1805 on one GATT server."""

    kind = "gatt"

    def __init__(
        self,
        air: VirtualAir,
        *,
        name: str = "Companion Scale",
        address: str = SIG_SCALE_ADDRESS,
        max_users: int = 4,
        memory: Path | None = None,
    ) -> None:
        self.air = air
        self.memory = memory  # the scale's "flash": registered users survive restarts of the app
        self.name = name
        self.address = address
        self.max_users = max_users
        self.device = make_device(air.link, name, address)
        self.users: dict[int, ScaleUser] = {}
        self.history: dict[int | None, list[WeighIn]] = {}
        self.replay_history = False  # resend stored readings after every consent (scales that never forget)
        self.started = False
        self.asleep = False
        self.clock_offset: timedelta | None = None
        self.events: list[str] = []
        self.weigh_in_on_consent: float | None = None
        self._consented: dict[int, int] = {}  # connection handle -> user index
        self._tasks: set[asyncio.Task[Any]] = set()
        self._build_gatt()
        self._load()
        air.add_scale(self)

    def _load(self) -> None:
        if self.memory is None or not self.memory.exists():
            return
        try:
            saved = json.loads(self.memory.read_text(encoding="utf-8"))
            self.users = {int(k): ScaleUser(int(v["code"])) for k, v in saved.get("users", {}).items()}
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("emulated scale memory %s unreadable; starting empty", self.memory)

    def _save(self) -> None:
        if self.memory is None:
            return
        try:
            self.memory.parent.mkdir(parents=True, exist_ok=True)
            users = {str(k): {"code": u.consent_code} for k, u in self.users.items()}
            self.memory.write_text(json.dumps({"users": users}), encoding="utf-8")
        except OSError:
            log.warning("cannot save emulated scale memory to %s", self.memory)

    # ----- GATT layout ---------------------------------------------------------------------------------
    def _build_gatt(self) -> None:
        P = gatt.Characteristic.Properties
        rw = gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE
        self.wm = gatt.Characteristic(
            sig.full_uuid(sig.WEIGHT_MEASUREMENT), P.INDICATE, gatt.Characteristic.READABLE, b""
        )
        wss_feature = gatt.Characteristic(
            sig.full_uuid(sig.WEIGHT_SCALE_FEATURE),
            P.READ,
            gatt.Characteristic.READABLE,
            sig.encode_weight_scale_feature(timestamp=True, multi_user=True, bmi=False),
        )
        self.bcm = gatt.Characteristic(
            sig.full_uuid(sig.BODY_COMPOSITION_MEASUREMENT), P.INDICATE, gatt.Characteristic.READABLE, b""
        )
        bcs_feature = gatt.Characteristic(
            sig.full_uuid(sig.BODY_COMPOSITION_FEATURE),
            P.READ,
            gatt.Characteristic.READABLE,
            sig.encode_body_composition_feature(
                ("timestamp", "multiple_users", "muscle_mass", "body_water_mass", "impedance", "weight")
            ),
        )
        self.ucp: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(sig.USER_CONTROL_POINT),
            P.WRITE | P.INDICATE,
            rw,
            gatt.CharacteristicValue[Any](write=self._on_control_point),
        )
        user_index: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(sig.USER_INDEX),
            P.READ,
            gatt.Characteristic.READABLE,
            gatt.CharacteristicValue[Any](read=self._read_user_index),
        )
        self.dci: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(sig.DATABASE_CHANGE_INCREMENT),
            P.READ | P.WRITE | P.NOTIFY,
            rw,
            gatt.CharacteristicValue[Any](
                read=self._read_change_increment, write=self._write_change_increment
            ),
        )
        user_fields = [
            gatt.Characteristic(
                sig.full_uuid(uuid),
                P.READ | P.WRITE,
                rw,
                gatt.CharacteristicValue[Any](
                    read=lambda c, key=key: self._read_user_field(c, key),
                    write=lambda c, v, key=key: self._write_user_field(c, key, v),
                ),
            )
            for uuid, key in ((sig.DATE_OF_BIRTH, "dob"), (sig.GENDER, "gender"), (sig.HEIGHT, "height"))
        ]
        cts: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(sig.CURRENT_TIME),
            P.READ | P.WRITE | P.NOTIFY,
            rw,
            gatt.CharacteristicValue[Any](read=self._read_time, write=self._write_time),
        )
        self.device.add_services(
            [
                gatt.Service(sig.full_uuid(sig.WEIGHT_SCALE_SERVICE), [wss_feature, self.wm]),
                gatt.Service(sig.full_uuid(sig.BODY_COMPOSITION_SERVICE), [bcs_feature, self.bcm]),
                gatt.Service(
                    sig.full_uuid(sig.USER_DATA_SERVICE), [user_index, self.ucp, self.dci, *user_fields]
                ),
                gatt.Service(sig.full_uuid(sig.CURRENT_TIME_SERVICE), [cts]),
            ]
        )
        name = self.name.encode()[:16]
        self.device.advertising_data = (
            _ad(0x01, b"\x06")
            + _ad(
                0x03,
                _u16_uuids(sig.WEIGHT_SCALE_SERVICE, sig.BODY_COMPOSITION_SERVICE, sig.USER_DATA_SERVICE),
            )
            + _ad(0x09, name)
        )

    async def start(self) -> None:
        await self.device.power_on()
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self.started = True
        if not self.asleep:
            await self._advertise()

    async def _advertise(self) -> None:
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=20, advertising_interval_max=20
        )

    def _on_connection(self, connection: Connection) -> None:
        self.events.append("connected")

        def gone(*_: Any) -> None:
            self._consented.pop(connection.handle, None)
            self.events.append("disconnected")

        connection.on(connection.EVENT_DISCONNECTION, gone)

    # ----- clock and users -----------------------------------------------------------------------------
    def now(self) -> datetime:
        real = datetime.now().replace(microsecond=0)
        if self.clock_offset is None:
            return _UNSET_CLOCK + timedelta(seconds=int(asyncio.get_running_loop().time()) % 86400)
        return real + self.clock_offset

    def _read_time(self, connection: Connection) -> bytes:
        return sig.encode_current_time(self.now())

    def _write_time(self, connection: Connection, value: bytes) -> None:
        decoded = sig.decode_current_time(bytes(value))
        if decoded.at is not None:
            self.clock_offset = decoded.at - datetime.now().replace(microsecond=0)
            self.events.append("clock-set")

    def _consented_user(self, connection: Connection) -> int | None:
        return self._consented.get(connection.handle)

    def _read_user_index(self, connection: Connection) -> bytes:
        index = self._consented_user(connection)
        return bytes([sig.UNKNOWN_USER if index is None else index])

    def _read_change_increment(self, connection: Connection) -> bytes:
        index = self._consented_user(connection)
        value = self.users[index].change_increment if index is not None else 0
        return sig.encode_database_change_increment(value)

    def _write_change_increment(self, connection: Connection, value: bytes) -> None:
        index = self._consented_user(connection)
        if index is not None and len(value) == 4:
            self.users[index].change_increment = int.from_bytes(value, "little")

    def _read_user_field(self, connection: Connection, key: str) -> bytes:
        index = self._consented_user(connection)
        return self.users[index].data.get(key, b"") if index is not None else b""

    def _write_user_field(self, connection: Connection, key: str, value: bytes) -> None:
        index = self._consented_user(connection)
        if index is not None:
            self.users[index].data[key] = bytes(value)

    def _on_control_point(self, connection: Connection, value: bytes) -> None:
        self._spawn(self._handle_control_point(connection, bytes(value)))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_control_point(self, connection: Connection, value: bytes) -> None:
        try:
            request = sig.decode_control_point_request(value)
        except sig.DecodeError:
            op = value[0] if value else 0
            await self._respond(connection, op if op in (1, 2, 3, 4, 5) else 1, sig.RESULT_INVALID_PARAMETER)
            return
        op = request.opcode
        if op == sig.OP_REGISTER_NEW_USER:
            free = [i for i in range(self.max_users) if i not in self.users]
            if not free:
                self.events.append("register-full")
                await self._respond(connection, op, sig.RESULT_FAILED)
                return
            index = free[0]
            self.users[index] = ScaleUser(int(request.consent_code or 0))
            self._save()
            self.events.append(f"registered:{index}")
            await self._respond(connection, op, sig.RESULT_SUCCESS, index)
        elif op == sig.OP_CONSENT:
            user = self.users.get(int(request.user_index or 0))
            if user is None:
                await self._respond(connection, op, sig.RESULT_INVALID_PARAMETER)
            elif user.consent_code != request.consent_code:
                self.events.append("consent-denied")
                await self._respond(connection, op, sig.RESULT_NOT_AUTHORIZED)
            else:
                index = int(request.user_index or 0)
                self._consented[connection.handle] = index
                self.events.append(f"consented:{index}")
                await self._respond(connection, op, sig.RESULT_SUCCESS)
                await self._send_history(index)
                if self.weigh_in_on_consent is not None:
                    weight: float = self.weigh_in_on_consent
                    self.weigh_in_on_consent = None
                    await asyncio.sleep(0.2)
                    await self.step_on(weight)
        elif op == sig.OP_DELETE_USER_DATA:
            current = self._consented_user(connection)
            if current is None:
                await self._respond(connection, op, sig.RESULT_NOT_AUTHORIZED)
            else:
                self.users.pop(current, None)
                self.history.pop(current, None)
                self._save()
                await self._respond(connection, op, sig.RESULT_SUCCESS)
        else:
            await self._respond(connection, op, sig.RESULT_NOT_SUPPORTED)

    async def _respond(self, connection: Connection, op: int, result: int, index: int | None = None) -> None:
        await self.device.indicate_subscriber(
            connection, self.ucp, sig.encode_control_point_response(op, result, index)
        )

    # ----- the person on the scale ---------------------------------------------------------------------
    def _listening(self, user_index: int | None) -> list[Connection]:
        out = []
        for connection in self.device.connections.values():
            consented = self._consented.get(connection.handle)
            if user_index is None or consented == user_index:
                out.append(connection)
        return out

    async def indicate_raw(self, characteristic: int, payload: bytes) -> None:
        """Send arbitrary bytes (bad-input tests: truncated, contradictory, impossible packets)."""
        target = {sig.WEIGHT_MEASUREMENT: self.wm, sig.BODY_COMPOSITION_MEASUREMENT: self.bcm}[characteristic]
        await self.device.indicate_subscribers(target, payload)

    def _body_fat(self, user_index: int | None, weight_kg: float, impedance_ohm: float | None) -> float:
        """What a BIA scale would compute for the registered user (Mi Fit model), else a plain 30 %."""
        from companion.ble import bodycomp

        user = self.users.get(user_index) if user_index is not None else None
        data = user.data if user is not None else {}
        if impedance_ohm is None or not {"dob", "gender", "height"} <= set(data):
            return 30.0
        born = int.from_bytes(data["dob"][:2], "little")
        age = max(18, self.now().year - born)
        height_cm = int.from_bytes(data["height"][:2], "little")
        if not 100 <= height_cm <= 250:
            return 30.0
        inputs = bodycomp.BodyInputs(weight_kg, height_cm, age, data["gender"][:1] == b"\x00", impedance_ohm)
        return round(bodycomp.body_fat_pct(inputs), 1)

    async def step_on(
        self,
        weight_kg: float,
        *,
        impedance_ohm: float | None = 500.0,
        body_fat_pct: float | None = None,
        user_index: int | None = None,
        split: bool = False,
        disconnect_midway: bool = False,
        at: datetime | None = None,
    ) -> WeighIn:
        """A person steps on: the stable reading is indicated to consented clients or kept in memory."""
        if user_index is None and self._consented:
            user_index = next(iter(self._consented.values()))
        if body_fat_pct is None:
            body_fat_pct = self._body_fat(user_index, weight_kg, impedance_ohm)
        reading = WeighIn(
            weight_kg,
            at or self.now(),
            user_index,
            impedance_ohm,
            body_fat_pct,
            muscle_mass_kg=round(weight_kg * (1 - body_fat_pct / 100) * 0.52, 2),
            body_water_mass_kg=round(weight_kg * (1 - body_fat_pct / 100) * 0.73, 2),
        )
        connections = self._listening(user_index)
        if not connections:
            self.history.setdefault(user_index, []).append(reading)
            self.events.append("stored")
            return reading
        await self._send(reading, split=split, disconnect_midway=disconnect_midway)
        if self.replay_history:
            self.history.setdefault(user_index, []).append(reading)
        return reading

    async def _send(self, r: WeighIn, *, split: bool = False, disconnect_midway: bool = False) -> None:
        await self.device.indicate_subscribers(
            self.wm, sig.encode_weight_measurement(r.weight_kg, timestamp=r.at, user_index=r.user_index)
        )
        if split:
            first = sig.encode_body_composition(
                r.body_fat_pct or 0,
                timestamp=r.at,
                user_index=r.user_index,
                weight_kg=r.weight_kg,
                multi_packet=True,
            )
            await self.device.indicate_subscribers(self.bcm, first)
            if disconnect_midway:
                await self.disconnect()
                return
            second = sig.encode_body_composition(
                r.body_fat_pct or 0,
                muscle_mass_kg=r.muscle_mass_kg,
                body_water_mass_kg=r.body_water_mass_kg,
                impedance_ohm=r.impedance_ohm,
                multi_packet=True,
            )
            await self.device.indicate_subscribers(self.bcm, second)
        else:
            if disconnect_midway:
                await self.disconnect()
                return
            await self.device.indicate_subscribers(
                self.bcm,
                sig.encode_body_composition(
                    r.body_fat_pct or 0,
                    timestamp=r.at,
                    user_index=r.user_index,
                    weight_kg=r.weight_kg,
                    muscle_mass_kg=r.muscle_mass_kg,
                    body_water_mass_kg=r.body_water_mass_kg,
                    impedance_ohm=r.impedance_ohm,
                ),
            )
        self.events.append("sent")

    async def _send_history(self, user_index: int) -> None:
        stored = self.history.get(user_index, [])
        if not self.replay_history:
            self.history[user_index] = []
        for reading in list(stored):
            await self._send(reading)

    async def disconnect(self) -> None:
        for connection in list(self.device.connections.values()):
            try:
                await connection.disconnect()
            except Exception:  # already gone
                pass

    async def sleep(self) -> None:
        """Stop advertising (a sleeping scale cannot be found or connected to)."""
        self.asleep = True
        await self.disconnect()
        await asyncio.sleep(0.01)  # let auto-restart of advertising after the disconnection happen first
        if self.device.is_advertising:
            await self.device.stop_advertising()

    async def wake(self) -> None:
        self.asleep = False
        if self.started and not self.device.is_advertising:
            await self._advertise()


class MiBroadcastScale:
    """A Mi Body Composition Scale 2: never connected to, only advertises service data 0x181B."""

    kind = "broadcast"

    def __init__(self, air: VirtualAir, *, name: str = "MIBFS", address: str = MI_SCALE_ADDRESS) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name, address)
        self.started = False
        self.events: list[str] = []
        self.weigh_in_on_start: float | None = None
        self._task: asyncio.Task[None] | None = None
        air.add_scale(self)

    async def start(self) -> None:
        await self.device.power_on()
        self.started = True
        if self.weigh_in_on_start is not None:
            weight, self.weigh_in_on_start = self.weigh_in_on_start, None
            self._task = asyncio.get_running_loop().create_task(self._scripted(weight))

    async def _scripted(self, weight: float) -> None:
        await asyncio.sleep(0.3)
        await self.step_on(weight, hold_s=1.0)
        await self.step_off()

    async def advertise(self, payload: bytes) -> None:
        data = _ad(0x01, b"\x06") + _ad(0x16, sig.BODY_COMPOSITION_SERVICE.to_bytes(2, "little") + payload)
        data += _ad(0x09, self.name.encode())
        if self.device.is_advertising:
            await self.device.stop_advertising()
        await self.device.start_advertising(
            advertising_type=AdvertisingType.UNDIRECTED_SCANNABLE,
            advertising_data=data,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )

    async def step_on(
        self,
        weight_kg: float,
        *,
        impedance_ohm: int | None = 500,
        unstable_steps: int = 3,
        step_s: float = 0.06,
        hold_s: float = 0.15,
        at: datetime | None = None,
    ) -> None:
        """Unstable weights creeping up, then stable, then stable with impedance (bare feet)."""
        at = at or datetime.now().replace(microsecond=0)
        for i in range(unstable_steps):
            creeping = weight_kg * (0.6 + 0.4 * (i + 1) / (unstable_steps + 1))
            await self.advertise(xiaomi.encode_mi_scale_v2(creeping, stabilized=False, at=at))
            await asyncio.sleep(step_s)
        await self.advertise(xiaomi.encode_mi_scale_v2(weight_kg, stabilized=True, at=at))
        await asyncio.sleep(hold_s)
        if impedance_ohm:
            await self.advertise(
                xiaomi.encode_mi_scale_v2(weight_kg, stabilized=True, impedance_ohm=impedance_ohm, at=at)
            )
            await asyncio.sleep(hold_s)
        self.events.append("stable")

    async def step_off(self, weight_kg: float = 0.0) -> None:
        await self.advertise(xiaomi.encode_mi_scale_v2(weight_kg, stabilized=True, load_removed=True))
        await asyncio.sleep(0.05)
        await self.device.stop_advertising()
        self.events.append("off")


class QnScale:
    """A QN-family scale (Renpho ES-26M / FITINDEX style, GATT type 2: 0xFFF0, notify FFF1, write FFF2).

    On subscription it sends the 0x12 info frame and expects the client's 0x13 config and 0x20 time before it
    streams 0x10 weight frames (openScale ``QNHandler.kt``; shared/reference/ble_scales.md section 2).
    """

    kind = "gatt"
    PROTO = 0x15

    def __init__(self, air: VirtualAir, *, name: str = "QN-Scale", address: str = QN_SCALE_ADDRESS) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name, address)
        self.started = False
        self.events: list[str] = []
        self.configured = False
        #: How the scale behaves at start-up (tests of bad input): "normal"; "silent" (never sends the info
        #: frame); "wrong" (a well-framed but truncated info frame); "drop" (disconnects on the config write).
        self.handshake = "normal"
        self._tasks: set[asyncio.Task[Any]] = set()
        P = gatt.Characteristic.Properties
        self.notify: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(0xFFF1), P.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        self.notify.on(self.notify.EVENT_SUBSCRIPTION, self._on_subscription)
        write: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(0xFFF2),
            P.WRITE | P.WRITE_WITHOUT_RESPONSE,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue[Any](write=self._on_write),
        )
        self.device.add_services([gatt.Service(sig.full_uuid(0xFFF0), [self.notify, write])])
        self.device.advertising_data = (
            _ad(0x01, b"\x06") + _ad(0x03, _u16_uuids(0xFFF0)) + _ad(0x09, name.encode()[:16])
        )
        air.add_scale(self)

    async def start(self) -> None:
        await self.device.power_on()
        self.started = True
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=20, advertising_interval_max=20
        )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_subscription(self, _bearer: Any, notify: bool, _indicate: bool) -> None:
        if notify:
            self.configured = False
            if self.handshake == "silent":
                return
            info = bytes([0, 0, 0, 0, 0, 0, 0, 1])  # byte[10] == 1: weights in 1/100 kg
            if self.handshake == "wrong":
                info = b"\x00"  # framed and summed correctly, but too short to be an info frame
            self._spawn(self.device.notify_subscribers(self.notify, qn.frame(qn.OP_INFO, self.PROTO, info)))

    async def send_raw(self, payload: bytes) -> None:
        """Notify arbitrary bytes (bad-input tests: a wrong checksum, an unknown opcode)."""
        await self.device.notify_subscribers(self.notify, payload)

    def _on_write(self, connection: Connection, value: bytes) -> None:
        data = bytes(value)
        if data[:1] == bytes([qn.OP_CONFIG]) and self.handshake == "drop":
            self.events.append("dropped")
            self._spawn(connection.disconnect())
            return
        if data[:1] == bytes([qn.OP_CONFIG]):
            self.events.append("configured")
            self._spawn(
                self.device.notify_subscribers(self.notify, qn.frame(qn.OP_CONFIG_ACK, self.PROTO, b"\0"))
            )
        elif data[:1] == bytes([qn.OP_TIME]):
            self.events.append("clock-set")
            self.configured = True

    async def step_on(self, weight_kg: float, *, impedance_ohm: int = 520, unstable_steps: int = 3) -> None:
        """Live frames creeping up, then a stable frame with the resistance."""
        for i in range(unstable_steps):
            creeping = weight_kg * (0.7 + 0.3 * (i + 1) / (unstable_steps + 1))
            await self.device.notify_subscribers(
                self.notify, qn.encode_weight_frame(creeping, stable=False, proto=self.PROTO)
            )
            await asyncio.sleep(0.02)
        await self.device.notify_subscribers(
            self.notify,
            qn.encode_weight_frame(weight_kg, stable=True, impedance_ohm=impedance_ohm, proto=self.PROTO),
        )
        self.events.append("stable")


class EtekcityScale:
    """An Etekcity ESF-551: notify 0xFFF1 / write 0xFFF2, no handshake; 22-byte ``A5 02`` frames.

    Advertises manufacturer data of company 1744 with its reversed MAC and model id (etekcity_esf551_ble).
    """

    kind = "gatt"

    def __init__(
        self, air: VirtualAir, *, name: str = "Etekcity Scale", address: str = ETEKCITY_ADDRESS
    ) -> None:
        self.air = air
        self.name = name
        self.address = address
        self.device = make_device(air.link, name, address)
        self.started = False
        self.events: list[str] = []
        P = gatt.Characteristic.Properties
        self.notify: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(0xFFF1), P.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        write: gatt.Characteristic[Any] = gatt.Characteristic(
            sig.full_uuid(0xFFF2), P.WRITE, gatt.Characteristic.WRITEABLE, b""
        )
        self.device.add_services([gatt.Service(sig.full_uuid(0xFFF0), [self.notify, write])])
        mac = bytes(int(part, 16) for part in reversed(address.split(":")))
        manufacturer = etekcity.COMPANY_ID.to_bytes(2, "little") + b"\x00" + mac + (551).to_bytes(2, "big")
        self.device.advertising_data = (
            _ad(0x01, b"\x06") + _ad(0xFF, manufacturer) + _ad(0x09, name.encode()[:14])
        )
        air.add_scale(self)

    async def start(self) -> None:
        await self.device.power_on()
        self.started = True
        await self.device.start_advertising(
            auto_restart=True, advertising_interval_min=20, advertising_interval_max=20
        )

    async def step_on(self, weight_kg: float, *, impedance_ohm: int = 540, unit: int = 0) -> None:
        """Two unstable frames, a stable weight, then the stable frame with impedance."""
        for factor in (0.8, 0.95):
            frame = etekcity.encode_notification(weight_kg * factor, stable=False, unit=unit)
            await self.device.notify_subscribers(self.notify, frame)
            await asyncio.sleep(0.02)
        await self.device.notify_subscribers(
            self.notify,
            etekcity.encode_notification(weight_kg, stable=True, impedance_ohm=impedance_ohm, unit=unit),
        )
        self.events.append("stable")


def populate_default(air: VirtualAir) -> None:
    """The demo population: a SIG body-composition scale, a Mi broadcast scale, a QN-family scale, an
    Etekcity ESF-551 and a heart-rate strap (``strap.HeartRateStrap``).

    ``COMPANION_EMULATED_WEIGH_IN=<kg>`` scripts a person for headless runs (``companion measure``): they
    step on
    the Mi scale once shortly after start, and on the SIG scale once after the first successful consent.
    """
    import os

    # Remembered across runs only inside an explicit COMPANION_HOME (never the real data dir,
    # never in --demo).
    home = os.environ.get("COMPANION_HOME")
    sig_scale = SigScale(air, memory=Path(home) / "emulator" / "sig-scale.json" if home else None)
    mi_scale = MiBroadcastScale(air)
    QnScale(air)
    EtekcityScale(air)
    from companion.ble.emulator import gatt_families
    from companion.ble.emulator.eufy_c20 import EufyC20Scale
    from companion.ble.emulator.strap import HeartRateStrap
    from companion.ble.emulator.xiaomi_s400 import XiaomiS400Scale
    from companion.ble.emulator.yunmai_x import YunmaiXScale

    gatt_families.populate(air)  # Sanitas SBF70, Yunmai Mini, Renpho ES-26BB-B, Eufy P2 Pro, Robi S9, Eufy C1

    HeartRateStrap(air)
    # Broadcast-only families (ble-broadcast): the S400 encrypts with its demo bind key.
    broadcast = [XiaomiS400Scale(air), YunmaiXScale(air), EufyC20Scale(air)]
    scripted = os.environ.get("COMPANION_EMULATED_WEIGH_IN")
    if not scripted:
        return
    try:
        weight = float(scripted)
    except ValueError:
        return
    sig_scale.weigh_in_on_consent = weight
    mi_scale.weigh_in_on_start = weight
    for scale in broadcast:  # headless pairing listens after its scan: the person steps on again and again
        scale.weigh_in_on_start = weight
        scale.repeat_weigh_in_s = 1.5
