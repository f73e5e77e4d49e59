"""Inlife driver: frame layouts of openScale ``InlifeHandler.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4
(oliexdev/openScale; start 02, end AA, XOR of bytes 1..11 at 12, D2 user / D8 weight / DD result / D4 finish) and
the values of ble-scale-sync ``tests/scales/inlife.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync; weight u16 BE / 10 at [2..3], impedance u32 BE at [4..7] when [11] is 0x80)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import inlife as il
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    Gatt,
    MalformedFrame,
    UnexpectedOpcode,
    UserProfile,
    Write,
)
from companion.ble.protocols import Reading

NOW = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def scale_frame(cmd: int, body: bytes) -> bytes:
    raw = bytearray(14)
    raw[0], raw[1], raw[13] = 0x02, cmd, 0xAA
    raw[2 : 2 + len(body)] = body
    x = 0
    for b in raw[1:12]:
        x ^= b
    raw[12] = x
    return bytes(raw)


def test_frames() -> None:
    new = scale_frame(0xDD, (800).to_bytes(2, "big") + (500).to_bytes(4, "big") + bytes(3) + b"\x80")
    r = il.decode_frame(new)
    assert r is not None and r.weight_kg == 80.0 and r.impedance_ohm == 500.0 and r.stabilized
    old = scale_frame(0xDD, (800).to_bytes(2, "big") + (60500).to_bytes(3, "big") + bytes(4))
    r = il.decode_frame(old)
    assert r is not None and r.fat_free_mass_kg == 60.5 and r.impedance_ohm is None
    r = il.decode_frame(scale_frame(0xD8, (795).to_bytes(2, "big")))
    assert r is not None and r.stabilized is False and r.weight_kg == 79.5
    assert il.decode_frame(scale_frame(0xDF, b"\x00")) is None


def test_session() -> None:
    profile = UserProfile(height_cm=181, birth_date=date(1990, 1, 1), sex="male", activity_level=4)
    d = il.InlifeDriver(DriverConfig(now=NOW, name="000fatscale01", profile=profile))
    (user,) = [o.data for o in d.connected(Gatt()) if isinstance(o, Write)]
    assert user == il.frame(0xD2, 2, 0, 1, 36, 181) and user[12] == 0xD2 ^ 2 ^ 0 ^ 1 ^ 36 ^ 181
    new = scale_frame(0xDD, (800).to_bytes(2, "big") + (500).to_bytes(4, "big") + bytes(3) + b"\x80")
    reading, finish = d.notification("fff1", new)
    assert isinstance(reading, Reading) and isinstance(finish, Write) and finish.data[1] == 0xD4
    assert d.notification("fff1", new) == []  # repeated frame


def test_bad_input() -> None:
    d = il.InlifeDriver(DriverConfig(now=NOW))
    good = scale_frame(0xD8, (795).to_bytes(2, "big"))
    assert isinstance(d.notification("fff1", good[:12] + b"\x00\xaa")[0], ChecksumError)
    assert isinstance(d.notification("fff1", good[:10])[0], MalformedFrame)
    assert isinstance(d.notification("fff1", scale_frame(0x77, b""))[0], UnexpectedOpcode)


def test_claims() -> None:
    assert classify(Advert.of("000fatscale01", ["fff0"])) is il.InlifeDriver  # openScale ScaleCatalog fixture
    assert classify(Advert.of("042FATSCALE01")) is il.InlifeDriver
