"""Issue #18's fixes in an end-to-end encrypted room, against a real Synapse with matrix-nio (python-olm) as the
clinic's staff client: an edit, a redaction, a long message, the clinic's read receipt, and no duplicate
after a re-login on a new device while a send's answer was lost."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx

from companion.messaging.events import TXN_FIELD
from companion.messaging.outbox import queue_message
from companion.messaging.service import Messenger
from companion.messaging.session import login, logout
from companion.store.e2ee import E2eeRepo
from companion.store.messages import Messages

from .test_conversation_live import DropResponses

# patient: test_e2ee_live's override of conftest's, an encrypted room (logged_in logs it in)
from .test_e2ee_live import bodies, nio_py, patient, staff, sync_until  # noqa: F401


def _raw_events(clinic: Any, room: str) -> list[dict[str, Any]]:
    answer = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages", params={"dir": "b", "limit": 100})
    answer.raise_for_status()
    return list(answer.json()["chunk"])


def test_edits_redactions_long_text_and_receipts_in_an_encrypted_room(  # type: ignore[no-untyped-def]
    logged_in, staff, patient, clinic  # noqa: F811  (fixtures from test_e2ee_live)
) -> None:
    store = logged_in
    room = patient.room_id
    lines = [f"regel {i}: eet je groenten" for i in range(1300)]
    long_body = "\n".join(lines) + "\nEINDE"
    assert 30_000 < len(long_body.encode()) < 45_000

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.sync_once()
            assert Messages(store).room(room).encrypted  # type: ignore[union-attr]
            original = staff.call("send", room_id=room, content={"msgtype": "m.text", "body": "Dosis: 10 mg"})
            staff.call("send", room_id=room, content={
                "msgtype": "m.text", "body": " * Dosis: 20 mg",
                "m.new_content": {"msgtype": "m.text", "body": "Dosis: 20 mg"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": original["event_id"]},
            })
            wrong = staff.call("send", room_id=room, content={"msgtype": "m.text", "body": "Uitslag van een ander"})
            staff.call("send", room_id=room, content={"msgtype": "m.text", "body": long_body})
            await sync_until(m, lambda: long_body in bodies(store) and "Dosis: 20 mg" in bodies(store))
            rows = [r for r in Messages(store).all() if not r.own]
            edited = [r for r in rows if r.event_id == original["event_id"]]
            assert len(edited) == 1 and edited[0].body == "Dosis: 20 mg" and edited[0].edited
            assert not any(r.body.startswith(" * ") for r in rows)  # the edit is no message of its own
            assert E2eeRepo(store).trust_for([original["event_id"]])[original["event_id"]].encrypted
            # Redactions are not encrypted (the server must read them); the message leaves this device.
            clinic.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/redact/{quote(wrong['event_id'])}/r1",
                        json={}).raise_for_status()
            await sync_until(m, lambda: "Uitslag van een ander" not in bodies(store))
            assert bodies(store)[long_body].body.endswith("EINDE")
            # Our message, encrypted; the clinic's read receipt marks it read.
            txn = queue_message(store, "Gelezen?")
            assert (await m.send_pending()).sent == 1
            own = Messages(store).by_txn(txn)
            assert own is not None and own.event_id
            clinic.call("POST", f"/_matrix/client/v3/rooms/{quote(room)}/receipt/m.read/{quote(own.event_id)}",
                        json={}).raise_for_status()
            await sync_until(m, lambda: bool(getattr(Messages(store).by_txn(txn), "read_by_clinic", False)))

    asyncio.run(scenario())


def test_no_duplicate_after_relogin_in_an_encrypted_room(  # type: ignore[no-untyped-def]
    logged_in, staff, patient, clinic, synapse  # noqa: F811  (fixtures from test_e2ee_live)
) -> None:
    store = logged_in
    room = patient.room_id
    body = "Verstuurd, antwoord kwijt"

    async def joined() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.sync_once()

    asyncio.run(joined())
    txn = queue_message(store, body)
    transport = DropResponses(httpx.AsyncHTTPTransport(), "/send/", times=1)

    async def interrupted() -> None:
        async with Messenger(store, transport=transport) as m:
            await m.send_pending()

    asyncio.run(interrupted())
    assert transport.dropped == 1  # the server has the encrypted event; this device does not know it
    old_device = Messages(store).account().device_id  # type: ignore[union-attr]
    asyncio.run(logout(store))
    account = asyncio.run(login(store, synapse.url, patient.user, patient.password, clinic.user_id))
    assert account.device_id != old_device  # a new device, without the old device's Megolm session

    async def again() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.flush(deadline_s=10)
            await m.sync_once()

    asyncio.run(again())
    ours = [e for e in _raw_events(clinic, room) if e["type"] == "m.room.encrypted"
            and e["content"].get(TXN_FIELD) == txn]
    assert len(ours) == 1  # sent once, found again by its txn id instead of being sent twice
    rows = [r for r in Messages(store).all() if r.txn_id == txn or r.event_id == ours[0]["event_id"]]
    assert len(rows) == 1 and rows[0].status == "sent" and rows[0].body == body
    assert Messages(store).outbox() == []
    seen = staff.call("wait_for", body=body, seconds=20)  # the clinic reads it (once: one event)
    assert seen.get("decrypted") is True, seen
