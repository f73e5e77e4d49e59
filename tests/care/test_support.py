"""Support requests on a real store: saved as a file for a support account Companion cannot message, sent in
the clinic conversation (real Synapse) when support is the clinic's account; diagnostics only with consent
and after confirmation; kept in the store, exported and erased like other data."""

from __future__ import annotations

import io
import json

import pytest

from companion.care import support
from companion.cli import main
from companion.privacy import ProcessingNotAllowed
from companion.privacy.erasure import erase_category
from companion.privacy.export import export
from companion.store.support import SupportRepo

from .conftest import add_person, deliver, settle


def _config(home, text: str) -> None:  # type: ignore[no-untyped-def]
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_saved_as_a_file_when_support_is_not_the_clinic(store) -> None:  # type: ignore[no-untyped-def]
    add_person(store)
    _config(store.home, '[support]\nmatrix_id = "@support:clinic.example"\nemail = "help@clinic.example"\n')
    sent = support.send(store, "The scale \x1b[31mdoes not pair\n since Monday")
    assert sent.destination.channel == "file" and sent.destination.address == "@support:clinic.example"
    assert sent.file is not None and sent.file.parent == store.home / "support"
    text = sent.file.read_text(encoding="utf-8")
    assert text.startswith("To: @support:clinic.example\n") and "does not pair" in text and "\x1b" not in text
    assert "send it to @support:clinic.example" in support.outcome_text(sent)
    [row] = SupportRepo(store).all()
    assert row.channel == "file" and row.file_path == str(sent.file) and row.diagnostics is None
    assert row.status == "open" and row.body.startswith("The scale")
    support.record_answer(store, row.id, "Please replace the batteries.")
    [row] = SupportRepo(store).all()
    assert row.status == "answered" and [a.body for a in row.answers] == ["Please replace the batteries."]
    with pytest.raises(support.SupportError):
        support.record_answer(store, 99, "x")
    with pytest.raises(support.SupportError, match="Describe the problem"):
        support.send(store, "   \n ")
    assert len(SupportRepo(store).all()) == 1


def test_diagnostics_need_consent_and_hold_no_health_data(store) -> None:  # type: ignore[no-untyped-def]
    add_person(store)
    with pytest.raises(ProcessingNotAllowed, match="Troubleshooting"):
        support.diagnostics_bundle(store)
    with pytest.raises(ProcessingNotAllowed):
        support.send(store, "help", diagnostics="{}")
    assert SupportRepo(store).all() == []
    store.consents.record("diagnostics", "grant", "1.0", "test")
    from companion.store.ble import BleRepository

    BleRepository(store).log_decode_error("AA:BB:CC:DD:EE:FF", "2a9d", b"\x02\x10\x27", "short packet: 3 bytes")
    bundle = support.diagnostics_bundle(store)
    assert bundle["app_version"] and bundle["schema_version"] >= 9
    assert bundle["recent_errors"][0]["reason"] == "short packet: 3 bytes"
    text = support.bundle_text(bundle)
    assert "AA:BB" not in text and "021027" not in text and "Ann" not in text and "100.0" not in text
    sent = support.send(store, "help", diagnostics=text)
    assert SupportRepo(store).get(sent.id).diagnostics == text  # type: ignore[union-attr]
    assert "short packet" in sent.file.read_text(encoding="utf-8")  # type: ignore[union-attr]


def test_exported_and_erased_like_other_data(store) -> None:  # type: ignore[no-untyped-def]
    add_person(store)
    sent = support.send(store, "The chart is empty")
    support.record_answer(store, sent.id, "Fixed in 0.2")
    buffer = io.BytesIO()
    export(store, "json", stream=buffer)
    tables = json.loads(buffer.getvalue())["tables"]
    assert [r["body"] for r in tables["support_request"]] == ["The chart is empty"]
    assert [r["body"] for r in tables["support_answer"]] == ["Fixed in 0.2"]
    result = erase_category(store, "messages")
    assert result.rows["support_request"] == 1 and result.rows["support_answer"] == 1
    assert SupportRepo(store).all() == []


