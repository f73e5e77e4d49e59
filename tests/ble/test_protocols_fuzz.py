"""Every decoder, arbitrary bytes: a result or ``DecodeError``, never anything else; round trips hold."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.ble.protocols import (
    DecodeError,
    decode_characteristic,
    decode_manufacturer_data,
    decode_service_data,
    etekcity,
    qn,
    sig,
    xiaomi,
)

DECODERS: list[Callable[[bytes], object]] = [
    sig.decode_weight_measurement,
    sig.decode_weight_scale_feature,
    sig.decode_body_composition,
    sig.decode_body_composition_feature,
    sig.decode_control_point_response,
    sig.decode_control_point_request,
    sig.decode_user_index,
    sig.decode_database_change_increment,
    sig.decode_current_time,
    xiaomi.decode_mi_scale_v1,
    xiaomi.decode_mi_scale_v2,
    qn.decode_weight_frame,
    etekcity.decode_notification,
    etekcity.decode_advertisement,
    lambda b: qn.QNSession().receive(b),
    lambda b: decode_characteristic("fff1", b),
    lambda b: decode_service_data("181b", b),
    lambda b: decode_manufacturer_data(1744, b),
]


@pytest.mark.parametrize("decoder", DECODERS)
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40))
def test_only_decode_error_escapes(decoder: Callable[[bytes], object], data: bytes) -> None:
    try:
        result = decoder(data)
    except DecodeError as exc:
        assert exc.reason
        return
    to_json = getattr(result, "to_json", None)
    if to_json is not None:
        to_json()


@settings(max_examples=200, deadline=None)
@given(weight=st.integers(1, 0xFFFE), user=st.one_of(st.none(), st.integers(0, 254)))
def test_weight_measurement_round_trip(weight: int, user: int | None) -> None:
    kg = weight * 0.005
    r = sig.decode_weight_measurement(sig.encode_weight_measurement(kg, user_index=user))
    assert r.weight_kg == pytest.approx(kg, abs=0.0005) and r.user_index == user


@settings(max_examples=200, deadline=None)
@given(fat=st.integers(0, 1000), impedance=st.integers(500, 30000), weight=st.integers(400, 0xFFFE))
def test_body_composition_round_trip(fat: int, impedance: int, weight: int) -> None:
    payload = sig.encode_body_composition(fat / 10, impedance_ohm=impedance / 10, weight_kg=weight * 0.005)
    r = sig.decode_body_composition(payload)
    assert r.body_fat_pct == pytest.approx(fat / 10) and r.impedance_ohm == pytest.approx(impedance / 10)


@settings(max_examples=200, deadline=None)
@given(raw=st.integers(0, 0xFFFF), z=st.integers(50, 3000), stable=st.booleans())
def test_mi_v2_round_trip(raw: int, z: int, stable: bool) -> None:
    r = xiaomi.decode_mi_scale_v2(xiaomi.encode_mi_scale_v2(raw / 200, stabilized=stable, impedance_ohm=z))
    assert r.weight_kg == pytest.approx(raw / 200) and r.impedance_ohm == z and r.stabilized is stable
