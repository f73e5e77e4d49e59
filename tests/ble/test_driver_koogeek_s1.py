"""Koogeek S1 driver on the real frames of ble-scale-sync issue #270.

Published bytes: ble-scale-sync ``tests/scales/koogeek-s1.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): init ``55aa55aa010d010101162601735500000000001a`` (answered ``55 AA 55 AA 81 01 01 81``)
and the stable frame ``55aa55aa0307010000030f01d6de`` (78.3 kg, 470 ohm).
"""

from __future__ import annotations

from datetime import UTC, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import koogeek_s1 as kg
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    Gatt,
    HandshakeTimeout,
    MalformedFrame,
    Ready,
    UnexpectedOpcode,
    Write,
)
from companion.ble.protocols import Reading

INIT = bytes.fromhex("55aa55aa010d010101162601735500000000001a")
STABLE = bytes.fromhex("55aa55aa0307010000030f01d6de")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_real_frames_and_the_init_answer() -> None:
    assert kg.INIT_ACK == bytes.fromhex("55aa55aa81010181")
    d = kg.KoogeekS1Driver(DriverConfig(now=NOW, name="Koogeek-S1"))
    d.connected(Gatt())
    outs = d.notification("fff4", INIT)
    assert Write("fff3", kg.INIT_ACK, with_response=False) in outs and any(isinstance(o, Ready) for o in outs)
    (r,) = d.notification("fff4", STABLE)
    assert isinstance(r, Reading) and r.weight_kg == 78.3 and r.impedance_ohm == 470.0 and r.stabilized


def test_query_is_echoed() -> None:
    d = kg.KoogeekS1Driver(DriverConfig(now=NOW))
    query = kg.MAGIC + bytes((0x07, 0x01, 0x2A))
    query += bytes((kg.xor_checksum(query),))
    (ack,) = d.notification("fff4", query)
    assert isinstance(ack, Write) and ack.data == kg.outbound(0x87, 0x2A)


def test_bad_input() -> None:
    d = kg.KoogeekS1Driver(DriverConfig(now=NOW))
    d.connected(Gatt())
    assert isinstance(d.notification("fff4", STABLE[:-1] + b"\x00")[0], ChecksumError)
    assert isinstance(d.notification("fff4", b"\x01\x02\x03\x04")[0], MalformedFrame)
    odd = kg.MAGIC + b"\x09\x00"
    assert isinstance(d.notification("fff4", odd + bytes((kg.xor_checksum(odd),)))[0], UnexpectedOpcode)
    (err,) = d.timeout("handshake")
    assert isinstance(err, HandshakeTimeout)


def test_claims() -> None:
    assert classify(Advert.of("Koogeek-S1", ["fff0"])) is kg.KoogeekS1Driver
