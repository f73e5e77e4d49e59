"""End-to-end encryption over the Client-Server API: keys up and down, to-device traffic, room encryption.

``Encryption`` joins a ``CryptoMachine`` (state and cryptography) to a ``MatrixClient`` (HTTP). The
``Messenger`` calls three things: ``process_sync(body)`` before parsing each ``/sync`` answer (it decrypts
timeline events in place, so the plain parser sees ordinary messages), ``decrypt_events`` for ``/messages``
pages, and ``encrypt(room_id, content)`` before sending into an encrypted room.

Spec v1.19 "End-to-End Encryption": POST /keys/upload, /keys/query, /keys/claim; PUT /sendToDevice;
sync's ``to_device``, ``device_lists`` and ``device_one_time_keys_count``; ``m.room_key``,
``m.room_key_request``, ``m.forwarded_room_key``. Which devices get a room key: every current device of
every joined or invited member that is not blocked (keys changed, or refused); unverified devices are
included and the conversation says so (trust on first use, with SAS verification to confirm).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.i18n import _
from companion.messaging.client import CLIENT, MatrixClient, q
from companion.messaging.crypto.machine import (
    MEGOLM,
    OLM,
    OTK_ALGORITHM,
    CryptoMachine,
    DecryptionFailure,
)
from companion.messaging.errors import BadResponse, HomeserverUnreachable, MatrixError
from companion.messaging.events import TXN_FIELD
from companion.store.e2ee import DeviceRow, E2eeRepo, Trust

if TYPE_CHECKING:
    from companion.store import Store

log = logging.getLogger("companion.messaging.crypto")
ENCRYPTED = "m.room.encrypted"


def adopt_encrypted_file(content: dict[str, Any], repo: E2eeRepo) -> None:
    """An ``m.file``/``m.image``… with ``file`` (EncryptedFile, spec "Sending encrypted attachments"): its
    key is remembered by mxc URI and ``url`` is set, so the plain parser lists it and the download decrypts."""
    file = content.get("file")
    if isinstance(file, dict) and isinstance(file.get("url"), str) and file["url"].startswith("mxc://"):
        repo.save_attachment_key(file["url"], file)
        content["url"] = file["url"]


def _redacted(event: dict[str, Any]) -> bool:
    unsigned = event.get("unsigned")
    return isinstance(unsigned, dict) and isinstance(unsigned.get("redacted_because"), dict)


def _is_edit(content: dict[str, Any]) -> bool:
    relates = content.get("m.relates_to")
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


def _with_cleartext_relation(event: dict[str, Any], relates: object) -> dict[str, Any]:
    """A decrypted event with the relation its cleartext names. Spec v1.19 "Editing encrypted events": the
    ``m.relates_to`` of an encrypted event is sent in the unencrypted part, and one inside the payload is
    ignored. matrix-nio 0.25 (matrix-commander, used by clinics) puts it only inside the payload (its
    ``group_encrypt`` encrypts the whole content), so that one counts when the cleartext has none."""
    content = event.get("content")
    if not isinstance(content, dict) or not isinstance(relates, dict):
        return event
    return {**event, "content": {**content, "m.relates_to": relates}}


class Encryption:
    """One logged-in device's end-to-end encryption. ``warnings`` collects plain sentences for the UI."""

    def __init__(self, store: Store, client: MatrixClient, user_id: str, device_id: str,
                 now_ms: Callable[[], int]) -> None:
        self._store = store
        self.repo = E2eeRepo(store)
        self.client = client
        self.user_id = user_id
        self.machine = CryptoMachine(self.repo, user_id, device_id, now_ms)
        self.warnings: list[str] = []
        self._members: dict[str, list[str]] = {}
        self._requested: set[str] = set()
        self._new_sessions: list[tuple[str, str]] = []
        self._pending_requests: list[dict[str, Any]] = []
        self.on_verification: Any = None  # the running SAS verification's event handler (crypto.sas)
        self.backup: Any = None  # companion.messaging.crypto.backup.KeyBackup, when one is set up
        account = self.repo.account()
        if account is not None and account.backup_version and account.backup_key:
            from companion.messaging.crypto.backup import KeyBackup

            self.backup = KeyBackup(self, account.backup_version, account.backup_key)

    # ----- keys on the server --------------------------------------------------------------------------
    async def ensure_uploaded(self) -> None:
        """Device keys, one-time keys and a fallback key, once per device (the first sync calls this)."""
        if self.machine.keys_uploaded:
            return
        body = {
            "device_keys": self.machine.device_keys(),
            "one_time_keys": self.machine.one_time_keys(0),
            "fallback_keys": self.machine.fallback_keys(),
        }
        await self.client.request("POST", f"{CLIENT}/keys/upload", json_body=body)
        self.machine.mark_published()

    async def replenish(self, server_count: int) -> None:
        keys = self.machine.one_time_keys(server_count)
        if keys:
            await self.client.request("POST", f"{CLIENT}/keys/upload", json_body={"one_time_keys": keys})
            self.machine.mark_published()

    async def _upload_fallback(self) -> None:
        await self.client.request(
            "POST", f"{CLIENT}/keys/upload", json_body={"fallback_keys": self.machine.fallback_keys()}
        )
        self.machine.mark_published()

    async def query(self, users: list[str]) -> None:
        if not users:
            return
        body = await self.client.request(
            "POST", f"{CLIENT}/keys/query", json_body={"device_keys": {u: [] for u in users}, "timeout": 10_000}
        )
        keys = body.get("device_keys") if isinstance(body.get("device_keys"), dict) else {}
        assert isinstance(keys, dict)
        for user in users:
            devices = keys.get(user)
            if isinstance(devices, dict):
                self.warnings.extend(self.machine.update_devices(user, devices))
        self.repo.mark_fresh(users)

    async def _claim(self, devices: list[DeviceRow]) -> None:
        wanted = [d for d in devices if not self.machine.has_olm_session(d.curve25519)]
        if not wanted:
            return
        request: dict[str, dict[str, str]] = {}
        for device in wanted:
            request.setdefault(device.user_id, {})[device.device_id] = OTK_ALGORITHM
        body = await self.client.request(
            "POST", f"{CLIENT}/keys/claim", json_body={"one_time_keys": request, "timeout": 10_000}
        )
        claimed = body.get("one_time_keys") if isinstance(body.get("one_time_keys"), dict) else {}
        assert isinstance(claimed, dict)
        for device in wanted:
            keys = (claimed.get(device.user_id) or {}).get(device.device_id)
            if not isinstance(keys, dict) or not self.machine.create_outbound_olm(device, keys):
                self.warnings.append(
                    _("Could not start an encrypted channel with device {device} of {user}.").format(
                        device=device.device_id, user=device.user_id
                    )
                )

    async def send_to_device(self, event_type: str, messages: dict[str, dict[str, Any]]) -> None:
        if messages:
            await self.client.request(
                "PUT",
                f"{CLIENT}/sendToDevice/{q(event_type)}/{q(uuid.uuid4().hex)}",
                json_body={"messages": messages},
            )

    async def send_olm(self, devices: list[DeviceRow], event_type: str, content: dict[str, Any]) -> list[DeviceRow]:
        """Encrypt ``content`` for each device over Olm (claiming sessions where needed); who got it."""
        await self._claim(devices)
        messages: dict[str, dict[str, Any]] = {}
        reached: list[DeviceRow] = []
        for device in devices:
            if not self.machine.has_olm_session(device.curve25519):
                continue
            messages.setdefault(device.user_id, {})[device.device_id] = self.machine.encrypt_olm(
                device, event_type, content
            )
            reached.append(device)
        await self.send_to_device(ENCRYPTED, messages)
        return reached

    # ----- rooms ---------------------------------------------------------------------------------------
    async def members(self, room_id: str) -> list[str]:
        cached = self._members.get(room_id)
        if cached is not None:
            return cached
        body = await self.client.request(
            "GET", f"{CLIENT}/rooms/{q(room_id)}/members", params={"not_membership": "leave"}
        )
        users = sorted(
            {
                str(e.get("state_key"))
                for e in body.get("chunk") or []
                if isinstance(e, dict)
                and isinstance(e.get("state_key"), str)
                and isinstance(e.get("content"), dict)
                and e["content"].get("membership") in ("join", "invite")
            }
        )
        self._members[room_id] = users
        self.repo.track(sorted(set(users) - set(self.repo.tracked_users())))  # new ones: fetch their devices
        return users

    async def recipients(self, room_id: str) -> list[DeviceRow]:
        users = await self.members(room_id)
        await self.query([u for u in self.repo.outdated_users() if u in users])
        devices: list[DeviceRow] = []
        for user in users:
            for device in self.repo.devices(user):
                own = user == self.user_id and device.device_id == self.machine.device_id
                if device.trust != "blocked" and not own:
                    devices.append(device)
        return devices

    def unverified_devices(self, room_id: str) -> list[DeviceRow]:
        """Devices in the room that receive keys without having been verified (for the UI's warning)."""
        users = self._members.get(room_id) or []
        return [
            d
            for u in users
            for d in self.repo.devices(u)
            if d.trust == "unverified" and not (u == self.user_id and d.device_id == self.machine.device_id)
        ]

    async def encrypt(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message"
    ) -> dict[str, Any]:
        """Share the room key with whoever lacks it, then encrypt ``content`` (an ``m.room.encrypted``
        content to send)."""
        await self.ensure_uploaded()
        devices = await self.recipients(room_id)
        session, missing = self.machine.outbound(room_id, devices)
        if missing:
            reached = await self.send_olm(missing, "m.room_key", self.machine.room_key_content(room_id, session))
            self.machine.mark_shared(room_id, reached)
        self._new_sessions.append((room_id, session.session_id))
        return self.machine.encrypt_room_event(room_id, event_type, content)

    # ----- sync ----------------------------------------------------------------------------------------
    async def process_sync(self, body: dict[str, Any]) -> None:
        """Handle the crypto parts of one ``/sync`` answer and decrypt its timelines in place. Key upload
        trouble is logged and retried on the next sync; it never stops the plain conversation."""
        try:
            await self._keys_housekeeping(body)
        except (MatrixError, BadResponse, HomeserverUnreachable) as exc:
            log.warning("encryption keys not uploaded: %s", exc)
        lists = body.get("device_lists") if isinstance(body.get("device_lists"), dict) else {}
        assert isinstance(lists, dict)
        changed = [u for u in lists.get("changed") or [] if isinstance(u, str)]
        left = [u for u in lists.get("left") or [] if isinstance(u, str)]
        if changed:
            self.repo.mark_outdated(changed)
        if left:
            self.repo.untrack(left)
        to_device = body.get("to_device") if isinstance(body.get("to_device"), dict) else {}
        assert isinstance(to_device, dict)
        for event in to_device.get("events") or []:
            if isinstance(event, dict):
                await self._to_device(event)
        rooms = body.get("rooms") if isinstance(body.get("rooms"), dict) else {}
        assert isinstance(rooms, dict)
        joined = rooms.get("join") if isinstance(rooms.get("join"), dict) else {}
        assert isinstance(joined, dict)
        timelines: list[tuple[str, list[Any]]] = []
        for room_id, room in joined.items():
            if not isinstance(room, dict):
                continue
            state = room.get("state") if isinstance(room.get("state"), dict) else {}
            timeline = room.get("timeline") if isinstance(room.get("timeline"), dict) else {}
            assert isinstance(state, dict) and isinstance(timeline, dict)
            for section in (state.get("events"), timeline.get("events")):
                for event in section or []:
                    if isinstance(event, dict) and "state_key" in event:
                        self._state(room_id, event)
            events = timeline.get("events")
            if isinstance(events, list):
                timelines.append((room_id, events))
        try:  # device lists of the people we share encrypted rooms with, before judging their messages
            await self.query(self.repo.outdated_users())
        except (MatrixError, BadResponse, HomeserverUnreachable) as exc:
            log.warning("device keys not fetched: %s", exc)
        for room_id, events in timelines:
            await self.decrypt_events(room_id, events)
        await self.retry_pending()
        await self.send_key_requests()
        if self.backup is not None and self._new_sessions:
            try:
                await self.backup.upload_pending()
            except Exception as exc:  # the backup is best effort; the conversation goes on
                log.warning("key backup upload failed: %s", exc)
        self._new_sessions.clear()

    async def _keys_housekeeping(self, body: dict[str, Any]) -> None:
        if not self.machine.keys_uploaded:
            await self.ensure_uploaded()
            return  # this sync's counts predate the upload
        counts = body.get("device_one_time_keys_count")
        if isinstance(counts, dict):
            count = counts.get(OTK_ALGORITHM)
            if isinstance(count, int) and count < self.machine.account.max_number_of_one_time_keys // 2:
                await self.replenish(count)
        unused = body.get("device_unused_fallback_key_types")
        if isinstance(unused, list) and OTK_ALGORITHM not in unused:
            await self._upload_fallback()

    def mark_own(self, event_id: str) -> None:
        """Our own message, sent encrypted from this device."""
        self.repo.set_trust_for(event_id, Trust(True, True, None))

    def take_warnings(self) -> list[str]:
        warnings, self.warnings = list(dict.fromkeys(self.warnings)), []
        return warnings

    def _state(self, room_id: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(content, dict)
        if kind == "m.room.encryption" and event.get("state_key") == "":
            if content.get("algorithm") == MEGOLM:
                self.machine.set_room_encryption(room_id, content)
        elif kind == "m.room.member":
            user = event.get("state_key")
            if isinstance(user, str):
                self._members.pop(room_id, None)
                if content.get("membership") in ("join", "invite"):
                    self.repo.track([user])
                # Membership changed: the next message uses a new session, so a member who left cannot read
                # it and one who joined gets only what follows.
                self.machine.rotate(room_id)

    async def decrypt_events(self, room_id: str, events: list[Any]) -> None:
        """Replace each ``m.room.encrypted`` event in ``events`` by what it carries (or a plain warning).
        One store transaction for the batch (replay records, trust flags)."""
        with self.repo.transaction():
            self._decrypt_batch(room_id, events)

    def _decrypt_batch(self, room_id: str, events: list[Any]) -> None:
        for event in events:
            if not isinstance(event, dict) or _redacted(event):
                continue  # a redacted event has nothing left to decrypt; the parser removes it
            self._decrypt_bundled_edit(room_id, event)
            if event.get("type") == ENCRYPTED and "state_key" not in event:
                self._decrypt_one(room_id, event)
            elif event.get("type") == "m.room.message" and isinstance(event.get("content"), dict):
                adopt_encrypted_file(event["content"], self.repo)
                event_id = event.get("event_id")
                if self.machine.is_encrypted(room_id) and isinstance(event_id, str):
                    if _is_edit(event["content"]):
                        # Spec "Editing encrypted events": the replacement of an encrypted event is encrypted
                        # too. A plain one (the server's operator could forge it) is ignored: without
                        # m.new_content the parser never applies it nor shows it.
                        event["content"].pop("m.new_content", None)
                        continue
                    # Anyone with access to the server (its operator too) can put such an event here.
                    self.repo.set_trust_for(event_id, Trust(False, False, _(
                        "Warning: this message was sent without encryption into an encrypted conversation."
                    )))

    def _decrypt_bundled_edit(self, room_id: str, event: dict[str, Any]) -> None:
        """The latest edit the server bundled (``unsigned.m.relations.m.replace``) is an encrypted event in
        an encrypted room: decrypted in place, so the parser applies it like any edit; left as it is (and so
        ignored) when its key is missing."""
        unsigned = event.get("unsigned")
        relations = unsigned.get("m.relations") if isinstance(unsigned, dict) else None
        edit = relations.get("m.replace") if isinstance(relations, dict) else None
        if not isinstance(edit, dict) or edit.get("type") != ENCRYPTED:
            return
        try:
            decrypted = self.machine.decrypt_room_event(room_id, edit)
        except DecryptionFailure:
            return
        relates = (edit.get("content") or {}).get("m.relates_to")
        edit.clear()
        edit.update(_with_cleartext_relation(decrypted.event, relates))
        if isinstance(edit.get("event_id"), str):
            self.repo.set_trust_for(edit["event_id"], decrypted.trust)

    def _decrypt_one(self, room_id: str, event: dict[str, Any]) -> None:
        event_id = event.get("event_id")
        original = dict(event)
        try:
            decrypted = self.machine.decrypt_room_event(room_id, event)
        except DecryptionFailure as failure:
            if failure.kind == "unknown-session" and isinstance(event_id, str):
                content = original.get("content") or {}
                session_id = str(content.get("session_id"))
                self.repo.add_pending(event_id, room_id, session_id, original, self.machine._now())
                self._want_key(room_id, original)
            self._replace_with_notice(event, str(failure))
            return
        event.clear()
        event.update(_with_cleartext_relation(decrypted.event, (original.get("content") or {}).get("m.relates_to")))
        if isinstance(event.get("content"), dict):
            adopt_encrypted_file(event["content"], self.repo)
        if isinstance(event_id, str):
            self.repo.set_trust_for(event_id, decrypted.trust)

    def _replace_with_notice(self, event: dict[str, Any], text: str) -> None:
        event_id = event.get("event_id")
        outer = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(outer, dict)
        event["type"] = "m.room.message"
        event["content"] = {"msgtype": "m.notice", "body": text}
        # What the cleartext says still counts: an edit stays an edit (without m.new_content the parser
        # neither applies nor shows it until its key arrives), and our own transaction id still matches.
        for key in ("m.relates_to", TXN_FIELD):
            if key in outer:
                event["content"][key] = outer[key]
        if isinstance(event_id, str):
            self.repo.set_trust_for(event_id, Trust(True, False, text))

    async def retry_pending(self) -> None:
        """Late keys: events stored as undecryptable are decrypted once their session arrived."""
        for room_id, session_id in self.repo.pending_sessions():
            if self.machine.first_known_index(room_id, session_id) is None:
                continue
            for _room, event in self.repo.pending_for(session_id):
                event_id = str(event.get("event_id"))
                try:
                    decrypted = self.machine.decrypt_room_event(room_id, event)
                except DecryptionFailure as failure:
                    self.repo.resolve_pending(event_id, None, None, Trust(True, False, str(failure)))
                    continue
                from companion.messaging.events import parse_message
                from companion.store.messages import Messages

                late = _with_cleartext_relation(decrypted.event, (event.get("content") or {}).get("m.relates_to"))
                content = late.get("content") or {}
                adopt_encrypted_file(content, self.repo)
                parsed = parse_message(late, room_id, self.user_id)  # the same parsing as every message
                if parsed is not None and parsed.replaces:
                    # A late edit: applied to its message; the placeholder it left (if any) goes.
                    self.repo.resolve_pending(event_id, None, None, decrypted.trust)
                    messages = Messages(self._store)
                    messages.apply_sync(None, [], [event_id])
                    messages.apply_sync(None, [parsed])
                    continue
                self.repo.resolve_pending(
                    event_id,
                    parsed.body or None if parsed is not None else None,
                    parsed.msgtype if parsed is not None else None,
                    decrypted.trust,
                )

    # ----- to-device -----------------------------------------------------------------------------------
    async def _to_device(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == ENCRYPTED:
            try:
                payload = self.machine.decrypt_olm(event)
            except DecryptionFailure as failure:
                log.info("to-device decryption failed: %s", failure.kind)
                if failure.kind in ("forged", "replayed"):
                    self.warnings.append(str(failure))
                return
            await self._olm_payload(payload)
        elif kind == "m.room_key_request":
            await self._key_request(event)
        elif isinstance(kind, str) and kind.startswith("m.key.verification."):
            handler = getattr(self, "on_verification", None)
            if callable(handler):
                await handler(event)

    async def _olm_payload(self, payload: dict[str, Any]) -> None:
        kind, content, sender_key = payload["type"], payload["content"], payload["sender_key"]
        signing_key = payload["keys"]["ed25519"]
        room_id = content.get("room_id")
        if not isinstance(room_id, str) or content.get("algorithm") != MEGOLM:
            if kind.startswith("m.key.verification."):
                handler = getattr(self, "on_verification", None)
                if callable(handler):
                    await handler({"type": kind, "content": content, "sender": payload["sender"]})
            return
        if kind == "m.room_key" and isinstance(content.get("session_key"), str):
            added = self.machine.add_inbound(room_id, content["session_key"], sender_key, signing_key)
            if added:
                self._new_sessions.append((room_id, added))
        elif kind == "m.forwarded_room_key" and isinstance(content.get("session_key"), str):
            forwarder = self.machine.device_for_key(sender_key)
            original_key = content.get("sender_key")
            claimed = content.get("sender_claimed_ed25519_key")
            trusted = forwarder is not None and (
                (forwarder.user_id == self.user_id and forwarder.trust == "verified")
                or forwarder.curve25519 == original_key
            )
            if not trusted or not isinstance(original_key, str) or not isinstance(claimed, str):
                self.warnings.append(_("Ignored a forwarded message key from a device that is not verified."))
                return
            added = self.machine.add_inbound(room_id, content["session_key"], original_key, claimed, exported=True)
            if added:
                self._new_sessions.append((room_id, added))

    def _want_key(self, room_id: str, event: dict[str, Any]) -> None:
        content = event.get("content") or {}
        session_id = content.get("session_id")
        if not isinstance(session_id, str) or session_id in self._requested:
            return
        self._requested.add(session_id)
        self._pending_requests.append(
            {
                "action": "request",
                "requesting_device_id": self.machine.device_id,
                "request_id": uuid.uuid4().hex,
                "body": {
                    "algorithm": MEGOLM,
                    "room_id": room_id,
                    "sender_key": content.get("sender_key"),
                    "session_id": session_id,
                },
                "_sender": event.get("sender"),
            }
        )

    async def send_key_requests(self) -> None:
        """``m.room_key_request`` (unencrypted to-device) to the sender's devices and our own others."""
        requests, self._pending_requests = self._pending_requests, []
        for request in requests:
            sender = request.pop("_sender", None)
            messages: dict[str, dict[str, Any]] = {self.user_id: {"*": request}}
            if isinstance(sender, str) and sender != self.user_id:
                messages[sender] = {"*": request}
            try:
                await self.send_to_device("m.room_key_request", messages)
            except MatrixError as exc:
                log.info("key request failed: %s", exc)

    async def _key_request(self, event: dict[str, Any]) -> None:
        """Answer another device's ``m.room_key_request``: only our own verified devices, or a device this
        session was shared with, get the key (forwarded over Olm)."""
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        assert isinstance(content, dict)
        body = content.get("body") if isinstance(content.get("body"), dict) else {}
        assert isinstance(body, dict)
        sender, device_id = event.get("sender"), content.get("requesting_device_id")
        room_id, session_id = body.get("room_id"), body.get("session_id")
        if content.get("action") != "request" or not all(
            isinstance(v, str) for v in (sender, device_id, room_id, session_id)
        ):
            return
        assert isinstance(sender, str) and isinstance(device_id, str)
        assert isinstance(room_id, str) and isinstance(session_id, str)
        if sender == self.user_id and device_id == self.machine.device_id:
            return
        device = self.repo.device(sender, device_id)
        if device is None:
            await self.query([sender])
            device = self.repo.device(sender, device_id)
        if device is None or device.trust == "blocked":
            return
        outbound = self.repo.outbound(room_id)
        shared = outbound is not None and f"{sender}|{device_id}" in outbound.shared_with
        if not ((sender == self.user_id and device.trust == "verified") or shared):
            return
        exported = self.machine.export_inbound(room_id, session_id)
        if exported is None:
            return
        row, key = exported
        await self.send_olm(
            [device],
            "m.forwarded_room_key",
            {
                "algorithm": MEGOLM,
                "room_id": room_id,
                "sender_key": row.sender_key,
                "session_id": session_id,
                "session_key": key,
                "sender_claimed_ed25519_key": row.signing_key,
                "forwarding_curve25519_key_chain": [],
            },
        )


__all__ = ["OLM", "MEGOLM", "Encryption", "adopt_encrypted_file"]
