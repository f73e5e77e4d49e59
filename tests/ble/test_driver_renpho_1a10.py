"""Renpho 0x1A10 driver (ES-26BB-B, R-MSC04, ES-CS20M): published frames and the session.

Published bytes: ble-scale-sync ``tests/scales/renpho-msc04.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): ``55aa210005010000255da8`` (live 95.65 kg) and ``55aa240006011100002553b3`` (final
95.55 kg); ``tests/scales/renpho-es26bb.test.ts`` (same commit): its live/offline frame builders (zero header,
type [5], weight u32 BE, impedance u16 BE, seconds ago) and the acknowledgement ``55 AA 95 00 01 01 96``; the start
command ``55 AA 90 00 04 01 00 00 00 94`` of openScale ``RenphoES26BBHandler.kt``
@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from companion.ble.drivers import classify
from companion.ble.drivers import renpho_1a10 as rp
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    Gatt,
    HandshakeFailed,
    HandshakeTimeout,
    MalformedFrame,
    Ready,
    Subscribe,
    UnexpectedOpcode,
    Write,
)
from companion.ble.protocols import Reading

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def with_sum(buf: bytearray) -> bytes:
    buf[-1] = sum(buf[:-1]) & 0xFF
    return bytes(buf)


def es26bb_live(weight_x100: int, impedance: int, kind: int = 0x01) -> bytes:
    buf = bytearray(13)
    buf[2], buf[5] = 0x14, kind
    buf[6:10] = weight_x100.to_bytes(4, "big")
    buf[10:12] = impedance.to_bytes(2, "big")
    return with_sum(buf)


def es26bb_offline(weight_x100: int, impedance: int, seconds_ago: int) -> bytes:
    buf = bytearray(16)
    buf[2] = 0x15
    buf[5:9] = weight_x100.to_bytes(4, "big")
    buf[9:11] = impedance.to_bytes(2, "big")
    buf[11:15] = seconds_ago.to_bytes(4, "big")
    return with_sum(buf)


def test_msc04_captured_frames() -> None:
    live = rp.decode_frame(bytes.fromhex("55aa210005010000255da8"))
    assert live.reading is not None and live.reading.weight_kg == 95.65 and live.reading.stabilized is False
    final = rp.decode_frame(bytes.fromhex("55aa240006011100002553b3"))
    assert final.reading is not None and final.reading.weight_kg == 95.55 and final.reading.stabilized is True
    with pytest.raises(rp.DecodeError, match="checksum"):
        rp.decode_frame(bytes.fromhex("55aa240006011100002553b4"))
    with pytest.raises(rp.DecodeError, match="length"):
        rp.decode_frame(with_sum(bytearray.fromhex("55aa2400070111000025 00")))  # says 7, carries 5


def test_es26bb_frames() -> None:
    f = rp.decode_frame(es26bb_live(7520, 512))
    assert f.reading is not None and f.reading.weight_kg == 75.2 and f.reading.impedance_ohm == 512
    assert f.reading.stabilized is True
    f = rp.decode_frame(es26bb_live(7400, 0, kind=0x00))
    assert f.reading is not None and f.reading.stabilized is False
    f = rp.decode_frame(es26bb_offline(7000, 480, 3600))
    assert f.history and f.seconds_ago == 3600 and f.reading is not None and f.reading.weight_kg == 70.0
    assert rp.START == bytes.fromhex("55aa90000401000000 94".replace(" ", ""))
    assert rp.OFFLINE_ACK == bytes.fromhex("55aa9500010196")


def test_session_start_ready_history_ack() -> None:
    d = rp.Renpho1A10Driver(DriverConfig(now=NOW, name="ES-26BB-B"))
    outs = d.connected(Gatt(frozenset({"1a10"}), frozenset({"2a10", "2a11"})))
    assert outs[0] == Subscribe("2a10") and Write("2a11", rp.START) in outs
    outs = d.notification("2a10", es26bb_offline(7000, 480, 3600))
    assert any(isinstance(o, Ready) for o in outs)
    (r,) = [o for o in outs if isinstance(o, Reading)]
    assert r.timestamp == datetime(2026, 3, 1, 7, 0)
    assert Write("2a11", rp.OFFLINE_ACK) in outs
    (r,) = d.notification("2a10", es26bb_live(7520, 512))
    assert isinstance(r, Reading) and r.impedance_ohm == 512


def test_msc04_subscribes_to_its_indication() -> None:
    d = rp.Renpho1A10Driver(DriverConfig(now=NOW, name="R-MSC04"))
    outs = d.connected(Gatt(frozenset({"1a10"}), frozenset({"2a10", "2a11", "2a12"})))
    assert Subscribe("2a12") in outs


def test_bad_input() -> None:
    d = rp.Renpho1A10Driver(DriverConfig(now=NOW, name="ES-26BB-B"))
    d.connected(Gatt())
    bad = bytearray(es26bb_live(7520, 512))
    bad[-1] ^= 1
    assert isinstance(d.notification("2a10", bytes(bad))[0], ChecksumError)
    assert isinstance(d.notification("2a10", with_sum(bytearray(b"\x55\xaa\x42\x00\x00\x00")))[0], UnexpectedOpcode)
    assert isinstance(d.notification("2a10", b"\x01")[0], MalformedFrame)
    (err,) = d.timeout("handshake")
    assert isinstance(err, HandshakeTimeout) and err.fatal
    d = rp.Renpho1A10Driver(DriverConfig(now=NOW, name="ES-26BB-B"))
    d.connected(Gatt())
    (err,) = d.disconnected()
    assert isinstance(err, HandshakeFailed)


@pytest.mark.parametrize("name", ["ES-26BB-B", "R-MSC04", "ES-CS20M", "113360_0A1B"])
def test_claims(name: str) -> None:
    assert classify(Advert.of(name=name, service_uuids=["1a10"])) is rp.Renpho1A10Driver
