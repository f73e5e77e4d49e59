"""The daily check-in (nausea, vomiting, reflux, pain, energy, mood) and the clinic's warning signs (pure).

Symptoms are scored 0 none, 1 mild, 2 moderate, 3 severe; energy and mood 1 very low .. 5 very good. The
clinic configures which entries it wants to hear about in ``config.toml``::

    [[programme.warning_signs]]
    symptom = "vomiting"   # nausea | vomiting | reflux | pain (at_least) | energy | mood (at_most)
    at_least = 2
    days = 2               # on this many days in a row (default 1)
    label = "Vomiting on two days in a row"

Without a list the defaults below apply (they follow the usual advice of balloon programmes to call the clinic
about persistent vomiting or severe abdominal pain). The hint is calm and plain: it suggests contacting the
clinic; it is not an alarm and not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from companion.i18n import N_, _
from companion.programme.errors import EntryError

SYMPTOMS: tuple[str, ...] = ("nausea", "vomiting", "reflux", "pain")
WELLBEING: tuple[str, ...] = ("energy", "mood")
FIELDS: tuple[str, ...] = SYMPTOMS + WELLBEING
FIELD_LABELS: dict[str, str] = {
    "nausea": N_("Nausea"), "vomiting": N_("Vomiting"), "reflux": N_("Reflux"), "pain": N_("Pain"),
    "energy": N_("Energy"), "mood": N_("Mood"),
}
SEVERITY_WORDS = (N_("none"), N_("mild"), N_("moderate"), N_("severe"))
WELLBEING_WORDS = (N_("very low"), N_("low"), N_("okay"), N_("good"), N_("very good"))
NOTE_MAX = 2000


class CheckinError(EntryError):
    """A refused value (see ``EntryError``)."""


@dataclass(frozen=True, slots=True)
class Checkin:
    day: date
    values: dict[str, int]  # only what was answered
    note: str = ""


def validate_value(field: str, text: str | int) -> int:
    if field not in FIELDS:
        raise CheckinError(field, _("Unknown check-in field {field}.").format(field=field))
    words = SEVERITY_WORDS if field in SYMPTOMS else WELLBEING_WORDS
    low, high = (0, 3) if field in SYMPTOMS else (1, 5)
    raw = str(text).strip().lower()
    for index, word in enumerate(words):
        if raw in (word, _(word)):
            return index + low
    message = (_("{field}: 0 none, 1 mild, 2 moderate or 3 severe.") if field in SYMPTOMS
               else _("{field}: 1 very low to 5 very good.")).format(field=_(FIELD_LABELS[field]))
    try:
        value = int(raw)
    except ValueError:
        raise CheckinError(field, message) from None
    if not low <= value <= high:
        raise CheckinError(field, message)
    return value


def validate_note(text: str) -> str:
    note = text.strip()
    if len(note) > NOTE_MAX:
        raise CheckinError("note", _("Keep the note under 2000 characters."))
    return "".join(c for c in note if c in "\n\t" or ord(c) >= 32)


def validate_checkin(values: dict[str, str | int | None], note: str = "") -> tuple[dict[str, int], str]:
    answered = {f: validate_value(f, v) for f, v in values.items()
                if v is not None and not (isinstance(v, str) and not v.strip())}
    clean_note = validate_note(note)
    if not answered and not clean_note:
        raise CheckinError("nausea", _("Answer at least one question of the check-in."))
    return answered, clean_note


@dataclass(frozen=True, slots=True)
class WarningSign:
    symptom: str
    threshold: int  # at least (symptoms) / at most (energy, mood)
    days: int = 1
    label: str = ""  # the clinic's words (untrusted) or an untranslated default

    def describe(self) -> str:
        if self.label:
            return self.label
        word = (SEVERITY_WORDS if self.symptom in SYMPTOMS else WELLBEING_WORDS)[
            self.threshold - (0 if self.symptom in SYMPTOMS else 1)]
        extreme = self.threshold == (3 if self.symptom in SYMPTOMS else 1)
        level = _(word) if extreme else _("{level} or worse").format(level=_(word))
        if self.days > 1:
            return _("{field} {level} on {days} days in a row").format(
                field=_(FIELD_LABELS[self.symptom]), level=level, days=self.days)
        return _("{field} {level}").format(field=_(FIELD_LABELS[self.symptom]), level=level)

    def matches(self, value: int) -> bool:
        return value >= self.threshold if self.symptom in SYMPTOMS else value <= self.threshold


DEFAULT_WARNING_SIGNS: tuple[WarningSign, ...] = (
    WarningSign("vomiting", 3), WarningSign("vomiting", 2, days=2), WarningSign("pain", 3),
    WarningSign("pain", 2, days=3),
)


def parse_warning_signs(raw: object) -> tuple[WarningSign, ...]:
    if raw is None:
        return DEFAULT_WARNING_SIGNS
    if not isinstance(raw, list):
        raise CheckinError("warning_signs", _("warning_signs in config.toml must be a list."))
    signs: list[WarningSign] = []
    for index, item in enumerate(raw, start=1):
        bad = CheckinError("warning_signs", _("Warning sign {n} in config.toml is not valid.").format(n=index))
        if not isinstance(item, dict) or item.get("symptom") not in FIELDS:
            raise bad
        symptom = str(item["symptom"])
        key = "at_least" if symptom in SYMPTOMS else "at_most"
        threshold = item.get(key)
        days = item.get("days", 1)
        low, high = (1, 3) if symptom in SYMPTOMS else (1, 5)
        if not isinstance(threshold, int) or not low <= threshold <= high:
            raise bad
        if not isinstance(days, int) or not 1 <= days <= 30:
            raise bad
        label = item.get("label", "")
        signs.append(WarningSign(symptom, threshold, days, " ".join(str(label).split())[:120]))
    return tuple(signs)


def matching_signs(history: list[Checkin], signs: tuple[WarningSign, ...], today: date) -> list[WarningSign]:
    """The signs the check-ins up to ``today`` match (each sign's last ``days`` days, today included)."""
    by_day: dict[date, dict[str, int]] = {}
    for entry in history:
        merged = by_day.setdefault(entry.day, {})
        for field, value in entry.values.items():  # the worst of the day counts
            if field in SYMPTOMS:
                merged[field] = max(merged.get(field, value), value)
            else:
                merged[field] = min(merged.get(field, value), value)
    found = []
    for sign in signs:
        days = [today - timedelta(days=k) for k in range(sign.days)]
        if all(sign.symptom in by_day.get(d, {}) and sign.matches(by_day[d][sign.symptom]) for d in days):
            found.append(sign)
    return found


def clinic_hint(signs: list[WarningSign]) -> str | None:
    """One calm sentence for the screen and the CLI, or ``None`` when nothing matches."""
    if not signs:
        return None
    return _("Your check-in matches what your clinic asked to hear about ({signs}). "
             "It is a good idea to contact your clinic today.").format(signs="; ".join(s.describe() for s in signs))
