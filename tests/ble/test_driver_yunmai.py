"""Yunmai driver: published frames and the session's writes.

Published bytes: openScale ``YunmaiHandler.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale): the
start command ``0D 05 13 00 16`` and the SET_USER / SET_TIME layouts; ble-scale-sync ``tests/scales/yunmai.test.ts``
@3cce009047e847c14f28cd5c92ef7b40f955496d (KristianP26/ble-scale-sync): its final frames (``0D 1E 00 02`` header,
weight 8000 at [13], impedance 500/480 at [15], fat 2200/2500 at [17]; 19 bytes, no checksum byte of their own).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from companion.ble.drivers import classify
from companion.ble.drivers import yunmai as ym
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    Gatt,
    MalformedFrame,
    ProfileShared,
    Subscribe,
    UnexpectedOpcode,
    UserProfile,
    Write,
)
from companion.ble.protocols import Reading

NOW = datetime(2026, 1, 2, 7, 30, tzinfo=timezone(timedelta(hours=1)))


def frame_of_bss_test(
    weight: int = 8000, impedance: int = 500, fat: int = 2200, version: int = 0x1E, kind: int = 0x02
) -> bytes:
    """ble-scale-sync's ``makeFrame``: 19 bytes, zero time and user id."""
    buf = bytearray(19)
    buf[0], buf[1], buf[3] = 0x0D, version, kind
    buf[13:15] = weight.to_bytes(2, "big")
    buf[15:17] = impedance.to_bytes(2, "big")
    buf[17:19] = fat.to_bytes(2, "big")
    return bytes(buf)


def test_final_frames_of_ble_scale_sync() -> None:
    r = ym.decode_notification(frame_of_bss_test())
    assert r is not None and r.weight_kg == 80.0 and r.impedance_ohm == 500 and r.body_fat_pct == 22.0
    assert r.stabilized is True and r.timestamp is None  # time 0: clock never set
    r = ym.decode_notification(frame_of_bss_test(impedance=480, fat=2500))
    assert r is not None and r.impedance_ohm == 480 and r.body_fat_pct == 25.0
    r = ym.decode_notification(frame_of_bss_test(version=0x13))
    assert r is not None and r.body_fat_pct is None  # fat only from protocol 0x1E on
    live = ym.decode_notification(frame_of_bss_test(kind=0x01))
    assert live is not None and live.stabilized is False
    with pytest.raises(ym.DecodeError, match="truncated"):
        ym.decode_notification(bytes(10)[:0] + b"\x0d\x1e\x00\x02" + bytes(6))
    with pytest.raises(ym.DecodeError, match="no weight"):
        ym.decode_notification(frame_of_bss_test(weight=0))


def test_frames_of_another_user_are_skipped() -> None:
    buf = bytearray(frame_of_bss_test())
    buf[9:13] = (7).to_bytes(4, "big")
    assert ym.decode_notification(bytes(buf), expected_uid=1) is None


def test_published_commands() -> None:
    assert ym.START == bytes.fromhex("0d05130016")  # openScale MAGIC_START
    assert ym.with_checksum(bytes.fromhex("0d051300")) == ym.START
    user = ym.encode_user(1, 178, True, 45, "kg", 1)
    assert user[:6] == bytes.fromhex("0d1210010000") and user[6:11] == bytes((0, 1, 178, 1, 45))
    assert user[11:15] == bytes.fromhex("555a0000") and len(user) == 18
    t = ym.encode_set_time(datetime(2026, 1, 2, 7, 30))
    assert t[:3] == bytes.fromhex("0d0d11") and int.from_bytes(t[3:7], "big") == 1767339000 and len(t) == 13


def test_session_writes_profile_clock_and_start_then_reads() -> None:
    profile = UserProfile(height_cm=178, birth_date=date(1980, 6, 1), sex="male")
    d = ym.YunmaiDriver(DriverConfig(now=NOW, name="YUNMAI-ISM2-W", profile=profile))
    outs = d.connected(Gatt())
    assert outs[0] == Subscribe("ffe4")
    sent = [o.data for o in outs if isinstance(o, Write)]
    assert sent == [ym.encode_user(1, 178, True, 45), ym.encode_set_time(datetime(2026, 1, 2, 7, 30)), ym.START]
    assert any(isinstance(o, ProfileShared) for o in outs)
    # A scale frame with its own checksum: 20 bytes, stamped for user 1.
    body = bytearray(frame_of_bss_test())
    body[2] = 20
    body[5:9] = (1767339010).to_bytes(4, "big")
    body[9:13] = (1).to_bytes(4, "big")
    x = 0
    for b in body[1:]:
        x ^= b
    framed = bytes(body) + bytes((x,))
    (r,) = d.notification("ffe4", framed)
    assert isinstance(r, Reading) and r.weight_kg == 80.0 and r.timestamp == datetime(2026, 1, 2, 7, 30, 10)
    bad = framed[:-1] + bytes((framed[-1] ^ 0xFF,))
    (err,) = d.notification("ffe4", bad)
    assert isinstance(err, ChecksumError)
    (err,) = d.notification("ffe4", bytes.fromhex("0d1e0509"))
    assert isinstance(err, UnexpectedOpcode)
    (err,) = d.notification("ffe4", b"\x55")
    assert isinstance(err, MalformedFrame)


def test_without_profile_only_clock_and_start() -> None:
    d = ym.YunmaiDriver(DriverConfig(now=NOW, name="YUNMAI-ISSE-US"))
    sent = [o.data for o in d.connected(Gatt()) if isinstance(o, Write)]
    assert sent[-1] == ym.START and len(sent) == 2


@pytest.mark.parametrize("name", ["YUNMAI-SIGNAL-M1302", "YUNMAI-ISM2-W", "YUNMAI-ISSE-US"])
def test_claims_yunmai_names(name: str) -> None:
    # openScale YunmaiHandler.supportFor name prefixes.
    assert classify(Advert.of(name=name, service_uuids=["ffe0"])) is ym.YunmaiDriver
