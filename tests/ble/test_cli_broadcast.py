"""``companion pair`` / ``measure`` with the emulated S400 (encrypted) and a wrong bind key: exit 1, one line on
stderr, nothing stored; the right key pairs, stores the key out of plain files and measures."""

from __future__ import annotations

import json

import pytest

from companion.ble.emulator.xiaomi_s400 import DEMO_BIND_KEY, S400_ADDRESS
from companion.cli import main
from tests.conftest import TEST_PASSPHRASE


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _paired(home) -> list[str]:  # type: ignore[no-untyped-def]
    from companion.store import Store
    from companion.store.ble import BleRepository

    with Store.open(home, passphrase=TEST_PASSPHRASE) as store:
        return [s.address for s in BleRepository(store).paired()]


def test_s400_wrong_key_then_right_key(capsys, onboarded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    monkeypatch.setenv("COMPANION_EMULATED_WEIGH_IN", "80.3")  # the scripted person steps on every 1.5 s
    args = ("pair", "--address", S400_ADDRESS, "--scan-seconds", "3")
    code, out, err = run(capsys, *args, "--bind-key", "00112233445566778899aabbccddeeff")
    assert code == 1 and out == "" and "Traceback" not in err
    problem = err.strip().splitlines()[-1]  # progress lines first, then the one error line
    assert (
        problem.startswith("companion: ") and "this bind key does not decrypt this scale's adverts" in problem.lower()
    )
    assert err.lower().count("does not decrypt") == 1
    assert _paired(onboarded) == []

    code, out, err = run(capsys, *args, "--bind-key", "not a key")
    assert code == 1 and "32 characters" in err.strip().splitlines()[-1]

    monkeypatch.setenv("COMPANION_BIND_KEY", DEMO_BIND_KEY.hex())
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    assert json.loads(out)["protocol"] == "xiaomi-s400"
    assert DEMO_BIND_KEY.hex() not in out + err  # never echoed
    assert _paired(onboarded) == [S400_ADDRESS]
    for path in onboarded.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert DEMO_BIND_KEY not in data and DEMO_BIND_KEY.hex().encode() not in data, path

    code, out, err = run(capsys, "measure", "--timeout", "10", "--json")
    assert code == 0, err
    assert json.loads(out)["weight_kg"] == 80.3


def test_s400_without_a_key_and_no_terminal_says_how(capsys, onboarded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    monkeypatch.delenv("COMPANION_BIND_KEY", raising=False)
    code, out, err = run(capsys, "pair", "--address", S400_ADDRESS, "--scan-seconds", "3")
    assert code == 1 and "--bind-key" in err.strip().splitlines()[-1] and "Traceback" not in err
