"""A real Synapse for the messaging tests: one per session, in its own virtualenv, on 127.0.0.1.

The virtualenv (``~/.cache/companion-tests/synapse-venv`` or ``COMPANION_SYNAPSE_VENV``) is created with
pip on
first use and reused afterwards. Tests isolate themselves by registering fresh users and rooms.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from companion.messaging import devserver

REFRESH_LIFETIME_S = 4


def running_synapse(directory: Path, options: devserver.ServerOptions) -> Iterator[devserver.Homeserver]:
    """A started homeserver for a fixture to yield; stopped by its PID afterwards."""
    try:
        server = devserver.create(directory, options)
    except Exception as exc:  # pragma: no cover - no PyPI mirror
        pytest.skip(f"cannot install Synapse: {exc}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[devserver.Homeserver]:
    options = devserver.ServerOptions(refresh_token_lifetime=f"{REFRESH_LIFETIME_S}s", purge_interval="2s")
    yield from running_synapse(tmp_path_factory.mktemp("synapse"), options)


_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}"


@dataclass
class Clinic:
    """The clinic side, driven directly over the C-S API (as staff in Element would)."""

    server: devserver.Homeserver
    user_id: str
    token: str

    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as http:
            return http.request(method, path, **kwargs)

    def send(self, room_id: str, body: str | None = None, content: dict[str, Any] | None = None) -> str:
        from urllib.parse import quote

        payload = content or {"msgtype": "m.text", "body": body}
        response = self.call(
            "PUT",
            f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/{uuid.uuid4().hex}",
            json=payload,
        )
        response.raise_for_status()
        return str(response.json()["event_id"])

    def messages(self, room_id: str, limit: int = 100) -> list[dict[str, Any]]:
        from urllib.parse import quote

        response = self.call(
            "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/messages", params={"dir": "b", "limit": limit}
        )
        response.raise_for_status()
        return [e for e in response.json()["chunk"] if e["type"] == "m.room.message"]

    def join(self, room_id: str) -> None:
        from urllib.parse import quote

        self.call("POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={}).raise_for_status()


@pytest.fixture
def clinic(synapse: devserver.Homeserver) -> Clinic:
    name = unique("clinic")
    answer = synapse.register(name, "clinic-pass", admin=True)
    return Clinic(synapse, answer["user_id"], answer["access_token"])


@dataclass
class Patient:
    user: str
    mxid: str
    password: str
    room_id: str


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    from companion.messaging.provision import provision_patient

    name = unique("pat")
    # A plain room: these tests read the conversation as a raw HTTP client. Encrypted rooms (the default)
    # are tested with an end-to-end capable clinic client in test_e2ee_*.py.
    result = asyncio.run(provision_patient(clinic.server.url, clinic.token, name, encrypted=False))
    assert result.password
    return Patient(name, result.patient_mxid, result.password, result.room_id)


@pytest.fixture
def live_store(home: Path):  # type: ignore[no-untyped-def]
    """A store on the real clock (server timestamps are real time)."""
    from companion.clock import SYSTEM_CLOCK
    from companion.store import Store

    s = Store.create(home, passphrase=os.environ["COMPANION_PASSPHRASE"], clock=SYSTEM_CLOCK)
    yield s
    s.close()


@pytest.fixture
def logged_in(live_store, synapse, clinic, patient):  # type: ignore[no-untyped-def]
    from companion.messaging.session import login

    asyncio.run(login(live_store, synapse.url, patient.user, patient.password, clinic.user_id))
    return live_store
