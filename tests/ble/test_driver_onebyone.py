"""1byone classic driver (Eufy C1 / P1 / A1): published frames, the clock / history conversation.

Published bytes: ble-scale-sync ``tests/scales/one-byone.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): CF frames with impedance ``f4 01`` (500 x 0.1 ohm), weight 8000 at [3..4] (80.0 kg),
``[9] = 1`` marking no impedance; openScale ``OneByoneHandler.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4
(oliexdev/openScale): FD 37 / F1 clock / F1 00 ack / F2 00 history / F2 01 clear, stored frames with the date at 11..17.
"""

from __future__ import annotations

from datetime import UTC, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import onebyone as ob
from companion.ble.drivers.base import Advert, DriverConfig, Gatt, HandshakeTimeout, MalformedFrame, Ready, Write
from companion.ble.protocols import Reading

NOW = datetime(2026, 2, 14, 8, 30, 5, tzinfo=UTC)


def cf(weight_x100: int, imp: bytes = b"\xf4\x01", flag: int = 0, stamp: bytes = b"") -> bytes:
    buf = bytearray(10)
    buf[0], buf[1:3], buf[9] = 0xCF, imp, flag
    buf[3:5] = weight_x100.to_bytes(2, "little")
    return bytes(buf) + (b"\x00" + stamp if stamp else b"")


def test_published_frames() -> None:
    r = ob.decode_measurement(cf(8000))
    assert r.weight_kg == 80.0 and r.impedance_ohm == 50.0
    assert ob.decode_measurement(cf(8000, flag=1)).impedance_ohm is None
    assert ob.decode_measurement(cf(8000, imp=b"\x00\x00")).impedance_ohm is None
    stored = ob.decode_measurement(cf(7990, imp=b"\x88\x13", stamp=bytes((0x07, 0xEA, 2, 13, 21, 5, 9))))
    assert stored.timestamp == datetime(2026, 2, 13, 21, 5, 9) and stored.impedance_ohm == 500.0


def test_commands() -> None:
    unit = ob.encode_unit("kg")
    assert unit[:4] == bytes((0xFD, 0x37, 0x00, 0x01)) and len(unit) == 11 and unit[-1] == 0xFD ^ 0x37 ^ 0x01
    assert ob.encode_clock(datetime(2026, 2, 14, 8, 30, 5)) == bytes((0xF1, 0x07, 0xEA, 2, 14, 8, 30, 5))


def test_session_history_then_live() -> None:
    d = ob.OneByoneDriver(DriverConfig(now=NOW, name="eufy T9146"))
    outs = d.connected(Gatt())
    assert [o.data for o in outs if isinstance(o, Write)][1] == bytes((0xF1, 0x07, 0xEA, 2, 14, 8, 30, 5))
    assert [o.data for o in d.notification("fff4", b"\xf1\x00") if isinstance(o, Write)] == [b"\xf2\x00"]
    (old,) = d.notification("fff4", cf(7990, imp=b"\x88\x13", stamp=bytes((0x07, 0xEA, 2, 13, 21, 5, 9))))
    assert isinstance(old, Reading) and old.stabilized and old.weight_kg == 79.9
    outs = d.notification("fff4", b"\xf2\x00")
    assert Write("fff1", b"\xf2\x01") in outs and any(isinstance(o, Ready) for o in outs)
    (first,) = d.notification("fff4", cf(8000, imp=b"\x88\x13"))
    (second,) = d.notification("fff4", cf(8000, imp=b"\x88\x13"))
    assert isinstance(first, Reading) and first.stabilized is False
    assert isinstance(second, Reading) and second.stabilized is True and second.impedance_ohm == 500.0


def test_bad_input() -> None:
    d = ob.OneByoneDriver(DriverConfig(now=NOW))
    d.connected(Gatt())
    assert isinstance(d.notification("fff4", b"\xce" + bytes(9))[0], MalformedFrame)
    assert isinstance(d.notification("fff4", bytes(4))[0], MalformedFrame)
    (err,) = d.timeout("handshake")
    assert isinstance(err, HandshakeTimeout)


def test_claims_names_not_the_p2() -> None:
    for name in ("eufy T9146", "eufy T9147", "eufy T9120", "Health Scale"):  # openScale ScaleCatalog fixtures
        assert classify(Advert.of(name, ["fff0"])) is ob.OneByoneDriver
    assert ob.OneByoneDriver.claim(Advert.of("eufy T9149", ["fff0"])) == 0
