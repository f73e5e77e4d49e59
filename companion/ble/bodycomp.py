"""Body composition derived from weight and impedance (pure formulas, no I/O).

The "Mi Fit / Zepp" model as implemented identically by openScale ``core/bluetooth/libs/MiScaleLib.kt``
(credits prototux/MIBCS-reverse-engineering) and RobertWojtowicz/export2garmin
``miscale/Xiaomi_Scale_Body_Metrics.py``; clamps from export2garmin / dckiller51/bodymiscale. Worked examples
from openScale ``MiScaleLibTest.kt`` are the unit tests. See shared/reference/ble_scales.md section 3.
Everything computed here is flagged as *derived* in the stored measurement.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BodyInputs:
    weight_kg: float
    height_cm: float
    age: int
    male: bool
    impedance_ohm: float | None = None


@dataclass(frozen=True, slots=True)
class Composition:
    bmi: float
    bmr_kcal: float
    body_fat_pct: float | None = None
    body_water_pct: float | None = None
    bone_mass_kg: float | None = None
    muscle_mass_kg: float | None = None
    lean_body_mass_kg: float | None = None
    visceral_fat: float | None = None


def _clamp(value: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, value))


def bmi(weight_kg: float, height_cm: float) -> float:
    metres = height_cm / 100
    return weight_kg / (metres * metres)


def lbm_coefficient(p: BodyInputs) -> float:
    """L = 9.058 (H/100)^2 + 0.32 W + 12.226 - 0.0068 Z - 0.0542 A (MiScaleLib.getLBMCoefficient)."""
    assert p.impedance_ohm is not None
    h = p.height_cm
    return 0.09058 * h * h / 100 + 0.32 * p.weight_kg + 12.226 - 0.0068 * p.impedance_ohm - 0.0542 * p.age


def body_fat_pct(p: BodyInputs) -> float:
    w, h, a = p.weight_kg, p.height_cm, p.age
    lbm = lbm_coefficient(p)
    if p.male:
        const = 0.8
        coefficient = 0.98 if w < 61 else 1.0
    else:
        const = 9.25 if a <= 49 else 7.25
        coefficient = 1.0
        if w > 60:
            coefficient = 0.96
        elif w < 50:
            coefficient = 1.02
        if h > 160 and (w < 50 or w > 60):
            coefficient *= 1.03
    fat = (1.0 - ((lbm - const) * coefficient) / w) * 100
    if fat > 63:
        fat = 75.0
    return _clamp(fat, 5.0, 75.0)


def bone_mass_kg(p: BodyInputs) -> float:
    base = 0.18016894 if p.male else 0.245691014
    bone = (base - 0.05158 * lbm_coefficient(p)) * -1
    bone = bone + 0.1 if bone > 2.2 else bone - 0.1
    if (p.male and bone > 5.2) or (not p.male and bone > 5.1):
        bone = 8.0
    return _clamp(bone, 0.5, 8.0)


def water_pct(fat_pct: float) -> float:
    water = (100 - fat_pct) * 0.7
    water *= 1.02 if water <= 50 else 0.98
    return _clamp(water, 35.0, 75.0)


def muscle_mass_kg(p: BodyInputs, fat_pct: float, bone_kg: float) -> float:
    """Mi Fit muscle: W - W*BF/100 - bone, capped at 120 when very heavy (export2garmin)."""
    muscle = p.weight_kg - p.weight_kg * fat_pct / 100 - bone_kg
    if (p.male and muscle >= 93.5) or (not p.male and muscle >= 84.0):
        muscle = 120.0
    return muscle


def visceral_fat(p: BodyInputs) -> float:
    """Mi Fit visceral-fat rating; female low-weight branch as bodymiscale (openScale's goes negative)."""
    w, h, a = p.weight_kg, p.height_cm, p.age
    if p.male:
        if h < w * 1.6:
            value = (w * 305) / (0.0826 * h * h - 0.4 * h + 48) - 2.9 + a * 0.15
        else:
            value = a * 0.15 - 5 - 0.143 * h + w * (0.765 - 0.0015 * h)
    else:
        if w > (13 - h * 0.5) * -1:
            value = (w * 500) / (0.1158 * h * h + 1.45 * h - 120) - 6 + a * 0.07
        else:
            value = a * 0.07 - 10.5 - 0.027 * h + w * (0.691 - 0.0048 * h)
    return _clamp(value, 1.0, 50.0)


def bmr_kcal(p: BodyInputs) -> float:
    """Mi Fit BMR (export2garmin, bodymiscale XIAOMI mode)."""
    w, h, a = p.weight_kg, p.height_cm, p.age
    if p.male:
        return _clamp(877.8 + w * 14.916 - h * 0.726 - a * 8.976, 500.0, 10000.0)
    return _clamp(864.6 + w * 10.2036 - h * 0.39336 - a * 6.204, 500.0, 5000.0)


def derive(p: BodyInputs) -> Composition:
    """Everything derivable: BMI and BMR always, the impedance-based values when an impedance is known."""
    base_bmi = bmi(p.weight_kg, p.height_cm)
    base_bmr = bmr_kcal(p)
    if p.impedance_ohm is None:
        return Composition(bmi=base_bmi, bmr_kcal=base_bmr)
    fat = body_fat_pct(p)
    bone = bone_mass_kg(p)
    return Composition(
        bmi=base_bmi,
        bmr_kcal=base_bmr,
        body_fat_pct=fat,
        body_water_pct=water_pct(fat),
        bone_mass_kg=bone,
        muscle_mass_kg=muscle_mass_kg(p, fat, bone),
        lean_body_mass_kg=lbm_coefficient(p),
        visceral_fat=visceral_fat(p),
    )
