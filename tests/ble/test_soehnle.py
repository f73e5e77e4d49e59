"""Soehnle Shape / Style driver: frames built from the published layout, the user-slot conversation.

Layout and flow: oliexdev/openScale@0cb4064 android_app/app/src/main/java/com/health/openscale/core/bluetooth/
scales/SoehnleHandler.kt and KristianP26/ble-scale-sync@4d10962 src/scales/soehnle.ts (module docstring of
companion/ble/drivers/soehnle.py). No capture of real bytes is published; these frames follow that layout.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from companion.ble.drivers.base import (
    ConsentRefused,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    HandshakeTimeout,
    ImplausibleValue,
    MalformedFrame,
    ProfileShared,
    Ready,
    SlotRefused,
    SlotRegistered,
    Subscribe,
    UserProfile,
    UserSlot,
    Write,
)
from companion.ble.drivers.soehnle import (
    COMMAND,
    NOTIFY_A,
    NOTIFY_B,
    SoehnleShape,
    decode_measurement,
    encode_clock,
)
from companion.ble.protocols import DecodeError, Reading

# 09 | user 3 | 2024-05-17 07:08:09 (year BE) | 78.4 kg (0x0310 BE /10) | 5 kHz 0x0226 = 550 | 50 kHz 0x01F4 = 500
FRAME = bytes.fromhex("09 03 07e8 05 11 07 08 09 0310 0226 01f4")
CHARS = frozenset({"2a9f", "2a2b", "2a80", "2a8c", "2a8e", NOTIFY_A, NOTIFY_B, COMMAND})
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)  # a Wednesday
PROFILE = UserProfile(168.0, date(1980, 5, 17), "female")


def test_measurement_frame_layout() -> None:
    r = decode_measurement(FRAME)
    assert r.weight_kg == 78.4 and r.impedance_ohm == 500.0 and r.user_index == 3
    assert r.timestamp == datetime(2024, 5, 17, 7, 8, 9) and r.stabilized and r.protocol == "soehnle"


def test_measurement_without_impedance_and_bad_frames() -> None:
    assert decode_measurement(FRAME[:13] + b"\x00\x00").impedance_ohm is None  # shoes on: no BIA
    with pytest.raises(DecodeError, match="15 bytes"):
        decode_measurement(FRAME[:14])
    with pytest.raises(DecodeError, match="invalid date"):
        decode_measurement(FRAME[:4] + b"\x0d" + FRAME[5:])  # month 13
    with pytest.raises(DecodeError, match="impossible weight"):
        decode_measurement(FRAME[:9] + b"\xff\xff" + FRAME[11:])  # 6553.5 kg


def test_clock_is_openscale_9_byte_layout() -> None:
    # year LE, month, day, hour, minute, second, day of week counted from Sunday = 1 (Wednesday = 4), 0
    assert encode_clock(datetime(2026, 3, 4, 5, 6, 7)) == bytes.fromhex("ea07 03 04 05 06 07 04 00")


def _run(driver: SoehnleShape, *answers: tuple[str, bytes]) -> list[object]:
    out = list(driver.connected(Gatt(frozenset(), CHARS)))
    for char, data in answers:
        out += driver.notification(char, data)
    return out


def test_pairing_creates_a_slot_writes_the_profile_and_asks_for_history() -> None:
    d = SoehnleShape(DriverConfig(now=NOW, mode="pair", profile=PROFILE, new_consent_code=1234))
    out = _run(d, ("2a9f", bytes.fromhex("20 01 01 02")))
    subscribed = [o.char for o in out if isinstance(o, Subscribe)]
    writes = [(o.char, o.data) for o in out if isinstance(o, Write)]
    assert subscribed[:2] == ["2a9f", NOTIFY_A]
    assert ("2a9f", bytes.fromhex("01 00 00")) in writes  # create, consent code 0
    assert (
        ("2a80", bytes([45])) in writes
        and ("2a8c", b"\x01") in writes
        and ("2a8e", (168).to_bytes(2, "little")) in writes
    )
    assert writes[-1] == (COMMAND, bytes.fromhex("09 02"))  # only our own slot's history
    assert SlotRegistered(2, 0) in out and any(isinstance(o, ProfileShared) for o in out)
    assert out[-1] == Ready(2, registered=True)
    assert d.notification(NOTIFY_A, FRAME)[0] == decode_measurement(FRAME)


def test_a_forgotten_slot_is_created_again_and_a_full_scale_is_refused() -> None:
    known = (UserSlot(4, 0, active=True),)
    d = SoehnleShape(DriverConfig(now=NOW, mode="pair", slots=known))
    out = _run(d, ("2a9f", bytes.fromhex("20 02 05")), ("2a9f", bytes.fromhex("20 01 04")))
    assert SlotRefused(4) in out
    assert isinstance(out[-1], ConsentRefused) and "no free user slot" in out[-1].message


def test_listening_selects_the_active_slot_and_asks_every_household_slot() -> None:
    slots = (UserSlot(1, 0), UserSlot(3, 0, active=True))
    d = SoehnleShape(DriverConfig(now=NOW, mode="listen", slots=slots))
    out = _run(d, ("2a9f", bytes.fromhex("20 02 01")))
    assert (COMMAND, bytes.fromhex("09 01")) in [(o.char, o.data) for o in out if isinstance(o, Write)]
    assert out[-1] == Ready(3)
    refused = SoehnleShape(DriverConfig(now=NOW, mode="listen", slots=slots))
    assert isinstance(_run(refused, ("2a9f", bytes.fromhex("20 02 05")))[-1], ConsentRefused)


def test_bad_answers_timeouts_and_frames_are_typed() -> None:
    d = SoehnleShape(DriverConfig(now=NOW, mode="pair"))
    d.connected(Gatt(frozenset(), CHARS))
    assert isinstance(d.timeout("ucp")[0], HandshakeTimeout)
    d = SoehnleShape(DriverConfig(now=NOW, mode="pair"))
    d.connected(Gatt(frozenset(), CHARS))
    assert isinstance(d.notification("2a9f", b"\x01\x02")[0], HandshakeFailed)
    assert isinstance(d.notification(NOTIFY_A, FRAME[:12])[0], MalformedFrame)
    assert isinstance(d.notification(NOTIFY_A, FRAME[:9] + b"\xff\xff" + FRAME[11:])[0], ImplausibleValue)
    assert d.notification(NOTIFY_A, b"\x0a\x01") == []  # other frame kinds are not readings
    missing = SoehnleShape(DriverConfig(now=NOW, mode="pair")).connected(Gatt(frozenset(), frozenset({"2a9f"})))
    assert isinstance(missing[0], HandshakeFailed)


def test_driver_decode_for_the_cli() -> None:
    assert isinstance(SoehnleShape.decode("characteristic", NOTIFY_A, FRAME), Reading)
    with pytest.raises(DecodeError):
        SoehnleShape.decode("service-data", "181b", FRAME)
