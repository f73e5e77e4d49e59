"""Trends repository: programme milestones and per-profile goals (``Trends(store)``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from companion.domain.model import Metric, Profile
from companion.i18n import N_

if TYPE_CHECKING:
    from companion.store.db import Store


FOLLOW_UP_LABELS = {6: N_("6 months after removal"), 12: N_("12 months after removal")}


class MilestoneKind(StrEnum):
    PLACEMENT = "placement"
    REMOVAL = "removal"
    VISIT = "visit"
    CUSTOM = "custom"
    FOLLOW_UP = "follow-up"  # derived: removal + 6 and + 12 months (never stored)
    GOAL = "goal"  # derived: a goal's target date (programme_goal, never stored here)


MILESTONE_LABELS: dict[MilestoneKind, str] = {
    MilestoneKind.PLACEMENT: N_("Balloon placed"), MilestoneKind.REMOVAL: N_("Balloon removed"),
    MilestoneKind.VISIT: N_("Clinic visit"), MilestoneKind.CUSTOM: N_("Milestone"),
    MilestoneKind.FOLLOW_UP: N_("Follow-up after removal"), MilestoneKind.GOAL: N_("Goal target date"),
}
MILESTONE_TAGS: dict[MilestoneKind, str] = {
    MilestoneKind.PLACEMENT: "P", MilestoneKind.REMOVAL: "R", MilestoneKind.VISIT: "V", MilestoneKind.CUSTOM: "*",
    MilestoneKind.FOLLOW_UP: "F", MilestoneKind.GOAL: "G",
}
# Regain after removal is the worry, so clinics look again 6 and 12 months later (health_data.md 6.3).
FOLLOW_UP_MONTHS = (6, 12)


def add_months(day: date, months: int) -> date:
    import calendar

    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class Milestone:
    day: date
    kind: MilestoneKind
    label: str = ""  # free text typed by the person (untrusted when shown)
    id: int | None = None  # None: taken from the profile, not stored here


class Trends:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ----- milestones ----------------------------------------------------------------------------------
    def add_milestone(self, profile_id: int, day: date, kind: MilestoneKind | str, label: str = "") -> Milestone:
        kind = MilestoneKind(kind)
        label = " ".join(label.split())[:200]
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO milestone (profile_id, day, kind, label) VALUES (?, ?, ?, ?)",
                (profile_id, day.isoformat(), kind.value, label),
            )
        return Milestone(day, kind, label, int(cur.lastrowid))

    def delete_milestone(self, milestone_id: int) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("DELETE FROM milestone WHERE id = ?", (milestone_id,)).rowcount)

    def stored_milestones(self, profile_id: int) -> list[Milestone]:
        rows = self._store.query(
            "SELECT id, day, kind, label FROM milestone WHERE profile_id = ? ORDER BY day, id", (profile_id,))
        return [Milestone(date.fromisoformat(r[1]), MilestoneKind(r[2]), r[3], r[0]) for r in rows]

    def milestones(self, profile: Profile) -> list[Milestone]:
        """Placement and removal from the profile plus the stored ones, by date."""
        found: list[Milestone] = []
        if profile.placement_date is not None:
            found.append(Milestone(profile.placement_date, MilestoneKind.PLACEMENT))
        if profile.removal_date is not None:
            found.append(Milestone(profile.removal_date, MilestoneKind.REMOVAL))
            for months in FOLLOW_UP_MONTHS:
                found.append(Milestone(add_months(profile.removal_date, months), MilestoneKind.FOLLOW_UP,
                                       FOLLOW_UP_LABELS[months]))
        if profile.id is not None:
            found += self.stored_milestones(profile.id)
            found += self.goal_dates(profile.id)
        return sorted(found, key=lambda m: (m.day, m.kind.value))

    def goal_dates(self, profile_id: int) -> list[Milestone]:
        """The target dates of the programme's goals (``companion.store.programme``), as chart markers."""
        rows = self._store.query("SELECT target_date FROM programme_goal WHERE profile_id = ? AND target_date IS NOT "
                                 "NULL GROUP BY target_date ORDER BY target_date", (profile_id,))
        return [Milestone(date.fromisoformat(r[0]), MilestoneKind.GOAL) for r in rows]

    # ----- goals ---------------------------------------------------------------------------------------
    def goal(self, profile: Profile, metric: Metric) -> float | None:
        if Metric(metric) is Metric.WEIGHT:
            return profile.goal_weight_kg
        if profile.id is None:
            return None
        row = self._store.query_one(
            "SELECT target FROM metric_goal WHERE profile_id = ? AND metric = ?", (profile.id, Metric(metric).value))
        return None if row is None else float(row[0])

    def set_goal(self, profile: Profile, metric: Metric, target: float | None) -> Profile:
        """Set (or clear with ``None``) a goal; returns the profile as it is now."""
        from dataclasses import replace

        metric = Metric(metric)
        if profile.id is None:
            raise ValueError("profile has no id")
        if metric is Metric.WEIGHT:
            updated = replace(profile, goal_weight_kg=target)
            self._store.profiles.update(updated)
            return updated
        with self._store.transaction() as db:
            if target is None:
                db.execute("DELETE FROM metric_goal WHERE profile_id = ? AND metric = ?", (profile.id, metric.value))
            else:
                db.execute(
                    "INSERT INTO metric_goal (profile_id, metric, target, set_on) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (profile_id, metric) DO UPDATE SET target = excluded.target, set_on = excluded.set_on",
                    (profile.id, metric.value, target, self._store.clock.now().date().isoformat()),
                )
        return profile

    # ----- preferences ---------------------------------------------------------------------------------
    def bmi_scheme(self, profile_id: int) -> str:
        return str(self._store.settings.get(f"trends.bmi_scheme.{profile_id}", "who"))

    def set_bmi_scheme(self, profile_id: int, scheme: str) -> None:
        self._store.settings.set(f"trends.bmi_scheme.{profile_id}", scheme)
