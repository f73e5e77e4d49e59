"""An emulated Eufy Smart Scale P2 Pro (T9149) with its AES handshake, written from the protocol facts.

Facts (ble-scale-sync ``src/scales/eufy-p2.ts`` and tests @3cce009, openScale ``EufyP2Lib.kt`` @f7a733b):
service 0xFFF0, the app writes on FFF1, the scale answers the handshake on FFF4 and sends weight on FFF2.
key = MD5 of the MAC as 12 upper-case hex digits, IV = sixteen ASCII '0', AES-128-CBC + PKCS#7; messages
travel as base64 text in segments ``<prefix> <count> <index> <base64 length> <<= 15 chars> <xor>``.
C0 (app: its id) -> C1 (scale: its id) -> C2 (app: "<app id>_<scale id>") -> C3 ``C3 01 00 01 <status> <xor>``.
Weight frames: ``CF 0E 00 CF <ohm x10 u16 LE> <kg x100 u16 LE> 00 00 00 00 <[12] 0 final> 00 00 <xor [2..14]>``.
Advertisement: manufacturer data of company 0xFF48: MAC (6), 0xCF, ...
"""

from __future__ import annotations

import asyncio
import base64
import hashlib

from bumble import gatt
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.vendor import VendorScale, uuid16, xor

EUFY_P2_ADDRESS = "C0:5C:A1:E0:00:14"
_IV = b"0" * 16


class EufyP2Scale(VendorScale):
    DEVICE_ID = "T9149SCALE00042"

    def __init__(self, air: VirtualAir, *, name: str = "eufy T9149", address: str = EUFY_P2_ADDRESS) -> None:
        super().__init__(air, name=name, address=address)
        self.key = hashlib.md5(address.replace(":", "").upper().encode(), usedforsecurity=False).digest()
        self.authenticated = False
        self.refuse = False  # tests: answer C3 with a failure status
        self.client_id: str | None = None
        self._segments: dict[int, list[bytes]] = {}
        self.weight = self.notify_char(0xFFF2)
        self.auth = self.notify_char(0xFFF4)
        write = self.write_char(0xFFF1, self._on_write)
        self.device.add_services([gatt.Service(uuid16(0xFFF0), [write, self.weight, self.auth])])
        mac = bytes(int(p, 16) for p in address.split(":"))
        vendor = mac + bytes((0xCF,)) + bytes(12)
        self.advertise_as([0xFFF0], manufacturer=(0xFF48).to_bytes(2, "little") + vendor)

    def on_connected(self) -> None:
        self.authenticated = False
        self.client_id = None
        self._segments = {}

    def _encrypt(self, text: str) -> bytes:
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(_IV)).encryptor()
        return base64.b64encode(enc.update(padder.update(text.encode()) + padder.finalize()) + enc.finalize())

    def _decrypt(self, b64: bytes) -> str | None:
        try:
            dec = Cipher(algorithms.AES(self.key), modes.CBC(_IV)).decryptor()
            raw = dec.update(base64.b64decode(b64)) + dec.finalize()
            unpad = padding.PKCS7(128).unpadder()
            return (unpad.update(raw) + unpad.finalize()).decode()
        except ValueError:
            return None

    @staticmethod
    def _split(b64: bytes, prefix: int) -> list[bytes]:
        count = -(-len(b64) // 15)
        out = []
        for i in range(count):
            body = bytes((prefix, count, i, len(b64))) + b64[i * 15 : (i + 1) * 15]
            out.append(body + bytes((xor(body),)))
        return out

    def _collect(self, data: bytes) -> bytes | None:
        if len(data) < 5 or xor(data[:-1]) != data[-1]:
            self.events.append("bad-segment")
            return None
        prefix, count, index = data[0], data[1], data[2]
        parts = self._segments.setdefault(prefix, [])
        if index == 0:
            parts.clear()
        parts.append(data[4:-1])
        if index < count - 1:
            return None
        text = b"".join(parts)
        parts.clear()
        return text

    def _on_write(self, data: bytes) -> None:
        if not data:
            return
        if data[0] == 0xC0:
            text = self._collect(data)
            if text is None:
                return
            self.client_id = self._decrypt(text)
            if self.client_id is None:
                self.events.append("c0-unreadable")
                return
            self.events.append("c0")
            self.send(self.auth, *self._split(self._encrypt(self.DEVICE_ID), 0xC1))
        elif data[0] == 0xC2:
            text = self._collect(data)
            if text is None:
                return
            ok = not self.refuse and self._decrypt(text) == f"{self.client_id}_{self.DEVICE_ID}"
            self.authenticated = ok
            self.events.append("authenticated" if ok else "refused")
            body = bytes((0xC3, 0x01, 0x00, 0x01, 0x00 if ok else 0x01))
            self.send(self.auth, body + bytes((xor(body),)))

    def _frame(self, weight_kg: float, impedance_ohm: float, final: bool) -> bytes:
        body = bytearray(16)
        body[0], body[1], body[3] = 0xCF, 0x0E, 0xCF
        body[4:6] = round(impedance_ohm * 10).to_bytes(2, "little")
        body[6:8] = round(weight_kg * 100).to_bytes(2, "little")
        body[12] = 0x00 if final else 0x01
        body[15] = xor(bytes(body[2:15]))
        return bytes(body)

    async def step_on(self, weight_kg: float, *, impedance_ohm: float = 512.0) -> None:
        if not self.authenticated:
            self.events.append("not-authenticated")
            return
        for factor in (0.85, 0.98):
            await self.notify(self.weight, self._frame(weight_kg * factor, 0, final=False))
            await asyncio.sleep(0.02)
        # Final frames: the first with the BIA result, then the settled weight again (ble-scale-sync #284).
        await self.notify(self.weight, self._frame(weight_kg, impedance_ohm, final=True))
        await asyncio.sleep(0.02)
        await self.notify(self.weight, self._frame(weight_kg, 0, final=True))
        self.events.append("measured")
