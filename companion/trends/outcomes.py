"""Programme outcome figures (pure): %TBWL, %EWL, %EBMIL, BMI classes, goal progress and changes over time.

Definitions (shared/reference/health_data.md 6.1 and 6.3):
- %TBWL = (initial − current) / initial × 100 — the preferred outcome metric for intragastric balloons.
- %EWL = (initial − current) / (initial − ideal) × 100, ideal = the weight at BMI 25 for the person's height.
- %EBMIL = (initial BMI − current BMI) / (initial BMI − 25) × 100.
- The baseline is the weight on the balloon placement day.
- BMI classes: WHO (Technical Report Series 894, 2000); Asian populations: WHO expert consultation,
  Lancet 2004;363:157-63, which keeps the WHO classes and adds public-health action points 23, 27.5, 32.5, 37.5.
Every function returns ``None`` instead of dividing by zero or inventing a figure.
"""

from __future__ import annotations

import bisect
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from companion.i18n import N_

IDEAL_BMI = 25.0
DAY = 86400


def bmi(weight_kg: float, height_cm: float) -> float | None:
    if height_cm <= 0 or weight_kg <= 0:
        return None
    metres = height_cm / 100
    return weight_kg / (metres * metres)


def ideal_weight_kg(height_cm: float, target_bmi: float = IDEAL_BMI) -> float:
    """The weight at ``target_bmi`` (25 by default) for this height: the 'ideal' of %EWL."""
    metres = height_cm / 100
    return target_bmi * metres * metres


def tbwl_pct(initial_kg: float, current_kg: float) -> float | None:
    if initial_kg <= 0:
        return None
    return (initial_kg - current_kg) / initial_kg * 100


def ewl_pct(initial_kg: float, current_kg: float, ideal_kg: float) -> float | None:
    """``None`` when there was no excess weight at the start (initial at or below ideal)."""
    excess = initial_kg - ideal_kg
    if excess <= 0:
        return None
    return (initial_kg - current_kg) / excess * 100


def ebmil_pct(initial_bmi: float, current_bmi: float) -> float | None:
    excess = initial_bmi - IDEAL_BMI
    if excess <= 0:
        return None
    return (initial_bmi - current_bmi) / excess * 100


class BmiScheme(StrEnum):
    WHO = "who"
    ASIAN = "asian"


@dataclass(frozen=True, slots=True)
class BmiClass:
    """One BMI class of a classification scheme, from its lower bound up."""

    key: str
    label: str  # untranslated
    lower: float  # inclusive lower bound of the class


_WHO: tuple[BmiClass, ...] = (
    BmiClass("severe-thinness", N_("Underweight (severe thinness)"), 0.0),
    BmiClass("moderate-thinness", N_("Underweight (moderate thinness)"), 16.0),
    BmiClass("mild-thinness", N_("Underweight (mild thinness)"), 17.0),
    BmiClass("normal", N_("Normal range"), 18.5),
    BmiClass("pre-obese", N_("Pre-obese"), 25.0),
    BmiClass("obese-1", N_("Obese class I"), 30.0),
    BmiClass("obese-2", N_("Obese class II"), 35.0),
    BmiClass("obese-3", N_("Obese class III"), 40.0),
)
# Lancet 2004;363:157-63: the same classes with the action points for Asian populations.
_ASIAN: tuple[BmiClass, ...] = (
    BmiClass("underweight", N_("Underweight"), 0.0),
    BmiClass("normal", N_("Normal range"), 18.5),
    BmiClass("increased-risk", N_("Increased risk (overweight)"), 23.0),
    BmiClass("high-risk", N_("High risk (obese class I)"), 27.5),
    BmiClass("obese-2", N_("Obese class II"), 32.5),
    BmiClass("obese-3", N_("Obese class III"), 37.5),
)
BMI_SCHEMES: dict[BmiScheme, tuple[BmiClass, ...]] = {BmiScheme.WHO: _WHO, BmiScheme.ASIAN: _ASIAN}
BMI_SCHEME_LABELS: dict[BmiScheme, str] = {
    BmiScheme.WHO: N_("WHO"), BmiScheme.ASIAN: N_("WHO, Asian cut-offs"),
}


def bmi_class(value: float | None, scheme: BmiScheme = BmiScheme.WHO) -> BmiClass | None:
    if value is None or value != value or value <= 0:
        return None
    classes = BMI_SCHEMES[BmiScheme(scheme)]
    found = classes[0]
    for item in classes:
        # classes are published to one decimal (24.9 / 25.0), so compare on the rounded value
        if round(value, 1) >= item.lower:
            found = item
    return found


