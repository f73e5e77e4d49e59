"""Report: send to clinic — the PDF reaches the clinic's room on a real Synapse; the dashboard key asks first,
and says clearly why not when there is no login or no share-clinic consent."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from companion.care.clinic_report import NotLoggedIn, check_ready, queue_report
from companion.privacy import ProcessingNotAllowed
from companion.store.messages import Messages

from .conftest import NOW, add_person, deliver, settle


def test_the_pdf_reaches_the_clinic_room(logged_in, clinic, patient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    profile = add_person(logged_in)
    clinic.join(patient.room_id)
    queued = queue_report(logged_in, profile, NOW)
    assert queued.path == logged_in.home / "reports" / "progress-2026-11-25-clinic.pdf"
    item = next(i for i in Messages(logged_in).outbox() if i.txn_id == queued.txn_id)
    assert item.content["msgtype"] == "m.file" and item.content["info"]["mimetype"] == "application/pdf"

    assert deliver(logged_in) == 1
    row = Messages(logged_in).by_txn(queued.txn_id)
    assert row is not None and row.status == "sent"
    event = next(e for e in clinic.messages(patient.room_id) if e["content"].get("msgtype") == "m.file")
    assert event["content"]["body"] == "progress-2026-11-25-clinic.pdf"
    assert event["content"]["info"]["mimetype"] == "application/pdf"
    server, media_id = event["content"]["url"][len("mxc://"):].split("/")
    payload = clinic.call("GET", f"/_matrix/client/v1/media/download/{server}/{media_id}").content
    assert payload == queued.path.read_bytes()
    text = PdfReader(io.BytesIO(payload)).pages[0].extract_text()
    assert "Progress report: Ann Example" in text and "%TBWL" in text
    actions = [(e.action, e.target) for e in logged_in.audit.events()]
    assert ("export", "progress-report") in actions and ("attachment-sent", clinic.user_id) in actions


def test_refused_without_consent_or_login(store) -> None:  # type: ignore[no-untyped-def]
    profile = add_person(store, share_clinic=False)
    with pytest.raises(ProcessingNotAllowed, match="Sharing with your clinic"):
        queue_report(store, profile, NOW)
    store.consents.record("share-clinic", "grant", "1.0", "test")
    with pytest.raises(NotLoggedIn, match="log in"):
        check_ready(store)
    assert Messages(store).outbox() == [] and not (store.home / "reports").exists()


@pytest.mark.parametrize(("share_clinic", "notice"), [
    (False, "needs your consent for: Sharing with your clinic"),
    (True, "Messaging with your clinic is not set up"),  # consent given, but no login
])
async def test_dashboard_key_refused(store, care_app, share_clinic, notice) -> None:  # type: ignore[no-untyped-def]
    add_person(store, share_clinic=share_clinic)
    app = care_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert any(notice in str(n.message) and n.markup is False for n in app._notifications)
        assert type(app.screen).__name__ == "DashboardScreen"  # no dialog, nothing queued
        assert Messages(store).outbox() == []


async def test_dashboard_key_asks_then_queues(logged_in, care_app) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.screens.care import ConfirmSend

    add_person(logged_in)
    app = care_app(logged_in)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSend)
        await pilot.press("escape")  # cancel: nothing leaves
        await settle(pilot)
        assert Messages(logged_in).outbox() == []
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#care-confirm-send")
        await settle(pilot)
        assert any("queued for your clinic" in str(n.message) for n in app._notifications)
        items = Messages(logged_in).outbox()
        assert len(items) == 1 and items[0].content["info"]["mimetype"] == "application/pdf"
        assert items[0].file_path == str(logged_in.home / "reports" / "progress-2026-11-25-clinic.pdf")
