"""Defect 5, now that Companion reads end-to-end encrypted rooms: a patient room that became encrypted (staff
turned encryption on in Element) is kept and reused, encrypted or not; a room is left only when the clinic
replaces it (``m.room.tombstone``, e.g. provisioning with ``--no-encryption`` for a patient whose app cannot
read encrypted rooms), and then the patient's client follows deterministically, not by activity — real
Synapse, whose policy module allows encryption (the default)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from companion.messaging import devserver
from companion.messaging.events import TXN_FIELD
from companion.messaging.outbox import queue_message
from companion.messaging.provision import ProvisionResult, provision_patient
from companion.messaging.service import Messenger
from companion.messaging.session import login
from companion.store.messages import Messages

from .conftest import Clinic, unique


def _clinic_and_patient(server: devserver.Homeserver, store, *, encrypted: bool) -> tuple[Clinic, str, ProvisionResult]:  # type: ignore[no-untyped-def]
    """A fresh clinic account, a provisioned patient, and that patient logged in on ``store``."""
    admin = server.register(unique("clinic"), "clinic-pass", admin=True)
    clinic = Clinic(server, admin["user_id"], admin["access_token"])
    patient = unique("pat")
    first = _run(provision_patient(server.url, clinic.token, patient, encrypted=encrypted))
    _run(login(store, server.url, patient, str(first.password), clinic.user_id))
    return clinic, patient, first


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def _encrypt(clinic: Clinic, room_id: str) -> None:
    clinic.call(
        "PUT",
        f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.encryption/",
        json={"algorithm": "m.megolm.v1.aes-sha2"},
    ).raise_for_status()


def _sync(store, times: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    async def go() -> list[str]:
        notices: list[str] = []
        async with Messenger(store) as m:
            for _ in range(times):
                notices += (await m.sync_once()).notices()
        return notices

    return _run(go())


def _send(store) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with Messenger(store) as m:
            assert (await m.send_pending()).sent == 1

    _run(go())


def test_room_that_turned_encrypted_is_kept_then_replaced_only_by_a_tombstone(synapse, live_store) -> None:  # type: ignore[no-untyped-def]
    # A plain room, as clinics provisioned them before E2EE; then staff turn encryption on.
    clinic, patient, first = _clinic_and_patient(synapse, live_store, encrypted=False)
    _sync(live_store)
    assert Messages(live_store).clinic_room().room_id == first.room_id  # type: ignore[union-attr]
    clinic.join(first.room_id)
    _encrypt(clinic, first.room_id)
    notices = _sync(live_store, 1)
    room = Messages(live_store).clinic_room()
    assert room is not None and room.room_id == first.room_id and room.encrypted  # kept, now encrypted
    assert not any("does not support" in n or "not supported" in n for n in notices)
    # Provisioning again reuses it: Companion can read encrypted rooms, so nothing is replaced.
    again = _run(provision_patient(synapse.url, clinic.token, patient))
    assert again.room_id == first.room_id and again.reused_room and again.replaced_room is None
    assert clinic.call(
        "GET", f"/_matrix/client/v3/rooms/{quote(first.room_id)}/state/m.room.tombstone/").status_code == 404
    # A message goes into it end-to-end encrypted: the server sees ciphertext, and our txn id in the clear.
    txn = queue_message(live_store, "hello in the encrypted room")
    _send(live_store)
    events = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(first.room_id)}/messages",
                         params={"dir": "b", "limit": 100}).json()["chunk"]
    sent = [e for e in events if e["type"] == "m.room.encrypted" and e["content"].get(TXN_FIELD) == txn]
    assert len(sent) == 1 and "hello in the encrypted room" not in str(events)

    # The clinic needs a plain room for this patient (an app without encryption): provisioning with
    # encrypted=False replaces the encrypted room with a tombstone, and the client follows.
    plain = _run(provision_patient(synapse.url, clinic.token, patient, encrypted=False))
    assert plain.room_id != first.room_id and not plain.reused_room
    assert plain.replaced_room == first.room_id
    tombstone = clinic.call(
        "GET", f"/_matrix/client/v3/rooms/{quote(first.room_id)}/state/m.room.tombstone/").json()
    assert tombstone["replacement_room"] == plain.room_id
    _sync(live_store)
    clinic.join(plain.room_id)
    # The old room stays busy (the clinic's other client writes there): the choice must not follow activity.
    clinic.send(first.room_id, "activity in the old room")
    _sync(live_store, 1)
    room = Messages(live_store).clinic_room()
    assert room is not None and room.room_id == plain.room_id and not room.encrypted
    queue_message(live_store, "hello in the new room")
    _send(live_store)
    assert "hello in the new room" in [e["content"]["body"] for e in clinic.messages(plain.room_id)]
    # Provisioning again (still plain) reuses the new room; so does the default, which reuses any room.
    third = _run(provision_patient(synapse.url, clinic.token, patient, encrypted=False))
    assert third.room_id == plain.room_id and third.reused_room
    fourth = _run(provision_patient(synapse.url, clinic.token, patient))
    assert fourth.room_id == plain.room_id and fourth.reused_room


def test_only_the_clinics_marked_room_is_chosen(synapse, live_store) -> None:  # type: ignore[no-untyped-def]
    """Two joined rooms with the clinic: the provisioned (marked, end-to-end encrypted) one wins over a newer,
    busier, unencrypted other room: encryption does not decide, the mark does."""
    clinic, _patient, first = _clinic_and_patient(synapse, live_store, encrypted=True)
    other = clinic.call("POST", "/_matrix/client/v3/createRoom", json={
        "preset": "private_chat", "invite": [Messages(live_store).account().user_id],  # type: ignore[union-attr]
        "name": "Newsletter"}).json()["room_id"]
    _sync(live_store, 3)
    clinic.send(other, "busy newsletter room")
    _sync(live_store, 1)
    room = Messages(live_store).clinic_room()
    assert room is not None and room.room_id == first.room_id and room.encrypted
    assert not Messages(live_store).room(other).encrypted  # type: ignore[union-attr]
