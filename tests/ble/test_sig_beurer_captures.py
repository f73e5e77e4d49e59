"""The standard (SIG) Beurer / Sanitas scales against their published captures, through the SIG driver.

Published bytes: ble-scale-sync ``tests/scales/beurer-bf720.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
(KristianP26/ble-scale-sync): the BF720 WSS + BCS pair of openScale's HCI snoop (its issue #168), the BF788 pair and
the zeroed back-filled placeholder of its issue #229, and the UDS consent answers ``20 02 01`` (success) and
``20 02 05`` (not authorized) to the consent ``02 01 d8 09`` (user 1, code 2520).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from companion.ble.drivers.base import DriverConfig, ImplausibleValue
from companion.ble.drivers.sig import SigScale
from companion.ble.protocols import Reading, sig

BF720_WSS = bytes.fromhex("0e783eea07050c12353601ee002607")
BF720_BCS = bytes.fromhex("9803c200df1a9701cc2fca21a811")
BF788_WSS = bytes.fromhex("0e205cea07070e1729200140018007")
BF788_BCS = bytes.fromhex("9803f300962389014042fa2f550f")
BF788_PLACEHOLDER = bytes.fromhex("9803000096230000000000000000")


def test_bf720_pair() -> None:
    w = sig.decode_weight_measurement(BF720_WSS)
    assert w.weight_kg == 79.96 and w.timestamp == datetime(2026, 5, 12, 18, 53, 54) and w.user_index == 1
    assert w.bmi == 23.8 and w.height_m == 1.83
    b = sig.decode_body_composition(BF720_BCS)
    assert b.body_fat_pct == 19.4 and b.muscle_pct == 40.7 and b.body_water_mass_kg == 43.25
    assert b.soft_lean_mass_kg == 61.18 and b.impedance_ohm == 452.0
    assert b.bmr_kcal == pytest.approx(6879 / 4.1868, abs=0.1)


def test_bf788_pair() -> None:
    w = sig.decode_weight_measurement(BF788_WSS)
    assert w.weight_kg == 117.92 and w.timestamp == datetime(2026, 7, 14, 23, 41, 32) and w.height_m == 1.92
    b = sig.decode_body_composition(BF788_BCS)
    assert b.body_fat_pct == 24.3 and b.body_water_mass_kg == 61.41 and b.impedance_ohm == 392.5


def test_bf788_placeholder_never_becomes_a_reading() -> None:
    # ble-scale-sync #229: back-filled history comes with all-zero composition frames. The SIG driver reports it as
    # an implausible packet (non-fatal) and stores nothing from it.
    d = SigScale(DriverConfig(now=datetime(2026, 7, 14, 23, 45, tzinfo=UTC)))
    outs = d.notification("2a9c", BF788_PLACEHOLDER)
    assert not [o for o in outs if isinstance(o, Reading)]
    assert all(isinstance(o, ImplausibleValue) and not o.fatal for o in outs)


def test_uds_consent_answers() -> None:
    ok = sig.decode_control_point_response(bytes.fromhex("200201"))
    refused = sig.decode_control_point_response(bytes.fromhex("200205"))
    assert (ok.request_opcode, ok.result) == (0x02, 0x01)  # consent: success
    assert (refused.request_opcode, refused.result) == (0x02, 0x05)  # consent: user not authorized
    assert sig.encode_consent(1, 2520) == bytes.fromhex("0201d809")
