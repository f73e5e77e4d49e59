""" "Open now" for the common subset of OSM ``opening_hours`` (https://wiki.openstreetmap.org/wiki/Key:opening_hours).

Understood: ``24/7``; rules separated by ``;``; weekday selectors (``Mo``-``Su``, ranges such as ``Mo-Fr`` and
wrapping ``Fr-Mo``, lists such as ``Mo,We``); time spans ``08:00-12:30`` (comma lists, ``24:00`` and spans
past midnight such as ``22:00-02:00``); ``off``/``closed``; a rule without weekdays applies every day. A later
rule replaces earlier ones for the days it names (the specification's normal-rule semantics). ``PH``/``SH``
rules (holidays) are ignored because holidays are not known offline. Anything else (months, dates, week
numbers, sunrise, ``||`` fallbacks, comments) makes the parser return ``None``: the raw string is shown
instead. Times are read in the user's local time (a clinic nearby shares the user's time zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from companion.i18n import N_, _

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

#: Per weekday (0 = Monday) a tuple of (start, end) in minutes after that day's midnight; end may pass 1440.
Week = tuple[tuple[tuple[int, int], ...], ...]


@dataclass(frozen=True, slots=True)
class OpenState:
    is_open: bool
    change: datetime | None  # when it closes (if open) or next opens (if closed); None: never changes

    def describe(self, now: datetime) -> str:
        if self.change is None:
            return _("Open 24/7") if self.is_open else _("Closed")
        when = self.change.strftime("%H:%M")
        if self.change.date() != now.date():
            when = f"{_(DAY_NAMES[self.change.weekday()])} {when}"
        if self.is_open:
            return _("Open now · closes {time}").format(time=when)
        return _("Closed · opens {time}").format(time=when)


def _days(selector: str) -> list[int] | None:
    days: list[int] = []
    for part in selector.split(","):
        match = _DAY_RANGE.match(part)
        if not match:
            return None
        first = DAYS.index(match[1])
        last = DAYS.index(match[2]) if match[2] else first
        day = first
        while True:
            if day not in days:
                days.append(day)
            if day == last:
                break
            day = (day + 1) % 7
    return days


def _spans(text: str) -> list[tuple[int, int]] | None:
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            return None
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= 1440:
            return None
        if end <= start:
            end += 1440  # past midnight
        spans.append((start, end))
    return spans


def parse(text: str) -> Week | None:
    """The weekly schedule, or ``None`` when the string uses syntax outside the supported subset."""
    text = text.strip()
    if not text or len(text) > 500:
        return None
    if text == "24/7":
        return tuple(((0, 1440),) for _day in range(7))
    week: list[list[tuple[int, int]]] = [[] for _day in range(7)]
    for raw_rule in text.split(";"):
        rule = raw_rule.strip()
        if not rule:
            continue
        if rule.startswith(("PH", "SH")):
            continue
        selector, _sep, rest = rule.partition(" ")
        days = _days(selector)
        if days is None:
            days, rest = list(range(7)), rule  # no weekday selector: every day
        rest = rest.strip()
        if rest in ("off", "closed"):
            spans: list[tuple[int, int]] = []
        elif rest == "24/7" or rest == "00:00-24:00":
            spans = [(0, 1440)]
        else:
            parsed = _spans(rest.replace(" ", ""))
            if parsed is None:
                return None
            spans = parsed
        for day in days:
            week[day] = list(spans)
    return tuple(tuple(day) for day in week)


def _intervals(week: Week, now: datetime) -> list[tuple[datetime, datetime]]:
    """Opening intervals from yesterday to a week ahead, as local datetimes."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[tuple[datetime, datetime]] = []
    for offset in range(-1, 8):
        day = midnight + timedelta(days=offset)
        for start_min, end_min in week[day.weekday()]:
            out.append((day + timedelta(minutes=start_min), day + timedelta(minutes=end_min)))
    out.sort()
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in out:
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], closes if closes > merged[-1][1] else merged[-1][1])
        else:
            merged.append((opens, closes))
    return merged


def open_state(text: str, now: datetime) -> OpenState | None:
    """Whether a clinic with these hours is open at ``now`` (local time) and when that changes."""
    week = parse(text)
    if week is None:
        return None
    if all(day == ((0, 1440),) for day in week):
        return OpenState(True, None)
    if not any(week):
        return OpenState(False, None)
    for start, end in _intervals(week, now):
        if start <= now < end:
            return OpenState(True, end)
        if start > now:
            return OpenState(False, start)
    return OpenState(False, None)
