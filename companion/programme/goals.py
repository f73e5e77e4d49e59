"""Goals with an optional target date, and how they are going (pure).

A goal is a target for the weight (kg), the %TBWL (percent of the reference weight lost), the body fat (%) or
the waist (cm). ``assess`` compares the weekly rate *needed* to reach it by its date with the *actual* rate of
the trend line (the time-aware EWMA of ``companion.trends.smoothing``, so single noisy readings do not count),
and projects the date the trend reaches it.

"Unrealistic" is said plainly when the needed rate is faster than what programmes aim for: for weight (and
%TBWL, which is a weight target) more than 1 % of the current weight or 1 kg a week, whichever is more
(NICE guideline CG189, 2014, dietary advice: a realistic loss is 0.5 kg to 1 kg a week; balloon patients lose
faster in months 1-4, health_data.md 6.3, hence the 1 % for heavier people); for body fat more than 1
percentage point a week and for the waist more than 2 cm a week (Companion's own bounds, stated in the help).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from companion.i18n import N_, _
from companion.programme.errors import EntryError

DAY = 86400
WEEK_DAYS = 7.0
#: The trend's rate is measured over this many days (or what there is, at least ``MIN_RATE_DAYS``).
RATE_WINDOW_DAYS = 28
MIN_RATE_DAYS = 7


class GoalKind(StrEnum):
    WEIGHT = "weight"
    TBWL = "tbwl"
    BODY_FAT = "body_fat"
    WAIST = "waist"

    @property
    def label(self) -> str:
        return GOAL_LABELS[self]

    @property
    def unit(self) -> str:
        return GOAL_UNITS[self]


GOAL_LABELS: dict[GoalKind, str] = {
    GoalKind.WEIGHT: N_("Weight"), GoalKind.TBWL: N_("%TBWL"), GoalKind.BODY_FAT: N_("Body fat"),
    GoalKind.WAIST: N_("Waist"),
}
GOAL_UNITS: dict[GoalKind, str] = {GoalKind.WEIGHT: "kg", GoalKind.TBWL: "%", GoalKind.BODY_FAT: "%",
                                   GoalKind.WAIST: "cm"}
GOAL_RANGES: dict[GoalKind, tuple[float, float]] = {
    GoalKind.WEIGHT: (20.0, 500.0), GoalKind.TBWL: (1.0, 60.0), GoalKind.BODY_FAT: (3.0, 70.0),
    GoalKind.WAIST: (40.0, 250.0),
}


class GoalError(EntryError):
    """A refused value (see ``EntryError``)."""


@dataclass(frozen=True, slots=True)
class Goal:
    kind: GoalKind
    target: float  # kg, %, % or cm (as stored)
    target_date: date | None = None
    set_on: date | None = None
    id: int | None = None  # None: the profile's goal weight (set in onboarding or the profile), not stored here


def parse_kind(text: str) -> GoalKind:
    value = text.strip().lower().replace("-", "_").replace("%", "")
    aliases = {"bodyfat": "body_fat", "fat": "body_fat", "twl": "tbwl"}
    try:
        return GoalKind(aliases.get(value, value))
    except ValueError:
        raise GoalError("kind", _("Choose a goal for weight, tbwl, body-fat or waist.")) from None


def validate_target(kind: GoalKind, text: str | float) -> float:
    kind = GoalKind(kind)
    low, high = GOAL_RANGES[kind]
    message = _("Enter a {goal} goal between {low:g} and {high:g} {unit}.").format(
        goal=_(kind.label), low=low, high=high, unit=kind.unit)
    try:
        value = float(text.strip().replace(",", ".")) if isinstance(text, str) else float(text)
    except ValueError:
        raise GoalError("target", message) from None
    if value != value or not low <= value <= high:
        raise GoalError("target", message)
    return value


def validate_target_date(text: str, today: date) -> date | None:
    from companion.domain.validation import ValidationError, parse_date

    if not text.strip():
        return None
    try:
        day = parse_date(text, "target_date")
    except ValidationError as exc:
        raise GoalError("target_date", exc.message) from None
    if day <= today:
        raise GoalError("target_date", _("The target date must be after today."))
    if day > today + timedelta(days=365 * 10):
        raise GoalError("target_date", _("Choose a target date within ten years."))
    return day


# ----- how it is going -----------------------------------------------------------------------------------
class GoalStatus(StrEnum):
    REACHED = "reached"
    ON_TRACK = "on-track"
    BEHIND = "behind"  # the trend gets there, but after the target date
    UNREALISTIC = "unrealistic"  # the needed rate is faster than programmes aim for
    AWAY = "away"  # the trend moves away from the goal
    PASSED = "passed"  # the target date is over and the goal not reached
    NO_TREND = "no-trend"  # not enough readings to know


STATUS_LABELS: dict[GoalStatus, str] = {
    GoalStatus.REACHED: N_("reached"), GoalStatus.ON_TRACK: N_("on track"),
    GoalStatus.BEHIND: N_("behind: the trend gets there after the target date"),
    GoalStatus.UNREALISTIC: N_("unrealistic by the target date"),
    GoalStatus.AWAY: N_("the trend is moving away from this goal"),
    GoalStatus.PASSED: N_("target date passed"),
    GoalStatus.NO_TREND: N_("not enough readings for a trend yet"),
}


@dataclass(frozen=True, slots=True)
class GoalAssessment:
    goal: Goal
    current: float | None  # the trend value now, in the goal's unit (for %TBWL: % lost)
    target_value: float  # what the trend has to reach, in the series' unit (for %TBWL: kg)
    needed_per_week: float | None  # change per week needed from now to the target date (series unit)
    actual_per_week: float | None  # the trend's change per week over the last weeks (series unit)
    projected: date | None  # when the trend reaches the target at its current rate
    status: GoalStatus
    limit_per_week: float | None  # the fastest rate called realistic (series unit, a magnitude)


def trend_rate_per_week(ts: list[int], trend: list[float]) -> float | None:
    """Change per week of the trend over the last ``RATE_WINDOW_DAYS`` (None with less than a week of data)."""
    if len(ts) < 2:
        return None
    last = ts[-1]
    i = bisect.bisect_right(ts, last - RATE_WINDOW_DAYS * DAY) - 1
    i = max(i, 0)
    span_days = (last - ts[i]) / DAY
    if span_days < MIN_RATE_DAYS:
        return None
    return (trend[-1] - trend[i]) / span_days * WEEK_DAYS


def realistic_limit(kind: GoalKind, current: float) -> float:
    if kind in (GoalKind.WEIGHT, GoalKind.TBWL):
        return max(1.0, current * 0.01)
    if kind is GoalKind.BODY_FAT:
        return 1.0
    return 2.0


def assess(goal: Goal, ts: list[int], trend: list[float], today: date, *,
           reference_kg: float | None = None) -> GoalAssessment:
    """How ``goal`` is going, from the trend line (``ts`` ascending, Unix seconds; ``trend`` in kg for weight
    and %TBWL goals, % for body fat, cm for the waist). %TBWL goals need the ``reference_kg``."""
    kind = GoalKind(goal.kind)
    if kind is GoalKind.TBWL:
        if reference_kg is None:
            return GoalAssessment(goal, None, 0.0, None, None, None, GoalStatus.NO_TREND, None)
        target_value = reference_kg * (1 - goal.target / 100)
    else:
        target_value = goal.target
    if not trend:
        return GoalAssessment(goal, None, target_value, None, None, None, GoalStatus.NO_TREND, None)
    now_value = trend[-1]
    shown = (reference_kg - now_value) / reference_kg * 100 if kind is GoalKind.TBWL and reference_kg else now_value
    remaining = target_value - now_value  # negative: has to go down
    limit = realistic_limit(kind, now_value)
    rate = trend_rate_per_week(ts, trend)
    # The direction is from where the trend stood when the goal was set (or at its start): down unless it was below
    downward = True
    if kind is not GoalKind.TBWL:
        start = 0
        if goal.set_on is not None:
            from datetime import datetime, time

            set_ts = int(datetime.combine(goal.set_on, time()).timestamp())
            start = min(bisect.bisect_left(ts, set_ts), len(trend) - 1)
        downward = trend[start] >= target_value
    reached = now_value <= target_value if downward else now_value >= target_value
    if reached:
        return GoalAssessment(goal, shown, target_value, 0.0, rate, today, GoalStatus.REACHED, limit)
    needed: float | None = None
    if goal.target_date is not None:
        days_left = (goal.target_date - today).days
        if days_left <= 0:
            return GoalAssessment(goal, shown, target_value, None, rate, None, GoalStatus.PASSED, limit)
        needed = remaining / days_left * WEEK_DAYS
    projected: date | None = None
    if rate is not None and rate != 0 and (rate < 0) == (remaining < 0):
        weeks = remaining / rate
        if weeks * WEEK_DAYS < 365 * 50:
            projected = today + timedelta(days=round(weeks * WEEK_DAYS))
    if needed is not None and abs(needed) > limit:
        status = GoalStatus.UNREALISTIC
    elif rate is None:
        status = GoalStatus.NO_TREND
    elif projected is None:
        status = GoalStatus.AWAY
    elif goal.target_date is not None and projected > goal.target_date:
        status = GoalStatus.BEHIND
    else:
        status = GoalStatus.ON_TRACK
    return GoalAssessment(goal, shown, target_value, needed, rate, projected, status, limit)
