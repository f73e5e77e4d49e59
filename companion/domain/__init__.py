"""Pure domain model: profiles, measurements, units and form validation (no I/O).

Weigh-ins (``Measurement``) are in ``companion.domain.measurement``, which the app loads when first needed.
"""

from companion.domain.model import (
    METRIC_INFO,
    METRIC_ORDER,
    InvalidMeasurement,
    Metric,
    MetricInfo,
    Profile,
    Sex,
    derived_from_mask,
)
from companion.domain.units import HeightUnit, WeightUnit

__all__ = [
    "METRIC_INFO",
    "METRIC_ORDER",
    "HeightUnit",
    "InvalidMeasurement",
    "Metric",
    "MetricInfo",
    "Profile",
    "Sex",
    "WeightUnit",
    "derived_from_mask",
]
