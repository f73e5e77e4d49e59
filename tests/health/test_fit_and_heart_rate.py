"""Garmin FIT weight files (decoded back with Garmin's SDK) and the Heart Rate Measurement decoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from garmin_fit_sdk import Decoder, Stream
from hypothesis import given
from hypothesis import strategies as st

from companion.domain.measurement import Measurement
from companion.health.fit_export import encode_weight_fit
from companion.health.heart_rate import (
    HeartRateDecodeError,
    HeartRateReading,
    decode_heart_rate,
    encode_heart_rate,
)
from companion.health.hr_session import HeartRateRecorder
from companion.store.samples import Samples


def _decode(data: bytes) -> dict:  # type: ignore[type-arg]
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def test_fit_weight_file_decodes_back_exactly() -> None:
    when = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    ms = [
        Measurement(when, "ble:x", weight_kg=88.43, body_fat_pct=31.2, body_water_pct=49.5, bone_mass_kg=3.1,
                    muscle_mass_kg=30.55, bmi=31.3, bmr_kcal=1700.25, visceral_fat=12),
        Measurement(when - timedelta(days=1), "manual", weight_kg=88.9),
        Measurement(when + timedelta(days=1), "manual", body_fat_pct=30.0),  # no weight: left out
    ]
    data, count = encode_weight_fit(ms, datetime(2026, 1, 6, tzinfo=UTC))
    assert count == 2
    messages = _decode(data)
    assert messages["file_id_mesgs"][0]["type"] == "weight"
    first, second = messages["weight_scale_mesgs"]
    assert first == {"timestamp": when - timedelta(days=1), "weight": 88.9}
    assert second["timestamp"] == when and second["weight"] == 88.43 and second["percent_fat"] == 31.2
    assert second["percent_hydration"] == 49.5 and second["bone_mass"] == 3.1 and second["muscle_mass"] == 30.55
    assert second["basal_met"] == 1700.25 and second["visceral_fat_rating"] == 12 and second["bmi"] == 31.3


# ----- Heart Rate Measurement (0x2A37) ---------------------------------------------------------------------
@pytest.mark.parametrize(("hex_", "expected"), [
    ("0048", HeartRateReading(72, None, None, ())),  # UINT8, contact not supported
    ("01 2c01", HeartRateReading(300, None, None, ())),  # UINT16
    ("06 48", HeartRateReading(72, True, None, ())),  # contact supported + detected
    ("04 48", HeartRateReading(72, False, None, ())),  # supported, not detected
    ("02 48", HeartRateReading(72, None, None, ())),  # bit 1 without bit 2: not supported
    ("0e 48 3412", HeartRateReading(72, True, 0x1234, ())),  # energy expended kJ
    ("16 48 0004 1004", HeartRateReading(72, True, None, (1000.0, 1015.625))),  # RR in 1/1024 s
    ("1f 4800 ffff 0002", HeartRateReading(72, True, 0xFFFF, (500.0,))),  # everything, UINT16 hr
])
def test_decoder_cases(hex_: str, expected: HeartRateReading) -> None:
    assert decode_heart_rate(bytes.fromhex(hex_.replace(" ", ""))) == expected


@pytest.mark.parametrize("hex_", ["", "01", "0148", "08 48 01", "10 48", "10 48 01", "19 4800 0100"])
def test_decoder_rejects_short_packets(hex_: str) -> None:
    with pytest.raises(HeartRateDecodeError):
        decode_heart_rate(bytes.fromhex(hex_.replace(" ", "")))


readings = st.builds(
    HeartRateReading, st.integers(0, 0xFFFF), st.none() | st.booleans(), st.none() | st.integers(0, 0xFFFF),
    st.lists(st.integers(0, 0xFFFF).map(lambda n: n * 1000.0 / 1024.0), max_size=9).map(tuple))


@given(readings, st.booleans())
def test_encode_decode_round_trip(reading: HeartRateReading, wide: bool) -> None:
    wide = wide or reading.bpm > 255
    assert decode_heart_rate(encode_heart_rate(reading, uint16=wide)) == reading


@given(st.binary(max_size=24))
def test_arbitrary_bytes_decode_or_raise_the_typed_error(data: bytes) -> None:
    try:
        reading = decode_heart_rate(data)
    except HeartRateDecodeError:
        return
    assert 0 <= reading.bpm <= 0xFFFF
    assert all(0 <= rr < 64000 for rr in reading.rr_intervals_ms)


def test_recorder_stores_heart_rate_and_rr(store, pid) -> None:  # type: ignore[no-untyped-def]
    recorder = HeartRateRecorder(store, pid, "ble:Polar H10 1A2B3C", flush_every=5)
    t = 1_767_250_800
    for i in range(12):
        recorder.add(t + i, HeartRateReading(70 + i, True, None, (850.0, 860.0)))
    recorder.add(t + 20, HeartRateReading(0, False, None, ()))  # strap off the skin: ignored
    recorder.flush()
    samples = Samples(store)
    assert samples.count(pid, "heart_rate") == 12 and recorder.stored == 12
    assert samples.series(pid, "rr_interval", t, t + 100).mean[0] == 860.0
