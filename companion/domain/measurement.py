"""One weigh-in (pure, no I/O).

Its own module so that starting the app, which needs profiles and metrics but no weigh-in objects before the
first frame, does not define this 16-field dataclass (about 3 ms); everything that handles weigh-ins imports it
from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from companion.domain.model import _RANGES, IMPEDANCE_RANGE, InvalidMeasurement, Metric


@dataclass(frozen=True, slots=True)
class Measurement:
    """One weigh-in. Values are SI; ``None`` means the metric was not measured.

    ``derived`` holds the metrics the app computed (e.g. from impedance) rather than the scale measuring them.
    ``source`` names where it came from: a scale protocol (``ble:sig-bcs``, ``ble:mi-scale-2``), ``manual``,
    or an import (``import:apple-health``...).
    """

    timestamp: datetime
    source: str
    weight_kg: float | None = None
    body_fat_pct: float | None = None
    body_water_pct: float | None = None
    bone_mass_kg: float | None = None
    muscle_mass_kg: float | None = None
    bmi: float | None = None
    bmr_kcal: float | None = None
    visceral_fat: float | None = None
    impedance_ohm: float | None = None
    derived: frozenset[Metric] = field(default_factory=frozenset)
    profile_id: int | None = None
    id: int | None = None
    device: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.timestamp.utcoffset() is None:
            raise InvalidMeasurement("timestamp must be timezone-aware")
        # One pass over plain tuples: this runs for every row of a bulk import.
        values = (self.weight_kg, self.body_fat_pct, self.body_water_pct, self.bone_mass_kg,
                  self.muscle_mass_kg, self.bmi, self.bmr_kcal, self.visceral_fat)
        present = False
        for value, (name, low, high) in zip(values, _RANGES, strict=True):
            if value is None:
                continue
            if not (low <= value <= high):  # also false for NaN
                raise InvalidMeasurement(f"{name}={value} is outside the possible range {low}..{high}")
            present = True
        if self.impedance_ohm is not None:
            lo, hi = IMPEDANCE_RANGE
            if not (lo <= self.impedance_ohm <= hi):
                raise InvalidMeasurement(f"impedance {self.impedance_ohm} ohm is outside {lo}..{hi}")
            present = True  # a raw impedance on its own is a reading too (openScale imports such rows)
        if not present:
            raise InvalidMeasurement("a measurement needs at least one metric or an impedance")

    def value(self, metric: Metric) -> float | None:
        return getattr(self, metric.value)  # type: ignore[no-any-return]

    def is_derived(self, metric: Metric) -> bool:
        return metric in self.derived

    @property
    def derived_mask(self) -> int:
        mask = 0
        for metric in self.derived:
            mask |= metric.bit
        return mask

    def with_values(self, **changes: object) -> Measurement:
        return replace(self, **changes)  # type: ignore[arg-type]
