"""The programme's actions and today's overview, shared by the CLI and the app (through the store's
repositories; validation from the pure modules next to this one, so a value refused in one is refused in the
other with the same message, and nothing is stored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from companion.i18n import _
from companion.programme import body, checkin, medication
from companion.programme.daily import StageToday, parse_ml, stage_on
from companion.programme.goals import Goal, GoalAssessment, GoalKind, assess
from companion.programme.reminders import KIND_LABELS, KIND_MESSAGES, Reminder, due

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.programme.settings import ProgrammeSettings
    from companion.store import Store
    from companion.store.programme import DoseEntry


# ----- body measurements ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BodySummary:
    values: dict[body.Site, float]
    whr: body.RatioReading | None
    whtr: body.RatioReading | None
    waist_risk: str | None
    copied: tuple[body.Site, ...] = ()


def summarise(profile: Profile, values: dict[body.Site, float], copied: tuple[body.Site, ...] = ()) -> BodySummary:
    waist, hips = values.get(body.Site.WAIST), values.get(body.Site.HIPS)
    sex = profile.sex.value
    return BodySummary(
        values,
        body.waist_to_hip(waist, hips, sex) if waist and hips else None,
        body.waist_to_height(waist, profile.height_cm) if waist else None,
        body.waist_risk(waist, sex) if waist else None,
        copied,
    )


def record_measurement(store: Store, profile: Profile, raw: Mapping[body.Site, str | float | None],
                       unit: body.LengthUnit, *, copy_previous: bool, when: datetime, note: str = "") -> BodySummary:
    """Validate every value first (nothing is stored when one is refused), fill the sites left empty from the
    latest entry when ``copy_previous``, then store one entry."""
    assert profile.id is not None
    given = {s: v for s, v in raw.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    values = body.validate_sites(given, unit) if given or not copy_previous else {}
    copied: list[body.Site] = []
    if copy_previous:
        for site, value in store.programme.latest_site_values(profile.id).items():
            if site not in values:
                values[site] = value
                copied.append(site)
        if not values:
            raise body.MeasurementError("waist", _("There is no earlier measurement to copy; enter the values."))
    clean_note = checkin.validate_note(note)
    store.programme.add_body(profile.id, values, when, clean_note)
    return summarise(profile, values, tuple(copied))


# ----- medication ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DoseRecord:
    id: int
    medicine: str
    dose: float | None
    unit: str | None
    route: medication.Route
    site: medication.InjectionSite | None
    status: str
    side_effects: tuple[medication.SideEffect, ...]
    next_site: medication.InjectionSite | None


def record_dose(store: Store, profile: Profile, *, medicine: str = "", dose: str = "", route: str = "",
                site: str = "", skipped: bool = False, side_effects: list[str] | None = None,
                plan_id: int | None = None, when: datetime, note: str = "") -> DoseRecord:
    """Log one dose taken (or skipped). ``site="next"`` takes the suggested next injection site. A dose
    taken needs its amount with a unit (from the plan, else given)."""
    assert profile.id is not None
    repo = store.programme
    plan = None
    if plan_id is not None:
        plan = next((p for p in repo.plans(profile.id, active_only=False) if p.id == plan_id), None)
        if plan is None:
            raise medication.MedicationError("plan", _("There is no medicine plan {id}.").format(id=plan_id))
    name = medication.validate_medicine(medicine or (plan.medicine if plan else ""))
    suggestion = medication.suggestion_for(name)
    if route:
        chosen_route = medication.parse_route(route)
    elif plan is not None:
        chosen_route = medication.parse_route(plan.route)
    else:
        chosen_route = suggestion.route if suggestion else medication.Route.ORAL
    amount: float | None = None
    unit: str | None = None
    if dose.strip():
        amount, unit = medication.parse_dose(dose)
    elif plan is not None:
        amount, unit = plan.dose, plan.dose_unit
    elif not skipped:
        raise medication.MedicationError("dose", _("Enter the dose with its unit, for example 0.25 mg."))
    history = repo.site_history(profile.id)
    chosen_site: medication.InjectionSite | None
    if site.strip().lower() == "next":
        if chosen_route not in medication.INJECTED:
            raise medication.MedicationError("site", _("An injection site only goes with an injection."))
        chosen_site = medication.next_site(history)
    else:
        chosen_site = medication.parse_site(site, chosen_route)
    if skipped:
        chosen_site = None
    effects = tuple(medication.parse_side_effect(text) for text in side_effects or [])
    clean_note = checkin.validate_note(note)
    entry_id = repo.log_dose(profile.id, medicine=name, dose=amount, unit=unit, route=chosen_route.value,
                             site=chosen_site, status="skipped" if skipped else "taken", side_effects=effects,
                             when=when, plan_id=plan.id if plan else None, note=clean_note)
    upcoming = None
    if chosen_route in medication.INJECTED:
        upcoming = medication.next_site(repo.site_history(profile.id))
    return DoseRecord(entry_id, name, amount, unit, chosen_route, chosen_site,
                      "skipped" if skipped else "taken", effects, upcoming)


def add_plan(store: Store, profile: Profile, *, medicine: str, dose: str, route: str = "", schedule: str = "daily",
             weekday: str = "") -> Any:
    assert profile.id is not None
    name = medication.validate_medicine(medicine)
    amount, unit = medication.parse_dose(dose)
    suggestion = medication.suggestion_for(name)
    chosen_route = medication.parse_route(route) if route else (suggestion.route if suggestion else
                                                                medication.Route.ORAL)
    try:
        chosen = medication.Schedule(schedule.strip().lower())
    except ValueError:
        raise medication.MedicationError("schedule", _("The schedule is daily, weekly or as-needed.")) from None
    day = medication.parse_weekday(weekday) if weekday.strip() else None
    if chosen is medication.Schedule.WEEKLY and day is None:
        raise medication.MedicationError("weekday", _("A weekly medicine needs its weekday, for example mon."))
    return store.programme.add_plan(profile.id, name, amount, unit, chosen_route.value, chosen,
                                    day if chosen is medication.Schedule.WEEKLY else None)


# ----- water, check-ins, notes ---------------------------------------------------------------------------
def record_water(store: Store, profile: Profile, amount: str | int, when: datetime) -> int:
    assert profile.id is not None
    return store.programme.add_water(profile.id, parse_ml(amount), when)


def record_checkin(store: Store, profile: Profile, settings: ProgrammeSettings, values: dict[str, str | int | None],
                   note: str, when: datetime) -> str | None:
    """Store the check-in; returns the calm hint to contact the clinic when the entries match its warning signs."""
    assert profile.id is not None
    answered, clean_note = checkin.validate_checkin(values, note)
    store.programme.add_checkin(profile.id, answered, clean_note, when)
    return warning_hint(store, profile, settings, when.date())


def warning_hint(store: Store, profile: Profile, settings: ProgrammeSettings, today: date) -> str | None:
    assert profile.id is not None
    longest = max((s.days for s in settings.warning_signs), default=1)
    history = store.programme.checkins_since(profile.id, today - timedelta(days=longest))
    return checkin.clinic_hint(checkin.matching_signs(history, settings.warning_signs, today))


def record_note(store: Store, profile: Profile, text: str, when: datetime) -> int:
    assert profile.id is not None
    body_text = checkin.validate_note(text)
    if not body_text:
        raise checkin.CheckinError("note", _("The note is empty."))
    return store.programme.add_note(profile.id, body_text, when)


# ----- goals ---------------------------------------------------------------------------------------------
def goal_series(store: Store, profile: Profile, kind: GoalKind) -> tuple[list[int], list[float]]:
    """The trend line the goal is measured on: the EWMA of weight (also for %TBWL), body fat or waist,
    leaving out the weigh-ins the Hampel filter flags (as the dashboard does)."""
    from companion.domain.model import Metric
    from companion.trends.series import prepare

    assert profile.id is not None
    if kind is GoalKind.WAIST:
        ts, values = store.programme.body_series(profile.id, body.Site.WAIST)
    else:
        metric = Metric.BODY_FAT if kind is GoalKind.BODY_FAT else Metric.WEIGHT
        ts, values = store.measurements.series(profile.id, metric)
    prepared = prepare(ts, values)
    return list(prepared.ts), list(prepared.trend)


def goal_assessments(store: Store, profile: Profile, today: date) -> list[GoalAssessment]:
    goals = store.programme.goals(profile)
    cache: dict[GoalKind, tuple[list[int], list[float]]] = {}
    reference = None
    out = []
    for goal in goals:
        kind = GoalKind(goal.kind)
        series_kind = GoalKind.WEIGHT if kind is GoalKind.TBWL else kind
        if series_kind not in cache:
            cache[series_kind] = goal_series(store, profile, series_kind)
        ts, trend = cache[series_kind]
        if kind is GoalKind.TBWL and reference is None:
            reference = reference_weight(store, profile)
        out.append(assess(goal, ts, trend, today, reference_kg=reference))
    return out


def reference_weight(store: Store, profile: Profile) -> float | None:
    from companion.domain.model import Metric
    from companion.trends.outcomes import find_reference

    assert profile.id is not None
    ts, values = store.measurements.series(profile.id, Metric.WEIGHT)
    found = find_reference(list(ts), list(values), profile.placement_date, profile.start_weight_kg)
    return found.weight_kg if found else None


def add_goal(store: Store, profile: Profile, kind: str, target: str, by: str, today: date) -> Goal:
    from companion.domain.units import weight_to_kg
    from companion.programme.goals import parse_kind, validate_target, validate_target_date

    goal_kind = parse_kind(kind)
    value = validate_target(goal_kind, weight_to_kg(float(target.replace(",", ".")), profile.weight_unit)
                            if goal_kind is GoalKind.WEIGHT and _is_number(target) else target)
    day = validate_target_date(by, today)
    return store.programme.add_goal(profile, goal_kind, value, day)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


# ----- today ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Today:
    day: date
    stage: StageToday | None
    water_ml: int
    water_target_ml: int
    next_site: medication.InjectionSite | None
    due_medicines: list[Any]
    doses_today: list[DoseEntry]
    goals: list[GoalAssessment]
    hint: str | None
    latest_body: BodySummary | None
    reminders: list[Reminder] = field(default_factory=list)


def today_overview(store: Store, profile: Profile, settings: ProgrammeSettings, now: datetime) -> Today:
    assert profile.id is not None
    repo = store.programme
    day = now.date()
    plans = repo.plans(profile.id)
    injected = any(medication.Route(p.route) in medication.INJECTED for p in plans)
    history = repo.site_history(profile.id)
    latest = repo.latest_body(profile.id)
    return Today(
        day=day,
        stage=stage_on(settings.diet, profile.placement_date, day),
        water_ml=repo.water_on(profile.id, day),
        water_target_ml=repo.water_target(profile.id, settings.water_target_ml),
        next_site=medication.next_site(history) if injected or history else None,
        due_medicines=[p for p in plans if medication.is_due(p.schedule, p.weekday, day)],
        doses_today=repo.doses(profile.id, 50, day=day),
        goals=goal_assessments(store, profile, day),
        hint=warning_hint(store, profile, settings, day),
        latest_body=summarise(profile, latest.values) if latest else None,
        reminders=repo.reminders(profile.id),
    )


# ----- reminders -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReminderShown:
    reminder: Reminder
    title: str
    body: str
    via: str  # "desktop" | "terminal" | "app"


def due_reminders(store: Store, profile: Profile, settings: ProgrammeSettings, now: datetime) -> list[Reminder]:
    assert profile.id is not None
    repo = store.programme
    day = now.date()
    target = repo.water_target(profile.id, settings.water_target_ml)
    return due(repo.reminders(profile.id), now, repo.done_on(profile, day, now, target), repo.fired_on(profile.id, day))


def reminder_text(reminder: Reminder) -> tuple[str, str]:
    return _(KIND_LABELS[reminder.kind]), _(KIND_MESSAGES[reminder.kind])


def run_reminders(store: Store, profile: Profile, settings: ProgrammeSettings, now: datetime,
                  show: Any) -> list[ReminderShown]:
    """Show every due reminder once (``show(title, body) -> via``) and remember it was shown today."""
    shown = []
    for reminder in due_reminders(store, profile, settings, now):
        title, text = reminder_text(reminder)
        shown.append(ReminderShown(reminder, title, text, str(show(title, text))))
    if shown:
        store.programme.mark_fired([s.reminder.id for s in shown if s.reminder.id is not None], now.date())
    return shown
