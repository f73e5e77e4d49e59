"""End-to-end encryption against a real Synapse, with matrix-nio (python-olm) as the clinic's staff client.

Both directions, attachments both ways, a key rotation after a second staff member joins, and a check that
Synapse's own database holds no plaintext of what was said.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from companion.messaging.outbox import queue_message
from companion.messaging.service import Messenger
from companion.store.e2ee import E2eeRepo
from companion.store.messages import Messages

from .conftest import Clinic, Patient, unique
from .nio_peer import NioClinic, nio_python


@pytest.fixture(scope="session")
def nio_py() -> Path:
    try:
        return nio_python()
    except Exception as exc:  # pragma: no cover - no PyPI mirror
        pytest.skip(f"cannot install matrix-nio[e2e]: {exc}")


@pytest.fixture
def enc_patient(clinic: Clinic) -> Patient:
    from companion.messaging.provision import provision_patient

    name = unique("encpat")
    result = asyncio.run(provision_patient(clinic.server.url, clinic.token, name))  # encrypted by default
    assert result.password
    return Patient(name, result.patient_mxid, result.password, result.room_id)


@pytest.fixture
def staff(clinic: Clinic, nio_py: Path, tmp_path: Path) -> Iterator[NioClinic]:
    peer = NioClinic(nio_py, tmp_path / "nio-staff")
    peer.login(clinic.server.url, clinic.user_id, "clinic-pass")
    yield peer
    peer.close()


@pytest.fixture
def patient_store(live_store, synapse, clinic, enc_patient):  # type: ignore[no-untyped-def]
    from companion.messaging.session import login

    asyncio.run(login(live_store, synapse.url, enc_patient.user, enc_patient.password, clinic.user_id))
    return live_store


async def sync_until(m: Messenger, predicate: Any, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await m.sync_once(timeout_ms=500)
        if predicate():
            return
    raise AssertionError("condition not reached")


def bodies(store: Any) -> dict[str, Any]:
    return {m.body: m for m in Messages(store).all()}


def test_companion_and_nio_read_each_other(patient_store, staff, enc_patient) -> None:  # type: ignore[no-untyped-def]
    store = patient_store
    room = enc_patient.room_id

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()  # accepts the clinic's invite
            await m.sync_once()  # the room's state, with m.room.encryption
            assert Messages(store).room(room).encrypted  # type: ignore[union-attr]
            queue_message(store, "Hallo kliniek, mijn gewicht is 81,4 kg")
            sent = await m.send_pending()
            assert sent.sent == 1, sent
            seen = staff.call("wait_for", body="Hallo kliniek, mijn gewicht is 81,4 kg", seconds=20)
            assert seen.get("decrypted") is True, seen
            staff.call("send", room_id=room, content={"msgtype": "m.text", "body": "Goed bezig! Tot donderdag."})
            await sync_until(m, lambda: "Goed bezig! Tot donderdag." in bodies(store))
            message = bodies(store)["Goed bezig! Tot donderdag."]
            trust = E2eeRepo(store).trust_for([message.event_id])[message.event_id]
            assert trust.encrypted and not trust.verified  # the staff device is not verified yet
            own = bodies(store)["Hallo kliniek, mijn gewicht is 81,4 kg"]
            assert own.status == "sent"
            assert E2eeRepo(store).trust_for([own.event_id])[own.event_id].verified

    asyncio.run(scenario())
