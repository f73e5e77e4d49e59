"""FitTrack Dara driver on the frames of openScale ``FitTrackDaraHandlerTest.kt``
@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale), from its HCI capture: the command frame
``AC 02 FE 00 00 00 CC CA``, the live frame ``AC 02 05 51 00 00 CE 24`` and the settled value ``05 5F`` (137.5 in the
display unit), and ``02 70`` = 62.4 kg."""

from __future__ import annotations

from datetime import UTC, date, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import fittrack_dara as ft
from companion.ble.drivers.base import Advert, ChecksumError, DriverConfig, Gatt, SetTimer, UserProfile, Write
from companion.ble.drivers.lefu_ac02 import checksum
from companion.ble.protocols import Reading

NOW = datetime(2026, 3, 8, 9, 15, 30, tzinfo=UTC)


def frame(b2: int, b3: int, b4: int, b5: int, chan: int) -> bytes:
    body = bytearray((0xAC, 0x02, b2, b3, b4, b5, chan, 0))
    body[7] = checksum(bytes(body))
    return bytes(body)


def test_captured_frames() -> None:
    assert ft.command(0xFE) == bytes.fromhex("ac02fe000000ccca")
    assert ft.parse(bytes.fromhex("ac02055100 00ce24".replace(" ", ""))) == (0xCE, 136.1)
    assert ft.parse(frame(0x05, 0x5F, 0, 0, 0xCA)) == (0xCA, 137.5)
    assert ft.parse(frame(0x02, 0x70, 0, 0, 0xCA)) == (0xCA, 62.4)


def test_session_dump_completes_the_reading() -> None:
    profile = UserProfile(height_cm=170, birth_date=date(1990, 5, 1), sex="female")
    d = ft.FitTrackDaraDriver(DriverConfig(now=NOW, name="FITTRACK Dara", profile=profile))
    writes = [o.data for o in d.connected(Gatt()) if isinstance(o, Write)]
    assert writes[0] == ft.command(0xF7) and writes[2] == ft.command(0xFB, 2, 35, 170)
    assert writes[3] == ft.command(0xFD, 26, 3, 8) and writes[-1] == ft.command(0xFE, 6, 0, 0)
    outs = d.notification("ffb2", frame(0x02, 0x70, 0, 0, 0xCA))
    assert any(isinstance(o, SetTimer) for o in outs)
    for index, value in ((0, 624), (2, 281), (7, 24), (8, 512), (4, 7)):
        assert d.notification("ffb2", frame(0xFE, index, value >> 8, value & 0xFF, 0xCB)) == []
    (done,) = [o for o in d.notification("ffb2", b"\x01\x00" + bytes(18)) if isinstance(o, Reading)]
    assert (done.weight_kg, done.body_fat_pct, done.bone_mass_kg, done.body_water_pct, done.visceral_fat) == (
        62.4,
        28.1,
        2.4,
        51.2,
        7.0,
    )


def test_weight_alone_after_the_grace_period_and_bad_frames() -> None:
    d = ft.FitTrackDaraDriver(DriverConfig(now=NOW))
    d.notification("ffb2", frame(0x02, 0x70, 0, 0, 0xCA))
    (r,) = [o for o in d.timeout("dump") if isinstance(o, Reading)]
    assert r.weight_kg == 62.4 and r.body_fat_pct is None
    assert isinstance(d.notification("ffb2", bytes.fromhex("ac02055100 00ce25".replace(" ", "")))[0], ChecksumError)


def test_claims_before_the_other_ffb0_families() -> None:
    assert classify(Advert.of("FITTRACK Dara", ["ffb0"])) is ft.FitTrackDaraDriver  # openScale ScaleCatalog
