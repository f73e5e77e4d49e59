"""The scripting commands end to end: clinic provision, messages login/send/list — real Synapse, real
store."""

from __future__ import annotations

import json
import os

import pytest

from companion.cli import main


@pytest.fixture
def profile_dir(onboarded):  # type: ignore[no-untyped-def]
    return onboarded


def test_provision_login_send_list(profile_dir, synapse, clinic, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(
            [
                "clinic",
                "provision",
                "--homeserver",
                synapse.url,
                "--admin-token",
                clinic.token,
                "--patient",
                "cliuser" + clinic.user_id[7:12],
                "--json",
            ]
        )
        == 0
    )
    provisioned = json.loads(capsys.readouterr().out)
    assert provisioned["patient"].startswith("@cliuser") and provisioned["password"]
    monkeypatch.setenv("COMPANION_MATRIX_PASSWORD", provisioned["password"])
    assert (
        main(
            [
                "messages",
                "login",
                "--homeserver",
                synapse.url,
                "--user",
                provisioned["patient"],
                "--clinic",
                clinic.user_id,
            ]
        )
        == 0
    )
    assert "Logged in as" in capsys.readouterr().out
    assert main(["messages", "send", "Question about my diet", "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["status"] == "sent" and sent["event_id"].startswith("$")
    clinic.join(provisioned["room_id"])
    clinic.send(provisioned["room_id"], "\x1b[2JEat more [bold red]vegetables[/] \u202e<script>")
    assert main(["messages", "list", "--json"]) == 0
    raw = capsys.readouterr().out
    assert "\x1b" not in raw and "\u202e" not in raw  # escaped in the JSON text
    listed = json.loads(raw)
    assert {"event_id", "sender", "body", "timestamp", "status"} <= set(listed[0])
    assert [m["status"] for m in listed] == ["sent", "received"]
    assert listed[1]["sender"] == clinic.user_id
    assert listed[1]["body"] == "\x1b[2JEat more [bold red]vegetables[/] \u202e<script>"  # what was sent
    assert main(["messages", "list", "--offline"]) == 0
    text = capsys.readouterr().out
    assert "Question about my diet" in text and "\x1b" not in text and "\u202e" not in text
    assert "\u241b[2JEat more [bold red]vegetables[/] <script>" in text


def test_send_without_login_and_bad_usage(profile_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["messages", "send", "hi"]) == 1
    assert "messages login" in capsys.readouterr().err
    assert main(["messages", "send"]) == 2


def test_login_wrong_password_one_line(profile_dir, synapse, clinic, patient, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMPANION_MATRIX_PASSWORD", "wrong")
    assert (
        main(
            [
                "messages",
                "login",
                "--homeserver",
                synapse.url,
                "--user",
                patient.user,
                "--clinic",
                clinic.user_id,
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Wrong user name or password" in err
    assert os.environ["COMPANION_MATRIX_PASSWORD"] == "wrong"


def test_provision_with_bad_token(synapse, capsys) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(["clinic", "provision", "--homeserver", synapse.url, "--admin-token", "nope", "--patient", "x"])
        == 1
    )
    assert capsys.readouterr().err.startswith("companion: ")


def test_registration_token_flow(profile_dir, synapse, clinic, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    user = "tokuser" + clinic.user_id[7:13]
    assert main(["clinic", "provision", "--homeserver", synapse.url, "--admin-token", clinic.token,
                 "--patient", user, "--registration-token", "--json"]) == 0
    provisioned = json.loads(capsys.readouterr().out)
    assert provisioned["password"] is None and provisioned["registration_token"]
    assert not provisioned["created_account"]
    monkeypatch.setenv("COMPANION_MATRIX_PASSWORD", "my own secret passphrase")
    # "--opt=VALUE": a token may start with "-", which argparse would read as an option in "--opt VALUE".
    assert main(["messages", "login", "--homeserver", synapse.url, "--user", user, "--clinic", clinic.user_id,
                 f"--registration-token={provisioned['registration_token']}"]) == 0
    assert provisioned["patient"] in capsys.readouterr().out
    assert main(["messages", "send", "registered myself", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "sent"
    # The token is spent.
    monkeypatch.setenv("COMPANION_MATRIX_PASSWORD", "x")
    assert main(["messages", "login", "--homeserver", synapse.url, "--user", user + "b", "--clinic",
                 clinic.user_id, f"--registration-token={provisioned['registration_token']}"]) == 1
    assert "registration token" in capsys.readouterr().err


def test_send_while_server_is_down_keeps_the_message(profile_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    from companion.cli._common import open_store
    from companion.messaging.devserver import free_port
    from companion.store.messages import MatrixAccount, Messages

    with open_store() as store:
        repo = Messages(store)
        repo.save_account(MatrixAccount(f"http://127.0.0.1:{free_port()}", "@me:localhost", "DEV",
                                        "@clinic:localhost", "store", "tok", None, None), 0)
        repo.upsert_room("!r:localhost", 0, clinic_mxid="@clinic:localhost", membership="join")
    assert main(["messages", "send", "typed while offline"]) == 1
    err = capsys.readouterr().err
    assert "outbox" in err and "Cannot reach" in err and err.count("\n") == 1
    with open_store() as store:
        rows = Messages(store).all()
        assert [(r.body, r.status) for r in rows] == [("typed while offline", "pending")]
        assert len(Messages(store).outbox()) == 1
    assert main(["messages", "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["status"] == "pending"
    assert "stored messages only" in captured.err
