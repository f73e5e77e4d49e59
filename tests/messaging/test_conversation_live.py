"""Provisioning, the locked room, send and receive both ways, the outbox's exactly-once promise — real
Synapse."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest

from companion.messaging.outbox import queue_message
from companion.messaging.provision import provision_patient
from companion.messaging.service import Messenger
from companion.store.messages import Messages, unread_count


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _join(store) -> Messenger:  # type: ignore[no-untyped-def]
    m = Messenger(store)
    report = await m.sync_once()
    if not report.joined:
        report = await m.sync_once()
    await m.sync_once()
    return m


def _patient_token(synapse, patient) -> str:  # type: ignore[no-untyped-def]
    response = httpx.post(
        f"{synapse.url}/_matrix/client/v3/login",
        json={
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": patient.user},
            "password": patient.password,
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def test_provisioning_locks_retention_and_encryption(synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    token = _patient_token(synapse, patient)
    room = quote(patient.room_id)
    with httpx.Client(base_url=synapse.url, headers={"Authorization": f"Bearer {token}"}) as http:
        http.post(f"/_matrix/client/v3/join/{room}", json={}).raise_for_status()
        retention = http.put(
            f"/_matrix/client/v3/rooms/{room}/state/m.room.retention/", json={"max_lifetime": 999_999_999_999}
        )
        assert retention.status_code == 403
        power = http.get(f"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels/").json()
        assert power["events"]["m.room.retention"] == 100
        assert power["events"]["m.room.encryption"] == 100
        assert power.get("users", {}).get(patient.mxid, 0) == 0
        state = http.get(f"/_matrix/client/v3/rooms/{room}/state/m.room.retention/").json()
        assert state == {"max_lifetime": 63_072_000_000}
        encryption = http.put(
            f"/_matrix/client/v3/rooms/{room}/state/m.room.encryption/",
            json={"algorithm": "m.megolm.v1.aes-sha2"},
        )
        assert encryption.status_code == 403  # the patient cannot change it (power level 100)
    # Staff may change retention; the module no longer blocks encryption (issue #18).
    ok = clinic.call(
        "PUT",
        f"/_matrix/client/v3/rooms/{room}/state/m.room.retention/",
        json={"max_lifetime": 63_072_000_000},
    )
    assert ok.status_code == 200
    created = clinic.call(
        "POST",
        "/_matrix/client/v3/createRoom",
        json={
            "preset": "private_chat",
            "initial_state": [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "x"}}],
        },
    )
    assert created.status_code == 200
    # By default a new patient room is end-to-end encrypted from its creation.
    default = _run(provision_patient(synapse.url, clinic.token, patient.user + "enc"))
    enc_state = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(default.room_id)}/state/m.room.encryption/")
    assert enc_state.json() == {"algorithm": "m.megolm.v1.aes-sha2"}


def test_provisioning_is_idempotent(synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    again = _run(provision_patient(synapse.url, clinic.token, patient.user))
    assert again.room_id == patient.room_id
    assert again.reused_room and not again.created_account and again.password is None


def test_send_and_receive_both_ways(logged_in, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        m = await _join(logged_in)
        try:
            room = Messages(logged_in).clinic_room()
            assert room is not None and room.room_id == patient.room_id
            assert room.retention_ms == 63_072_000_000
            txn = queue_message(logged_in, "Hello, my weight is down 2 kg")
            pending = Messages(logged_in).by_txn(txn)
            assert pending is not None and pending.status == "pending" and pending.event_id is None
            report = await m.send_pending()
            assert report.sent == 1
            sent = Messages(logged_in).by_txn(txn)
            assert sent is not None and sent.status == "sent" and sent.event_id
            bodies = [e["content"]["body"] for e in clinic.messages(patient.room_id)]
            assert bodies.count("Hello, my weight is down 2 kg") == 1
            clinic.join(patient.room_id)
            clinic.send(patient.room_id, "Well done! See you Tuesday.")
            await m.sync_once()
            # The echo of our own message did not duplicate it.
            rows = Messages(logged_in).all()
            assert [r.body for r in rows].count("Hello, my weight is down 2 kg") == 1
            received = [r for r in rows if r.status == "received"]
            assert [r.body for r in received] == ["Well done! See you Tuesday."]
            assert received[0].sender == clinic.user_id
            assert unread_count(logged_in) == 1
            assert await m.mark_read()
            assert unread_count(logged_in) == 0
            receipt = clinic.call(
                "GET",
                f"/_matrix/client/v3/rooms/{quote(patient.room_id)}/state/m.room.member/"
                f"{quote(patient.mxid)}",
            )
            assert receipt.json()["membership"] == "join"
            await m.set_typing(True)
            await m.set_typing(False)
        finally:
            await m.aclose()

    _run(scenario())
    events = [a for a in logged_in.audit.events() if a.action == "message-sent"]
    assert len(events) == 1 and "Hello" not in events[0].summary


def test_invite_from_unknown_account_is_declined(logged_in, synapse, patient) -> None:  # type: ignore[no-untyped-def]
    stranger = synapse.register(f"stranger{patient.user}", "pw")
    with httpx.Client(
        base_url=synapse.url, headers={"Authorization": f"Bearer {stranger['access_token']}"}
    ) as h:
        room_id = h.post(
            "/_matrix/client/v3/createRoom",
            json={"preset": "private_chat", "invite": [patient.mxid], "is_direct": True},
        ).json()["room_id"]

    async def scenario() -> list[str]:
        async with Messenger(logged_in) as m:
            first = await m.sync_once()
            second = await m.sync_once()
            return first.rejected_invites + second.rejected_invites

    rejected = _run(scenario())
    assert stranger["user_id"] in rejected
    room = Messages(logged_in).room(room_id)
    assert room is not None and room.membership == "rejected"
    assert Messages(logged_in).clinic_room() is not None
    assert Messages(logged_in).clinic_room().room_id == patient.room_id  # type: ignore[union-attr]


class DropResponses(httpx.AsyncBaseTransport):
    """Delivers each matching request to the real server, then loses the answer (a connection cut
    mid-send)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path_part: str, times: int) -> None:
        self.inner, self.path_part, self.times = inner, path_part, times
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.path_part in request.url.path and self.dropped < self.times:
            await response.aread()
            await response.aclose()
            self.dropped += 1
            raise httpx.ReadError("connection reset by test", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_duplicate_send_protection_across_synapse_restart(logged_in, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    _run(_join(logged_in))
    txn = queue_message(logged_in, "Exactly once, please")
    transport = DropResponses(httpx.AsyncHTTPTransport(), "/send/", times=1)

    async def first_attempt() -> None:
        async with Messenger(logged_in, transport=transport) as m:
            report = await m.send_pending()
            assert report.sent == 0 and report.waiting == 1

    _run(first_attempt())
    assert transport.dropped == 1
    assert Messages(logged_in).by_txn(txn).status == "pending"  # type: ignore[union-attr]
    synapse.restart()  # the server restarts while our message is in flight

    async def retry() -> None:
        async with Messenger(logged_in) as m:
            item = Messages(logged_in).outbox()[0]
            assert item.txn_id == txn and item.attempts == 1
            Messages(logged_in).mark_retry(txn, 0, "test: retry now")
            report = await m.send_pending()
            assert report.sent == 1

    _run(retry())
    bodies = [e["content"]["body"] for e in clinic.messages(patient.room_id)]
    assert bodies.count("Exactly once, please") == 1
    row = Messages(logged_in).by_txn(txn)
    assert row is not None and row.status == "sent"


def test_outbox_survives_app_restart(home, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    import os

    from companion.clock import SYSTEM_CLOCK
    from companion.messaging.session import login
    from companion.store import Store

    store = Store.create(home, passphrase=os.environ["COMPANION_PASSPHRASE"], clock=SYSTEM_CLOCK)
    _run(login(store, synapse.url, patient.user, patient.password, clinic.user_id))
    txn = queue_message(store, "Written before the app quit")
    store.close()  # the app quits before anything was sent

    store = Store.open(home, passphrase=os.environ["COMPANION_PASSPHRASE"], clock=SYSTEM_CLOCK)
    try:
        assert Messages(store).by_txn(txn).status == "pending"  # type: ignore[union-attr]

        async def later() -> None:
            m = await _join(store)
            try:
                report = await m.send_pending()
                assert report.sent == 1
                assert (await m.send_pending()).sent == 0
            finally:
                await m.aclose()

        _run(later())
        assert Messages(store).by_txn(txn).status == "sent"  # type: ignore[union-attr]
    finally:
        store.close()
    bodies = [e["content"]["body"] for e in clinic.messages(patient.room_id)]
    assert bodies.count("Written before the app quit") == 1


def test_rate_limit_429_honours_retry_after(logged_in, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    override = clinic.call(
        "POST",
        f"/_synapse/admin/v1/users/{quote(patient.mxid)}/override_ratelimit",
        json={"messages_per_second": 1, "burst_count": 1},
    )
    assert override.status_code == 200

    async def scenario() -> None:
        m = await _join(logged_in)
        try:
            for i in range(4):
                queue_message(logged_in, f"burst {i}")
            report = await m.flush(deadline_s=30)
            assert report.waiting == 0 and report.failed == 0
            assert m.rate_limited >= 1
        finally:
            await m.aclose()

    _run(scenario())
    bodies = [e["content"]["body"] for e in clinic.messages(patient.room_id)]
    for i in range(4):
        assert bodies.count(f"burst {i}") == 1
    assert all(r.status == "sent" for r in Messages(logged_in).all() if r.own)


def test_unsent_after_24h_asks_the_user(logged_in) -> None:  # type: ignore[no-untyped-def]
    txn = queue_message(logged_in, "old")
    with logged_in.transaction() as db:
        db.execute(
            "UPDATE outbox SET created_at_ms = created_at_ms - ? WHERE txn_id = ?", (25 * 3600 * 1000, txn)
        )

    async def scenario() -> None:
        async with Messenger(logged_in) as m:
            report = await m.send_pending()
            assert report.failed == 1 and report.sent == 0

    _run(scenario())
    row = Messages(logged_in).by_txn(txn)
    assert row is not None and row.status == "failed" and "24 hours" in (row.error or "")
    assert Messages(logged_in).outbox() == []
    Messenger(logged_in).resend(txn)
    assert Messages(logged_in).by_txn(txn).status == "pending"  # type: ignore[union-attr]


@pytest.mark.parametrize("body", ["", "   ", "x" * 60_000])
def test_invalid_messages_are_refused_and_nothing_is_stored(live_store, body) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.outbox import InvalidMessage

    with pytest.raises(InvalidMessage):
        queue_message(live_store, body)
    assert Messages(live_store).count() == 0


def test_new_device_finds_the_joined_clinic_room(logged_in, home, synapse, clinic, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A fresh store (new computer) logging in to an account that already joined: no invite, still found."""
    import os

    from companion.clock import SYSTEM_CLOCK
    from companion.messaging.session import login
    from companion.store import Store

    _run(_join(logged_in))
    clinic.join(patient.room_id)
    clinic.send(patient.room_id, "sent before the new device")
    other = Store.create(tmp_path / "second-device", passphrase=os.environ["COMPANION_PASSPHRASE"],
                         clock=SYSTEM_CLOCK)
    try:
        _run(login(other, synapse.url, patient.user, patient.password, clinic.user_id))

        async def scenario() -> None:
            async with Messenger(other) as m:
                await m.sync_once()
                await m.load_history()

        _run(scenario())
        room = Messages(other).clinic_room()
        assert room is not None and room.room_id == patient.room_id
        assert "sent before the new device" in [r.body for r in Messages(other).all()]
    finally:
        other.close()
