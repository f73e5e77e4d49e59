"""Attachments both ways through authenticated media, and retention purging with a short test lifetime."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from companion.messaging.outbox import InvalidMessage, queue_file, queue_message
from companion.messaging.retention import policy_text, purge
from companion.store.messages import Messages

from .test_conversation_live import _join


def test_attachment_round_trip(logged_in, clinic, patient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "progress report.csv"
    payload = b"date,weight_kg\n2026-11-01,101.2\n2026-11-20,98.7\n"
    report.write_bytes(payload)
    clinic.join(patient.room_id)

    async def scenario() -> Path:
        m = await _join(logged_in)
        try:
            limit = await m.media_limit()
            assert limit == 50 * 1024 * 1024
            txn = queue_file(logged_in, report, max_bytes=limit)
            assert (await m.send_pending()).sent == 1
            row = Messages(logged_in).by_txn(txn)
            assert row is not None and row.status == "sent" and row.msgtype == "m.file"
            # The clinic receives the file, with its token; without a token it is refused.
            event = next(
                e for e in clinic.messages(patient.room_id) if e["content"].get("msgtype") == "m.file"
            )
            server, media_id = event["content"]["url"][len("mxc://") :].split("/")
            path = f"/_matrix/client/v1/media/download/{server}/{media_id}"
            assert clinic.call("GET", path).content == payload
            assert httpx.get(clinic.server.url + path).status_code == 401
            # The clinic sends a file back, with a hostile name.
            upload = clinic.call(
                "POST",
                "/_matrix/media/v3/upload",
                params={"filename": "plan.txt"},
                content=b"eat well",
                headers={"Content-Type": "text/plain"},
            )
            clinic.send(
                patient.room_id,
                content={
                    "msgtype": "m.file",
                    "body": "../../.bashrc\x1b[31m",
                    "url": upload.json()["content_uri"],
                    "info": {"size": 8, "mimetype": "text/plain"},
                },
            )
            await m.sync_once()
            received = [r for r in Messages(logged_in).all() if r.status == "received"]
            assert len(received) == 1 and received[0].msgtype == "m.file"
            folder = tmp_path / "downloads"
            folder.mkdir()
            saved = await m.download(received[0].id, folder)
            again = await m.download(received[0].id, folder)
            assert again != saved and again.read_bytes() == b"eat well"
            return saved
        finally:
            await m.aclose()

    saved = asyncio.run(scenario())
    assert saved.parent == tmp_path / "downloads"
    assert saved.name == "bashrc[31m" or saved.name.startswith("bashrc")
    assert "\x1b" not in saved.name and not saved.name.startswith(".")
    assert saved.read_bytes() == b"eat well"
    assert saved.stat().st_mode & 0o777 == 0o600
    kinds = [a.action for a in logged_in.audit.events()]
    assert "attachment-sent" in kinds


def test_file_too_large_or_missing_is_refused(live_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(InvalidMessage, match="at most"):
        queue_file(live_store, big, max_bytes=1024)
    with pytest.raises(InvalidMessage, match="Cannot read"):
        queue_file(live_store, tmp_path / "missing.pdf")
    assert Messages(live_store).count() == 0


def test_retention_purge_with_short_lifetime(logged_in, clinic, patient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clinic.join(patient.room_id)
    room = quote(patient.room_id)
    assert (
        clinic.call(
            "PUT", f"/_matrix/client/v3/rooms/{room}/state/m.room.retention/", json={"max_lifetime": 3000}
        ).status_code
        == 200
    )

    async def scenario() -> None:
        m = await _join(logged_in)
        try:
            upload = clinic.call(
                "POST",
                "/_matrix/media/v3/upload",
                params={"filename": "a.txt"},
                content=b"a",
                headers={"Content-Type": "text/plain"},
            )
            clinic.send(patient.room_id, "short-lived")
            clinic.send(
                patient.room_id,
                content={"msgtype": "m.file", "body": "a.txt", "url": upload.json()["content_uri"]},
            )
            queue_message(logged_in, "my reply")
            await m.send_pending()
            await m.sync_once()
            assert Messages(logged_in).clinic_room().retention_ms == 3000  # type: ignore[union-attr]
            file_row = next(r for r in Messages(logged_in).all() if r.msgtype == "m.file")
            saved = await m.download(file_row.id, tmp_path)
            assert saved.exists()
            assert "3 seconds" in policy_text(logged_in)
            assert purge(logged_in).messages == 0
            time.sleep(3.5)
            queue_message(logged_in, "unsent stays")  # never purged while unsent
            result = purge(logged_in)
            assert result.messages == 3 and result.files == 1
            assert not saved.exists()
            assert [r.body for r in Messages(logged_in).all()] == ["unsent stays"]
        finally:
            await m.aclose()

    asyncio.run(scenario())
    # The server hides expired events too (and purges them on its next job).
    deadline = time.time() + 10
    while time.time() < deadline:
        bodies = [e["content"].get("body") for e in clinic.messages(patient.room_id)]
        if "short-lived" not in bodies:
            break
        time.sleep(0.5)
    assert "short-lived" not in bodies
