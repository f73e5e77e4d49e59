"""``companion ble decode``, ``companion pair`` and ``companion measure`` in-process (the real entry
point)."""

from __future__ import annotations

import json

import pytest

from companion.ble.emulator.scale import MI_SCALE_ADDRESS, SIG_SCALE_ADDRESS
from companion.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_weight_measurement_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    # SI, timestamp, user 1, BMI 24.6 / 1.696 m: a vector built from GSS 3.252's field layout.
    code, out, err = run(
        capsys, "ble", "decode", "--characteristic", "2a9d", "0e 30 2a e0 07 05 14 0c 1e 00 01 f6 00 a0 06"
    )
    assert code == 0, err
    assert json.loads(out) == {
        "protocol": "sig-wss",
        "weight_kg": 54.0,
        "unit": "kg",
        "stabilized": True,
        "timestamp": "2016-05-20T12:30:00",
        "user_index": 1,
        "bmi": 24.6,
        "height_m": 1.696,
    }


def test_decode_service_data_and_manufacturer_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "ble",
        "decode",
        "--service-data",
        "0000181b-0000-1000-8000-00805f9b34fb",
        "02:26:e7:07:01:07:0f:1a:1b:f4:01:5c:3a",
    )
    assert code == 0
    data = json.loads(out)
    assert data["protocol"] == "mi-scale-2" and data["weight_kg"] == 74.7 and data["impedance_ohm"] == 500.0
    assert data["stabilized"] is True and data["load_removed"] is False
    assert data["timestamp"] == "2023-01-07T15:26:27"
    code, out, _ = run(capsys, "ble", "decode", "--manufacturer-data", "0x06d0", "00 06 05 04 03 02 01 00 2a")
    assert code == 0 and json.loads(out)["model_id"] == 42


def test_decode_ignores_reserved_flag_bits_as_the_specification_requires(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GSS 3.252: Weight Measurement flag bits 4-7 are reserved for future use; a receiver ignores them.
    code, out, _ = run(capsys, "ble", "decode", "--characteristic", "2a9d", "f0 30 2a")
    assert code == 0 and json.loads(out) == {
        "protocol": "sig-wss",
        "weight_kg": 54.0,
        "unit": "kg",
        "stabilized": True,
    }
    code, out, _ = run(capsys, "ble", "decode", "--characteristic", "2a9c", "00 e0 2c 01")  # BCS bits 13-15
    assert code == 0 and json.loads(out)["body_fat_pct"] == 30.0


def test_decode_prints_an_impossible_packet_with_plausible_false(capsys: pytest.CaptureFixture[str]) -> None:
    # 0xD000 / 100 = 532.48 kg: well-formed, physically impossible. Never stored, but decode says what it says.
    code, out, err = run(capsys, "ble", "decode", "--characteristic", "ffe1", "10 0b ff d0 00 01 00 00 00 00 eb")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["plausible"] is False and "impossible weight" in data["reason"] and data["weight_kg"] == 532.48


def test_decode_finds_the_one_driver_for_a_vendor_characteristic(capsys: pytest.CaptureFixture[str]) -> None:
    # Not in the built-in table: the registry's only driver for this UUID decodes it (Soehnle, layout from
    # openScale SoehnleHandler.kt@0cb4064), also when the packet is impossible.
    char = "352e3001-28e9-40b8-a361-6db4cca4147c"
    code, out, _ = run(capsys, "ble", "decode", "--characteristic", char, "09 03 07e8 05 11 07 08 09 0310 0226 01f4")
    assert code == 0 and json.loads(out)["protocol"] == "soehnle" and json.loads(out)["weight_kg"] == 78.4
    code, out, _ = run(capsys, "ble", "decode", "--characteristic", char, "09 03 07e8 05 11 07 08 09 ffff 0226 01f4")
    assert code == 0 and json.loads(out)["plausible"] is False


def test_decode_with_a_named_driver_and_the_driver_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "ble",
        "decode",
        "--driver",
        "mi-scale-2",
        "--service-data",
        "181b",
        "02 24 e7 07 01 07 0f 1a 1b f4 01 5c 3a",
    )
    assert code == 0 and json.loads(out)["protocol"] == "mi-scale-2"
    code, out, _ = run(capsys, "ble", "drivers", "--json")
    listed = {row["id"]: row for row in json.loads(out)}
    assert {"sig", "qn", "mi-scale", "mi-scale-2", "etekcity-esf551"} <= set(listed)
    assert listed["qn"]["handshake"] is True and listed["mi-scale-2"]["link"] == "broadcast"
    assert "impedance_ohm" in listed["etekcity-esf551"]["measures"]
    code, out, _ = run(capsys, "ble", "drivers")
    assert code == 0 and "sig: Bluetooth standard scale" in out


@pytest.mark.parametrize(
    "argv, reason",
    [
        (["--characteristic", "2a9d", "02 30"], "truncated"),
        (["--characteristic", "2a9d", "00 30 2a 00"], "unexpected byte"),
        (["--characteristic", "2a9d", "00 ff ff"], "unsuccessful"),
        (["--characteristic", "2a9d", "00 30 2a", "--driver", "nope"], "unknown driver"),
        (["--service-data", "181b", "02 26", "--driver", "sig"], "GATT characteristics only"),
        (["--characteristic", "2a9d", "zz"], "not a hex"),
        (["--characteristic", "1234", "00"], "no decoder"),
    ],
)
def test_decode_rejects_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], reason: str) -> None:
    code, out, err = run(capsys, "ble", "decode", *argv)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "cannot decode:" in err and reason in err


def test_pair_and_measure_commands_against_the_emulator(
    capsys: pytest.CaptureFixture[str],
    onboarded,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    code, out, err = run(capsys, "pair", "--address", SIG_SCALE_ADDRESS.lower(), "--scan-seconds", "3", "--json")
    assert code == 0, err
    paired = json.loads(out)
    assert paired["protocol"] == "sig" and paired["registered"] is True and paired["user_index"] == 0
    monkeypatch.setenv("COMPANION_EMULATED_WEIGH_IN", "81.7")
    code, out, err = run(capsys, "measure", "--timeout", "10", "--json")
    assert code == 0, err
    measured = json.loads(out)
    assert measured["weight_kg"] == 81.7 and measured["source"] in ("ble:sig", "ble:mi-scale-2")


def test_measure_without_paired_scale_fails_cleanly(
    capsys: pytest.CaptureFixture[str],
    onboarded,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    code, out, err = run(capsys, "measure", "--timeout", "2")
    assert code == 1 and "pair" in err and err.count("\n") == 1


def test_pair_broadcast_scale_with_first_reading(
    capsys: pytest.CaptureFixture[str],
    onboarded,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    monkeypatch.setenv("COMPANION_EMULATED_WEIGH_IN", "77.0")
    code, out, err = run(capsys, "pair", "--address", MI_SCALE_ADDRESS, "--first-reading", "5", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["protocol"] == "mi-scale-2" and data["first_measurement"]["weight_kg"] == 77.0
    assert "body_fat_pct" in data["first_measurement"]["derived"]
