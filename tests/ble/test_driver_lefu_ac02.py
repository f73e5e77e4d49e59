"""Lefu / Fitdays AC02 driver (Hutbit and its Lefu OEM twins): the captured frames, handshake and advert.

Published bytes: ble-scale-sync ``tests/scales/hutbit.test.ts`` and ``src/scales/hutbit.ts``
@3cce009047e847c14f28cd5c92ef7b40f955496d (KristianP26/ble-scale-sync): the stable frame ``ac0203490000ca16``
(84.1 kg, #254), the measuring frame ``ac0203480000ce19``, the bad-checksum ``ac0203490000ca00``, the impedance frame
``ac02fd010206cbd1`` (518 ohm, #322), the five handshake frames, and the SWAN advert of #278 (company 0x02AC,
``7eb893ecb30301``, services D618 + FFB0).
"""

from __future__ import annotations

from datetime import UTC, datetime

from companion.ble.drivers import classify
from companion.ble.drivers import lefu_ac02 as lf
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    Gatt,
    MalformedFrame,
    UnexpectedOpcode,
    Write,
)
from companion.ble.protocols import Reading

NOW = datetime(2026, 1, 1, tzinfo=UTC)
STABLE = bytes.fromhex("ac0203490000ca16")
LIVE = bytes.fromhex("ac0203480000ce19")
IMPEDANCE = bytes.fromhex("ac02fd010206cbd1")
SWAN = Advert.of("SWAN", ["d618", "ffb0"], {0x02AC: bytes.fromhex("7eb893ecb30301")})


def test_captured_frames() -> None:
    assert lf.decode_frame(STABLE) == ("stable", 84.1)
    assert lf.decode_frame(LIVE) == ("live", 84.0)
    assert lf.decode_frame(IMPEDANCE) == ("impedance", 518.0)
    assert lf.decode_frame(bytes.fromhex("ac02fd000000cbc8")) == ("progress", None)
    for frame in lf.HANDSHAKE:  # the captured handshake passes the same checksum
        assert lf.checksum(frame) == frame[7]


def test_session_pairs_impedance_with_the_settled_weight() -> None:
    d = lf.LefuAc02Driver(DriverConfig(now=NOW, name="Hutbit Scale"))
    outs = d.connected(Gatt())
    assert [o.data.hex() for o in outs if isinstance(o, Write)][0] == "ac02fa010000ccc7"
    assert d.notification("ffb2", IMPEDANCE) == []  # no weight yet: never paired with an older one
    (live,) = d.notification("ffb2", LIVE)
    (stable,) = d.notification("ffb2", STABLE)
    assert isinstance(live, Reading) and live.stabilized is False
    assert isinstance(stable, Reading) and stable.stabilized and stable.weight_kg == 84.1
    (full,) = d.notification("ffb2", IMPEDANCE)
    assert isinstance(full, Reading) and full.weight_kg == 84.1 and full.impedance_ohm == 518.0


def test_bad_frames() -> None:
    d = lf.LefuAc02Driver(DriverConfig(now=NOW))
    assert isinstance(d.notification("ffb2", bytes.fromhex("ac0203490000ca00"))[0], ChecksumError)
    assert isinstance(d.notification("ffb2", bytes.fromhex("bb0203490000ca16"))[0], MalformedFrame)
    assert isinstance(d.notification("ffb2", bytes.fromhex("ac0203490000ca"))[0], MalformedFrame)
    odd = bytearray.fromhex("ac0203490000c000")
    odd[7] = lf.checksum(bytes(odd))
    assert isinstance(d.notification("ffb2", bytes(odd))[0], UnexpectedOpcode)


def test_claims_the_fingerprint_and_the_name() -> None:
    assert classify(SWAN) is lf.LefuAc02Driver
    assert classify(Advert.of("", ["d618", "ffb0"], {0x02AC: bytes.fromhex("12a291ecb303")})) is lf.LefuAc02Driver
    assert classify(Advert.of("Hutbit Scale", ["ffb0"])) is lf.LefuAc02Driver
    assert lf.LefuAc02Driver.claim(Advert.of("SWAN", ["ffb0"])) == 0  # bare name: openScale's MGB dialect
