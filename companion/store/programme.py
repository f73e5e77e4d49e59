"""Programme repository (``Programme(store)``): goals, body measurements, the medication log, water, daily
check-ins and notes, reminders and progress photos. The rules (validation, rotation, ratios) live in
``companion.programme``; this module only reads and writes rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from companion.programme.body import SITES, Site
from companion.programme.checkin import FIELDS, Checkin
from companion.programme.goals import Goal, GoalKind
from companion.programme.medication import InjectionSite, Schedule, SideEffect, SiteUse
from companion.programme.reminders import Reminder, ReminderKind

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.programme.photos import PreparedPhoto
    from companion.store.db import Store

WATER_TARGET_SETTING = "programme.water_target_ml.{profile}"


def _when(moment: datetime) -> tuple[int, int, str]:
    """(Unix seconds, minutes east of UTC, local ISO day) of an aware datetime."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return int(moment.timestamp()), minutes, moment.date().isoformat()


def _local(ts: int, offset_min: int) -> datetime:
    from datetime import timezone

    return datetime.fromtimestamp(ts, timezone(timedelta(minutes=offset_min)))


@dataclass(frozen=True, slots=True)
class BodyEntry:
    id: int
    when: datetime
    values: dict[Site, float]
    note: str = ""


@dataclass(frozen=True, slots=True)
class MedicationPlan:
    id: int
    medicine: str
    dose: float
    dose_unit: str
    route: str
    schedule: Schedule
    weekday: int | None
    started_on: date
    active: bool = True


@dataclass(frozen=True, slots=True)
class DoseEntry:
    id: int
    when: datetime
    medicine: str
    dose: float | None
    dose_unit: str | None
    route: str
    site: InjectionSite | None
    status: str
    side_effects: tuple[SideEffect, ...]
    plan_id: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class NoteEntry:
    id: int
    when: datetime
    body: str


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    id: int
    when: datetime
    day: date
    width: int
    height: int
    note: str
    shared: bool


@dataclass(frozen=True, slots=True)
class TimelineItem:
    when: datetime
    kind: str  # "weigh-in" | "checkin" | "note" | "medication" | "measurement"
    text: str  # untrusted where it carries what the person typed
    value: float | None = None  # a weigh-in's weight in kg (shown in the person's unit)


