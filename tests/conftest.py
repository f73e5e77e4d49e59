"""Shared fixtures: every test runs on a fresh data directory, with a fixed clock, timezone and language,
no OS keyring (the passphrase comes from COMPANION_PASSPHRASE, as documented in DESIGN.md)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ["TZ"] = "Europe/Amsterdam"
os.environ.pop("COMPANION_LANG", None)
os.environ["LANG"] = "C.UTF-8"
if hasattr(time, "tzset"):
    time.tzset()

TEST_PASSPHRASE = "test passphrase 1234"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "companion-home"
    monkeypatch.setenv("COMPANION_HOME", str(home))
    monkeypatch.setenv("COMPANION_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.delenv("COMPANION_BLE", raising=False)
    from companion.i18n import set_language

    set_language("en")
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    from companion.clock import FixedClock

    return FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(home: Path, clock):  # type: ignore[no-untyped-def]
    """An empty, open store with health-data consent given and no profile."""
    from companion.store import Store

    s = Store.create(home, passphrase=TEST_PASSPHRASE, clock=clock)
    s.consents.record("health-data", "grant", "1.0", "test")
    yield s
    s.close()


@pytest.fixture
def profile(store):  # type: ignore[no-untyped-def]
    from companion.domain import Profile, Sex

    return store.profiles.add(
        Profile("Ann Example", Sex.FEMALE, date(1980, 4, 23), 168.0, placement_date=date(2026, 1, 10),
                goal_weight_kg=80.0)
    )


@pytest.fixture
def onboarded(home: Path, clock) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """A data directory that went through onboarding (store closed again)."""
    from companion.domain import Profile, Sex
    from companion.onboarding import OnboardingAnswers, complete_onboarding

    answers = OnboardingAnswers(
        Profile("Ann Example", Sex.FEMALE, date(1980, 4, 23), 168.0), True, frozenset(), "1.0",
        TEST_PASSPHRASE,
    )
    complete_onboarding(home, answers, clock).close()
    yield home


# ----- added by the foundation tests (the fixtures above keep their behaviour) ------------------------------
def _memory_backend_class():  # type: ignore[no-untyped-def]
    """A real keyring backend keeping secrets in a dict (the OS keyring stand-in for keyring-mode tests)."""
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class _Backend(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.secrets.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.secrets[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.secrets.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    return _Backend


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An in-memory keyring backend set with ``keyring.set_keyring`` (restored afterwards), no passphrase."""
    import keyring

    previous = keyring.get_keyring()
    backend = _memory_backend_class()()
    keyring.set_keyring(backend)
    monkeypatch.delenv("COMPANION_PASSPHRASE", raising=False)
    yield backend
    keyring.set_keyring(previous)


def dir_digest(path: Path) -> dict[str, str]:
    """{relative name: sha256} of every file under ``path`` (to prove that nothing was modified)."""
    import hashlib

    if not path.is_dir():
        return {}
    return {
        str(item.relative_to(path)): hashlib.sha256(item.read_bytes()).hexdigest()
        for item in sorted(path.rglob("*")) if item.is_file()
    }


@pytest.fixture
def digest():  # type: ignore[no-untyped-def]
    return dir_digest


async def wait_until(pilot, condition, timeout: float = 10.0, describe=None) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (workers included) until ``condition()`` holds; fail after ``timeout`` seconds."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            state = f" ({describe()})" if describe is not None else ""
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}{state}")
        await pilot.pause(0.02)
