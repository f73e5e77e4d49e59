"""Beurer / Sanitas legacy (F7/E7) driver: frames from published captures and whole sessions.

Published bytes: ble-scale-sync ``tests/scales/beurer-sanitas.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): the live-weight frames captured in its issue #112 and the 0x59 measurement parts of
the official app's HCI snoop in issue #211, and the acknowledgements it expects. The command layout of the
handshake (INIT, SET_TIME, status, user list, user add, saved measurements) is openScale's
``BeurerSanitasHandler.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from companion.ble.drivers import beurer_legacy as bl
from companion.ble.drivers import classify
from companion.ble.drivers.base import (
    Advert,
    ConsentRefused,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    HandshakeTimeout,
    MalformedFrame,
    Ready,
    SlotRegistered,
    UnexpectedOpcode,
    UserProfile,
    UserSlot,
    Write,
)
from companion.ble.protocols import Reading

NOW = datetime(2026, 6, 4, 20, 30, tzinfo=timezone(timedelta(hours=2)))
PROFILE = UserProfile(height_cm=178, birth_date=date(1980, 3, 9), sex="male", activity_level=3)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# ble-scale-sync tests/scales/beurer-sanitas.test.ts @3cce009 (issue #211 snoop).
PART1 = h("e7 59 03 01 01 00 00 00 00 00 00 00 65")
PART2 = h("e7 59 03 02 6a 21 f4 c6 06 87 01 b5 00 df 02")
PART3 = h("e7 59 03 03 09 01 8d 00 e9 07 17 0a a2 01 08")


def writes(outputs: list[object]) -> list[bytes]:
    return [o.data for o in outputs if isinstance(o, Write)]


def readings(outputs: list[object]) -> list[Reading]:
    return [o for o in outputs if isinstance(o, Reading)]


def make(name: str = "SANITAS SBF70", **kw: object) -> bl.BeurerSanitasLegacyDriver:
    config = DriverConfig(now=NOW, name=name, **kw)  # type: ignore[arg-type]
    return bl.BeurerSanitasLegacyDriver(config)


def test_live_weight_frames_of_issue_112() -> None:
    frame = bl.parse_frame(h("e7 58 01 08 5e"), bl.FAMILY_E7)
    r = bl.decode_live_weight(frame)
    assert r.weight_kg == 107.1 and r.stabilized is False  # 0x085E x 50 g
    r = bl.decode_live_weight(bl.parse_frame(h("e7 58 01 01 2b"), bl.FAMILY_E7))
    assert r.weight_kg == 14.95


def test_measurement_parts_of_issue_211_merge_into_the_composition() -> None:
    d = make()
    d.phase, d.ready, d.user_index = "measure", True, 1
    outs = d.notification("ffe1", PART1) + d.notification("ffe1", PART2)
    assert not readings(outs)
    last = d.notification("ffe1", PART3)
    (r,) = readings(last)
    assert r.weight_kg == 83.55 and r.impedance_ohm == 437
    assert r.body_fat_pct == 22.3 and r.body_water_pct == 52.1 and r.muscle_pct == 39.7
    assert r.bone_mass_kg is None  # E7: the [14] field is no bone mass (module note)
    assert r.timestamp == datetime(2026, 6, 4, 21, 57, 26)  # 0x6A21F4C6 = 1780610246 s
    assert r.user_index == 1
    # Every frame acknowledged with an echo of bytes 1..3 (the test's expected E7 F1 59 03 03).
    assert writes(outs + last) == [h("e7 f1 59 03 01"), h("e7 f1 59 03 02"), h("e7 f1 59 03 03")]


def test_live_frames_are_acknowledged_on_e7() -> None:
    d = make()
    outs = d.notification("ffe1", h("e7 58 01 06 86"))
    assert writes(outs) == [h("e7 f1 58 01 06")]  # ble-scale-sync buildAck expectation
    assert readings(outs)[0].weight_kg == pytest.approx(0x0686 * 0.05)


def test_all_zero_composition_is_weight_less_and_stores_nothing() -> None:
    d = make()
    z2 = h("e7 59 03 02 6a 21 f4 c6 00 00 00 00 00 00 00")
    z3 = h("e7 59 03 03 00 00 00 00 00 00 00 00 00 00 00")
    outs = d.notification("ffe1", PART1) + d.notification("ffe1", z2) + d.notification("ffe1", z3)
    assert not readings(outs)
    assert len(writes(outs)) == 3  # still acknowledged


def scale_ack(cmd: int, *payload: int) -> bytes:
    return bytes((0xE7, 0xF0, cmd, *payload))


def test_pairing_session_creates_a_user_and_weighs() -> None:
    d = make(mode="pair", profile=PROFILE)
    outs = d.connected(Gatt(frozenset({"ffe0"}), frozenset({"ffe1"})))
    assert writes(outs) == [h("e6 01")]  # INIT with the alternative start byte E6
    outs = d.notification("ffe1", h("e6 00 20"))  # INIT-ACK
    time_write, status = writes(outs)
    local = NOW.replace(tzinfo=None)
    assert time_write == bytes((0xE9,)) + int(local.replace(tzinfo=UTC).timestamp()).to_bytes(4, "big")
    assert status == h("e7 4f 00 00 00 00 00 00 00 00")
    # Status: battery 80 %, unit kg (1): no unit change, straight to the user list.
    outs = d.notification("ffe1", scale_ack(0x4F, 0, 80, 10, 10, 1, 1, 1, 1, 3))
    assert writes(outs) == [h("e7 33")]
    # One user on the scale, not ours.
    outs = d.notification("ffe1", scale_ack(0x33, 0, 1, 8))
    assert writes(outs) == []
    other = h("e7 34 01 01 00 00 00 00 00 00 00 65") + b"ANN" + bytes((85,))
    outs = d.notification("ffe1", other)
    ack, add = writes(outs)
    assert ack == h("e7 f1 34 01 01")
    # New user: uid 102 (one past the highest), nick C02, 1980-03-09 (month 0-based), 178 cm, male | activity 3.
    assert add == h("e7 31 00 00 00 00 00 00 00 66") + b"C02" + bytes((80, 2, 9, 178, 0x83))
    outs = d.notification("ffe1", scale_ack(0x31, 0x00))
    assert SlotRegistered(2, 102) in outs
    assert any(isinstance(o, Ready) and o.registered for o in outs)
    assert writes(outs) == [h("e7 40 00 00 00 00 00 00 00 66")]
    outs = d.notification("ffe1", PART1) + d.notification("ffe1", PART2) + d.notification("ffe1", PART3)
    (r,) = readings(outs)
    assert r.user_index == 2 and r.weight_kg == 83.55


def test_listen_session_reads_and_deletes_history_of_our_user() -> None:
    d = make(name="BF-700", slots=(UserSlot(1, 101, active=True),))
    d.connected(Gatt())
    d.notification("ffe1", h("f6 00"))
    d.notification("ffe1", bytes((0xF7, 0xF0, 0x4F, 0, 80, 10, 10, 1, 1, 1, 1, 3)))
    d.notification("ffe1", bytes((0xF7, 0xF0, 0x33, 0, 1, 8)))
    mine = h("f7 34 01 01 00 00 00 00 00 00 00 65") + b"C01" + bytes((85,))
    outs = d.notification("ffe1", mine)
    assert writes(outs)[-1] == h("f7 41 00 00 00 00 00 00 00 65")  # saved measurements of uid 101
    d.notification("ffe1", bytes((0xF7, 0xF0, 0x41, 2)))
    payload = h("5a 00 00 00 06 40 01 f4 00 e1 02 26 01 90 00 3c 07 00 0a 00 01 00")
    first = d.notification("ffe1", h("f7 42 02 01") + payload[:11])
    second = d.notification("ffe1", h("f7 42 02 02") + payload[11:])
    (r,) = readings(second)
    assert r.weight_kg == 80.0 and r.impedance_ohm == 500 and r.body_fat_pct == 22.5
    assert r.bone_mass_kg == 3.0 and r.user_index == 1  # F7 keeps openScale's bone mass (60 x 50 g)
    assert writes(first) == [h("f7 f1 42 02 01")]
    assert writes(second) == [h("f7 f1 42 02 02"), h("f7 43 00 00 00 00 00 00 00 65")]
    outs = d.notification("ffe1", bytes((0xF7, 0xF0, 0x43, 0)))
    assert writes(outs) == [h("f7 40 00 00 00 00 00 00 00 65")]
    assert any(isinstance(o, Ready) for o in outs)


def test_unit_is_set_when_the_scale_shows_another() -> None:
    d = make(unit="lb")
    d.connected(Gatt())
    d.notification("ffe1", h("e6 00"))
    outs = d.notification("ffe1", scale_ack(0x4F, 0, 80, 10, 10, 1, 1, 1, 1, 3))
    assert writes(outs) == [h("e7 4d 02")]
    assert writes(d.notification("ffe1", scale_ack(0x4D, 0))) == [h("e7 33")]


def test_bad_input_gives_typed_errors() -> None:
    d = make()
    (err,) = d.notification("ffe1", h("e7 77 00 00"))
    assert isinstance(err, UnexpectedOpcode)
    (err,) = d.notification("ffe1", h("a5 58 01 08 5e"))
    assert isinstance(err, MalformedFrame)
    assert isinstance(d.notification("ffe1", h("e7 58 01"))[0], MalformedFrame)


def test_handshake_timeout_and_disconnect_mid_handshake_are_fatal() -> None:
    d = make()
    d.connected(Gatt())
    (err,) = d.timeout("handshake")
    assert isinstance(err, HandshakeTimeout) and err.fatal and "try again" in err.message
    d = make()
    d.connected(Gatt())
    d.notification("ffe1", h("e6 00"))
    (err,) = d.disconnected()
    assert isinstance(err, HandshakeFailed) and err.fatal and "Nothing was stored" in err.message


def test_no_free_user_place_and_listen_without_our_user_are_refused() -> None:
    d = make(mode="pair", profile=PROFILE)
    d.connected(Gatt())
    d.notification("ffe1", h("e6 00"))
    d.notification("ffe1", scale_ack(0x4F, 0, 80, 10, 10, 1, 1, 1, 1, 3))
    d.notification("ffe1", scale_ack(0x33, 0, 0, 8))
    (err,) = [o for o in d.notification("ffe1", scale_ack(0x31, 0x01)) if isinstance(o, ConsentRefused)]
    assert err.fatal and "free user slot" in err.message
    d = make()
    d.connected(Gatt())
    d.notification("ffe1", h("e6 00"))
    d.notification("ffe1", scale_ack(0x4F, 0, 80, 10, 10, 1, 1, 1, 1, 3))
    (err,) = d.notification("ffe1", scale_ack(0x33, 0, 0, 8))
    assert isinstance(err, ConsentRefused)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("BEURER BF700", bl.FAMILY_F7),
        ("BF-800", bl.FAMILY_F7),
        ("RT-Libra-W", bl.FAMILY_F7),
        ("BF700", bl.FAMILY_E7),
        ("SANITAS SBF70", bl.FAMILY_E7),
        ("SBF75", bl.FAMILY_E7),
        ("AICDSCALE1", bl.FAMILY_E7),
    ],
)
def test_names_pick_the_family_and_the_driver(name: str, family: int) -> None:
    # Name table of openScale BeurerSanitasHandler.supportFor (BF700 without dash is the BF710).
    assert bl.family_for_name(name) == family
    assert classify(Advert.of(name=name, service_uuids=["ffe0"])) is bl.BeurerSanitasLegacyDriver
