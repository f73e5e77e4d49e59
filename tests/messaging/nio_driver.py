"""The clinic's staff client for the interop tests: matrix-nio with end-to-end encryption (python-olm).

Runs inside its own virtualenv (``tests/messaging/nio_peer.py`` creates it), never imported by Companion or
by pytest directly. Speaks JSON lines on stdin/stdout: one command object in, one answer object out.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sys
import time
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    KeyVerificationStart,
    MegolmEvent,
    RoomEncryptedFile,
    RoomMessageText,
    UploadResponse,
)
from nio.crypto import attachments


class Peer:
    def __init__(self) -> None:
        self.client: AsyncClient | None = None
        self.messages: list[dict[str, Any]] = []
        self.homeserver = ""

    async def login(self, homeserver: str, user: str, password: str, store: str) -> dict[str, Any]:
        self.homeserver = homeserver
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
        self.client = AsyncClient(homeserver, user, store_path=store, config=config)
        response = await self.client.login(password, device_name="clinic-nio")
        if not getattr(response, "access_token", None):
            raise RuntimeError(f"login failed: {response}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self.sync(full_state=True)
        return {"device_id": self.client.device_id, "ed25519": self.client.olm.account.identity_keys["ed25519"]}

    async def sync(self, full_state: bool = False, timeout: int = 300) -> dict[str, Any]:
        client = self.client
        assert client is not None
        response = await client.sync(timeout=timeout, full_state=full_state)
        rooms = getattr(response, "rooms", None)
        for room_id, room in (rooms.join.items() if rooms else []):
            for event in room.timeline.events:
                self._collect(room_id, event)
        for room_id in (rooms.invite if rooms else {}):
            await client.join(room_id)
        for event in getattr(response, "to_device_events", None) or []:
            if isinstance(event, KeyVerificationStart):  # the patient starts; staff accept on their side
                await client.accept_key_verification(event.transaction_id)
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()
        return {"ok": True}

    def _collect(self, room_id: str, event: Any) -> None:
        item: dict[str, Any] = {"room_id": room_id, "event_id": event.event_id, "sender": event.sender}
        if isinstance(event, RoomMessageText):
            item.update(kind="text", body=event.body, decrypted=bool(getattr(event, "decrypted", False)))
        elif isinstance(event, RoomEncryptedFile):
            item.update(kind="file", body=event.body, url=event.url, key=event.key, hashes=event.hashes,
                        iv=event.iv, decrypted=True)
        elif isinstance(event, MegolmEvent):
            item.update(kind="undecryptable", session_id=event.session_id)
        else:
            return
        self.messages.append(item)

    async def wait_for(self, body: str, seconds: float) -> dict[str, Any]:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for item in self.messages:
                if item.get("body") == body:
                    return item
            await self.sync(timeout=500)
        return {"missing": body, "seen": self.messages[-10:]}

    async def send(self, room_id: str, content: dict[str, Any]) -> dict[str, Any]:
        client = self.client
        assert client is not None
        await self.sync(timeout=0)
        response = await client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        event_id = getattr(response, "event_id", None)
        if not event_id:
            raise RuntimeError(f"send failed: {response}")
        return {"event_id": event_id}

    async def send_file(self, room_id: str, data_b64: str, name: str) -> dict[str, Any]:
        client = self.client
        assert client is not None
        plain = base64.b64decode(data_b64)
        cipher, keys = attachments.encrypt_attachment(plain)
        upload, _ = await client.upload(io.BytesIO(cipher), content_type="application/octet-stream",
                                        filename="encrypted", filesize=len(cipher))
        if not isinstance(upload, UploadResponse):
            raise RuntimeError(f"upload failed: {upload}")
        file = {"url": upload.content_uri, "key": keys["key"], "iv": keys["iv"], "hashes": keys["hashes"],
                "v": keys["v"]}
        content = {"msgtype": "m.file", "body": name, "info": {"size": len(plain)}, "file": file}
        return await self.send(room_id, content)

    async def download(self, url: str, key: dict[str, Any], hashes: dict[str, Any], iv: str) -> dict[str, Any]:
        client = self.client
        assert client is not None
        server, media = url[len("mxc://"):].split("/", 1)
        async with aiohttp.ClientSession() as http, http.get(
            f"{self.homeserver}/_matrix/client/v1/media/download/{server}/{media}",
            headers={"Authorization": f"Bearer {client.access_token}"},
        ) as response:
            cipher = await response.read()
        plain = attachments.decrypt_attachment(cipher, key["k"], hashes["sha256"], iv)
        return {"data": base64.b64encode(plain).decode()}

    async def devices(self, user: str) -> dict[str, Any]:
        client = self.client
        assert client is not None
        client.olm.users_for_key_query.add(user)  # type: ignore[union-attr]
        await client.keys_query()
        found = {d.id: d.ed25519 for d in client.device_store.active_user_devices(user)}
        return {"devices": found}

    async def sas(self, seconds: float = 10.0) -> dict[str, Any]:
        """Sync until a verification shows its emoji; returns them (with the transaction id)."""
        client = self.client
        assert client is not None
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for tx, sas in client.key_verifications.items():
                if sas.other_key_set:
                    return {"transaction_id": tx, "emoji": [list(e) for e in sas.get_emoji()]}
            await self.sync(timeout=300)
        return {"transaction_id": None}

    async def confirm_sas(self, transaction_id: str, seconds: float = 10.0) -> dict[str, Any]:
        client = self.client
        assert client is not None
        await client.confirm_short_auth_string(transaction_id)
        end = time.monotonic() + seconds
        sas = client.key_verifications.get(transaction_id)
        while time.monotonic() < end and sas is not None and not sas.verified and not sas.canceled:
            await self.sync(timeout=300)
        return {"verified": bool(sas and sas.verified), "canceled": bool(sas and sas.canceled)}

    async def close(self) -> dict[str, Any]:
        if self.client is not None:
            await self.client.close()
        return {"ok": True}


async def main() -> None:
    peer = Peer()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        command = json.loads(line)
        name = command.pop("cmd")
        try:
            answer = await getattr(peer, name)(**command)
        except Exception as exc:  # reported to the test, which fails with the message
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if name == "close":
            break


if __name__ == "__main__":
    asyncio.run(main())