class Programme:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _may_store(self) -> None:
        """Health data is written only with the explicit health-data consent (as weigh-ins are)."""
        from companion.privacy.gate import require_health_consent

        require_health_consent(self._store)

    # ----- goals ---------------------------------------------------------------------------------------
    def goals(self, profile: Profile) -> list[Goal]:
        """The stored goals, plus the profile's goal weight as a weight goal when no stored weight goal has it
        (set in onboarding, on the profile screen or with ``g`` on the dashboard)."""
        assert profile.id is not None
        rows = self._store.query(
            "SELECT id, kind, target, target_date, set_on FROM programme_goal WHERE profile_id = ? ORDER BY id",
            (profile.id,))
        goals = [Goal(GoalKind(r[1]), float(r[2]), date.fromisoformat(r[3]) if r[3] else None,
                      date.fromisoformat(r[4]), int(r[0])) for r in rows]
        weight = profile.goal_weight_kg
        if weight is not None and not any(g.kind is GoalKind.WEIGHT and abs(g.target - weight) < 1e-6 for g in goals):
            goals.insert(0, Goal(GoalKind.WEIGHT, weight))
        return goals

    def add_goal(self, profile: Profile, kind: GoalKind, target: float, target_date: date | None) -> Goal:
        assert profile.id is not None
        today = self._store.clock.now().date()
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO programme_goal (profile_id, kind, target, target_date, set_on) VALUES (?, ?, ?, ?, ?)",
                (profile.id, GoalKind(kind).value, target, target_date.isoformat() if target_date else None,
                 today.isoformat()))
            if GoalKind(kind) is GoalKind.WEIGHT and profile.goal_weight_kg is None:
                self._store.profiles.update(replace(profile, goal_weight_kg=target))  # the charts' goal line
        return Goal(GoalKind(kind), target, target_date, today, int(cur.lastrowid))

    def remove_goal(self, profile: Profile, goal_id: int) -> bool:
        assert profile.id is not None
        with self._store.transaction() as db:
            row = db.execute("SELECT kind, target FROM programme_goal WHERE id = ? AND profile_id = ?",
                             (goal_id, profile.id)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM programme_goal WHERE id = ?", (goal_id,))
            if row[0] == GoalKind.WEIGHT.value and profile.goal_weight_kg is not None \
                    and abs(profile.goal_weight_kg - float(row[1])) < 1e-6:
                nxt = db.execute("SELECT target FROM programme_goal WHERE profile_id = ? AND kind = 'weight' "
                                 "ORDER BY id LIMIT 1", (profile.id,)).fetchone()
                self._store.profiles.update(replace(profile, goal_weight_kg=float(nxt[0]) if nxt else None))
        return True

    def goal_dates(self, profile_id: int) -> list[tuple[date, str, float]]:
        """(target date, kind, target) of the goals that have a date, for the charts' time axis."""
        rows = self._store.query("SELECT target_date, kind, target FROM programme_goal WHERE profile_id = ? "
                                 "AND target_date IS NOT NULL ORDER BY target_date", (profile_id,))
        return [(date.fromisoformat(r[0]), str(r[1]), float(r[2])) for r in rows]

    # ----- body measurements ---------------------------------------------------------------------------
    def add_body(self, profile_id: int, values: dict[Site, float], when: datetime, note: str = "") -> int:
        if not values:
            raise ValueError("no measurement")
        self._may_store()
        ts, off, day = _when(when)
        columns = [s.column for s in SITES]
        with self._store.transaction() as db:
            cur = db.execute(
                f"INSERT INTO body_measurement (profile_id, ts, tz_offset, day, note, {', '.join(columns)}) "
                f"VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(columns))})",
                (profile_id, ts, off, day, note, *(values.get(s) for s in SITES)))
        return int(cur.lastrowid)

    def body_entries(self, profile_id: int, limit: int = 50) -> list[BodyEntry]:
        columns = ", ".join(s.column for s in SITES)
        rows = self._store.query(
            f"SELECT id, ts, tz_offset, note, {columns} FROM body_measurement WHERE profile_id = ? "
            "ORDER BY ts DESC, id DESC LIMIT ?", (profile_id, limit))
        return [BodyEntry(int(r[0]), _local(r[1], r[2]),
                          {s: float(v) for s, v in zip(SITES, r[4:], strict=True) if v is not None}, r[3])
                for r in rows]

    def latest_body(self, profile_id: int) -> BodyEntry | None:
        found = self.body_entries(profile_id, 1)
        return found[0] if found else None

    def latest_site_values(self, profile_id: int) -> dict[Site, float]:
        """The latest value of every site (from whichever entry last had it): what quick entry copies."""
        out: dict[Site, float] = {}
        for site in SITES:
            row = self._store.query_one(
                f"SELECT {site.column} FROM body_measurement WHERE profile_id = ? AND {site.column} IS NOT NULL "
                "ORDER BY ts DESC, id DESC LIMIT 1", (profile_id,))
            if row is not None:
                out[site] = float(row[0])
        return out

    def body_series(self, profile_id: int, site: Site) -> tuple[list[int], list[float]]:
        column = Site(site).column
        rows = self._store.query(f"SELECT ts, {column} FROM body_measurement WHERE profile_id = ? AND {column} "
                                 "IS NOT NULL ORDER BY ts", (profile_id,))
        return [int(r[0]) for r in rows], [float(r[1]) for r in rows]

    def delete_body(self, entry_id: int) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("DELETE FROM body_measurement WHERE id = ?", (entry_id,)).rowcount)

    # ----- medication ----------------------------------------------------------------------------------
    def add_plan(self, profile_id: int, medicine: str, dose: float, unit: str, route: str, schedule: Schedule,
                 weekday: int | None) -> MedicationPlan:
        today = self._store.clock.now().date()
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO medication_plan (profile_id, medicine, dose, dose_unit, route, schedule, weekday, "
                "started_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (profile_id, medicine, dose, unit, route, Schedule(schedule).value, weekday, today.isoformat()))
        return MedicationPlan(int(cur.lastrowid), medicine, dose, unit, route, Schedule(schedule), weekday, today)

    def plans(self, profile_id: int, *, active_only: bool = True) -> list[MedicationPlan]:
        rows = self._store.query(
            "SELECT id, medicine, dose, dose_unit, route, schedule, weekday, started_on, active FROM medication_plan "
            f"WHERE profile_id = ? {'AND active = 1' if active_only else ''} ORDER BY id", (profile_id,))
        return [MedicationPlan(int(r[0]), r[1], float(r[2]), r[3], r[4], Schedule(r[5]), r[6],
                               date.fromisoformat(r[7]), bool(r[8])) for r in rows]

    def stop_plan(self, profile_id: int, plan_id: int) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("UPDATE medication_plan SET active = 0 WHERE id = ? AND profile_id = ?",
                                   (plan_id, profile_id)).rowcount)

    def log_dose(self, profile_id: int, *, medicine: str, dose: float | None, unit: str | None, route: str,
                 site: InjectionSite | None, status: str, side_effects: tuple[SideEffect, ...] = (),
                 when: datetime, plan_id: int | None = None, note: str = "") -> int:
        if status not in ("taken", "skipped"):
            raise ValueError(status)
        self._may_store()
        ts, off, day = _when(when)
        effects = json.dumps([{"effect": e.effect, "severity": e.severity.value} for e in side_effects],
                             ensure_ascii=False)
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO medication_log (profile_id, plan_id, ts, tz_offset, day, medicine, dose, dose_unit, "
                "route, site, status, side_effects, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (profile_id, plan_id, ts, off, day, medicine, dose, unit, route,
                 site.value if site is not None else None, status, effects, note))
        return int(cur.lastrowid)

    def doses(self, profile_id: int, limit: int = 50, *, day: date | None = None) -> list[DoseEntry]:
        from companion.programme.medication import Severity

        where = "profile_id = ?"
        params: list[object] = [profile_id]
        if day is not None:
            where += " AND day = ?"
            params.append(day.isoformat())
        rows = self._store.query(
            "SELECT id, ts, tz_offset, medicine, dose, dose_unit, route, site, status, side_effects, plan_id, note "
            f"FROM medication_log WHERE {where} ORDER BY ts DESC, id DESC LIMIT ?", (*params, limit))
        out = []
        for r in rows:
            effects = tuple(SideEffect(e["effect"], Severity(e["severity"])) for e in json.loads(r[9] or "[]"))
            out.append(DoseEntry(int(r[0]), _local(r[1], r[2]), r[3], r[4], r[5], r[6],
                                 InjectionSite(r[7]) if r[7] else None, r[8], effects, r[10], r[11]))
        return out

    def site_history(self, profile_id: int, limit: int = 24) -> list[SiteUse]:
        rows = self._store.query(
            "SELECT site, ts, tz_offset FROM medication_log WHERE profile_id = ? AND site IS NOT NULL "
            "AND status = 'taken' ORDER BY ts DESC, id DESC LIMIT ?", (profile_id, limit))
        return [SiteUse(InjectionSite(r[0]), _local(r[1], r[2])) for r in rows]

    # ----- water ---------------------------------------------------------------------------------------
    def add_water(self, profile_id: int, ml: int, when: datetime) -> int:
        """Adds an entry; returns the day's total."""
        self._may_store()
        ts, off, day = _when(when)
        with self._store.transaction() as db:
            db.execute("INSERT INTO water_intake (profile_id, ts, tz_offset, day, ml) VALUES (?, ?, ?, ?, ?)",
                       (profile_id, ts, off, day, ml))
        return self.water_on(profile_id, when.date())

    def water_on(self, profile_id: int, day: date) -> int:
        row = self._store.query_one("SELECT COALESCE(SUM(ml), 0) FROM water_intake WHERE profile_id = ? AND day = ?",
                                    (profile_id, day.isoformat()))
        return int(row[0])

    def undo_last_water(self, profile_id: int, day: date) -> int | None:
        with self._store.transaction() as db:
            row = db.execute("SELECT id, ml FROM water_intake WHERE profile_id = ? AND day = ? ORDER BY ts DESC, "
                             "id DESC LIMIT 1", (profile_id, day.isoformat())).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM water_intake WHERE id = ?", (row[0],))
        return int(row[1])

    def water_target(self, profile_id: int, default: int) -> int:
        value = self._store.settings.get(WATER_TARGET_SETTING.format(profile=profile_id))
        return int(value) if value is not None else default

    def set_water_target(self, profile_id: int, ml: int) -> None:
        self._store.settings.set(WATER_TARGET_SETTING.format(profile=profile_id), int(ml))

    # ----- check-ins and notes -------------------------------------------------------------------------
    def add_checkin(self, profile_id: int, values: dict[str, int], note: str, when: datetime) -> int:
        self._may_store()
        ts, off, day = _when(when)
        with self._store.transaction() as db:
            cur = db.execute(
                f"INSERT INTO symptom_checkin (profile_id, ts, tz_offset, day, note, {', '.join(FIELDS)}) "
                f"VALUES (?, ?, ?, ?, ?, {', '.join('?' * len(FIELDS))})",
                (profile_id, ts, off, day, note, *(values.get(f) for f in FIELDS)))
        return int(cur.lastrowid)

    def checkins_since(self, profile_id: int, first_day: date) -> list[Checkin]:
        rows = self._store.query(
            f"SELECT day, note, {', '.join(FIELDS)} FROM symptom_checkin WHERE profile_id = ? AND day >= ? "
            "ORDER BY ts, id", (profile_id, first_day.isoformat()))
        return [Checkin(date.fromisoformat(r[0]), {f: int(v) for f, v in zip(FIELDS, r[2:], strict=True)
                                                   if v is not None}, r[1]) for r in rows]

    def add_note(self, profile_id: int, body: str, when: datetime) -> int:
        self._may_store()
        ts, off, day = _when(when)
        with self._store.transaction() as db:
            cur = db.execute("INSERT INTO programme_note (profile_id, ts, tz_offset, day, body) VALUES (?, ?, ?, ?, ?)",
                             (profile_id, ts, off, day, body))
        return int(cur.lastrowid)

    def notes(self, profile_id: int, limit: int = 50) -> list[NoteEntry]:
        rows = self._store.query("SELECT id, ts, tz_offset, body FROM programme_note WHERE profile_id = ? "
                                 "ORDER BY ts DESC, id DESC LIMIT ?", (profile_id, limit))
        return [NoteEntry(int(r[0]), _local(r[1], r[2]), r[3]) for r in rows]

    # ----- reminders -----------------------------------------------------------------------------------
    def add_reminder(self, profile_id: int, kind: ReminderKind, at: time, weekdays: int) -> Reminder:
        with self._store.transaction() as db:
            cur = db.execute("INSERT INTO reminder (profile_id, kind, at, weekdays) VALUES (?, ?, ?, ?)",
                             (profile_id, ReminderKind(kind).value, at.strftime("%H:%M"), weekdays))
        return Reminder(ReminderKind(kind), at, weekdays, True, int(cur.lastrowid))

    def reminders(self, profile_id: int) -> list[Reminder]:
        rows = self._store.query("SELECT id, kind, at, weekdays, enabled FROM reminder WHERE profile_id = ? "
                                 "ORDER BY at, id", (profile_id,))
        return [Reminder(ReminderKind(r[1]), time.fromisoformat(r[2]), int(r[3]), bool(r[4]), int(r[0]))
                for r in rows]

    def remove_reminder(self, profile_id: int, reminder_id: int) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("DELETE FROM reminder WHERE id = ? AND profile_id = ?",
                                   (reminder_id, profile_id)).rowcount)

    def set_reminder_enabled(self, profile_id: int, reminder_id: int, enabled: bool) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("UPDATE reminder SET enabled = ? WHERE id = ? AND profile_id = ?",
                                   (int(enabled), reminder_id, profile_id)).rowcount)

    def fired_on(self, profile_id: int, day: date) -> frozenset[int]:
        rows = self._store.query("SELECT f.reminder_id FROM reminder_fired f JOIN reminder r ON r.id = f.reminder_id "
                                 "WHERE r.profile_id = ? AND f.day = ?", (profile_id, day.isoformat()))
        return frozenset(int(r[0]) for r in rows)

    def mark_fired(self, reminder_ids: list[int], day: date) -> None:
        with self._store.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO reminder_fired (reminder_id, day) VALUES (?, ?)",
                           [(i, day.isoformat()) for i in reminder_ids])
            # only today's rows matter: keep the table small
            db.execute("DELETE FROM reminder_fired WHERE day < ?", ((day - timedelta(days=7)).isoformat(),))

    def done_on(self, profile: Profile, day: date, now: datetime, water_target_ml: int) -> frozenset[ReminderKind]:
        """What was already done on ``day`` (local to ``now``'s timezone), so its reminder stays quiet."""
        from companion.programme.medication import is_due

        assert profile.id is not None
        tz = now.tzinfo
        start = int(datetime.combine(day, time(0), tz).timestamp())
        end = int(datetime.combine(day + timedelta(days=1), time(0), tz).timestamp())
        done: set[ReminderKind] = set()
        if self._store.query_one("SELECT 1 FROM measurement WHERE profile_id = ? AND ts >= ? AND ts < ? LIMIT 1",
                                 (profile.id, start, end)) is not None:
            done.add(ReminderKind.WEIGH_IN)
        if self._store.query_one("SELECT 1 FROM body_measurement WHERE profile_id = ? AND day = ? LIMIT 1",
                                 (profile.id, day.isoformat())) is not None:
            done.add(ReminderKind.MEASUREMENT)
        if self.water_on(profile.id, day) >= water_target_ml:
            done.add(ReminderKind.WATER)
        logged = self.doses(profile.id, 200, day=day)
        due_plans = [p for p in self.plans(profile.id) if is_due(p.schedule, p.weekday, day)]
        if due_plans:
            names = {d.plan_id for d in logged} | {d.medicine.lower() for d in logged}
            if all(p.id in names or p.medicine.lower() in names for p in due_plans):
                done.add(ReminderKind.MEDICATION)
        elif logged:
            done.add(ReminderKind.MEDICATION)
        return frozenset(done)

    # ----- the timeline next to the weight ---------------------------------------------------------------
    def timeline(self, profile_id: int, first_day: date, last_day: date, limit: int = 200) -> list[TimelineItem]:
        """Check-ins, notes, doses and tape measurements between two local days, newest first."""
        span = (first_day.isoformat(), last_day.isoformat())
        items: list[TimelineItem] = []
        for r in self._store.query(f"SELECT ts, tz_offset, note, {', '.join(FIELDS)} FROM symptom_checkin "
                                   "WHERE profile_id = ? AND day BETWEEN ? AND ? ORDER BY ts DESC LIMIT ?",
                                   (profile_id, *span, limit)):
            parts = [f"{f} {v}" for f, v in zip(FIELDS, r[3:], strict=True) if v is not None]
            text = ", ".join(parts) + (f" · {r[2]}" if r[2] else "")
            items.append(TimelineItem(_local(r[0], r[1]), "checkin", text))
        for r in self._store.query("SELECT ts, tz_offset, body FROM programme_note WHERE profile_id = ? "
                                   "AND day BETWEEN ? AND ? ORDER BY ts DESC LIMIT ?", (profile_id, *span, limit)):
            items.append(TimelineItem(_local(r[0], r[1]), "note", r[2]))
        for r in self._store.query("SELECT ts, tz_offset, medicine, dose, dose_unit, status, site FROM medication_log "
                                   "WHERE profile_id = ? AND day BETWEEN ? AND ? ORDER BY ts DESC LIMIT ?",
                                   (profile_id, *span, limit)):
            dose = f" {r[3]:g} {r[4]}" if r[3] is not None else ""
            site = f" @ {r[6]}" if r[6] else ""
            items.append(TimelineItem(_local(r[0], r[1]), "medication", f"{r[2]}{dose} {r[5]}{site}"))
        tz = self._store.clock.now().tzinfo
        start = int(datetime.combine(first_day, time(0), tz).timestamp())
        end = int(datetime.combine(last_day + timedelta(days=1), time(0), tz).timestamp())
        for r in self._store.query("SELECT ts, tz_offset, weight_kg FROM measurement WHERE profile_id = ? AND ts >= ? "
                                   "AND ts < ? AND weight_kg IS NOT NULL ORDER BY ts DESC LIMIT ?",
                                   (profile_id, start, end, limit)):
            items.append(TimelineItem(_local(r[0], r[1]), "weigh-in", f"{r[2]:.1f} kg", float(r[2])))
        for entry in self.body_entries(profile_id, limit):
            if first_day <= entry.when.date() <= last_day:
                text = ", ".join(f"{s.value} {v:g} cm" for s, v in entry.values.items())
                items.append(TimelineItem(entry.when, "measurement", text))
        items.sort(key=lambda i: i.when, reverse=True)
        return items[:limit]

    # ----- progress photos (blobs only inside the encrypted database) -----------------------------------
    def add_photo(self, profile_id: int, photo: PreparedPhoto, when: datetime, note: str = "",
                  shared: bool = False) -> int | None:
        """Stores the photo and its thumbnail; ``None`` when the same photo is already stored."""
        self._may_store()
        ts, off, day = _when(when)
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO progress_photo (profile_id, ts, tz_offset, day, mime, width, height, sha256, "
                "note, shared, image, thumbnail, thumb_mime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (profile_id, ts, off, day, photo.mime, photo.width, photo.height, photo.sha256, note, int(shared),
                 photo.image, photo.thumbnail, photo.thumb_mime))
            return int(cur.lastrowid) if cur.rowcount else None

    def photos(self, profile_id: int, offset: int = 0, limit: int = 500) -> list[PhotoInfo]:
        """By date, oldest first (no image data)."""
        rows = self._store.query(
            "SELECT id, ts, tz_offset, day, width, height, note, shared FROM progress_photo WHERE profile_id = ? "
            "ORDER BY day, ts, id LIMIT ? OFFSET ?", (profile_id, limit, offset))
        return [PhotoInfo(int(r[0]), _local(r[1], r[2]), date.fromisoformat(r[3]), int(r[4]), int(r[5]), r[6],
                          bool(r[7])) for r in rows]

    def photo_count(self, profile_id: int) -> int:
        return int(self._store.query_one("SELECT count(*) FROM progress_photo WHERE profile_id = ?",
                                         (profile_id,))[0])

    def thumbnails(self, photo_ids: list[int]) -> dict[int, bytes]:
        if not photo_ids:
            return {}
        marks = ", ".join("?" * len(photo_ids))
        rows = self._store.query(f"SELECT id, thumbnail FROM progress_photo WHERE id IN ({marks})", photo_ids)
        return {int(r[0]): bytes(r[1]) for r in rows}

    def photo_image(self, profile_id: int, photo_id: int) -> bytes | None:
        row = self._store.query_one("SELECT image FROM progress_photo WHERE id = ? AND profile_id = ?",
                                    (photo_id, profile_id))
        return None if row is None else bytes(row[0])

    def delete_photo(self, profile_id: int, photo_id: int) -> bool:
        with self._store.transaction() as db:
            removed = bool(db.execute("DELETE FROM progress_photo WHERE id = ? AND profile_id = ?",
                                      (photo_id, profile_id)).rowcount)
        if removed:
            self._store.checkpoint()  # the freed pages (secure_delete) leave the WAL too
        return removed

    def set_photo_shared(self, profile_id: int, photo_id: int, shared: bool) -> bool:
        with self._store.transaction() as db:
            return bool(db.execute("UPDATE progress_photo SET shared = ? WHERE id = ? AND profile_id = ?",
                                   (int(shared), photo_id, profile_id)).rowcount)

    def shareable_photos(self, profile_id: int) -> list[PhotoInfo]:
        """Only the photos the person chose to share: what care-team sharing may send (never the others)."""
        return [p for p in self.photos(profile_id) if p.shared]

    # ----- bulk (demo data, benchmarks) ----------------------------------------------------------------
    def add_many(self, profile_id: int, *, bodies: list[tuple[datetime, dict[Site, float]]] = (),  # type: ignore[assignment]
                 doses: list[tuple[datetime, str, float, str, str, InjectionSite | None, str]] = (),  # type: ignore[assignment]
                 water: list[tuple[datetime, int]] = ()) -> None:  # type: ignore[assignment]
        """Many records in one transaction (``executemany``): tape measurements, doses
        (when, medicine, dose, unit, route, site, status) and water (when, ml)."""
        self._may_store()
        columns = [s.column for s in SITES]
        with self._store.transaction() as db:
            db.executemany(
                f"INSERT INTO body_measurement (profile_id, ts, tz_offset, day, {', '.join(columns)}) "
                f"VALUES (?, ?, ?, ?, {', '.join('?' * len(columns))})",
                [(profile_id, *_when(when), *(values.get(s) for s in SITES)) for when, values in bodies])
            db.executemany(
                "INSERT INTO medication_log (profile_id, ts, tz_offset, day, medicine, dose, dose_unit, route, site, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(profile_id, *_when(when), medicine, dose, unit, route, site.value if site else None, status)
                 for when, medicine, dose, unit, route, site, status in doses])
            db.executemany("INSERT INTO water_intake (profile_id, ts, tz_offset, day, ml) VALUES (?, ?, ?, ?, ?)",
                           [(profile_id, *_when(when), ml) for when, ml in water])

    # ----- counts (overview, export) -------------------------------------------------------------------
    def counts(self, profile_id: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for table in ("programme_goal", "body_measurement", "medication_plan", "medication_log", "water_intake",
                      "symptom_checkin", "programme_note", "reminder", "progress_photo"):
            out[table] = int(self._store.query_one(f"SELECT count(*) FROM {table} WHERE profile_id = ?",
                                                   (profile_id,))[0])
        return out

