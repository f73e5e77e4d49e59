"""Medisana BS4xx driver: the published frame layouts and the session.

Published bytes: ble-scale-sync ``tests/scales/medisana-bs44x.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): weight 8000 at [1..2] (80.0 kg), composition 225 / 550 / 400 / 35 at 8 / 10 / 12 / 14
(22.5 %, 55.0 %, 40.0 %, 3.5 kg), start ``02 <u32 LE time>``; openScale ``MedisanaBs44xHandler.kt``
@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale): time at [5..8], the 2010 epoch of the BS440/BS444.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from companion.ble.drivers import classify
from companion.ble.drivers import medisana_bs44x as md
from companion.ble.drivers.base import Advert, DriverConfig, Gatt, MalformedFrame, SetTimer, Write
from companion.ble.protocols import Reading

NOW = datetime(2026, 3, 3, 7, 0, tzinfo=timezone(timedelta(hours=1)))
LOCAL = NOW.replace(tzinfo=None)


def weight_frame(raw: int, stamp: int) -> bytes:
    buf = bytearray(9)
    buf[1:3] = raw.to_bytes(2, "little")
    buf[5:9] = stamp.to_bytes(4, "little")
    return bytes(buf)


FEATURE = (
    bytes(8)
    + (225).to_bytes(2, "little")
    + (550).to_bytes(2, "little")
    + (400).to_bytes(2, "little")
    + (35).to_bytes(2, "little")
)


def test_session_bs444_2010_epoch() -> None:
    d = md.MedisanaBs44xDriver(DriverConfig(now=NOW, name="013197xx"))
    outs = d.connected(Gatt(characteristics=frozenset({"8a21", "8a22", "8a81", "8a82"})))
    (start,) = [o for o in outs if isinstance(o, Write)]
    stamp = int(LOCAL.replace(tzinfo=UTC).timestamp()) - md.EPOCH_2010
    assert start.data == b"\x02" + stamp.to_bytes(4, "little")
    outs = d.notification("8a21", weight_frame(8000, stamp - 60))
    assert isinstance(outs[-1], SetTimer)
    (r,) = [o for o in d.notification("8a22", FEATURE) if isinstance(o, Reading)]
    assert r.weight_kg == 80.0 and r.timestamp == LOCAL - timedelta(minutes=1)
    assert (r.body_fat_pct, r.body_water_pct, r.muscle_pct, r.bone_mass_kg) == (22.5, 55.0, 40.0, 3.5)


def test_unknown_name_guesses_the_epoch_and_weight_alone_after_timeout() -> None:
    d = md.MedisanaBs44xDriver(DriverConfig(now=NOW, name="Medisana"))
    unix = int(LOCAL.replace(tzinfo=UTC).timestamp())
    d.notification("8a21", weight_frame(7250, unix))
    (r,) = [o for o in d.timeout("feature") if isinstance(o, Reading)]
    assert r.weight_kg == 72.5 and r.timestamp == LOCAL and r.body_fat_pct is None


def test_bad_frames() -> None:
    d = md.MedisanaBs44xDriver(DriverConfig(now=NOW))
    assert isinstance(d.notification("8a21", b"\x00\x01")[0], MalformedFrame)
    assert isinstance(d.notification("8a22", bytes(10))[0], MalformedFrame)


def test_claims() -> None:
    assert classify(Advert.of("0203B1234", ["78b2"])) is md.MedisanaBs44xDriver  # openScale ScaleCatalog fixture
    assert classify(Advert.of("0131971234")) is md.MedisanaBs44xDriver
    assert classify(Advert.of(None, ["78b2"])) is md.MedisanaBs44xDriver