@dataclass(frozen=True, slots=True)
class Reference:
    """The baseline weight the outcome figures are measured against, and where it came from."""

    weight_kg: float
    day: date | None
    kind: str  # "placement-weigh-in" | "profile-start-weight" | "first-weigh-in"

    @property
    def label(self) -> str:
        return REFERENCE_LABELS[self.kind]


REFERENCE_LABELS = {
    "placement-weigh-in": N_("weigh-in on placement day"),
    "profile-start-weight": N_("start weight in your profile"),
    "first-weigh-in": N_("first weigh-in"),
}


def find_reference(
    ts: list[int], weights: list[float], placement: date | None, start_weight_kg: float | None,
    tz_offset_s: int = 0, flagged: Container[int] | None = None,
) -> Reference | None:
    """Baseline = the last weigh-in on or before the placement day (up to 14 days before), else the first one in the
    3 days after; else the profile's start weight; else the first weigh-in. Flagged outliers are never used."""
    flagged = set() if flagged is None else flagged
    if placement is not None and ts:
        naive_epoch = datetime(1970, 1, 1)
        day_end = int((datetime.combine(placement + timedelta(days=1), time()) - naive_epoch).total_seconds())
        day_end -= tz_offset_s
        i = bisect.bisect_left(ts, day_end) - 1
        while i >= 0 and i in flagged:
            i -= 1
        if i >= 0 and ts[i] >= day_end - 15 * DAY:
            return Reference(weights[i], placement, "placement-weigh-in")
        j = bisect.bisect_left(ts, day_end)
        while j < len(ts) and j in flagged:
            j += 1
        if j < len(ts) and ts[j] < day_end + 3 * DAY:
            return Reference(weights[j], placement, "placement-weigh-in")
    if start_weight_kg:
        return Reference(start_weight_kg, placement, "profile-start-weight")
    for k in range(len(ts)):
        if k not in flagged:
            return Reference(weights[k], None, "first-weigh-in")
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The programme's outcome figures: weight lost, %TBWL, %EWL and %EBMIL against the reference."""

    reference: Reference
    current_kg: float
    lost_kg: float
    tbwl: float | None
    ewl: float | None
    ebmil: float | None
    ideal_kg: float


def outcome(reference: Reference, current_kg: float, height_cm: float) -> Outcome:
    ideal = ideal_weight_kg(height_cm)
    start_bmi, now_bmi = bmi(reference.weight_kg, height_cm), bmi(current_kg, height_cm)
    return Outcome(
        reference=reference, current_kg=current_kg, lost_kg=reference.weight_kg - current_kg,
        tbwl=tbwl_pct(reference.weight_kg, current_kg), ewl=ewl_pct(reference.weight_kg, current_kg, ideal),
        ebmil=ebmil_pct(start_bmi, now_bmi) if start_bmi and now_bmi else None, ideal_kg=ideal,
    )


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """How far the current value has come from the start towards the goal."""

    goal: float
    start: float
    current: float
    fraction: float | None  # 0..1 (can exceed 1 past the goal, or be negative when moving away); None: no distance
    remaining: float  # current − goal, in the metric's unit (positive: still above a lower goal)
    reached: bool


def goal_progress(start: float, current: float, goal: float) -> GoalProgress:
    distance = start - goal
    fraction = None if distance == 0 else (start - current) / distance
    reached = (current <= goal) if distance > 0 else (current >= goal) if distance < 0 else current == goal
    return GoalProgress(goal, start, current, fraction, current - goal, reached)


def change_over(ts: list[int], values: list[float], days: int, flagged: Container[int] | None = None
                ) -> float | None:
    """Latest value minus the latest one at least ``days`` days earlier; ``None`` when there is none, or when the
    earlier one is more than twice that far back (a gap of months is not a "7-day change")."""
    flagged = set() if flagged is None else flagged
    last = len(ts) - 1  # the latest value is the one on show, flagged or not
    if last < 0:
        return None
    cutoff = ts[last] - days * DAY
    i = bisect.bisect_right(ts, cutoff) - 1
    while i >= 0 and i in flagged:
        i -= 1
    if i < 0 or ts[i] < ts[last] - 2 * days * DAY:
        return None
    return values[last] - values[i]


def change_since_previous(values: list[float], flagged: Container[int] | None = None) -> float | None:
    flagged = set() if flagged is None else flagged
    if len(values) < 2:
        return None
    earlier = next((i for i in range(len(values) - 2, -1, -1) if i not in flagged), None)
    return None if earlier is None else values[-1] - values[earlier]
