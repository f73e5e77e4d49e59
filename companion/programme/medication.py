"""The medication log: medicines (with suggestions), doses with their unit, routes, injection sites and their
rotation, schedules, taken/skipped and side effects (pure).

Suggestions are the GLP-1 receptor agonists prescribed for weight loss and the usual prescriptions of a balloon
programme (acid suppression, anti-nausea, antispasmodic around placement); free text is always allowed.
Injection-site rotation follows the usual patient advice for GLP-1 pens (rotate between abdomen, thighs and
upper arms; do not inject into the same spot twice in a row): the suggested next site is the one of the six
that was used least recently (never used first, in the order below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from companion.i18n import N_, _
from companion.programme.errors import EntryError

NAME_MAX = 80
DOSE_MAX = 10_000.0


class MedicationError(EntryError):
    """A refused value (see ``EntryError``)."""


class Route(StrEnum):
    SUBCUTANEOUS = "subcutaneous"
    ORAL = "oral"
    INTRAMUSCULAR = "intramuscular"
    SUBLINGUAL = "sublingual"
    RECTAL = "rectal"
    TOPICAL = "topical"
    OTHER = "other"


ROUTE_LABELS: dict[Route, str] = {
    Route.SUBCUTANEOUS: N_("injection under the skin"), Route.ORAL: N_("by mouth"),
    Route.INTRAMUSCULAR: N_("injection into a muscle"), Route.SUBLINGUAL: N_("under the tongue"),
    Route.RECTAL: N_("rectal"), Route.TOPICAL: N_("on the skin"), Route.OTHER: N_("other"),
}
INJECTED = frozenset({Route.SUBCUTANEOUS, Route.INTRAMUSCULAR})


class InjectionSite(StrEnum):
    ABDOMEN_LEFT = "abdomen-left"
    ABDOMEN_RIGHT = "abdomen-right"
    THIGH_LEFT = "thigh-left"
    THIGH_RIGHT = "thigh-right"
    UPPER_ARM_LEFT = "upper-arm-left"
    UPPER_ARM_RIGHT = "upper-arm-right"


#: The rotation order (the suggestion among sites never used, or used equally long ago).
ROTATION: tuple[InjectionSite, ...] = tuple(InjectionSite)
SITE_LABELS: dict[InjectionSite, str] = {
    InjectionSite.ABDOMEN_LEFT: N_("abdomen, left"), InjectionSite.ABDOMEN_RIGHT: N_("abdomen, right"),
    InjectionSite.THIGH_LEFT: N_("thigh, left"), InjectionSite.THIGH_RIGHT: N_("thigh, right"),
    InjectionSite.UPPER_ARM_LEFT: N_("upper arm, left"), InjectionSite.UPPER_ARM_RIGHT: N_("upper arm, right"),
}


class Schedule(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    AS_NEEDED = "as-needed"


SCHEDULE_LABELS = {Schedule.DAILY: N_("every day"), Schedule.WEEKLY: N_("once a week"),
                   Schedule.AS_NEEDED: N_("when needed")}


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


SEVERITY_LABELS = {Severity.MILD: N_("mild"), Severity.MODERATE: N_("moderate"), Severity.SEVERE: N_("severe")}


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    group: str  # untranslated
    route: Route
    unit: str
    schedule: Schedule


GLP1 = N_("GLP-1 medicine")
ACID = N_("acid suppression (proton-pump inhibitor)")
NAUSEA = N_("anti-nausea")
SPASM = N_("antispasmodic")
#: Generic names (brand names in parentheses are what patients see on the pen or box).
SUGGESTIONS: tuple[Suggestion, ...] = (
    Suggestion("semaglutide (Wegovy, Ozempic)", GLP1, Route.SUBCUTANEOUS, "mg", Schedule.WEEKLY),
    Suggestion("semaglutide tablets (Rybelsus)", GLP1, Route.ORAL, "mg", Schedule.DAILY),
    Suggestion("tirzepatide (Mounjaro, Zepbound)", GLP1, Route.SUBCUTANEOUS, "mg", Schedule.WEEKLY),
    Suggestion("liraglutide (Saxenda, Victoza)", GLP1, Route.SUBCUTANEOUS, "mg", Schedule.DAILY),
    Suggestion("dulaglutide (Trulicity)", GLP1, Route.SUBCUTANEOUS, "mg", Schedule.WEEKLY),
    Suggestion("exenatide (Byetta, Bydureon)", GLP1, Route.SUBCUTANEOUS, "mcg", Schedule.DAILY),
    Suggestion("omeprazole", ACID, Route.ORAL, "mg", Schedule.DAILY),
    Suggestion("esomeprazole", ACID, Route.ORAL, "mg", Schedule.DAILY),
    Suggestion("pantoprazole", ACID, Route.ORAL, "mg", Schedule.DAILY),
    Suggestion("lansoprazole", ACID, Route.ORAL, "mg", Schedule.DAILY),
    Suggestion("ondansetron", NAUSEA, Route.ORAL, "mg", Schedule.AS_NEEDED),
    Suggestion("metoclopramide", NAUSEA, Route.ORAL, "mg", Schedule.AS_NEEDED),
    Suggestion("domperidone", NAUSEA, Route.ORAL, "mg", Schedule.AS_NEEDED),
    Suggestion("hyoscine butylbromide (Buscopan)", SPASM, Route.ORAL, "mg", Schedule.AS_NEEDED),
)

#: Dose units accepted, with the spellings people type.
DOSE_UNITS: dict[str, str] = {
    "mg": "mg", "mcg": "mcg", "µg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg", "g": "g",
    "ml": "ml", "iu": "IU", "ie": "IU", "unit": "units", "units": "units", "eenheden": "units",
    "tablet": "tablets", "tablets": "tablets", "tab": "tablets", "tabs": "tablets", "capsule": "capsules",
    "capsules": "capsules", "drop": "drops", "drops": "drops", "puff": "puffs", "puffs": "puffs",
}
_DOSE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([^\d\s][^\s]*)?\s*$")


def suggestions(prefix: str = "") -> list[Suggestion]:
    text = prefix.strip().lower()
    return [s for s in SUGGESTIONS if not text or text in s.name.lower()]


def suggestion_for(name: str) -> Suggestion | None:
    text = name.strip().lower()
    for item in SUGGESTIONS:
        if item.name.lower() == text or item.name.lower().split(" (")[0] == text:
            return item
    return None


def validate_medicine(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise MedicationError("medicine", _("Enter the medicine's name, for example semaglutide."))
    if len(name) > NAME_MAX:
        raise MedicationError("medicine", _("Keep the medicine's name under 80 characters."))
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise MedicationError("medicine", _("The medicine's name contains control characters."))
    return name


def parse_dose(text: str) -> tuple[float, str]:
    """``"0.25 mg"`` → ``(0.25, "mg")``; a dose without its unit is refused."""
    match = _DOSE.match(text or "")
    if match is None:
        raise MedicationError("dose", _("Enter the dose with its unit, for example 0.25 mg."))
    if not match[2]:
        raise MedicationError("dose", _("The dose needs a unit, for example 0.25 mg or 10 units."))
    unit = DOSE_UNITS.get(match[2].lower())
    if unit is None:
        raise MedicationError("dose", _("Unknown dose unit {unit}; use mg, mcg, g, ml, IU, units or tablets.").format(
            unit=match[2]))
    value = float(match[1].replace(",", "."))
    if not 0 < value <= DOSE_MAX:
        raise MedicationError("dose", _("The dose must be more than 0 and at most 10000."))
    return value, unit


def parse_route(text: str) -> Route:
    value = text.strip().lower()
    aliases = {"sc": "subcutaneous", "subcut": "subcutaneous", "injection": "subcutaneous", "po": "oral",
               "mouth": "oral", "im": "intramuscular"}
    try:
        return Route(aliases.get(value, value))
    except ValueError:
        raise MedicationError("route", _("Choose a route: {routes}.").format(routes=", ".join(r.value for r in Route))
                              ) from None


def parse_site(text: str, route: Route) -> InjectionSite | None:
    value = text.strip().lower().replace(" ", "-").replace("_", "-")
    if not value:
        return None
    if Route(route) not in INJECTED:
        raise MedicationError("site", _("An injection site only goes with an injection."))
    try:
        return InjectionSite(value)
    except ValueError:
        raise MedicationError("site", _("Choose an injection site: {sites}.").format(
            sites=", ".join(s.value for s in InjectionSite))) from None


@dataclass(frozen=True, slots=True)
class SideEffect:
    effect: str
    severity: Severity


def parse_side_effect(text: str) -> SideEffect:
    """``"nausea:mild"`` (severity optional, mild by default)."""
    effect, _sep, severity = text.partition(":")
    effect = " ".join(effect.split())
    if not effect or len(effect) > NAME_MAX or any(ord(c) < 32 for c in effect):
        raise MedicationError("side_effects", _("Describe the side effect in a few words, for example nausea:mild."))
    try:
        level = Severity(severity.strip().lower() or "mild")
    except ValueError:
        raise MedicationError("side_effects", _("The severity is mild, moderate or severe.")) from None
    return SideEffect(effect, level)


def parse_weekday(text: str) -> int:
    from companion.programme.reminders import parse_weekdays

    days = parse_weekdays(text)
    if len(days) != 1:
        raise MedicationError("weekday", _("Choose one weekday, for example mon."))
    return next(iter(days))


@dataclass(frozen=True, slots=True)
class SiteUse:
    site: InjectionSite
    when: datetime


def next_site(history: list[SiteUse]) -> InjectionSite:
    """The site used least recently (``history`` in any order); never-used sites first, in rotation order."""
    last_used: dict[InjectionSite, datetime] = {}
    for use in history:
        previous = last_used.get(use.site)
        if previous is None or use.when > previous:
            last_used[use.site] = use.when
    never = [s for s in ROTATION if s not in last_used]
    if never:
        # after the last site used, in rotation order (so a new pen user goes round instead of always left first)
        if last_used:
            latest = max(last_used, key=lambda s: last_used[s])
            start = ROTATION.index(latest)
            for step in range(1, len(ROTATION) + 1):
                candidate = ROTATION[(start + step) % len(ROTATION)]
                if candidate in never:
                    return candidate
        return never[0]
    return min(ROTATION, key=lambda s: (last_used[s], ROTATION.index(s)))


def is_due(schedule: Schedule, weekday: int | None, day: date) -> bool:
    """Whether a planned medicine is due on ``day``."""
    schedule = Schedule(schedule)
    if schedule is Schedule.DAILY:
        return True
    if schedule is Schedule.WEEKLY:
        return weekday is None or day.weekday() == weekday
    return False
