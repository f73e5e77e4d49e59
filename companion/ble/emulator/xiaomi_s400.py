"""An emulated Xiaomi Body Composition Scale S400: encrypted MiBeacon v5 adverts on service data 0xFE95.

Written from the protocol facts (shared/reference/ble_scales.md section 2; Bluetooth-Devices/xiaomi-ble
``parser.py`` ``_decrypt_mibeacon_v4_v5`` and ``obj6e16``), never by calling the driver: frame control 0x5948
(version 5, registered, objects, encrypted, no MAC), product id 0x3BD5, a packet counter, the AES-128-CCM
sealed object 0x6E16, the 3-byte extended counter and the 4-byte MIC. Nonce = MAC reversed + product id +
counter low byte + extended counter; associated data 0x11. A weigh-in is two packets: weight + heart rate +
50 kHz impedance, then one with only the 250 kHz impedance; an all-zero object when the person steps off.

``DEMO_BIND_KEY`` is the test key of this emulated scale (the demo shows it on the Pair screen).
"""

from __future__ import annotations

import asyncio

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from companion.ble.emulator.air import VirtualAir
from companion.ble.emulator.broadcast import BroadcastScale, ad, mac_octets

S400_ADDRESS = "C0:5C:A1:E0:00:21"
#: The emulated scale's bind key (what a person would copy from the Xiaomi cloud for a real one).
DEMO_BIND_KEY = bytes.fromhex("5ca1ab1e0ddba11c0ffee15600d5ca1e")
PRODUCT_ID = 0x3BD5  # MJTZC01YM
_FRAME_CONTROL = (0x5948).to_bytes(2, "little")
_IDLE_CONTROL = (0x5910).to_bytes(2, "little")  # MAC included, no object
_OBJECT = (0x6E16).to_bytes(2, "little")
_FE95 = (0xFE95).to_bytes(2, "little")


def s400_object(weight_kg: float, heart_rate_bpm: int | None, impedance_ohm: float | None, profile: int = 1) -> bytes:
    packed = round(weight_kg * 10) & 0x7FF
    packed |= ((heart_rate_bpm - 50) & 0x7F if heart_rate_bpm else 0) << 11
    packed |= (round(impedance_ohm * 10) if impedance_ohm else 0) << 18
    value = bytes([profile]) + packed.to_bytes(4, "little") + bytes(4)
    return _OBJECT + bytes([len(value)]) + value


class XiaomiS400Scale(BroadcastScale):
    def __init__(
        self,
        air: VirtualAir,
        *,
        name: str | None = "Xiaomi Scale S400",
        address: str = S400_ADDRESS,
        bind_key: bytes = DEMO_BIND_KEY,
    ) -> None:
        super().__init__(air, name=name, address=address)
        self.bind_key = bind_key
        self.counter = 0x20
        self.sent: list[bytes] = []  # every service-data payload advertised (replay tests resend old ones)

    def seal(self, objects: bytes) -> bytes:
        """One encrypted FE95 service-data payload with the next packet counter."""
        self.counter += 1
        counter = self.counter.to_bytes(4, "little")
        header = _FRAME_CONTROL + PRODUCT_ID.to_bytes(2, "little") + counter[:1]
        nonce = mac_octets(self.address)[::-1] + header[2:5] + counter[1:4]
        sealed = AESCCM(self.bind_key, tag_length=4).encrypt(nonce, objects, b"\x11")
        return header + sealed[:-4] + counter[1:4] + sealed[-4:]

    def idle_payload(self) -> bytes:
        self.counter += 1
        return (
            _IDLE_CONTROL
            + PRODUCT_ID.to_bytes(2, "little")
            + bytes([self.counter & 0xFF])
            + mac_octets(self.address)[::-1]
        )

    async def send(self, service_data: bytes) -> None:
        self.sent.append(service_data)
        await self.advertise(ad(0x01, b"\x06") + ad(0x16, _FE95 + service_data) + self._name_ad())

    async def step_on(
        self,
        weight_kg: float,
        *,
        impedance_ohm: float | None = 520.0,
        heart_rate_bpm: int | None = 72,
        hold_s: float = 0.25,
        close: bool = True,
    ) -> None:
        """Packet A (weight, heart rate, 50 kHz impedance), then packet B (only the 250 kHz impedance)."""
        await self.send(self.seal(s400_object(weight_kg, heart_rate_bpm if impedance_ohm else None, impedance_ohm)))
        await asyncio.sleep(hold_s)
        if impedance_ohm and close:
            await self.send(self.seal(s400_object(0.0, None, round(impedance_ohm * 0.92, 1))))
            await asyncio.sleep(hold_s)
        self.events.append("stable")

    async def step_off(self) -> None:
        await self.send(self.seal(s400_object(0.0, None, None)))
        await asyncio.sleep(0.05)
        await self.idle()
        self.events.append("off")

    async def idle(self) -> None:
        """Awake and empty: MiBeacon frames without an object (xiaomi-ble: "S400 idle packet")."""
        await self.send(self.idle_payload())
