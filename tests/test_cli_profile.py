"""``companion profile init|show`` through the real entry point (``python -m companion``) in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from companion.store import Store

TODAY = date.today()
ADULT = date(TODAY.year - 40, 4, 23).isoformat()


def companion(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def init_args(**overrides: str) -> list[str]:
    values = {"--name": "Ann Example", "--birth-date": ADULT, "--sex": "female", "--height-cm": "168"}
    values.update({f"--{k.replace('_', '-')}": v for k, v in overrides.items()})
    return ["profile", "init", *[item for pair in values.items() for item in pair]]


def test_init_then_show(home: Path) -> None:
    created = companion(*init_args(email="ann@example.org", phone="+31 20 123 4567", language="nl"), "--json")
    assert created.returncode == 0, created.stderr
    data = json.loads(created.stdout)
    assert data["name"] == "Ann Example" and data["language"] == "nl" and data["height_cm"] == 168.0
    assert (home / "companion.db").exists() and (home / "key.json").exists()
    shown = companion("profile", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["email"] == "ann@example.org"
    plain = companion("profile", "show")
    assert plain.returncode == 0 and "Ann Example" in plain.stdout
    again = companion(*init_args())
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"email": "ann@"}, "not a valid e-mail address"),
        ({"phone": "12"}, "phone number of 7 to 15 digits"),
        ({"height_cm": "12"}, "height in centimetres between 50 and 272"),
        ({"height_cm": "tall"}, "height in centimetres between 50 and 272"),
        ({"birth_date": "1980-02-30"}, "Enter a real date"),
        ({"birth_date": date(TODAY.year - 17, 1, 1).isoformat()}, "for adults (18 or older)"),
        ({"birth_date": date(TODAY.year + 1, 1, 1).isoformat()}, "cannot be in the future"),
        ({"name": "   "}, "enter your name"),
        (
            {"placement_date": date(TODAY.year + 1, 1, 1).isoformat()},
            "placement date cannot be in the future",
        ),
    ],
)
def test_init_rejects_bad_fields_and_stores_nothing(
    home: Path, override: dict[str, str], message: str
) -> None:
    result = companion(*init_args(**override))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("companion: ") and message.lower() in lines[0].lower()
    assert "Traceback" not in result.stderr
    assert not Store.exists(home)
    assert not home.exists() or not any(home.iterdir())


@pytest.mark.parametrize(
    "args",
    [
        ["profile", "init", "--name", "Ann"],  # missing required options
        ["profile", "init", "--name", "A", "--birth-date", ADULT, "--sex", "robot", "--height-cm", "170"],
        ["profile"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(home: Path, args: list[str]) -> None:
    result = companion(*args)
    assert result.returncode == 2
    assert not home.exists()


def test_show_without_data_says_what_to_do(home: Path) -> None:
    result = companion("profile", "show")
    assert result.returncode == 1
    assert "companion profile init" in result.stderr and "Traceback" not in result.stderr


def test_unknown_consent_is_refused(home: Path) -> None:
    result = companion(*init_args(), "--consent", "telemetry")
    assert result.returncode == 1 and "Unknown consent purpose: telemetry" in result.stderr
    assert not Store.exists(home)


def test_optional_consents_and_no_health_consent(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    result = companion(*init_args(), "--consent", "location", "--no-health-consent")
    assert result.returncode == 0, result.stderr
    with Store.open(home) as store:
        assert store.consents.is_granted("location")
        assert not store.consents.is_granted("health-data")
        assert not store.consents.is_granted("research")


def test_help_and_version_exit_0() -> None:
    assert companion("--help").returncode == 0
    version = companion("--version")
    assert version.returncode == 0 and version.stdout.startswith("companion ")


def test_init_without_keyring_or_passphrase_stores_nothing(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COMPANION_PASSPHRASE"}
    result = subprocess.run(
        [sys.executable, "-m", "companion", *init_args()],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and "passphrase is needed to protect your data" in result.stderr
    assert not home.exists()
