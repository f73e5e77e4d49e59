"""Robi S9 driver: the captured handshake and result frames.

Published bytes: ble-scale-sync ``tests/scales/robi-s9.test.ts`` and ``src/scales/robi-s9.ts``
@3cce009047e847c14f28cd5c92ef7b40f955496d (KristianP26/ble-scale-sync): the A3 result
``030800a300012dc2000000000000000000000013`` (77.25 kg, issue #248), the A2 live frame
``1d0700a20400012c000000000000000000000013`` and the first handshake frame; openScale ``RobiS9HandlerTest.kt``
@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (oliexdev/openScale): 11 handshake frames, seq 00..0a, and the
``[2] != 00`` rejection ``0308ffa300012dc2000000000000000000000013``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import robi_s9 as rb
from companion.ble.drivers.base import (
    Advert,
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

A3 = bytes.fromhex("030800a300012dc2000000000000000000000013")
A2 = bytes.fromhex("1d0700a20400012c000000000000000000000013")
NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def test_result_and_live_frames() -> None:
    r = rb.decode_frame(A3)
    assert r is not None and r.weight_kg == 77.25 and r.stabilized
    assert rb.decode_frame(A2) is None
    d = rb.RobiS9Driver(DriverConfig(now=NOW))
    assert isinstance(
        d.notification("ffb3", bytes.fromhex("0308ffa300012dc2000000000000000000000013"))[0], MalformedFrame
    )
    assert isinstance(d.notification("ffb2", bytes(10))[0], MalformedFrame)
    assert isinstance(
        d.notification("ffb2", bytes.fromhex("1d0700a70400012c000000000000000000000013"))[0], UnexpectedOpcode
    )


def test_session_replays_the_handshake_then_reads_the_result() -> None:
    d = rb.RobiS9Driver(DriverConfig(now=NOW, name="Robi S9"))
    outs = d.connected(Gatt())
    assert Subscribe("ffb2") in outs and Subscribe("ffb3") in outs
    writes = [o.data for o in outs if isinstance(o, Write)]
    assert len(writes) == 11 and writes[0].hex() == "000300b000000000000000000000000000000010"
    assert [w[0] for w in writes] == list(range(11))
    outs = d.notification("ffb2", A2)
    assert any(isinstance(o, Ready) for o in outs)
    (r,) = d.notification("ffb3", A3)
    assert isinstance(r, Reading) and r.weight_kg == 77.25


def test_dropped_or_silent_after_the_handshake() -> None:
    d = rb.RobiS9Driver(DriverConfig(now=NOW))
    d.connected(Gatt())
    (err,) = d.disconnected()
    assert isinstance(err, HandshakeFailed) and err.fatal
    (err,) = d.timeout("handshake")
    assert isinstance(err, HandshakeTimeout)


def test_claims_robi_not_mgb_names() -> None:
    assert classify(Advert.of(name="Robi S9", service_uuids=["ffb0"])) is rb.RobiS9Driver
    assert rb.RobiS9Driver.claim(Advert.of(name="Swan", service_uuids=["ffb0"])) == 0
