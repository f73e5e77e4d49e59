"""Derived body composition: worked examples from openScale ``MiScaleLibTest.kt``
(oliexdev/openScale@f7a733b)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.ble import bodycomp
from companion.ble.assembly import ReadingAssembler, merge_readings
from companion.ble.intake import ReadingRejected, measurement_from_reading
from companion.ble.protocols import Reading
from companion.domain.model import Metric, Profile, Sex


def test_male_30y_180cm_80kg_500ohm() -> None:
    c = bodycomp.derive(bodycomp.BodyInputs(80, 180, 30, True, 500))
    assert c.body_fat_pct == pytest.approx(23.3151, abs=1e-4)
    assert c.bone_mass_kg == pytest.approx(3.12542, abs=1e-5)
    assert c.muscle_mass_kg == pytest.approx(58.2225, abs=1e-4)  # openScale's "LBM" (W - fat - bone)
    assert c.body_water_pct == pytest.approx(52.6058, abs=1e-4)
    assert c.visceral_fat == pytest.approx(13.36, abs=1e-2)


def test_male_45y_175cm_95kg_430ohm() -> None:
    c = bodycomp.derive(bodycomp.BodyInputs(95, 175, 45, True, 430))
    assert c.body_fat_pct == pytest.approx(32.4178, abs=1e-4)
    assert c.visceral_fat == pytest.approx(24.4625, abs=1e-4)


def test_without_impedance_only_bmi_and_bmr() -> None:
    c = bodycomp.derive(bodycomp.BodyInputs(60, 165, 28, False))
    assert c.bmi == pytest.approx(22.04, abs=0.01) and c.body_fat_pct is None
    assert c.bmr_kcal == pytest.approx(864.6 + 60 * 10.2036 - 165 * 0.39336 - 28 * 6.204)


@settings(max_examples=300, deadline=None)
@given(
    w=st.floats(30, 250),
    h=st.floats(120, 210),
    a=st.integers(18, 90),
    male=st.booleans(),
    z=st.floats(200, 1200),
)
def test_derived_values_stay_in_their_clamps(w: float, h: float, a: int, male: bool, z: float) -> None:
    c = bodycomp.derive(bodycomp.BodyInputs(w, h, a, male, z))
    assert 5 <= (c.body_fat_pct or 0) <= 75 and 35 <= (c.body_water_pct or 0) <= 75
    assert (
        0.5 <= (c.bone_mass_kg or 0) <= 8 and 1 <= (c.visceral_fat or 0) <= 50 and 500 <= c.bmr_kcal <= 10000
    )


PROFILE = Profile("Ann", Sex.FEMALE, date(1980, 4, 23), 168.0, id=1)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_measurement_flags_derived_and_keeps_measured() -> None:
    r = Reading(
        "sig-bcs", weight_kg=80.0, impedance_ohm=500.0, body_fat_pct=31.0, timestamp=datetime(2026, 11, 25, 8)
    )
    m = measurement_from_reading(r, PROFILE, NOW)
    assert m.body_fat_pct == 31.0 and Metric.BODY_FAT not in m.derived
    assert {Metric.BMI, Metric.BMR, Metric.BONE_MASS, Metric.BODY_WATER} <= m.derived
    assert m.timestamp == datetime(2026, 11, 25, 8, tzinfo=UTC) and m.impedance_ohm == 500.0


def test_unset_scale_clock_falls_back_to_receive_time() -> None:
    m = measurement_from_reading(
        Reading("sig-wss", weight_kg=80.0, timestamp=datetime(2000, 1, 1)), PROFILE, NOW
    )
    assert m.timestamp == NOW


def test_impossible_reading_is_rejected_with_a_reason() -> None:
    with pytest.raises(ReadingRejected):
        measurement_from_reading(Reading("qn", weight_kg=0.4), PROFILE, NOW)
    with pytest.raises(ReadingRejected, match="impossible"):
        measurement_from_reading(Reading("sig-bcs", weight_kg=80.0, body_fat_pct=95.0), PROFILE, NOW)


def test_assembler_waits_for_impedance_then_times_out_weight_only() -> None:
    a = ReadingAssembler(impedance_wait_s=5)
    assert a.feed(Reading("mi-scale-2", weight_kg=70.0, stabilized=False), 0) is None
    assert a.feed(Reading("mi-scale-2", weight_kg=72.0, stabilized=True), 1) is None
    assert a.poll(3) is None
    done = a.poll(6.5)
    assert done is not None and done.weight_kg == 72.0 and done.impedance_ohm is None
    # Repeats of the same advert are ignored; impedance arriving later does not store a second reading.
    assert a.feed(Reading("mi-scale-2", weight_kg=72.0, stabilized=True), 7) is None


def test_assembler_sig_merge_and_disconnect_discard() -> None:
    a = ReadingAssembler(expects_composition=True)
    assert a.feed(Reading("sig-wss", weight_kg=80.0, user_index=1), 0) is None
    assert a.feed(Reading("sig-bcs", body_fat_pct=30.0, multi_packet=True, user_index=1), 0.1) is None
    a.reset()
    assert a.poll(10) is None and a.discarded == 1
    a.feed(Reading("sig-wss", weight_kg=80.0, user_index=1), 0)
    a.feed(Reading("sig-bcs", body_fat_pct=30.0, multi_packet=True), 0.1)
    merged = a.feed(Reading("sig-bcs", body_fat_pct=30.0, impedance_ohm=480.0, multi_packet=True), 0.2)
    assert merged is not None and merged.weight_kg == 80.0 and merged.impedance_ohm == 480.0
    assert merged == merge_readings(
        Reading("sig-wss", weight_kg=80.0, user_index=1),
        Reading("sig-bcs", body_fat_pct=30.0, impedance_ohm=480.0),
    )
