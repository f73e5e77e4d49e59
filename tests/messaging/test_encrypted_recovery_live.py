"""Defect 5: a patient room that became end-to-end encrypted (on a homeserver without the policy module, staff
turned encryption on in Element) is replaced, not reused, and the patient's client follows the clinic to the
new room deterministically — real Synapse without ``block_encryption``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from companion.messaging import devserver
from companion.messaging.outbox import queue_message
from companion.messaging.provision import ProvisionResult, provision_patient
from companion.messaging.service import Messenger
from companion.messaging.session import login
from companion.store.messages import Messages

from .conftest import Clinic, running_synapse, unique


@pytest.fixture(scope="module")
def open_synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[devserver.Homeserver]:
    yield from running_synapse(tmp_path_factory.mktemp("synapse-e2ee"), devserver.ServerOptions(block_encryption=False))


def _clinic_and_patient(server: devserver.Homeserver, store) -> tuple[Clinic, str, ProvisionResult]:  # type: ignore[no-untyped-def]
    """A fresh clinic account, a provisioned patient, and that patient logged in on ``store``."""
    admin = server.register(unique("clinic"), "clinic-pass", admin=True)
    clinic = Clinic(server, admin["user_id"], admin["access_token"])
    patient = unique("pat")
    first = _run(provision_patient(server.url, clinic.token, patient))
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


def test_encrypted_room_is_replaced_and_the_client_follows(open_synapse, live_store) -> None:  # type: ignore[no-untyped-def]
    clinic, patient, first = _clinic_and_patient(open_synapse, live_store)

    async def sync(times: int = 2) -> list[str]:
        notices: list[str] = []
        async with Messenger(live_store) as m:
            for _ in range(times):
                notices += (await m.sync_once()).notices()
        return notices

    _run(sync())
    assert Messages(live_store).clinic_room().room_id == first.room_id  # type: ignore[union-attr]
    clinic.join(first.room_id)
    _encrypt(clinic, first.room_id)
    notices = _run(sync(1))
    assert any("encrypt" in n for n in notices)
    # The patient asks the clinic for a new conversation; provisioning again must not hand back the old one.
    again = _run(provision_patient(open_synapse.url, clinic.token, patient))
    assert again.room_id != first.room_id and not again.reused_room
    assert again.replaced_room == first.room_id
    tombstone = clinic.call(
        "GET", f"/_matrix/client/v3/rooms/{quote(first.room_id)}/state/m.room.tombstone/").json()
    assert tombstone["replacement_room"] == again.room_id
    _run(sync(2))
    clinic.join(again.room_id)
    # The old room stays busy (the clinic's other client writes there): the choice must not follow activity.
    clinic.send(first.room_id, "activity in the old room")
    notices = _run(sync(1))
    room = Messages(live_store).clinic_room()
    assert room is not None and room.room_id == again.room_id and not room.encrypted
    assert not any("encrypt" in n for n in notices)
    queue_message(live_store, "hello in the new room")

    async def send() -> None:
        async with Messenger(live_store) as m:
            assert (await m.send_pending()).sent == 1

    _run(send())
    assert "hello in the new room" in [e["content"]["body"] for e in clinic.messages(again.room_id)]
    # A third provisioning reuses the new, unencrypted room.
    third = _run(provision_patient(open_synapse.url, clinic.token, patient))
    assert third.room_id == again.room_id and third.reused_room


def test_only_the_clinics_marked_room_is_chosen(open_synapse, live_store) -> None:  # type: ignore[no-untyped-def]
    """Two joined rooms with the clinic: the provisioned (marked) one wins over a newer, busier other room."""
    clinic, _patient, first = _clinic_and_patient(open_synapse, live_store)
    other = clinic.call("POST", "/_matrix/client/v3/createRoom", json={
        "preset": "private_chat", "invite": [Messages(live_store).account().user_id],  # type: ignore[union-attr]
        "name": "Newsletter"}).json()["room_id"]

    async def sync(times: int) -> None:
        async with Messenger(live_store) as m:
            for _ in range(times):
                await m.sync_once()

    _run(sync(3))
    clinic.send(other, "busy newsletter room")
    _run(sync(1))
    room = Messages(live_store).clinic_room()
    assert room is not None and room.room_id == first.room_id