def test_sent_in_the_clinic_conversation(logged_in, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    add_person(logged_in)
    clinic.join(patient.room_id)
    _config(logged_in.home, f'[support]\nmatrix_id = "{clinic.user_id}"\n')
    sent = support.send(logged_in, "I cannot see my goal line")
    assert sent.destination.channel == "message" and sent.txn_id and sent.file is None

    assert deliver(logged_in) == 1
    bodies = [e["content"]["body"] for e in clinic.messages(patient.room_id)]
    assert any(b.startswith("Support request from Companion") and "I cannot see my goal line" in b
               for b in bodies)
    assert SupportRepo(logged_in).all()[0].channel == "message"


def _onboard(home, clock, *, diagnostics: bool = False) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    with Store.open(home, clock=clock) as store:
        if diagnostics:
            store.consents.record("diagnostics", "grant", "1.0", "test")


def test_cli_send_list_answer(onboarded, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["support", "send", "Pairing fails", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["channel"] == "file" and info["status"] == "saved" and info["diagnostics"] is False
    assert main(["support", "answer", str(info["id"]), "Try again near the scale"]) == 0
    capsys.readouterr()
    assert main(["support", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["text"] == "Pairing fails" and row["status"] == "answered"
    assert row["answers"][0]["text"] == "Try again near the scale"
    assert main(["support", "list"]) == 0
    out = capsys.readouterr().out
    assert "#1" in out and "Pairing fails" in out and "Try again near the scale" in out


def test_cli_diagnostics_refused_or_unconfirmed_is_one_line(onboarded, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["support", "send", "help", "--diagnostics"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "consent" in err
    _onboard(onboarded, clock, diagnostics=True)
    assert main(["support", "send", "help", "--diagnostics"]) == 1  # not a terminal: cannot confirm
    err = capsys.readouterr().err
    assert "app_version" in err and err.strip().splitlines()[-1].startswith("companion: Not sent")
    assert main(["support", "list", "--json"]) == 0 and json.loads(capsys.readouterr().out) == []
    assert main(["support", "send", "help", "--diagnostics", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["diagnostics"] is True
    assert main(["support", "diagnostics"]) == 0
    assert json.loads(capsys.readouterr().out)["app_version"]


def test_cli_bad_config_is_one_line(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    _config(onboarded, "[support\nmatrix_id = ")
    assert main(["support", "send", "help"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.toml" in err


async def test_support_dialog_shows_the_bundle_then_saves(store, care_app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Checkbox, TextArea

    from companion.tui.screens.care import SupportDialog

    add_person(store)
    store.consents.record("diagnostics", "grant", "1.0", "test")
    _config(store.home, '[support]\nmatrix_id = "@help:[red]x[/red]"\n')
    app = care_app(store)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        app.screen.action_support()
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SupportDialog) and dialog.channel == "file"
        await pilot.press("ctrl+s")  # empty: refused, the dialog stays
        await settle(pilot)
        assert isinstance(app.screen, SupportDialog) and SupportRepo(store).all() == []
        dialog.query_one("#support-text", TextArea).insert("The [b]scale[/b] stopped pairing")
        box = dialog.query_one("#support-diagnostics", Checkbox)
        assert not box.disabled and dialog.query_one("#support-bundle").has_class("-hidden")
        box.value = True
        await settle(pilot)
        assert not dialog.query_one("#support-bundle").has_class("-hidden")  # seen before it is sent
        assert "app_version" in str(dialog.query_one("#support-bundle-text").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SupportDialog)
        [row] = SupportRepo(store).all()
        assert row.body == "The [b]scale[/b] stopped pairing" and row.diagnostics and "app_version" in row.diagnostics
        [note] = [n for n in app._notifications if "saved to" in str(n.message)]
        assert "[red]x[/red]" in note.message and note.markup is False  # the configured address is plain text


async def test_support_dialog_without_diagnostics_consent(store, care_app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Checkbox

    add_person(store)
    app = care_app(store)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        app.screen.action_support()
        await settle(pilot)
        assert app.screen.query_one("#support-diagnostics", Checkbox).disabled
        assert "Troubleshooting" in str(app.screen.query_one("#support-consent-note").render())
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "DashboardScreen" and SupportRepo(store).all() == []
