"""Units (kg / lb / st-lb, cm / ft-in): exact definitions, round trips (hypothesis) and display formats."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.domain.units import (
    KG_PER_LB,
    HeightUnit,
    WeightUnit,
    cm_to_ft_in,
    convert_weight,
    format_height,
    format_weight,
    ft_in_to_cm,
    kg_to_lb,
    kg_to_st_lb,
    lb_to_kg,
    st_lb_to_kg,
    weight_to_kg,
)
from companion.domain.validation import ValidationError, validate_height, validate_weight
from companion.tui.screens.profile import height_text, weight_text

masses = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False, allow_infinity=False)
heights = st.floats(min_value=0.0, max_value=300.0, allow_nan=False, allow_infinity=False)


def test_exact_definitions() -> None:
    assert KG_PER_LB == 0.45359237
    assert lb_to_kg(1) == 0.45359237
    assert st_lb_to_kg(1, 0) == pytest.approx(6.35029318)
    assert ft_in_to_cm(1, 0) == pytest.approx(30.48)
    assert ft_in_to_cm(0, 1) == 2.54


@given(masses)
def test_kg_lb_round_trip(kg: float) -> None:
    assert lb_to_kg(kg_to_lb(kg)) == pytest.approx(kg, rel=1e-12, abs=1e-12)


@given(masses)
def test_kg_st_lb_round_trip(kg: float) -> None:
    stones, pounds = kg_to_st_lb(kg)
    assert isinstance(stones, int) and stones >= 0
    assert 0 <= pounds < 14
    assert st_lb_to_kg(stones, pounds) == pytest.approx(kg, rel=1e-12, abs=1e-9)


@given(heights)
def test_cm_ft_in_round_trip(cm: float) -> None:
    feet, inches = cm_to_ft_in(cm)
    assert isinstance(feet, int) and feet >= 0
    assert 0 <= inches < 12
    assert ft_in_to_cm(feet, inches) == pytest.approx(cm, rel=1e-12, abs=1e-9)


@given(masses, st.sampled_from(list(WeightUnit)))
def test_convert_weight_round_trip(kg: float, unit: WeightUnit) -> None:
    assert weight_to_kg(convert_weight(kg, unit), unit) == pytest.approx(kg, rel=1e-12, abs=1e-12)


@given(st.floats(min_value=20.0, max_value=500.0), st.sampled_from(list(WeightUnit)))
def test_form_text_round_trip_for_weights(kg: float, unit: WeightUnit) -> None:
    """What the profile form shows parses back to the same mass, within its display precision."""
    back = validate_weight(weight_text(kg, unit), unit)
    tolerance = 0.05 * (KG_PER_LB if unit is not WeightUnit.KG else 1) + 1e-9
    assert abs(back - kg) <= tolerance


@given(st.floats(min_value=60.0, max_value=250.0), st.sampled_from(list(HeightUnit)))
def test_form_text_round_trip_for_heights(cm: float, unit: HeightUnit) -> None:
    back = validate_height(height_text(cm, unit), unit)
    tolerance = 1.27 + 0.05 if unit is HeightUnit.FT_IN else 0.051  # half an inch, or the 0.1 cm rounding
    assert abs(back - cm) <= tolerance


@given(st.floats(min_value=0.0, max_value=500.0), st.sampled_from(list(WeightUnit)))
def test_formatting_never_shows_14_pounds_or_negative_zero(kg: float, unit: WeightUnit) -> None:
    text = format_weight(kg, unit)
    if unit is WeightUnit.ST_LB:
        stones, _st, pounds, _lb = text.split()
        assert 0 <= float(pounds) < 14 and int(stones) >= 0
    assert "-" not in text


@pytest.mark.parametrize(
    ("kg", "unit", "text"),
    [
        (82.4, WeightUnit.KG, "82.4 kg"),
        (82.4, WeightUnit.LB, "181.7 lb"),
        (82.4, WeightUnit.ST_LB, "12 st 13.7 lb"),
        (6.35029318, WeightUnit.ST_LB, "1 st 0.0 lb"),
        (6.35, WeightUnit.ST_LB, "1 st 0.0 lb"),  # 13.999 lb rounds up into the next stone
    ],
)
def test_format_weight(kg: float, unit: WeightUnit, text: str) -> None:
    assert format_weight(kg, unit) == text


def test_signed_format() -> None:
    assert (
        format_weight(-1.25, WeightUnit.KG, signed=True) == "−1.2 kg"
        or format_weight(-1.25, WeightUnit.KG, signed=True) == "−1.3 kg"
    )
    assert format_weight(0.0, WeightUnit.KG, signed=True) == "±0.0 kg"
    assert format_weight(2.0, WeightUnit.LB, signed=True) == "+4.4 lb"


@pytest.mark.parametrize(
    ("cm", "unit", "text"),
    [
        (172.0, HeightUnit.CM, "172 cm"),
        (172.72, HeightUnit.FT_IN, "5 ft 8 in"),
        (182.6, HeightUnit.FT_IN, "6 ft 0 in"),
    ],
)
def test_format_height(cm: float, unit: HeightUnit, text: str) -> None:
    assert format_height(cm, unit) == text


@pytest.mark.parametrize(
    ("text", "unit", "cm"),
    [
        ("172", HeightUnit.CM, 172.0),
        ("172,5", HeightUnit.CM, 172.5),
        ("5 8", HeightUnit.FT_IN, 172.7),
        ("5'8\"", HeightUnit.FT_IN, 172.7),
        ("6", HeightUnit.FT_IN, 182.9),
    ],
)
def test_height_input(text: str, unit: HeightUnit, cm: float) -> None:
    assert validate_height(text, unit) == cm


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("49", HeightUnit.CM),
        ("nan", HeightUnit.CM),
        ("inf", HeightUnit.CM),
        ("5 13", HeightUnit.FT_IN),
        ("", HeightUnit.FT_IN),
        ("1 2 3", HeightUnit.FT_IN),
        ("9 0", HeightUnit.FT_IN),
    ],
)
def test_height_input_rejected(text: str, unit: HeightUnit) -> None:
    with pytest.raises(ValidationError) as info:
        validate_height(text, unit)
    assert info.value.field == "height" and info.value.message


@given(st.text(max_size=30))
def test_height_and_weight_parsers_never_crash(text: str) -> None:
    for unit in HeightUnit:
        try:
            cm = validate_height(text, unit)
        except ValidationError:
            continue
        assert 50 <= cm <= 272 and not math.isnan(cm)
    for wunit in WeightUnit:
        try:
            kg = validate_weight(text, wunit)
        except ValidationError:
            continue
        assert 20 <= kg <= 500
