"""``companion log|goals|remind|programme`` through the real entry point: JSON out, refused values exit 1 with
one line on stderr and store nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def test_log_measurement_json_and_copy(onboarded_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = onboarded_cli("log", "measurement", "--waist-cm", "92", "--hips-cm", "104", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["values"] == {"waist": 92.0, "hips": 104.0}
    assert data["whr"]["cutoff"] == 0.85 and data["whr"]["above"] is True
    assert data["whtr"]["value"] == pytest.approx(92 / 168)
    code, out, _err = onboarded_cli("log", "measurement", "--neck-in", "14", "--copy-previous", "--json")
    assert code == 0
    copied = json.loads(out)
    assert copied["values"]["neck"] == pytest.approx(35.6) and sorted(copied["copied"]) == ["hips", "waist"]
    code, out, _err = onboarded_cli("log", "measurement", "--waist-cm", "90")
    assert code == 0 and "Waist-to-height ratio 0.54" in out and "Ashwell" in out


@pytest.mark.parametrize("args", [
    ("log", "measurement", "--waist-cm", "5"),
    ("log", "measurement", "--waist-cm", "400"),
    ("log", "measurement", "--waist-cm", "90", "--hips-in", "40"),
    ("log", "measurement"),
    ("log", "medication", "--medicine", "semaglutide", "--dose", "0.25"),
    ("log", "medication", "--medicine", "", "--dose", "1 mg"),
    ("log", "medication", "--medicine", "omeprazole", "--dose", "20 mg", "--site", "elbow"),
    ("log", "water", "0"),
    ("log", "symptom", "--nausea", "7"),
    ("log", "symptom"),
    ("log", "note", "   "),
    ("log", "water", "--when", "2999-01-01"),
    ("remind", "add", "weigh-in", "25:00"),
    ("remind", "add", "bath", "07:00"),
    ("goals", "add", "waist", "5"),
    ("goals", "add", "weight", "85", "--by", "2001-01-01"),
    ("programme", "water-target", "20"),
])
def test_refused_values_exit_1_with_one_line(onboarded_cli, args) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    code, out, err = onboarded_cli(*args)
    assert code == 1, (out, err)
    assert err.startswith("companion: ") and err.count("\n") == 1 and "Traceback" not in err
    with Store.open(__import__("companion.paths", fromlist=["data_dir"]).data_dir()) as store:
        profile = store.profiles.active()
        assert profile is not None and profile.id is not None
        assert sum(store.programme.counts(profile.id).values()) == 0


def test_medication_plan_log_and_next_site(onboarded_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = onboarded_cli("programme", "medicines", "add", "tirzepatide", "--dose", "2.5 mg", "--weekly",
                                   "fri", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["route"] == "subcutaneous" and plan["weekday"] == 4
    code, out, _err = onboarded_cli("log", "medication", "--plan", str(plan["id"]), "--site", "next",
                                    "--side-effect", "nausea:mild", "--json")
    record = json.loads(out)
    assert code == 0 and record["site"] == "abdomen-left" and record["next_site"] == "abdomen-right"
    assert record["side_effects"] == [{"effect": "nausea", "severity": "mild"}]
    code, out, _err = onboarded_cli("programme", "show", "--json")
    today = json.loads(out)
    assert today["next_injection_site"] == "abdomen-right" and len(today["doses_today"]) == 1
    code, out, _err = onboarded_cli("programme", "suggestions", "--json")
    assert any(s["name"].startswith("omeprazole") for s in json.loads(out))


def test_water_and_checkin(onboarded_cli) -> None:  # type: ignore[no-untyped-def]
    assert onboarded_cli("programme", "water-target", "1500")[0] == 0
    onboarded_cli("log", "water")
    code, out, _err = onboarded_cli("log", "water", "0.5 l", "--json")
    assert code == 0 and json.loads(out)["total_ml"] == 750 and json.loads(out)["target_ml"] == 1500
    code, out, _err = onboarded_cli("log", "symptom", "--pain", "3", "--energy", "2", "--json")
    assert code == 0 and "contact your clinic" in json.loads(out)["hint"]
    code, out, _err = onboarded_cli("log", "note", "Walked 30 minutes")
    code, out, _err = onboarded_cli("programme", "timeline", "--json")
    assert {i["kind"] for i in json.loads(out)} == {"note", "checkin"}


def test_goals_cli(onboarded_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = onboarded_cli("goals", "--json")
    assert code == 0 and json.loads(out)[0]["goal"]["from_profile"] is True  # the onboarding goal weight
    code, out, err = onboarded_cli("goals", "add", "body-fat", "30", "--json")
    assert code == 0, err
    goal_id = json.loads(out)["id"]
    code, out, _err = onboarded_cli("goals", "list")
    assert "Body fat 30 %" in out and "not enough readings" in out
    assert onboarded_cli("goals", "remove", str(goal_id))[0] == 0
    assert onboarded_cli("goals", "remove", str(goal_id))[0] == 1


def test_reminders_cli(onboarded_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = onboarded_cli("remind", "add", "water", "00:00", "--json")
    reminder = json.loads(out)
    assert code == 0 and reminder["days"] == "daily"
    code, out, _err = onboarded_cli("remind", "list", "--json")
    assert [r["kind"] for r in json.loads(out)] == ["water"]
    code, out, _err = onboarded_cli("remind", "--json")
    assert code == 0 and [r["kind"] for r in json.loads(out)] == ["water"]
    code, out, _err = onboarded_cli("remind", "--json")
    assert json.loads(out) == []  # shown once a day
    assert onboarded_cli("remind", "disable", str(reminder["id"]))[0] == 0
    assert onboarded_cli("remind", "remove", str(reminder["id"]))[0] == 0
    assert onboarded_cli("remind", "remove", str(reminder["id"]))[0] == 1


def test_remind_headless_falls_back_to_a_terminal_line(onboarded_cli, home) -> None:  # type: ignore[no-untyped-def]
    onboarded_cli("remind", "add", "weigh-in", "00:00")
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run([sys.executable, "-m", "companion", "remind"], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Weigh-in: Time to step on the scale.\n"  # no tty: no bell
