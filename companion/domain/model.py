"""The domain model: profiles, metrics and their ranges (pure, no I/O). Weigh-ins: ``domain.measurement``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from companion.domain.units import HeightUnit, WeightUnit
from companion.i18n import N_


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Metric(StrEnum):
    """The eight body metrics a measurement can carry (values are the column names)."""

    WEIGHT = "weight_kg"
    BODY_FAT = "body_fat_pct"
    BODY_WATER = "body_water_pct"
    BONE_MASS = "bone_mass_kg"
    MUSCLE_MASS = "muscle_mass_kg"
    BMI = "bmi"
    BMR = "bmr_kcal"
    VISCERAL_FAT = "visceral_fat"

    @property
    def label(self) -> str:
        """Untranslated English label; translate with ``_()`` at display time."""
        return METRIC_INFO[self].label

    @property
    def unit(self) -> str:
        return METRIC_INFO[self].unit

    @property
    def bit(self) -> int:
        return 1 << METRIC_ORDER.index(self)


class MetricInfo(NamedTuple):
    """What the app knows about one metric: its label, stored unit, display precision and possible range."""

    label: str
    unit: str  # SI unit as stored ("kg", "%", "kg/m²", "kcal", "" for ratings)
    is_mass: bool
    decimals: int
    low: float  # plausible range, used to reject impossible values
    high: float


METRIC_INFO: dict[Metric, MetricInfo] = {
    Metric.WEIGHT: MetricInfo(N_("Weight"), "kg", True, 1, 2.0, 500.0),
    Metric.BODY_FAT: MetricInfo(N_("Body fat"), "%", False, 1, 1.0, 80.0),
    Metric.BODY_WATER: MetricInfo(N_("Body water"), "%", False, 1, 10.0, 90.0),
    Metric.BONE_MASS: MetricInfo(N_("Bone mass"), "kg", True, 1, 0.1, 20.0),
    Metric.MUSCLE_MASS: MetricInfo(N_("Muscle mass"), "kg", True, 1, 1.0, 200.0),
    Metric.BMI: MetricInfo(N_("BMI"), "kg/m²", False, 1, 5.0, 150.0),
    Metric.BMR: MetricInfo(N_("Basal metabolic rate"), "kcal", False, 0, 300.0, 10000.0),
    Metric.VISCERAL_FAT: MetricInfo(N_("Visceral fat"), "", False, 0, 1.0, 60.0),
}

METRIC_ORDER: tuple[Metric, ...] = tuple(Metric)
#: (column, low, high) in METRIC_ORDER, for fast validation.
_RANGES: tuple[tuple[str, float, float], ...] = tuple(
    (m.value, METRIC_INFO[m].low, METRIC_INFO[m].high) for m in METRIC_ORDER
)

#: Plausible bioelectrical impedance range in ohm for a body-composition scale.
IMPEDANCE_RANGE = (50.0, 3000.0)


class InvalidMeasurement(ValueError):
    """A measurement value is impossible (e.g. a negative weight)."""


def derived_from_mask(mask: int) -> frozenset[Metric]:
    return frozenset(m for m in METRIC_ORDER if mask & m.bit)


@dataclass(frozen=True, slots=True)
class Profile:
    """A person using the scale. Only ``name``, ``sex``, ``birth_date`` and ``height_cm`` are required."""

    name: str
    sex: Sex
    birth_date: date
    height_cm: float
    language: str = "en"
    placement_date: date | None = None
    placement_place: str | None = None
    removal_date: date | None = None
    clinic: str | None = None
    phone: str | None = None
    email: str | None = None
    goal_weight_kg: float | None = None
    start_weight_kg: float | None = None
    weight_unit: WeightUnit = WeightUnit.KG
    height_unit: HeightUnit = HeightUnit.CM
    scale_user_index: int | None = None
    id: int | None = None

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years
