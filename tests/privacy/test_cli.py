"""``companion privacy ...`` and ``companion export ...`` end to end (real store under COMPANION_HOME)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from companion.cli import main


def _json(capsys) -> object:  # type: ignore[no-untyped-def]
    return json.loads(capsys.readouterr().out)


def test_show_grant_withdraw_object(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["privacy", "show", "--json"]) == 0
    shown = _json(capsys)
    ids = {p["id"]: p for p in shown["purposes"]}  # type: ignore[index]
    assert ids["health-data"]["state"] == "granted" and ids["location"]["state"] == "not-given"
    assert ids["provide-service"]["legal_basis"] == "contract"
    assert shown["ledger_intact"] is True  # type: ignore[index]
    assert main(["privacy", "grant", "location", "--json"]) == 0
    assert _json(capsys)["state"] == "granted"  # type: ignore[index]
    assert main(["privacy", "withdraw", "location"]) == 0
    assert "withdrawn" in capsys.readouterr().out
    assert main(["privacy", "object", "statistics"]) == 0
    assert "objected" in capsys.readouterr().out
    assert main(["privacy", "show"]) == 0
    out = capsys.readouterr().out
    assert "location" in out and "Legitimate interest" in out


def test_contract_and_unknown_purposes_fail_clearly(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["privacy", "withdraw", "provide-service"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "delete your account" in err
    assert main(["privacy", "grant", "telemetry"]) == 1
    assert "Unknown purpose" in capsys.readouterr().err


def test_restrict(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["privacy", "restrict", "on"]) == 0
    assert main(["privacy", "show", "--json"]) == 0
    capsys.readouterr()
    assert main(["privacy", "show", "--json"]) == 0
    assert _json(capsys)["restricted"] is True  # type: ignore[index]
    assert main(["privacy", "restrict", "off"]) == 0


def test_tampered_ledger_message(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store
    from tests.conftest import TEST_PASSPHRASE

    with Store.open(onboarded, passphrase=TEST_PASSPHRASE) as store, store.transaction() as db:
        db.execute("DROP TRIGGER consent_event_append_only_update")
        db.execute("UPDATE consent_event SET method = 'forged'")
    assert main(["privacy", "show"]) == 1
    err = capsys.readouterr().err
    assert "altered outside Companion" in err and "Traceback" not in err
    assert main(["privacy", "grant", "health-data"]) == 0
    assert "every consent was reset" in capsys.readouterr().err
    assert main(["privacy", "show"]) == 0


def test_erase_needs_confirmation(onboarded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["privacy", "erase", "measurements"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert main(["privacy", "erase", "measurements", "--yes"]) == 0
    assert "Deleted 0 rows" in capsys.readouterr().out
    assert main(["privacy", "erase", "photos", "--yes"]) == 2


def test_erase_all_with_notice_file(onboarded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    notice = tmp_path / "tell-clinic.txt"
    assert main(["privacy", "erase", "all", "--yes", "--notice-file", str(notice)]) == 0
    assert "cannot be recovered" in capsys.readouterr().out
    assert notice.read_text(encoding="utf-8").startswith("Data deletion notice")
    assert not (onboarded / "key.json").exists() and not (onboarded / "companion.db").exists()
    assert main(["privacy", "show"]) == 1


def test_export_cli(onboarded, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["export"]) == 0
    (written,) = list(tmp_path.glob("companion-export-*.zip"))
    assert "manifest.json" in zipfile.ZipFile(written).namelist()
    assert main(["export", "--format", "fhir", "--output", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "collection"
    assert main(["export", "--output", str(tmp_path / "missing" / "x.zip")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1
    assert main(["privacy", "audit", "--json"]) == 0
    events = _json(capsys)
    assert [e["action"] for e in events] == ["export", "export"]  # type: ignore[index]
    assert main(["privacy", "retention", "--run", "--json"]) == 0
    assert _json(capsys)["purged"] == {"messages": 0, "diagnostics": 0}  # type: ignore[index]


def test_no_store_yet(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["privacy", "show"]) == 1
    assert "profile init" in capsys.readouterr().err
    assert main(["export", "--output", str(Path("x.zip"))]) == 1


def test_request_drafts_saves_and_tracks(onboarded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.privacy.requests import add_months

    due = add_months(date.today(), 1).isoformat()  # the CLI runs on the system clock
    target = tmp_path / "request.txt"
    assert (
        main(
            [
                "privacy",
                "request",
                "gdpr",
                "erasure",
                "--to",
                "Demo Clinic",
                "--contact",
                "ann@example.org",
                "--save",
                str(target),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "Article 17" in captured.out and f"due by {due}" in captured.err
    assert target.read_text(encoding="utf-8") == captured.out
    assert main(["privacy", "request", "arco", "cancellation", "--to", "Clínica", "--contact", "x@y.mx"]) == 1
    assert "identity" in capsys.readouterr().err
    assert main(["privacy", "requests", "--json"]) == 0
    rows = _json(capsys)
    assert [(r["kind"], r["status"], r["due_date"]) for r in rows] == [("erasure", "sent", due)]  # type: ignore[index]
    assert main(["privacy", "requests", "--answered", str(rows[0]["id"])]) == 0  # type: ignore[index]
    assert "answered" in capsys.readouterr().out
