"""Units of measure and their conversions (pure).

Exact definitions: 1 lb = 0.45359237 kg (International yard and pound agreement, 1959);
1 st = 14 lb; 1 in = 2.54 cm; 1 ft = 12 in.
"""

from __future__ import annotations

import math
from enum import StrEnum

KG_PER_LB = 0.45359237
LB_PER_STONE = 14
CM_PER_INCH = 2.54
INCH_PER_FOOT = 12


class WeightUnit(StrEnum):
    KG = "kg"
    LB = "lb"
    ST_LB = "st"


class HeightUnit(StrEnum):
    CM = "cm"
    FT_IN = "ft"


def kg_to_lb(kg: float) -> float:
    return kg / KG_PER_LB


def lb_to_kg(lb: float) -> float:
    return lb * KG_PER_LB


def kg_to_st_lb(kg: float) -> tuple[int, float]:
    """Split a mass into whole stones and remaining pounds (0 <= lb < 14)."""
    total_lb = kg_to_lb(kg)
    stones = math.floor(total_lb / LB_PER_STONE)
    pounds = total_lb - stones * LB_PER_STONE
    if pounds >= LB_PER_STONE:  # float edge
        stones, pounds = stones + 1, pounds - LB_PER_STONE
    return stones, max(pounds, 0.0)


def st_lb_to_kg(stones: float, pounds: float) -> float:
    return lb_to_kg(stones * LB_PER_STONE + pounds)


def cm_to_in(cm: float) -> float:
    return cm / CM_PER_INCH


def in_to_cm(inches: float) -> float:
    return inches * CM_PER_INCH


def cm_to_ft_in(cm: float) -> tuple[int, float]:
    total_in = cm_to_in(cm)
    feet = math.floor(total_in / INCH_PER_FOOT)
    inches = total_in - feet * INCH_PER_FOOT
    if inches >= INCH_PER_FOOT:
        feet, inches = feet + 1, inches - INCH_PER_FOOT
    return feet, max(inches, 0.0)


def ft_in_to_cm(feet: float, inches: float) -> float:
    return in_to_cm(feet * INCH_PER_FOOT + inches)


def convert_weight(kg: float, unit: WeightUnit) -> float:
    """A mass in kg expressed as a single number in ``unit`` (st-lb as decimal stones)."""
    if unit is WeightUnit.KG:
        return kg
    if unit is WeightUnit.LB:
        return kg_to_lb(kg)
    return kg_to_lb(kg) / LB_PER_STONE


def weight_to_kg(value: float, unit: WeightUnit) -> float:
    if unit is WeightUnit.KG:
        return value
    if unit is WeightUnit.LB:
        return lb_to_kg(value)
    return lb_to_kg(value * LB_PER_STONE)


def format_weight(kg: float, unit: WeightUnit, *, decimals: int = 1, signed: bool = False) -> str:
    """Format a mass for display, e.g. ``82.4 kg``, ``181.7 lb``, ``12 st 13.7 lb``."""
    sign = ""
    if signed:
        sign = "+" if kg > 0 else ("−" if kg < 0 else "±")
        kg = abs(kg)
    if unit is WeightUnit.KG:
        return f"{sign}{kg:.{decimals}f} kg"
    if unit is WeightUnit.LB:
        return f"{sign}{kg_to_lb(kg):.{decimals}f} lb"
    stones, pounds = kg_to_st_lb(kg)
    pounds = round(pounds, decimals)
    if pounds >= LB_PER_STONE:
        stones, pounds = stones + 1, pounds - LB_PER_STONE
    return f"{sign}{stones} st {pounds:.{decimals}f} lb"


def format_height(cm: float, unit: HeightUnit) -> str:
    if unit is HeightUnit.CM:
        return f"{cm:.0f} cm"
    feet, inches = cm_to_ft_in(cm)
    inches = round(inches)
    if inches >= INCH_PER_FOOT:
        feet, inches = feet + 1, inches - INCH_PER_FOOT
    return f"{feet} ft {inches:.0f} in"
