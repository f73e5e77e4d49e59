"""Reminders for weigh-ins, medication, water and measurements (pure): weekdays and a time, suppressed when
the thing is already done that day, and shown once per day.

``companion remind`` (run by a systemd timer or cron every few minutes) and the app use ``due``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from companion.i18n import N_, _
from companion.programme.errors import EntryError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = 0b1111111


class ReminderError(EntryError):
    """A refused value (see ``EntryError``)."""


class ReminderKind(StrEnum):
    WEIGH_IN = "weigh-in"
    MEDICATION = "medication"
    WATER = "water"
    MEASUREMENT = "measurement"


KIND_LABELS: dict[ReminderKind, str] = {
    ReminderKind.WEIGH_IN: N_("Weigh-in"), ReminderKind.MEDICATION: N_("Medication"),
    ReminderKind.WATER: N_("Water"), ReminderKind.MEASUREMENT: N_("Body measurements"),
}
KIND_MESSAGES: dict[ReminderKind, str] = {
    ReminderKind.WEIGH_IN: N_("Time to step on the scale."),
    ReminderKind.MEDICATION: N_("Time for your medication."),
    ReminderKind.WATER: N_("You have not reached today's water target yet."),
    ReminderKind.MEASUREMENT: N_("Time to take your body measurements."),
}


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    at: time
    weekdays: int  # bit i: weekday i (Monday 0)
    enabled: bool = True
    id: int | None = None

    def on(self, weekday: int) -> bool:
        return bool(self.weekdays & (1 << weekday))


def parse_kind(text: str) -> ReminderKind:
    value = text.strip().lower().replace("_", "-")
    try:
        return ReminderKind({"weighin": "weigh-in", "weight": "weigh-in", "medicine": "medication",
                             "measurements": "measurement"}.get(value, value))
    except ValueError:
        raise ReminderError("kind", _("Choose weigh-in, medication, water or measurement.")) from None


def parse_time(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "")
    message = _("Enter a time of day as HH:MM between 00:00 and 23:59, for example 07:30.")
    if match is None:
        raise ReminderError("at", message)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ReminderError("at", message)
    return time(hour, minute)


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon,wed,fri"``, ``"mon-fri"``, ``"daily"``/``"every"``, ``"weekdays"``, ``"weekend"``."""
    value = text.strip().lower()
    message = _("Enter weekdays as mon,tue,... or mon-fri, daily, weekdays or weekend.")
    named = {"daily": range(7), "every": range(7), "all": range(7), "weekdays": range(5), "weekend": (5, 6)}
    if value in named:
        return frozenset(named[value])
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        first, dash, last = part.partition("-")
        try:
            if dash:
                a, b = WEEKDAY_NAMES.index(first[:3]), WEEKDAY_NAMES.index(last[:3])
                if a > b:
                    raise ReminderError("weekdays", message)
                days.update(range(a, b + 1))
            else:
                days.add(WEEKDAY_NAMES.index(part[:3]))
        except ValueError:
            raise ReminderError("weekdays", message) from None
    if not days:
        raise ReminderError("weekdays", message)
    return frozenset(days)


def weekday_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def mask_text(mask: int) -> str:
    if mask == ALL_DAYS:
        return "daily"
    return ",".join(name for i, name in enumerate(WEEKDAY_NAMES) if mask & (1 << i))


def due(reminders: list[Reminder], now: datetime, done: frozenset[ReminderKind],
        fired: frozenset[int]) -> list[Reminder]:
    """Reminders to show at ``now`` (local time): enabled, for today's weekday, their time reached, their
    thing not done today, not shown yet today."""
    today = now.weekday()
    clock = now.time().replace(tzinfo=None)
    return [r for r in reminders
            if r.enabled and r.on(today) and r.at <= clock and r.kind not in done and r.id not in fired]
