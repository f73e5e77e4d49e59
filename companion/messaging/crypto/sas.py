"""Device verification by comparing emoji (spec v1.19 "Short Authentication String (SAS) verification",
``m.sas.v1`` over to-device messages), with vodozemac's ``Sas``.

Companion starts (``m.key.verification.start``), the other device accepts with a commitment to its key, both
exchange ephemeral Curve25519 keys, and each side shows seven emoji derived from the shared secret. When the
patient confirms they match what the clinic's screen shows, Companion sends MACs of its device key and checks
the other side's; only then is that device marked verified.

Key agreement ``curve25519-hkdf-sha256``; MAC ``hkdf-hmac-sha256.v2`` when the other side offers it, else
``hkdf-hmac-sha256`` (libolm's historical base64 quirk, which vodozemac reproduces as
``calculate_mac_invalid_base64``; matrix-nio 0.25 still uses it). Emoji table: spec "SAS method: emoji"
(data-definitions/sas-emoji.json, 64 entries).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

import vodozemac

from companion.i18n import _
from companion.messaging.crypto.machine import b64encode, canonical_json
from companion.store.e2ee import DeviceRow

if TYPE_CHECKING:
    from companion.messaging.crypto.engine import Encryption

EMOJI = [
    ("🐶", "Dog"), ("🐱", "Cat"), ("🦁", "Lion"), ("🐎", "Horse"), ("🦄", "Unicorn"), ("🐷", "Pig"),
    ("🐘", "Elephant"), ("🐰", "Rabbit"), ("🐼", "Panda"), ("🐓", "Rooster"), ("🐧", "Penguin"),
    ("🐢", "Turtle"), ("🐟", "Fish"), ("🐙", "Octopus"), ("🦋", "Butterfly"), ("🌷", "Flower"),
    ("🌳", "Tree"), ("🌵", "Cactus"), ("🍄", "Mushroom"), ("🌏", "Globe"), ("🌙", "Moon"), ("☁️", "Cloud"),
    ("🔥", "Fire"), ("🍌", "Banana"), ("🍎", "Apple"), ("🍓", "Strawberry"), ("🌽", "Corn"), ("🍕", "Pizza"),
    ("🎂", "Cake"), ("❤️", "Heart"), ("😀", "Smiley"), ("🤖", "Robot"), ("🎩", "Hat"), ("👓", "Glasses"),
    ("🔧", "Spanner"), ("🎅", "Santa"), ("👍", "Thumbs Up"), ("☂️", "Umbrella"), ("⌛", "Hourglass"),
    ("⏰", "Clock"), ("🎁", "Gift"), ("💡", "Light Bulb"), ("📕", "Book"), ("✏️", "Pencil"),
    ("📎", "Paperclip"), ("✂️", "Scissors"), ("🔒", "Lock"), ("🔑", "Key"), ("🔨", "Hammer"),
    ("☎️", "Telephone"), ("🏁", "Flag"), ("🚂", "Train"), ("🚲", "Bicycle"), ("✈️", "Aeroplane"),
    ("🚀", "Rocket"), ("🏆", "Trophy"), ("⚽", "Ball"), ("🎸", "Guitar"), ("🎺", "Trumpet"), ("🔔", "Bell"),
    ("⚓", "Anchor"), ("🎧", "Headphones"), ("📁", "Folder"), ("📌", "Pin"),
]
KEY_AGREEMENT = "curve25519-hkdf-sha256"
MAC_V2 = "hkdf-hmac-sha256.v2"
MAC_V1 = "hkdf-hmac-sha256"


class VerificationFailed(Exception):
    """``str(error)`` says plainly why the devices were not verified."""


class SasVerification:
    """One verification that this device started with ``device``. Feed it the other side's to-device
    events (``on_event``); ``emoji`` is set once keys were exchanged; ``confirm()`` after the patient
    compared them; ``verified`` once the other side's MAC checked out."""

    def __init__(self, engine: Encryption, device: DeviceRow) -> None:
        self.engine = engine
        self.device = device
        self.transaction_id = uuid.uuid4().hex
        self._sas = vodozemac.Sas()
        self._public = self._sas.public_key.to_base64()
        self._established: Any = None
        self._commitment: str | None = None
        self._mac_method = MAC_V2
        self._their_mac: dict[str, Any] | None = None
        self._confirmed = False
        self.emoji: list[tuple[str, str]] | None = None
        self.verified = False
        self.failure: str | None = None
        self.start_content = {
            "from_device": engine.machine.device_id,
            "method": "m.sas.v1",
            "transaction_id": self.transaction_id,
            "key_agreement_protocols": [KEY_AGREEMENT],
            "hashes": ["sha256"],
            "message_authentication_codes": [MAC_V2, MAC_V1],
            "short_authentication_string": ["emoji", "decimal"],
        }

    async def _send(self, kind: str, content: dict[str, Any]) -> None:
        await self.engine.send_to_device(kind, {self.device.user_id: {self.device.device_id: content}})

    async def start(self) -> None:
        self.engine.on_verification = self.on_event
        await self._send("m.key.verification.start", self.start_content)

    async def cancel(self, code: str, reason: str) -> None:
        self.failure = reason
        await self._send("m.key.verification.cancel", {"transaction_id": self.transaction_id, "code": code,
                                                       "reason": reason})

    async def on_event(self, event: dict[str, Any]) -> None:
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(content, dict)
        if content.get("transaction_id") != self.transaction_id or event.get("sender") != self.device.user_id:
            return
        kind = event.get("type")
        if kind == "m.key.verification.cancel":
            self.failure = _("The other device cancelled the verification ({reason}).").format(
                reason=str(content.get("reason") or content.get("code") or "?")[:100])
        elif kind == "m.key.verification.accept":
            method = content.get("message_authentication_code")
            if content.get("key_agreement_protocol") != KEY_AGREEMENT or method not in (MAC_V2, MAC_V1) or \
                    "emoji" not in (content.get("short_authentication_string") or []):
                await self.cancel("m.unknown_method", _("The other device offers no method Companion supports."))
                return
            self._mac_method = str(method)
            self._commitment = str(content.get("commitment"))
            await self._send("m.key.verification.key", {"transaction_id": self.transaction_id, "key": self._public})
        elif kind == "m.key.verification.key" and isinstance(content.get("key"), str):
            their = content["key"]
            expected = b64encode(hashlib.sha256((their + canonical_json(self.start_content).decode()).encode())
                                 .digest())
            if expected != self._commitment:
                await self.cancel("m.mismatched_commitment", _("The other device's key does not match its "
                                                               "commitment: this is not a safe channel."))
                return
            try:
                self._established = self._sas.diffie_hellman(vodozemac.Curve25519PublicKey.from_base64(their))
            except (ValueError, TypeError):
                await self.cancel("m.key_mismatch", _("The other device sent an invalid key."))
                return
            me, it = self.engine.machine, self.device
            info = (f"MATRIX_KEY_VERIFICATION_SAS|{me.user_id}|{me.device_id}|{self._public}|"
                    f"{it.user_id}|{it.device_id}|{their}|{self.transaction_id}")
            indices = self._established.bytes(info).emoji_indices
            self.emoji = [EMOJI[i] for i in indices]
        elif kind == "m.key.verification.mac":
            self._their_mac = content
            if self._confirmed:
                await self._check_mac()

    def _mac(self, text: str, info: str) -> str:
        if self._mac_method == MAC_V1:
            return str(self._established.calculate_mac_invalid_base64(text, info))
        return str(self._established.calculate_mac(text, info))

    async def confirm(self) -> None:
        """The patient saw the same emoji on both screens: send our MAC (and check theirs if it came)."""
        if self._established is None:
            raise VerificationFailed(_("The verification has not reached the emoji yet."))
        self._confirmed = True
        me, it = self.engine.machine, self.device
        base = f"MATRIX_KEY_VERIFICATION_MAC{me.user_id}{me.device_id}{it.user_id}{it.device_id}{self.transaction_id}"
        key_id = f"ed25519:{me.device_id}"
        await self._send("m.key.verification.mac", {
            "transaction_id": self.transaction_id,
            "mac": {key_id: self._mac(me.ed25519, base + key_id)},
            "keys": self._mac(key_id, base + "KEY_IDS"),
        })
        if self._their_mac is not None:
            await self._check_mac()

    async def _check_mac(self) -> None:
        me, it = self.engine.machine, self.device
        content = self._their_mac or {}
        base = f"MATRIX_KEY_VERIFICATION_MAC{it.user_id}{it.device_id}{me.user_id}{me.device_id}{self.transaction_id}"
        macs = content.get("mac") if isinstance(content.get("mac"), dict) else {}
        assert isinstance(macs, dict)
        key_id = f"ed25519:{it.device_id}"
        expected_keys = ",".join(sorted(macs))
        if (
            key_id not in macs
            or content.get("keys") != self._mac(expected_keys, base + "KEY_IDS")
            or macs[key_id] != self._mac(it.ed25519, base + key_id)
        ):
            await self.cancel("m.key_mismatch", _("The other device's keys do not match: it was not verified."))
            return
        self.engine.repo.set_trust(it.user_id, it.device_id, "verified")
        self.verified = True
        await self._send("m.key.verification.done", {"transaction_id": self.transaction_id})
