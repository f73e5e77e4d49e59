"""A manual entry (a day without the scale) from what the person typed (pure, validated field by field)."""

from __future__ import annotations

from datetime import datetime, timedelta

from companion.domain.measurement import Measurement
from companion.domain.model import InvalidMeasurement, Metric
from companion.domain.units import WeightUnit, weight_to_kg
from companion.domain.validation import ValidationError, validate_weight
from companion.i18n import _
from companion.trends.outcomes import bmi

MANUAL_SOURCE = "manual"
# field id -> (metric, is a mass in the person's unit)
MANUAL_FIELDS: tuple[tuple[str, Metric, bool], ...] = (
    ("weight", Metric.WEIGHT, True),
    ("body_fat", Metric.BODY_FAT, False),
    ("body_water", Metric.BODY_WATER, False),
    ("bone_mass", Metric.BONE_MASS, True),
    ("muscle_mass", Metric.MUSCLE_MASS, True),
    ("visceral_fat", Metric.VISCERAL_FAT, False),
)


def parse_when(text: str, now: datetime) -> datetime:
    value = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValidationError("when", _("Enter the date and time as YYYY-MM-DD HH:MM, for example 2026-03-01 07:30."))
    when = parsed.replace(tzinfo=now.tzinfo)
    if when > now + timedelta(minutes=5):
        raise ValidationError("when", _("The date and time cannot be in the future."))
    return when


def parse_manual_entry(values: dict[str, str], unit: WeightUnit, height_cm: float, now: datetime,
                       profile_id: int | None = None) -> Measurement:
    """A ``Measurement`` (source ``manual``) or ``ValidationError`` naming the field. BMI is derived from the
    weight and the profile's height."""
    when = parse_when(values.get("when", ""), now)
    found: dict[str, float] = {}
    for field_id, metric, is_mass in MANUAL_FIELDS:
        text = values.get(field_id, "").strip()
        if not text:
            continue
        if metric is Metric.WEIGHT:
            found[metric.value] = round(validate_weight(text, unit, field_id), 2)
            continue
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValidationError(field_id, _("Enter a number, for example 30.5.")) from None
        value = weight_to_kg(number, unit) if is_mass else number
        probe = {metric.value: value}
        try:
            Measurement(timestamp=when, source=MANUAL_SOURCE, **probe)  # type: ignore[arg-type]
        except InvalidMeasurement:
            raise ValidationError(field_id, _("That value is outside the possible range.")) from None
        found[metric.value] = round(value, 2)
    if not found:
        raise ValidationError("weight", _("Enter at least one value, for example your weight."))
    derived: frozenset[Metric] = frozenset()
    if Metric.WEIGHT.value in found:
        derived_bmi = bmi(found[Metric.WEIGHT.value], height_cm)
        if derived_bmi is not None and 5 <= derived_bmi <= 150:
            found[Metric.BMI.value] = round(derived_bmi, 1)
            derived = frozenset({Metric.BMI})
    note = " ".join(values.get("note", "").split())[:500] or None
    return Measurement(timestamp=when, source=MANUAL_SOURCE, derived=derived, profile_id=profile_id, note=note,
                       **found)  # type: ignore[arg-type]
