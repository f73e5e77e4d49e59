"""End-to-end encryption against a real Synapse, with matrix-nio (python-olm) as the clinic's staff client.

Both directions, attachments both ways, a key rotation after a second staff member joins, and a check that
Synapse's own database holds no plaintext of what was said.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
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
def patient(clinic: Clinic) -> Patient:
    """Overrides conftest's plain-room patient: provisioned with the default, an encrypted room."""
    from companion.messaging.provision import provision_patient

    name = unique("encpat")
    result = asyncio.run(provision_patient(clinic.server.url, clinic.token, name))
    assert result.password
    return Patient(name, result.patient_mxid, result.password, result.room_id)


@pytest.fixture
def staff(clinic: Clinic, nio_py: Path, tmp_path: Path) -> Iterator[NioClinic]:
    peer = NioClinic(nio_py, tmp_path / "nio-staff")
    peer.login(clinic.server.url, clinic.user_id, "clinic-pass")
    yield peer
    peer.close()


async def sync_until(m: Messenger, predicate: Any, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await m.sync_once(timeout_ms=500)
        if predicate():
            return
    raise AssertionError("condition not reached")


def bodies(store: Any) -> dict[str, Any]:
    return {m.body: m for m in Messages(store).all()}


def test_companion_and_nio_read_each_other(logged_in, staff, patient) -> None:  # type: ignore[no-untyped-def]
    store = logged_in
    room = patient.room_id

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()  # accepts the clinic's invite
            await m.sync_once()  # the room's state, with m.room.encryption
            assert Messages(store).room(room).encrypted  # type: ignore[union-attr]
            counts = await m.client.request("POST", "/_matrix/client/v3/keys/upload", json_body={})
            assert counts["one_time_key_counts"]["signed_curve25519"] == 25  # half of what vodozemac keeps (50)
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


def test_one_time_keys_are_replenished(logged_in, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    store = logged_in

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            claim = {"one_time_keys": {m.account.user_id: {m.account.device_id: "signed_curve25519"}}}
            for _ in range(15):  # others start sessions with us: each takes one key
                clinic.call("POST", "/_matrix/client/v3/keys/claim", json=claim).raise_for_status()
            counts = await m.client.request("POST", "/_matrix/client/v3/keys/upload", json_body={})
            assert counts["one_time_key_counts"]["signed_curve25519"] == 10
            await m.sync_once()  # sync reports 10 left: topped up to 25 again
            counts = await m.client.request("POST", "/_matrix/client/v3/keys/upload", json_body={})
            assert counts["one_time_key_counts"]["signed_curve25519"] == 25

    asyncio.run(scenario())


def synapse_event_bodies(synapse: Any) -> list[str]:
    """Every event JSON Synapse stored (its own SQLite database), for the no-plaintext checks."""
    with sqlite3.connect(f"file:{synapse.directory / 'homeserver.db'}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT json FROM event_json")]


def test_attachments_rotation_and_nothing_readable_on_the_server(  # type: ignore[no-untyped-def]
    logged_in, staff, patient, clinic, synapse, nio_py, tmp_path
) -> None:
    store = logged_in
    room = patient.room_id
    secret_text = f"Mijn bloeddruk is 150/95 {unique('bp')}"
    report = tmp_path / "weegverslag.csv"
    report_bytes = b"date,kg\n2026-12-01,81.4\n" + unique("csv").encode()
    report.write_bytes(report_bytes)
    scan_bytes = b"%PDF-1.4 lab results " + unique("pdf").encode()

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.sync_once()
            # Companion → clinic: text and an encrypted file.
            queue_message(store, secret_text)
            from companion.messaging.outbox import queue_file

            queue_file(store, report)
            assert (await m.send_pending()).sent == 2
            assert staff.call("wait_for", body=secret_text, seconds=20).get("decrypted")
            got = staff.call("wait_for", body="weegverslag.csv", seconds=20)
            assert got.get("kind") == "file", got
            data = staff.call("download", url=got["url"], key=got["key"], hashes=got["hashes"], iv=got["iv"])
            assert base64.b64decode(data["data"]) == report_bytes
            first_session = E2eeRepo(store).outbound(room)
            assert first_session is not None
            # Clinic → Companion: an encrypted file (defect 7: content.file with the key in the event).
            staff.call("send_file", room_id=room, data_b64=base64.b64encode(scan_bytes).decode(), name="lab.pdf")
            await sync_until(m, lambda: "lab.pdf" in bodies(store))
            saved = await m.download(bodies(store)["lab.pdf"].id, tmp_path)
            assert saved.read_bytes() == scan_bytes
            # A second staff member joins: the next message goes out under a new session they can read.
            second = synapse.register(unique("clinicnurse"), "nurse-pass")
            clinic.call("POST", f"/_matrix/client/v3/rooms/{room}/invite", json={"user_id": second["user_id"]})
            nurse = NioClinic(nio_py, tmp_path / "nio-nurse")
            try:
                nurse.login(synapse.url, second["user_id"], "nurse-pass")
                nurse.call("sync")
                await sync_until(m, lambda: second["user_id"] in (E2eeRepo(store).tracked_users()))
                queue_message(store, "Welkom aan de nieuwe verpleegkundige")
                assert (await m.send_pending()).sent == 1
                rotated = E2eeRepo(store).outbound(room)
                assert rotated is not None and rotated.pickle != first_session.pickle
                assert any(s.startswith(second["user_id"] + "|") for s in rotated.shared_with)
                seen = nurse.call("wait_for", body="Welkom aan de nieuwe verpleegkundige", seconds=20)
                assert seen.get("decrypted") is True, seen
                seen = staff.call("wait_for", body="Welkom aan de nieuwe verpleegkundige", seconds=20)
                assert seen.get("decrypted") is True, seen
            finally:
                nurse.close()

    asyncio.run(scenario())
    stored = "\n".join(synapse_event_bodies(synapse))
    assert room in stored  # the query did read this room's events
    for plaintext in (secret_text, "weegverslag.csv", "lab.pdf", "Welkom aan de nieuwe verpleegkundige"):
        assert plaintext not in stored
    media = b"".join(p.read_bytes() for p in (synapse.directory / "media_store").rglob("*") if p.is_file())
    assert report_bytes not in media and scan_bytes not in media


def test_second_device_reads_history_from_the_key_backup(  # type: ignore[no-untyped-def]
    logged_in, staff, patient, clinic, synapse, tmp_path
) -> None:
    from companion.clock import SYSTEM_CLOCK
    from companion.messaging.crypto.backup import BackupError, KeyBackup, restore
    from companion.messaging.session import login
    from companion.store import Store

    first = logged_in
    room = patient.room_id
    earlier = f"Vorige week: 82,0 kg {unique('hist')}"

    async def on_first_device() -> str:
        async with Messenger(first) as m:
            await m.sync_once()
            await m.sync_once()
            _backup, recovery_key = await KeyBackup.create(m.e2ee())
            staff.call("send", room_id=room, content={"msgtype": "m.text", "body": earlier})
            await sync_until(m, lambda: earlier in bodies(first))
            queue_message(first, "Dank je, tot volgende week")
            assert (await m.send_pending()).sent == 1
            await m.sync_once()  # uploads the new sessions to the backup
            assert not E2eeRepo(first).inbound_not_backed_up()
            return recovery_key

    recovery_key = asyncio.run(on_first_device())
    assert len(recovery_key.replace(" ", "")) in (48, 49)
    second = Store.create(tmp_path / "second-device", passphrase="another passphrase 5678", clock=SYSTEM_CLOCK)
    try:
        account = asyncio.run(login(second, synapse.url, patient.user, patient.password, clinic.user_id))
        assert account.device_id != Messages(first).account().device_id  # type: ignore[union-attr]

        async def on_second_device() -> None:
            async with Messenger(second) as m:
                await m.sync_once()
                await m.sync_once()
                await m.load_history()
                waiting = [msg for msg in Messages(second).all() if "could not be decrypted yet" in msg.body]
                assert waiting, [msg.body for msg in Messages(second).all()]
                wrong = "EsTc " + recovery_key[5:]
                with pytest.raises(BackupError):
                    await restore(m.e2ee(), wrong)
                with pytest.raises(BackupError, match="does not open"):
                    from companion.messaging.crypto.backup import encode_recovery_key

                    await restore(m.e2ee(), encode_recovery_key(b"\x01" * 32))
                # A damaged entry on the server is counted, not fatal.
                version = (await m.client.request("GET", "/_matrix/client/v3/room_keys/version"))["version"]
                await m.client.request(
                    "PUT", "/_matrix/client/v3/room_keys/keys", params={"version": version},
                    json_body={"rooms": {room: {"sessions": {"bogus": {
                        "first_message_index": 0, "forwarded_count": 0, "is_verified": False,
                        "session_data": {"ciphertext": "AAAA", "mac": "AAAA", "ephemeral": "AAAA"}}}}}},
                )
                report = await restore(m.e2ee(), recovery_key)
                assert report.imported >= 1 and report.damaged == 1
                texts = bodies(second)
                assert earlier in texts and "Dank je, tot volgende week" in texts
                trust = E2eeRepo(second).trust_for([texts[earlier].event_id])[texts[earlier].event_id]
                assert trust.encrypted and trust.warning is None or "forwarded" in (trust.warning or "")

        asyncio.run(on_second_device())
    finally:
        second.close()


def test_late_key_forwarded_by_the_patients_verified_device(  # type: ignore[no-untyped-def]
    logged_in, staff, patient, clinic, synapse, tmp_path
) -> None:
    """m.room_key_request from a new device, answered with m.forwarded_room_key by the verified first one."""
    from companion.clock import SYSTEM_CLOCK
    from companion.messaging.session import login
    from companion.store import Store

    first = logged_in
    room = patient.room_id
    text = f"Uitslag bloedonderzoek volgt {unique('lab')}"
    second = Store.create(tmp_path / "second", passphrase="another passphrase 5678", clock=SYSTEM_CLOCK)

    async def scenario() -> None:
        async with Messenger(first) as a:
            await a.sync_once()
            await a.sync_once()
            staff.call("send", room_id=room, content={"msgtype": "m.text", "body": text})
            await sync_until(a, lambda: text in bodies(first))
            account = await login(second, synapse.url, patient.user, patient.password, clinic.user_id)
            async with Messenger(second) as b:
                await b.sync_once()
                await b.sync_once()  # the staff's message arrives without its key: a request goes out
                assert text not in bodies(second)
                await a.e2ee().query([patient.mxid])
                E2eeRepo(first).set_trust(patient.mxid, account.device_id, "verified")  # as after SAS
                await a.sync_once(timeout_ms=2000)  # answers the request with a forwarded key
                await b.e2ee().query([patient.mxid])
                E2eeRepo(second).set_trust(patient.mxid, a.account.device_id, "verified")
                await sync_until(b, lambda: text in bodies(second))
                event_id = bodies(second)[text].event_id
                assert "forwarded" in (E2eeRepo(second).trust_for([event_id])[event_id].warning or "")

    try:
        asyncio.run(scenario())
    finally:
        second.close()


def test_cli_status_backup_create_and_restore(onboarded, synapse, clinic, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from companion.cli import main
    from companion.messaging.provision import provision_patient

    name = unique("cliencpat")
    provisioned = asyncio.run(provision_patient(synapse.url, clinic.token, name))
    monkeypatch.setenv("COMPANION_MATRIX_PASSWORD", str(provisioned.password))
    assert main(["messages", "login", "--homeserver", synapse.url, "--user", name, "--clinic", clinic.user_id]) == 0
    assert main(["messages", "send", "Versleuteld via de opdrachtregel", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["status"] == "sent"
    assert main(["encryption", "backup", "create"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("Es")
    assert main(["encryption", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["backup_version"] and status["device_id"] and status["ed25519"]
    monkeypatch.setenv("COMPANION_RECOVERY_KEY", "Es" + key[2:-1] + ("A" if key[-1] != "A" else "B"))
    assert main(["encryption", "backup", "restore"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "recovery key" in err
    monkeypatch.setenv("COMPANION_RECOVERY_KEY", key)
    assert main(["encryption", "backup", "restore"]) == 0
    assert "Restored" in capsys.readouterr().out
    assert main(["encryption", "status"]) == 0
    assert "fingerprint" in capsys.readouterr().out


def test_sas_emoji_verification_with_the_staff_device(logged_in, staff, patient) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.crypto.sas import SasVerification

    store = logged_in

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            await m.sync_once()
            queue_message(store, "Zullen we onze apparaten verifiëren?")
            assert (await m.send_pending()).sent == 1  # Companion now knows the staff device
            device = E2eeRepo(store).device(staff_user(staff, store), staff.device_id)
            assert device is not None and device.trust == "unverified"
            assert m.account.device_id in staff.call("devices", user=m.account.user_id)["devices"]
            verification = SasVerification(m.e2ee(), device)
            await verification.start()
            for _round in range(20):  # start → accept → key ↔ key, each side syncing in turn
                staff.call("sync")
                await m.sync_once(timeout_ms=300)
                if verification.emoji is not None or verification.failure is not None:
                    break
            assert verification.failure is None and verification.emoji is not None
            shown = staff.call("sas")
            assert shown["transaction_id"] == verification.transaction_id
            # The same seven emoji (names may differ: the spec says "Aeroplane", nio "Airplane").
            assert [e for e, _name in verification.emoji or []] == [e for e, _name in shown["emoji"]]
            await verification.confirm()
            result = staff.call("confirm_sas", transaction_id=verification.transaction_id)
            assert result["verified"] and not result["canceled"]
            await sync_until(m, lambda: verification.verified or verification.failure is not None)
            assert verification.verified, verification.failure
            assert E2eeRepo(store).device(device.user_id, device.device_id).trust == "verified"  # type: ignore[union-attr]
            staff.call("send", room_id=patient.room_id, content={"msgtype": "m.text", "body": "Geverifieerd!"})
            await sync_until(m, lambda: "Geverifieerd!" in bodies(store))
            event_id = bodies(store)["Geverifieerd!"].event_id
            assert E2eeRepo(store).trust_for([event_id])[event_id].verified

    asyncio.run(scenario())


def staff_user(staff: NioClinic, store: Any) -> str:
    return Messages(store).account().clinic_mxid  # type: ignore[union-attr]


def test_clinic_provision_cli_encrypts_unless_told_not_to(synapse, clinic, capsys) -> None:  # type: ignore[no-untyped-def]
    import json
    from urllib.parse import quote

    from companion.cli import main

    for flags, encrypted in (([], True), (["--no-encryption"], False)):
        user = unique("provcli")
        assert main(["clinic", "provision", "--homeserver", synapse.url, "--admin-token", clinic.token,
                     "--patient", user, "--json", *flags]) == 0
        room = json.loads(capsys.readouterr().out)["room_id"]
        state = clinic.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.encryption/")
        assert (state.status_code == 200) is encrypted
