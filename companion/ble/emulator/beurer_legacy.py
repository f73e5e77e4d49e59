"""An emulated Sanitas SBF70 (E7 family of the Beurer/Sanitas legacy protocol), written from the protocol facts.

Facts (openScale ``BeurerSanitasHandler.kt`` @f7a733b, ble-scale-sync ``src/scales/beurer-sanitas.ts`` @3cce009):
one characteristic 0xFFE1 (service 0xFFE0) carries everything. The app writes ``E6 01`` (INIT) and the scale
answers with a frame starting E6; ``E9 <u32 BE>`` sets the clock; ``E7 <cmd> ...`` are commands, answered with
``E7 F0 <cmd> <status> ...``; data frames (user info 0x34, saved measurement 0x42, live weight 0x58,
measurement 0x59 in numbered parts) wait for the app's ``E7 F1 <b1> <b2> <b3>``: the next part is only sent
after the acknowledgement of the previous one (ble-scale-sync issue #211).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bumble import gatt

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16

SANITAS_ADDRESS = "C0:5C:A1:E0:00:11"
START = 0xE7


@dataclass
class OnScaleUser:
    uid: int
    nick: bytes
    birth_year: int
    height_cm: int = 0
    history: list[tuple[float, int]] = field(default_factory=list)  # (kg, unix seconds) taken offline


class SanitasScale(VendorScale):
    def __init__(
        self, air: VirtualAir, *, name: str = "SANITAS SBF70", address: str = SANITAS_ADDRESS, max_users: int = 8
    ) -> None:
        super().__init__(air, name=name, address=address)
        self.max_users = max_users
        self.users: list[OnScaleUser] = []
        self.unit = 1  # kg
        self.clock: int | None = None
        self.measuring_uid: int | None = None
        self._acks: asyncio.Queue[bytes] = asyncio.Queue()
        self.char = self.write_char(0xFFE1, self._on_write, notify=True)
        self.device.add_services([gatt.Service(uuid16(0xFFE0), [self.char])])
        self.advertise_as([0xFFE0])

    def on_connected(self) -> None:
        self.measuring_uid = None
        self._acks = asyncio.Queue()

    # --- the app's writes ---
    def _on_write(self, data: bytes) -> None:
        if not data:
            return
        if data[0] == 0xE6:
            self.events.append("init")
            self.send(self.char, bytes((0xE6, 0x00, 0x20)))
        elif data[0] == 0xE9 and len(data) == 5:
            self.clock = int.from_bytes(data[1:5], "big")
            self.events.append("clock-set")
        elif data[0] == START and len(data) >= 2:
            if data[1] == 0xF1:
                self._acks.put_nowait(data)
            else:
                self.spawn(self._command(data[1], data[2:]))

    async def _answer(self, cmd: int, *payload: int) -> None:
        await self.notify(self.char, bytes((START, 0xF0, cmd, *payload)))

    async def _send_acked(self, frame: bytes) -> bool:
        """Send a data frame and wait for its acknowledgement (echo of bytes 1..3)."""
        await self.notify(self.char, frame)
        try:
            ack = await asyncio.wait_for(self._acks.get(), 2.0)
        except TimeoutError:
            self.events.append("ack-missing")
            return False
        if ack[2:5] != frame[1:4]:
            self.events.append("ack-wrong")
            return False
        return True

    def _user(self, uid: int) -> OnScaleUser | None:
        return next((u for u in self.users if u.uid == uid), None)

    async def _command(self, cmd: int, params: bytes) -> None:
        if cmd == 0x4F:  # status: battery, thresholds, unit, user exists, ..., version
            await self._answer(0x4F, 0x00, 85, 10, 10, self.unit, 1, 1, 1, 0x03)
        elif cmd == 0x4D and params:
            self.unit = params[0]
            self.events.append(f"unit-{self.unit}")
            await self._answer(0x4D, 0x00)
        elif cmd == 0x33:
            await self._answer(0x33, 0x00, len(self.users), self.max_users)
            for i, u in enumerate(self.users, 1):
                frame = bytes((START, 0x34, len(self.users), i)) + u.uid.to_bytes(8, "big") + u.nick
                if not await self._send_acked(frame + bytes(((u.birth_year - 1900) & 0xFF,))):
                    return
        elif cmd == 0x31 and len(params) >= 16:
            if len(self.users) >= self.max_users:
                await self._answer(0x31, 0x01)
                return
            uid = int.from_bytes(params[0:8], "big")
            self.users.append(OnScaleUser(uid, params[8:11], 1900 + params[11], params[14]))
            self.events.append("user-added")
            await self._answer(0x31, 0x00)
        elif cmd == 0x41 and len(params) >= 8:
            user = self._user(int.from_bytes(params[:8], "big"))
            saved = user.history if user else []
            await self._answer(0x41, 2 * len(saved))
            for n, (kg, at) in enumerate(saved):
                payload = self._payload(kg, at, 500, composition=True)
                total = 2 * len(saved)
                for k, chunk in enumerate((payload[:11], payload[11:])):
                    if not await self._send_acked(bytes((START, 0x42, total, 2 * n + k + 1)) + chunk):
                        return
        elif cmd == 0x43 and len(params) >= 8:
            user = self._user(int.from_bytes(params[:8], "big"))
            if user:
                user.history.clear()
                self.events.append("history-deleted")
            await self._answer(0x43, 0x00)
        elif cmd == 0x40 and len(params) >= 8:
            uid = int.from_bytes(params[:8], "big")
            ok = self._user(uid) is not None
            self.measuring_uid = uid if ok else None
            await self._answer(0x40, 0x00 if ok else 0x01)
            if ok:
                self.events.append("measure-armed")

    @staticmethod
    def _payload(kg: float, at: int, impedance: int, *, composition: bool) -> bytes:
        def u16(v: float) -> bytes:
            return int(round(v)).to_bytes(2, "big")

        fat, water, muscle = (23.4, 51.8, 38.9) if composition else (0, 0, 0)
        return (
            at.to_bytes(4, "big")
            + u16(kg / 0.05)
            + u16(impedance if composition else 0)
            + u16(fat * 10)
            + u16(water * 10)
            + u16(muscle * 10)
            + u16(3.2 / 0.05)
            + u16(1700)
            + u16(2600)
            + u16(240)
        )

    def _now(self) -> int:
        return self.clock if self.clock is not None else int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())

    # --- scripting (tests, demo) ---
    async def step_on(self, weight_kg: float, *, impedance_ohm: int = 480) -> None:
        """Live frames creeping up, a stable one, then the measurement in three acknowledged parts."""
        for factor in (0.6, 0.9, 1.0):
            raw = round(weight_kg * factor / 0.05)
            stable = 0x00 if factor == 1.0 else 0x01
            if not await self._send_acked(bytes((START, 0x58, stable)) + raw.to_bytes(2, "big")):
                return
        uid = self.measuring_uid
        user = self._user(uid) if uid is not None else None
        ident = bytes((START, 0x59, 0x03, 0x01, 0x01)) + (uid or 0).to_bytes(8, "big")
        payload = self._payload(weight_kg, self._now(), impedance_ohm, composition=user is not None)
        for frame in (ident, bytes((START, 0x59, 3, 2)) + payload[:11], bytes((START, 0x59, 3, 3)) + payload[11:]):
            if not await self._send_acked(frame):
                return
        self.events.append("measured")

    def remember_offline(self, uid: int, weight_kg: float, at: datetime) -> None:
        user = self._user(uid)
        if user is not None:
            user.history.append((weight_kg, int(at.replace(tzinfo=UTC).timestamp())))
