"""Bad data directories: each gives one clear line and exit code 1 (CLI) or a Quit dialog (TUI), and no file
is modified. The cases are real broken files, built the way they happen in the field."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.store import DB_FILE, Store
from companion.store.keys import KEY_FILE
from companion.store.migrations import latest_version
from tests.conftest import TEST_PASSPHRASE, dir_digest, wait_until


def _corrupt(home: Path) -> None:
    data = bytearray((home / DB_FILE).read_bytes())
    data[:4096] = os.urandom(4096)  # the first page (salt and header) is gone
    (home / DB_FILE).write_bytes(bytes(data))


def _foreign(home: Path) -> None:
    for name in (DB_FILE, KEY_FILE):
        (home / name).unlink()
    conn = sqlite3.connect(home / DB_FILE)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('someone else''s database')")
    conn.commit()
    conn.close()


def _foreign_with_key(home: Path) -> None:
    key = (home / KEY_FILE).read_bytes()
    _foreign(home)
    (home / KEY_FILE).write_bytes(key)


def _key_missing(home: Path) -> None:
    (home / KEY_FILE).unlink()


def _key_corrupt(home: Path) -> None:
    (home / KEY_FILE).write_text("{ this is not json", encoding="utf-8")


def _newer(home: Path) -> None:
    with Store.open(home, passphrase=TEST_PASSPHRASE) as store:
        store._conn.execute(f"PRAGMA user_version = {latest_version() + 7}")


def _keyring_mode_without_keyring(home: Path) -> None:
    import json

    # A key file written where a keyring was available, now opened where none is.
    data = json.loads((home / KEY_FILE).read_text())
    (home / KEY_FILE).write_text(json.dumps({"version": 1, "mode": "keyring", "key_id": data["key_id"]}))


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "corrupt": (_corrupt, "is damaged or not a Companion database"),
    "foreign": (_foreign, "is not a Companion database"),
    "foreign-with-key": (_foreign_with_key, "is damaged or not a Companion database"),
    "key-missing": (_key_missing, "key file is missing"),
    "key-corrupt": (_key_corrupt, "key file"),
    "newer": (_newer, "written by a newer Companion"),
    "keyring-missing": (_keyring_mode_without_keyring, "system keyring"),
}


@pytest.fixture(params=sorted(CASES))
def broken(request: pytest.FixtureRequest, onboarded: Path) -> tuple[Path, str]:
    make, message = CASES[request.param]
    make(onboarded)
    return onboarded, message


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_cli_refuses_broken_data(broken: tuple[Path, str]) -> None:
    home, message = broken
    before = dir_digest(home)
    result = run_cli("profile", "show")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert dir_digest(home) == before


def test_cli_wrong_passphrase(onboarded: Path) -> None:
    before = dir_digest(onboarded)
    result = run_cli("profile", "show", env={"COMPANION_PASSPHRASE": "wrong passphrase"})
    assert (
        result.returncode == 1
        and result.stderr.strip() == "companion: Wrong passphrase; nothing was changed."
    )
    assert dir_digest(onboarded) == before


def test_cli_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    home = blocker / "companion"
    result = run_cli(
        "profile",
        "init",
        "--name",
        "Ann",
        "--birth-date",
        "1980-04-23",
        "--sex",
        "female",
        "--height-cm",
        "168",
        env={"COMPANION_HOME": str(home)},
    )
    assert result.returncode == 1
    assert "cannot be written to" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "not a directory"


def test_demo_works_when_the_real_data_dir_is_broken(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from companion.tui.app import make_app; "
            "app = make_app(demo=True, demo_years=0.2); sys.exit(0 if app.store is not None else 3)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COMPANION_HOME": str(blocker / "x")},
    )
    assert result.returncode == 0, result.stderr
    assert blocker.read_text() == "x"


# ----- the TUI: a dialog with Quit, never a traceback ------------------------------------------------------
async def _problem_dialog(home: Path, clock) -> tuple[str, int | None]:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    from companion.tui.app import make_app
    from companion.tui.screens.unlock import StoreProblemScreen

    app = make_app(home=home, clock=clock)
    async with app.run_test(size=(100, 32)) as pilot:
        def shown() -> bool:
            return isinstance(app.screen, StoreProblemScreen) and bool(app.screen.query("#problem-quit"))

        await wait_until(pilot, shown)
        assert isinstance(app.screen, StoreProblemScreen), app.screen
        text = str(app.screen.query_one("#problem-message", Static).render())
        await pilot.press("q")
        await pilot.pause()
    return text, app.return_code


async def test_tui_shows_a_dialog_for_broken_data(broken: tuple[Path, str], clock) -> None:  # type: ignore[no-untyped-def]
    home, message = broken
    before = dir_digest(home)
    text, code = await _problem_dialog(home, clock)
    assert message in " ".join(text.split())
    assert code == 1
    assert dir_digest(home) == before


async def test_tui_shows_a_dialog_for_an_unwritable_data_dir(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    text, code = await _problem_dialog(blocker / "companion", clock)
    assert "cannot be written to" in " ".join(text.split()) and code == 1
    assert blocker.read_text() == "x"


async def test_tui_wrong_passphrase_asks_again(
    onboarded: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, Static

    from companion.tui.app import make_app
    from companion.tui.screens.unlock import UnlockScreen

    monkeypatch.setenv("COMPANION_PASSPHRASE", "not it")
    before = dir_digest(onboarded)
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(
            pilot, lambda: "Wrong passphrase" in str(app.screen.query_one("#unlock-error").render())
        )
        assert isinstance(app.screen, UnlockScreen)
        assert "Wrong passphrase" in str(app.screen.query_one("#unlock-error", Static).render())
        app.screen.query_one("#passphrase", Input).value = TEST_PASSPHRASE
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.store is not None and app.current_mode == "dashboard")
        assert app.store is not None and app.current_mode == "dashboard"
    assert set(dir_digest(onboarded)) == set(before)
