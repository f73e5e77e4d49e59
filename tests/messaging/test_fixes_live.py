"""Issue #18's defects, each against the real Synapse (the clinic side driven over the raw C-S API, as
matrix-commander or Element would): edits, redactions, retries, duplicates after re-login, encrypted-room
recovery, long messages, read receipts, content stored as received."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from companion.messaging.outbox import queue_message
from companion.messaging.service import Messenger
from companion.store.messages import Messages

from .conftest import Clinic, Patient
from .test_conversation_live import DropResponses


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _joined(store) -> Messenger:  # type: ignore[no-untyped-def]
    m = Messenger(store)
    for _ in range(3):
        await m.sync_once()
        if Messages(store).clinic_room() is not None:
            break
    await m.sync_once()
    return m


def _join_room(store) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        m = await _joined(store)
        await m.aclose()

    _run(go())


def _sync(store) -> Any:  # type: ignore[no-untyped-def]
    async def go() -> Any:
        async with Messenger(store) as m:
            return await m.sync_once()

    return _run(go())


def _edit(clinic: Clinic, room_id: str, target: str, body: str) -> str:
    return clinic.send(room_id, content={
        "msgtype": "m.text",
        "body": f" * {body}",
        "m.new_content": {"msgtype": "m.text", "body": body},
        "m.relates_to": {"rel_type": "m.replace", "event_id": target},
    })


def _redact(clinic: Clinic, room_id: str, target: str) -> None:
    clinic.call(
        "PUT",
        f"/_matrix/client/v3/rooms/{quote(room_id)}/redact/{quote(target)}/{uuid.uuid4().hex}",
        json={"reason": "wrong patient"},
    ).raise_for_status()


def _close_for_cli(store) -> None:  # type: ignore[no-untyped-def]
    """The CLI opens the data directory itself; it needs a profile."""
    from datetime import date

    from companion.domain import Profile, Sex

    store.profiles.add(Profile("Pat Live", Sex.OTHER, date(1980, 1, 1), 170.0))
    store.close()


def _clinic_rows(store) -> list[Any]:  # type: ignore[no-untyped-def]
    return [r for r in Messages(store).all() if not r.own]


def _second_device(tmp_path: Path, synapse, patient: Patient, clinic: Clinic, name: str = "second"):  # type: ignore[no-untyped-def]
    import os

    from companion.clock import SYSTEM_CLOCK
    from companion.messaging.session import login
    from companion.store import Store

    other = Store.create(tmp_path / name, passphrase=os.environ["COMPANION_PASSPHRASE"], clock=SYSTEM_CLOCK)
    _run(login(other, synapse.url, patient.user, patient.password, clinic.user_id))
    return other


# ----- 1. edits ------------------------------------------------------------------------------------------
def test_edits_show_one_message_in_its_latest_form(logged_in, synapse, clinic, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _join_room(logged_in)
    clinic.join(patient.room_id)
    original = clinic.send(patient.room_id, "Dose: 10 mg")
    _sync(logged_in)
    _edit(clinic, patient.room_id, original, "Dose: 20 mg")
    _sync(logged_in)
    _edit(clinic, patient.room_id, original, "Dose: 25 mg, https://example.org/meet/room-7")
    _sync(logged_in)
    rows = _clinic_rows(logged_in)
    assert [r.body for r in rows] == ["Dose: 25 mg, https://example.org/meet/room-7"]
    assert rows[0].event_id == original and rows[0].edited
    assert rows[0].consult_url == "https://example.org/meet/room-7"
    # A new device gets the room's history with the edits (Synapse bundles the latest one).
    other = _second_device(tmp_path, synapse, patient, clinic)
    try:
        async def fresh() -> None:
            async with Messenger(other) as m:
                await m.sync_once()
                await m.load_history()

        _run(fresh())
        rows = _clinic_rows(other)
        assert [r.body for r in rows] == ["Dose: 25 mg, https://example.org/meet/room-7"]
        assert rows[0].edited
    finally:
        other.close()


def test_edit_seen_before_its_original_and_forged_edits(logged_in, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    """History paging meets the newest edit before the original; an edit by someone else is ignored."""
    _join_room(logged_in)
    clinic.join(patient.room_id)
    original = clinic.send(patient.room_id, "Appointment Tuesday")
    # The patient (another client of theirs) tries to rewrite the clinic's message: not a valid edit.
    token = httpx.post(f"{synapse.url}/_matrix/client/v3/login", json={
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": patient.user},
        "password": patient.password}).json()["access_token"]
    forged = Clinic(synapse, patient.mxid, token)
    _edit(forged, patient.room_id, original, "Appointment cancelled")
    _sync(logged_in)
    rows = _clinic_rows(logged_in)
    assert [(r.body, r.edited) for r in rows] == [("Appointment Tuesday", False)]
    assert [r.body for r in Messages(logged_in).all() if r.own] == []  # the forged edit is no message either
    _edit(clinic, patient.room_id, original, "Appointment Wednesday")
    # Drop the original locally, as if it had not been fetched yet: the stored edit applies when it comes.
    with logged_in.transaction() as db:
        db.execute("DELETE FROM message WHERE event_id = ?", (original,))
    _sync(logged_in)
    assert _clinic_rows(logged_in) == []
    body = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(patient.room_id)}/event/{quote(original)}").json()
    body.get("unsigned", {}).pop("m.relations", None)  # no bundled edit: the stored one must be used
    from companion.messaging.events import parse_history

    messages, _end, _enc = parse_history({"chunk": [body]}, patient.room_id, patient.mxid)
    Messages(logged_in).apply_sync(None, messages)
    assert [(r.body, r.edited) for r in _clinic_rows(logged_in)] == [("Appointment Wednesday", True)]


# ----- 2. redactions -------------------------------------------------------------------------------------
def test_redacted_messages_and_files_leave_the_device_and_exports(logged_in, clinic, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy.export import export

    _join_room(logged_in)
    clinic.join(patient.room_id)
    upload = clinic.call("POST", "/_matrix/media/v3/upload", params={"filename": "labs.pdf"},
                         content=b"%PDF-1.4 other patient's labs", headers={"Content-Type": "application/pdf"})
    mxc = upload.json()["content_uri"]
    wrong_file = clinic.send(patient.room_id, content={
        "msgtype": "m.file", "body": "labs.pdf", "url": mxc, "info": {"size": 29, "mimetype": "application/pdf"}})
    wrong_text = clinic.send(patient.room_id, "Results for Mr. Other Patient: HbA1c 9.1")
    kept = clinic.send(patient.room_id, "See you Tuesday")
    queue_message(logged_in, "My own message the clinic will remove")

    async def receive_and_send() -> Path:
        async with Messenger(logged_in) as m:
            await m.send_pending()
            await m.sync_once()
            row = next(r for r in Messages(logged_in).all() if r.event_id == wrong_file)
            folder = tmp_path / "downloads"
            folder.mkdir()
            return await m.download(row.id, folder)

    saved = _run(receive_and_send())
    assert saved.exists()
    own = next(r for r in Messages(logged_in).all() if r.own)
    assert own.status == "sent" and own.event_id
    for target in (wrong_file, wrong_text, own.event_id):
        _redact(clinic, patient.room_id, target)
    _sync(logged_in)
    assert [r.event_id for r in Messages(logged_in).all()] == [kept]
    assert not saved.exists()
    assert logged_in.query_one("SELECT count(*) FROM attachment")[0] == 0
    out = tmp_path / "export.json"
    export(logged_in, "json", out)
    text = out.read_text()
    assert "Other Patient" not in text and "labs.pdf" not in text and "will remove" not in text
    assert "See you Tuesday" in text


def test_message_redacted_before_first_sync_is_never_stored(logged_in, synapse, clinic, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clinic.join(patient.room_id)
    gone = clinic.send(patient.room_id, "sent to the wrong patient")
    clinic.send(patient.room_id, "hello")
    _redact(clinic, patient.room_id, gone)
    async def go() -> None:
        m = await _joined(logged_in)
        await m.load_history()
        await m.aclose()

    _run(go())
    assert [r.body for r in _clinic_rows(logged_in)] == ["hello"]


# ----- 3. retries within the deadline --------------------------------------------------------------------
class BadGateway(httpx.AsyncBaseTransport):
    """A reverse proxy in front of the homeserver that answers the first ``times`` sends with 502."""

    def __init__(self, inner: httpx.AsyncBaseTransport, times: int) -> None:
        self.inner, self.times, self.failed = inner, times, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/send/" in request.url.path and self.failed < self.times:
            self.failed += 1
            return httpx.Response(502, content=b"<html>Bad Gateway</html>", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_flush_retries_5xx_until_the_deadline(logged_in, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    _join_room(logged_in)
    txn = queue_message(logged_in, "through a flaky proxy")
    transport = BadGateway(httpx.AsyncHTTPTransport(), times=2)

    async def go() -> Any:
        async with Messenger(logged_in, transport=transport) as m:
            return await m.flush(deadline_s=20)

    report = _run(go())
    assert transport.failed == 2
    assert report.sent == 1 and report.waiting == 0
    assert Messages(logged_in).by_txn(txn).status == "sent"  # type: ignore[union-attr]
    assert [e["content"]["body"] for e in clinic.messages(patient.room_id)].count("through a flaky proxy") == 1


def test_flush_waits_for_a_server_that_comes_back(logged_in, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    _join_room(logged_in)
    txn = queue_message(logged_in, "sent while the server restarts")
    synapse.stop()
    restarter = threading.Timer(1.0, synapse.start)
    restarter.start()
    try:
        async def go() -> Any:
            async with Messenger(logged_in) as m:
                return await m.flush(deadline_s=40)

        report = _run(go())
    finally:
        restarter.join()
    assert report.sent == 1 and report.waiting == 0
    assert Messages(logged_in).by_txn(txn).status == "sent"  # type: ignore[union-attr]
    assert [e["content"]["body"] for e in clinic.messages(patient.room_id)].count(
        "sent while the server restarts") == 1


# ----- 4. no duplicate after logout and login ------------------------------------------------------------
@pytest.mark.parametrize("order", ["sync-first", "send-first", "queued-before-the-fix"])
def test_interrupted_send_is_not_repeated_from_a_new_device(logged_in, synapse, clinic, patient, order) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.events import TXN_FIELD
    from companion.messaging.session import login, logout

    _join_room(logged_in)
    sync_first = order != "send-first"
    body = f"committed, answer lost {order}"
    txn = queue_message(logged_in, body)
    if order == "queued-before-the-fix":  # an outbox entry without the txn id in its content
        with logged_in.transaction() as db:
            db.execute("UPDATE outbox SET content = ? WHERE txn_id = ?",
                       (json.dumps({"msgtype": "m.text", "body": body}), txn))
        assert TXN_FIELD not in Messages(logged_in).outbox()[0].content
    transport = DropResponses(httpx.AsyncHTTPTransport(), "/send/", times=1)

    async def interrupted() -> None:
        async with Messenger(logged_in, transport=transport) as m:
            await m.send_pending()

    _run(interrupted())
    assert transport.dropped == 1  # the server has the event; we do not know it
    old_device = Messages(logged_in).account().device_id  # type: ignore[union-attr]
    _run(logout(logged_in))
    account = _run(login(logged_in, synapse.url, patient.user, patient.password, clinic.user_id))
    assert account.device_id != old_device

    async def again() -> None:
        async with Messenger(logged_in) as m:
            if sync_first:
                await m.sync_once()
            await m.flush(deadline_s=10)
            await m.sync_once()

    _run(again())
    assert [e["content"]["body"] for e in clinic.messages(patient.room_id)].count(body) == 1
    rows = [r for r in Messages(logged_in).all() if r.body == body]
    assert len(rows) == 1 and rows[0].status == "sent" and rows[0].txn_id == txn
    assert Messages(logged_in).outbox() == []


# ----- 6. long messages ----------------------------------------------------------------------------------
def test_long_clinic_messages_keep_all_their_text(logged_in, clinic, patient, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from companion.cli import main

    _join_room(logged_in)
    clinic.join(patient.room_id)
    lines = [f"line {i}: eat your vegetables" for i in range(1500)]
    long_body = "\n".join(lines) + "\nTHE END"
    assert 40_000 < len(long_body.encode()) < 60_000
    clinic.send(patient.room_id, long_body)
    _sync(logged_in)
    assert [r.body for r in _clinic_rows(logged_in)] == [long_body]
    _close_for_cli(logged_in)
    assert main(["messages", "list", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "line 1499: eat your vegetables" in out and "THE END" in out


# ----- 8. read receipts ----------------------------------------------------------------------------------
def _clinic_sees_receipt_from(clinic: Clinic, room_id: str, user: str, timeout: float = 10.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = clinic.call("GET", "/_matrix/client/v3/sync", params={"timeout": "1000"}).json()
        room = body.get("rooms", {}).get("join", {}).get(room_id, {})
        for event in room.get("ephemeral", {}).get("events", []):
            if event.get("type") == "m.receipt":
                for event_id, receipts in event["content"].items():
                    if user in receipts.get("m.read", {}):
                        return str(event_id)
    return None


def test_read_receipts_both_ways(logged_in, clinic, patient, capsys) -> None:  # type: ignore[no-untyped-def]
    from companion.cli import main

    _join_room(logged_in)
    queue_message(logged_in, "Is 25 mg right?")

    async def send() -> None:
        async with Messenger(logged_in) as m:
            await m.send_pending()

    _run(send())
    own = next(r for r in Messages(logged_in).all() if r.own)
    clinic.join(patient.room_id)
    reply = clinic.send(patient.room_id, "Yes, 25 mg.")
    clinic.call("POST", f"/_matrix/client/v3/rooms/{quote(patient.room_id)}/receipt/m.read/"
                        f"{quote(str(own.event_id))}", json={}).raise_for_status()
    _sync(logged_in)
    assert next(r for r in Messages(logged_in).all() if r.own).read_by_clinic
    _close_for_cli(logged_in)
    assert main(["messages", "list", "--json"]) == 0  # online: fetches, shows, and sends our receipt
    listed = json.loads(capsys.readouterr().out)
    mine = [x for x in listed if x["own"]]
    assert mine[0]["read"] is True
    assert _clinic_sees_receipt_from(clinic, patient.room_id, patient.mxid) == reply
    assert main(["messages", "list", "--offline"]) == 0
    assert "[read]" in capsys.readouterr().out


# ----- 9 and minor: stored as sent, neutralised when shown; JSON fields; emotes ---------------------------
HOSTILE = (
    "\x1b]0;PWNED\x07Dose: 10 mg\rDose: 99 mg\x08\x08 zero\u200bwidth\u2060\ufeff soft\u00adhyphen"
    "\u2028next\u2029para \U000e0041\U000e0042 \u3164 \u202egnp.exe\u202c \x9b31m "
    "https" "://meet.cl\u0456nic.example.org/room-1"  # display-only, never fetched
)


def test_content_is_stored_as_sent_and_neutralised_when_shown(logged_in, clinic, patient, capsys) -> None:  # type: ignore[no-untyped-def]
    import unicodedata

    from companion.cli import main

    _join_room(logged_in)
    clinic.join(patient.room_id)
    event_id = clinic.send(patient.room_id, HOSTILE)
    clinic.send(patient.room_id, content={"msgtype": "m.emote", "body": "waves"})
    _sync(logged_in)
    stored = next(r for r in Messages(logged_in).all() if r.event_id == event_id)
    assert stored.body == HOSTILE  # exactly what the clinic sent
    _close_for_cli(logged_in)
    assert main(["messages", "list", "--json", "--offline"]) == 0
    raw = capsys.readouterr().out
    assert "\x1b" not in raw and "\x9b" not in raw and "\u202e" not in raw  # JSON escapes, never raw bytes
    listed = json.loads(raw)
    hostile = next(x for x in listed if x["event_id"] == event_id)
    assert hostile["body"] == HOSTILE
    assert {"msgtype", "attachment", "edited", "error", "read"} <= set(hostile)
    assert next(x for x in listed if x["msgtype"] == "m.emote")["body"] == "waves"
    assert main(["messages", "list", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "\u241b]0;PWNED\u2407Dose: 10 mg\u240dDose: 99 mg\u2408\u2408" in out
    assert "meet.xn--clnic-o2e.example.org" in out and "cl\u0456nic" not in out
    assert f"* {clinic.user_id} waves" in out
    for ch in out:
        assert ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs"), repr(ch)
    assert "\u3164" not in out


def test_failed_messages_can_be_resent_or_discarded_from_the_cli(logged_in, clinic, patient, capsys) -> None:  # type: ignore[no-untyped-def]
    from companion.cli import main

    _join_room(logged_in)
    first = queue_message(logged_in, "resend me")
    second = queue_message(logged_in, "throw me away")
    repo = Messages(logged_in)
    for txn in (first, second):
        repo.mark_outbox_state(txn, "ask-user", "Not sent for more than 24 hours")
    _close_for_cli(logged_in)
    assert main(["messages", "list", "--offline"]) == 0
    out = capsys.readouterr().out
    assert first in out and "messages resend" in out
    assert main(["messages", "discard", second]) == 0
    assert main(["messages", "resend", first]) == 0
    capsys.readouterr()
    assert main(["messages", "discard", "cmpnotthere"]) == 1
    assert "cmpnotthere" in capsys.readouterr().err
    assert main(["messages", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(x["body"], x["status"]) for x in listed if x["own"]] == [("resend me", "sent")]
    assert [e["content"]["body"] for e in clinic.messages(patient.room_id)].count("resend me") == 1


def test_rooms_use_a_room_version_the_clinics_clients_support(synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.provision import provision_patient

    create = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(patient.room_id)}/state/m.room.create/").json()
    assert create.get("room_version") == "11"
    other = _run(provision_patient(synapse.url, clinic.token, patient.user + "v10", room_version="10"))
    create = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(other.room_id)}/state/m.room.create/").json()
    assert create.get("room_version") == "10"


def test_unknown_room_version_is_one_clear_line(synapse, clinic, onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    from companion.cli import main

    code = main(["clinic", "provision", "--homeserver", synapse.url, "--admin-token", clinic.token,
                 "--patient", "vers" + clinic.user_id[7:13], "--room-version", "999"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "version 999" in err and "11" in err
