"""Decoder vectors. Sources: the Bluetooth SIG GATT Specification Supplement field layouts (vectors built
byte by byte from GSS 3.252 / 3.32 / 3.253 / 3.31 / 3.62, values checked by hand), ble-scale-sync
``src/scales/beurer-bf720.ts`` (UDS consent ``02 01 d8 09`` -> ``20 02 01`` / ``20 02 05``), the Renpho
ES-WBE28 consent ``02 AA 0F 27`` (same file family, ``renpho.ts``), and the Mi scale layouts of xiaomi-ble
``parser.py``."""

from __future__ import annotations

from datetime import datetime

import pytest

from companion.ble.protocols import (
    DecodeError,
    decode_characteristic,
    decode_service_data,
    etekcity,
    identify_scale,
    normalize_uuid,
    qn,
    sig,
    xiaomi,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_weight_measurement_si_minimal_and_imperial() -> None:
    r = sig.decode_weight_measurement(h("00 5c 3a"))  # 14940 x 0.005 kg
    assert r.weight_kg == 74.7 and r.unit == "kg" and r.timestamp is None and r.user_index is None
    r = sig.decode_weight_measurement(h("01 10 27"))  # 10000 x 0.01 lb = 100 lb
    assert r.unit == "lb" and r.weight_kg == pytest.approx(45.3592, abs=1e-4)
    r = sig.decode_weight_measurement(h("09 10 27 f6 00 8a 02"))  # imperial BMI + height 65.0 in
    assert r.bmi == 24.6 and r.height_m == pytest.approx(1.651)


def test_weight_measurement_guest_user_and_unknown_time() -> None:
    r = sig.decode_weight_measurement(h("06 5c 3a 00 00 00 00 00 00 00 ff"))
    assert r.user_index is None and r.timestamp is None


def test_body_composition_fields_in_flag_order() -> None:
    # flags 0x0FFE: every optional field except imperial/multi-packet; BF 25.3 %.
    payload = h(
        "fe 0f fd 00"  # flags, body fat 253
        "e8 07 0b 19 07 1e 00"  # 2024-11-25 07:30:00
        "02"  # user 2
        "b4 1a"  # BMR 6836 kJ
        "c2 01"  # muscle 45.0 %
        "10 27"  # muscle mass 50.0 kg
        "40 38"  # fat-free mass 72.0 kg
        "b0 36"  # soft lean mass 70.0 kg
        "98 3a"  # water mass 75.0 kg
        "f8 12"  # impedance 485.6 ohm
        "a0 3c"  # weight 77.6 kg
        "e8 06"  # height 1.768 m
    )
    r = sig.decode_body_composition(payload)
    assert r.body_fat_pct == 25.3 and r.user_index == 2
    assert r.timestamp == datetime(2024, 11, 25, 7, 30)
    assert r.bmr_kcal == pytest.approx(6836 / 4.1868, abs=0.05)
    assert r.muscle_pct == 45.0 and r.muscle_mass_kg == 50.0 and r.fat_free_mass_kg == 72.0
    assert r.soft_lean_mass_kg == 70.0 and r.body_water_mass_kg == 75.0
    assert r.impedance_ohm == 485.6 and r.weight_kg == 77.6 and r.height_m == 1.768
    assert r.multi_packet is None


def test_body_composition_multi_packet_and_unsuccessful() -> None:
    r = sig.decode_body_composition(h("00 14 2c 01 a0 3c"))  # weight + multi-packet
    assert r.multi_packet is True and r.weight_kg == 77.6
    with pytest.raises(DecodeError, match="unsuccessful"):
        sig.decode_body_composition(h("00 00 ff ff"))
    with pytest.raises(DecodeError, match="truncated"):
        sig.decode_body_composition(h("00 04 2c 01"))  # announces weight, none there
    # Bits 13-15 are reserved for future use: ignored (GSS 3.32), not a reason to reject the packet.
    assert sig.decode_body_composition(h("00 20 2c 01")).body_fat_pct == 30.0


def test_features() -> None:
    f = sig.decode_weight_scale_feature(
        sig.encode_weight_scale_feature(timestamp=True, multi_user=True, bmi=False)
    )
    assert f.timestamp_supported and f.multiple_users_supported and not f.bmi_supported
    assert f.weight_resolution_kg == 0.005 and f.height_resolution_m == 0.001
    f = sig.decode_weight_scale_feature(h("0e 00 00 00"))  # multi-user, BMI, 0.5 kg resolution
    assert f.weight_resolution_kg == 0.5 and f.bmi_supported and not f.timestamp_supported
    # Resolution code 8 is reserved: read as "not specified"; bits 10-31 are reserved: ignored.
    assert sig.decode_weight_scale_feature(h("40 00 00 00")).weight_resolution_kg is None
    assert sig.decode_weight_scale_feature(h("01 fc ff ff")).timestamp_supported
    b = sig.decode_body_composition_feature(h("80 01 00 00"))
    assert b.supported == ("body_water_mass", "impedance")


def test_user_control_point_beurer_consent_vectors() -> None:
    assert sig.encode_consent(1, 2520) == h("02 01 d8 09")  # ble-scale-sync beurer-bf720.ts
    assert sig.encode_consent(170, 9999) == h("02 aa 0f 27")  # Renpho ES-WBE28 fixed consent
    assert sig.decode_control_point_response(h("20 02 01")).ok
    denied = sig.decode_control_point_response(h("20 02 05"))
    assert not denied.ok and denied.to_json()["result"] == "user-not-authorized"
    registered = sig.decode_control_point_response(h("20 01 01 03"))
    assert registered.user_index == 3
    listed = sig.decode_control_point_response(h("20 04 01 02 00 03"))
    assert listed.users == (0, 3)
    with pytest.raises(DecodeError):
        sig.encode_register_new_user(10000)
    with pytest.raises(DecodeError):
        sig.decode_control_point_response(h("20 01 01"))  # success without the new index


def test_current_time_round_trip() -> None:
    at = datetime(2026, 11, 25, 9, 41, 7, 500000)
    raw = sig.encode_current_time(at)
    assert raw == h("ea 07 0b 19 09 29 07 03 80 01")  # Wednesday, 128/256 s, manual adjust
    back = sig.decode_current_time(raw)
    assert back.at == at.replace(microsecond=0) and back.day_of_week == 3 and back.adjust_reason == 1


def test_mi_scale_v1_flags_and_units() -> None:
    r = xiaomi.decode_mi_scale_v1(h("22 5c 3a e7 07 01 07 0f 1a 1b"))  # stabilized, kg
    assert r.weight_kg == 74.7 and r.stabilized and not r.load_removed and r.unit == "kg"
    r = xiaomi.decode_mi_scale_v1(h("a3 10 27 00 00 00 00 00 00 00"))  # lb, stabilized, load removed
    assert r.unit == "lb" and r.load_removed and r.timestamp is None
    r = xiaomi.decode_mi_scale_v1(h("32 10 27 00 00 00 00 00 00 00"))  # catty
    assert r.unit == "jin" and r.weight_kg == 50.0


def test_mi_scale_v2_impedance_only_when_flagged() -> None:
    base = "07 01 07 0f 1a 1b"
    assert xiaomi.decode_mi_scale_v2(h(f"02 24 e7 {base} f4 01 5c 3a")).impedance_ohm is None
    with_z = xiaomi.decode_mi_scale_v2(h(f"02 26 e7 {base} f4 01 5c 3a"))
    assert with_z.impedance_ohm == 500.0 and with_z.stabilized
    with pytest.raises(DecodeError, match="impedance"):
        xiaomi.decode_mi_scale_v2(h(f"02 26 e7 {base} 05 00 5c 3a"))  # 5 ohm is impossible


def test_qn_handshake_and_frames() -> None:
    session = qn.QNSession(unit="kg", now=datetime(2026, 1, 1, tzinfo=qn.QN_EPOCH.tzinfo))
    info = qn.frame(qn.OP_INFO, 0x15, bytes([0, 0, 0, 0, 0, 0, 0, 1]))
    readings, replies = session.receive(info)
    assert (
        readings == []
        and replies[0][:4] == h("13 09 15 01")
        and replies[0][-1] == sum(replies[0][:-1]) & 0xFF
    )
    readings, replies = session.receive(qn.frame(qn.OP_CONFIG_ACK, 0x15, b"\x00"))
    seconds = int.from_bytes(replies[0][3:7], "little")
    assert replies[0][:3] == h("20 08 15") and seconds == 820540800  # 2026-01-01 since 2000-01-01 UTC
    readings, _ = session.receive(qn.encode_weight_frame(80.15, stable=True, impedance_ohm=512, proto=0x15))
    assert readings[0].weight_kg == 80.15 and readings[0].impedance_ohm == 512
    with pytest.raises(DecodeError, match="checksum"):
        qn.decode_weight_frame(h("10 0b ff 1f 4f 01 02 00 02 00 00"))


def test_etekcity_frame() -> None:
    frame = etekcity.encode_notification(80.123, stable=True, impedance_ohm=530, unit=1)
    r = decode_characteristic("fff1", frame)
    assert r.to_json() == {
        "protocol": "etekcity-esf551",
        "weight_kg": 80.123,
        "unit": "lb",
        "stabilized": True,
        "impedance_ohm": 530.0,
    }
    bad = bytearray(frame)
    bad[7] = 0
    with pytest.raises(DecodeError):
        etekcity.decode_notification(bytes(bad))


def test_uuid_normalisation_and_identification() -> None:
    assert normalize_uuid("0x2A9D") == "2a9d"
    assert normalize_uuid("00002a9d-0000-1000-8000-00805f9b34fb") == "2a9d"
    assert (
        identify_scale("MIBFS", [], {"0000181b-0000-1000-8000-00805f9b34fb": b""}, {}).protocol
        == "mi-scale-2"
    )
    assert identify_scale("BF720", ["0000181d-0000-1000-8000-00805f9b34fb"], {}, {}).protocol == "sig"
    assert identify_scale("QN-Scale", ["0000fff0-0000-1000-8000-00805f9b34fb"], {}, {}).protocol == "qn"
    assert identify_scale(None, [], {}, {1744: b"\0" * 9}).protocol == "etekcity-esf551"
    assert identify_scale("Headphones", [], {}, {}) is None
    with pytest.raises(DecodeError):
        decode_service_data("180f", b"\x64")


# Published captures: Bluetooth-Devices/xiaomi-ble tests/test_parser.py (test_Xiaomi_Scale2,
# test_Xiaomi_Scale2_non_stabilized, test_Xiaomi_Scale1_mass_removed, test_Xiaomi_Scale1_non_stabilized).
def test_mi_scale_2_captured_stable_with_impedance() -> None:
    r = xiaomi.decode_mi_scale_v2(h("02 26 b2 07 05 04 0f 02 01 ac 01 86 42"))
    assert r.weight_kg == 85.15 and r.impedance_ohm == 428 and r.stabilized and not r.load_removed
    assert r.timestamp == datetime(1970, 5, 4, 15, 2, 1)  # the scale's clock was never set


def test_mi_scale_2_captured_not_stabilized() -> None:
    r = xiaomi.decode_mi_scale_v2(h("02 04 b2 07 01 01 12 10 1a 00 00 a8 52"))
    assert r.weight_kg == 105.8 and not r.stabilized and r.impedance_ohm is None


def test_mi_scale_1_captured_mass_removed_and_not_stabilized() -> None:
    removed = xiaomi.decode_mi_scale_v1(h("a2 20 44 b2 07 01 01 0a 1a 15"))
    assert removed.weight_kg == 87.2 and removed.load_removed and not removed.is_final
    settling = xiaomi.decode_mi_scale_v1(h("82 14 00 e5 07 04 0b 10 17 08"))
    assert settling.weight_kg == 0.1 and settling.timestamp == datetime(2021, 4, 11, 16, 23, 8)


# Vectors from RonanB96/bluetooth-sig-python
# tests/gatt/characteristics/test_weight_measurement.py (tests 1-3).
def test_weight_measurement_bluetooth_sig_python_vectors() -> None:
    assert sig.decode_weight_measurement(h("00 b0 36")).weight_kg == 70.0
    imperial = sig.decode_weight_measurement(h("01 54 3d"))  # 157.00 lb
    assert imperial.unit == "lb" and imperial.weight_kg == pytest.approx(157 * 0.45359237, abs=1e-4)
    stamped = sig.decode_weight_measurement(h("02 b0 36 e7 07 0c 19 0e 1e 2d"))
    assert stamped.timestamp == datetime(2023, 12, 25, 14, 30, 45)


def test_weight_measurement_follows_gss_not_split_bmi_height_flags() -> None:
    # bluetooth-sig-python (tests 4-6) splits BMI (bit 3) and height (bit 4); GSS 3.252 defines bit 3 as
    # "BMI and Height present" and bits 4-7 as reserved. We follow the specification and say why.
    with pytest.raises(DecodeError, match="truncated"):
        sig.decode_weight_measurement(h("0c b0 36 05 f5 00"))
    # Bit 4 is reserved, so ignored: the packet then announces no BMI and the 2 extra bytes are what is wrong.
    with pytest.raises(DecodeError, match="unexpected"):
        sig.decode_weight_measurement(h("10 b0 36 d6 06"))
    assert sig.decode_weight_measurement(h("f0 b0 36")).weight_kg == 70.0
