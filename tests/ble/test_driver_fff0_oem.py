"""Excelvan CF369, Digoo DG-SO38H and Hesley drivers: the layouts of the published test suites.

Published bytes: ble-scale-sync ``tests/scales/excelvan-cf369.test.ts``, ``tests/scales/digoo.test.ts`` and
``tests/scales/hesley.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d (KristianP26/ble-scale-sync): 80.0 kg with
22.5 % fat, 55.0 % water, 40.0 % muscle, 3.5 kg bone (Excelvan: visceral 8; fat byte 0xFF = no composition);
the user frames of openScale ``ExcelvanCF36xHandler.kt`` / ``DigooDGSO38HHandler.kt`` and Hesley's fixed start
``A5 01 2C AB 50 5A 29`` (``HesleyHandler.kt``) @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import fff0_oem as oem
from companion.ble.drivers.base import Advert, DriverConfig, Gatt, MalformedFrame, UserProfile, Write
from companion.ble.protocols import Reading

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PROFILE = UserProfile(height_cm=175, birth_date=date(1986, 1, 1), sex="female", activity_level=2)


def excelvan(fat: int = 225) -> bytes:
    buf = bytearray(16)
    buf[0] = 0xCF
    buf[4:6] = (800).to_bytes(2, "big")
    buf[6:8] = fat.to_bytes(2, "big")
    buf[8], buf[11] = 35, 8
    buf[9:11] = (400).to_bytes(2, "big")
    buf[12:14] = (550).to_bytes(2, "big")
    return bytes(buf)


def test_excelvan() -> None:
    r = oem.decode_excelvan(excelvan())
    assert (r.weight_kg, r.body_fat_pct, r.body_water_pct, r.muscle_pct, r.bone_mass_kg, r.visceral_fat) == (
        80.0,
        22.5,
        55.0,
        40.0,
        3.5,
        8.0,
    )
    assert oem.decode_excelvan(excelvan(fat=0xFF00)).body_fat_pct is None
    d = oem.ExcelvanCf369Driver(DriverConfig(now=NOW, profile=PROFILE))
    (user,) = [o.data for o in d.connected(Gatt()) if isinstance(o, Write)]
    assert user[:7] == bytes((0xFE, 0x01, 0x00, 0x01, 175, 40, 0x01)) and user[7] == 0x01 ^ 0 ^ 1 ^ 175 ^ 40 ^ 1
    assert isinstance(d.notification("fff4", b"\xce" + excelvan()[1:])[0], MalformedFrame)


def test_digoo() -> None:
    buf = bytearray(20)
    buf[3:5] = (8000).to_bytes(2, "big")
    buf[5] = 0x03
    buf[6:8] = (225).to_bytes(2, "big")
    buf[10] = 95
    buf[11:13] = (550).to_bytes(2, "big")
    buf[16:18] = (400).to_bytes(2, "big")
    buf[18] = 35
    r = oem.decode_digoo(bytes(buf))
    assert r.stabilized and r.weight_kg == 80.0 and r.body_fat_pct == 22.5 and r.visceral_fat == 9.5
    assert r.bone_mass_kg == 3.5 and r.muscle_pct == 40.0
    buf[5] = 0x00
    live = oem.decode_digoo(bytes(buf))
    assert live.stabilized is False and live.body_fat_pct is None
    d = oem.DigooDriver(DriverConfig(now=NOW, profile=PROFILE))
    (user,) = [o.data for o in d.connected(Gatt()) if isinstance(o, Write)]
    assert (
        user[:10] == bytes((0x09, 0x10, 0x12, 0x11, 0x0D, 0x01, 175, 40, 1, 1)) and user[15] == sum(user[3:15]) & 0xFF
    )


def test_hesley() -> None:
    buf = bytearray(20)
    buf[2:4] = (8000).to_bytes(2, "big")
    buf[4:6] = (225).to_bytes(2, "big")
    buf[8:10] = (550).to_bytes(2, "big")
    buf[10:12] = (400).to_bytes(2, "big")
    buf[12:14] = (35).to_bytes(2, "big")
    d = oem.HesleyDriver(DriverConfig(now=NOW))
    assert Write("fff1", bytes.fromhex("a5012cab505a29")) in d.connected(Gatt())
    (r,) = d.notification("fff4", bytes(buf))
    assert isinstance(r, Reading) and (r.weight_kg, r.body_fat_pct, r.bone_mass_kg) == (80.0, 22.5, 3.5)
    assert isinstance(d.notification("fff4", bytes(5))[0], MalformedFrame)


def test_claims_by_exact_name() -> None:  # openScale ScaleCatalog fixtures
    assert classify(Advert.of("Electronic Scale", ["fff0"])) is oem.ExcelvanCf369Driver
    assert classify(Advert.of("Mengii", ["fff0"])) is oem.DigooDriver
    assert classify(Advert.of("yunchen", ["fff0"])) is oem.HesleyDriver
