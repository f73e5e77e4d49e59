"""Health data from imports and trackers: sleep, workouts, steps per day and import bookkeeping.

High-rate samples live in :mod:`companion.store.samples`; weigh-ins in :mod:`companion.store.measurements`.
``HealthData.commit_batch`` writes one parsed batch and the file's progress in ONE transaction, so an
interrupted import never leaves a batch half-written and a re-run knows where to resume.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from companion.health.model import Batch, Night, SleepSession, SleepStage, Stage, Workout

if TYPE_CHECKING:
    from companion.store.db import Store


@dataclass(frozen=True, slots=True)
class ImportFile:
    id: int
    format: str
    fingerprint: str
    name: str
    size: int
    status: str
    records_done: int
    added: int
    errors: int
    started_at: str
    finished_at: str | None


_IMPORT_COLUMNS = "id, format, fingerprint, name, size, status, records_done, added, errors, started_at, finished_at"


class HealthData:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ----- writing ------------------------------------------------------------------------------------
    def commit_batch(
        self, profile_id: int, batch: Batch, import_id: int | None = None, records_done: int = 0,
        errors: int = 0,
    ) -> tuple[int, int]:
        """Store a batch (and the import's progress) atomically; returns (added, duplicates)."""
        from companion.privacy.gate import require_health_consent
        from companion.store.samples import Samples

        require_health_consent(self._store)
        added = offered = 0
        samples = Samples(self._store)
        with self._store.transaction() as db:
            for (kind, source), points in batch.samples.items():
                offered += len(points)
                added += samples.add_many(profile_id, kind, source, points)
            if batch.measurements:
                offered += len(batch.measurements)
                added += self._store.measurements.add_many(batch.measurements, profile_id)
            if batch.sleep_stages:
                offered += len(batch.sleep_stages)
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO sleep_stage (profile_id, source, start_ts, end_ts, stage, tz_offset, night) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(profile_id, s.source, s.start_ts, s.end_ts, s.stage.value, s.tz_offset, s.night)
                     for s in batch.sleep_stages],
                )
                added += db.total_changes - before
            if batch.sleep_sessions:
                offered += len(batch.sleep_sessions)
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO sleep_session (profile_id, source, start_ts, end_ts, tz_offset, night, "
                    "kind, main_sleep, asleep_min, in_bed_min, efficiency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(profile_id, s.source, s.start_ts, s.end_ts, s.tz_offset, s.night, s.kind, int(s.main_sleep),
                      s.asleep_min, s.in_bed_min, s.efficiency) for s in batch.sleep_sessions],
                )
                added += db.total_changes - before
            if batch.workouts:
                offered += len(batch.workouts)
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO workout (profile_id, source, device, activity, start_ts, end_ts, tz_offset, "
                    "duration_s, distance_m, energy_kcal, avg_hr, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(profile_id, w.source, w.device, w.activity, w.start_ts, w.end_ts, w.tz_offset, w.duration_s,
                      w.distance_m, w.energy_kcal, w.avg_hr, w.steps) for w in batch.workouts],
                )
                added += db.total_changes - before
            if import_id is not None:
                db.execute(
                    "UPDATE import_file SET records_done = max(records_done, ?), added = added + ?, errors = ? "
                    "WHERE id = ?",
                    (records_done, added, errors, import_id),
                )
        return added, offered - added

    # ----- import bookkeeping ---------------------------------------------------------------------------
    def import_file(self, profile_id: int, fmt: str, fingerprint: str) -> ImportFile | None:
        row = self._store.query_one(
            f"SELECT {_IMPORT_COLUMNS} FROM import_file WHERE profile_id = ? AND format = ? AND fingerprint = ?",
            (profile_id, fmt, fingerprint),
        )
        return None if row is None else ImportFile(*row)

    def begin_import(self, profile_id: int, fmt: str, fingerprint: str, name: str, size: int) -> ImportFile:
        """Start (or restart) the bookkeeping for a file; an existing row keeps its progress."""
        now = self._store.clock.now().isoformat()
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO import_file (profile_id, format, fingerprint, name, size, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?) ON CONFLICT (profile_id, format, fingerprint) "
                "DO UPDATE SET status = 'running', started_at = excluded.started_at, finished_at = NULL",
                (profile_id, fmt, fingerprint, name, size, now),
            )
        found = self.import_file(profile_id, fmt, fingerprint)
        assert found is not None
        return found

    def finish_import(self, import_id: int, status: str, errors: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE import_file SET status = ?, errors = ?, finished_at = ? WHERE id = ?",
                (status, errors, self._store.clock.now().isoformat(), import_id),
            )

    def reset_import(self, import_id: int) -> None:
        """Forget a file's progress (a forced re-import scans it again; stored rows still de-duplicate)."""
        with self._store.transaction() as db:
            db.execute("UPDATE import_file SET records_done = 0, added = 0, errors = 0 WHERE id = ?", (import_id,))

    def imports(self, profile_id: int, limit: int = 50) -> list[ImportFile]:
        rows = self._store.query(
            f"SELECT {_IMPORT_COLUMNS} FROM import_file WHERE profile_id = ? ORDER BY started_at DESC, id DESC LIMIT ?",
            (profile_id, limit),
        )
        return [ImportFile(*r) for r in rows]

    # ----- reading --------------------------------------------------------------------------------------
    def nights(self, profile_id: int, first: date, last: date) -> list[Night]:
        """Sleep per night in [first, last], newest first; when several sources recorded a night, the one
        with the most sleep wins (a phone app and a watch both tracking the same night are not added up)."""
        rows = self._store.query(
            "SELECT night, source, stage, sum(end_ts - start_ts), min(start_ts), max(end_ts) FROM sleep_stage "
            "WHERE profile_id = ? AND night >= ? AND night <= ? GROUP BY night, source, stage",
            (profile_id, first.isoformat(), last.isoformat()),
        )
        per: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        spans: dict[tuple[str, str], list[int]] = {}
        for night, source, stage, seconds, lo, hi in rows:
            per[(night, source)][stage] = seconds / 60.0
            span = spans.setdefault((night, source), [lo, hi])
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
        best: dict[str, Night] = {}
        for (night, source), minutes in per.items():
            candidate = Night(date.fromisoformat(night), source, spans[(night, source)][0],
                              spans[(night, source)][1], minutes)
            current = best.get(night)
            if current is None or (candidate.asleep_min, candidate.minutes.get(Stage.IN_BED, 0.0)) > (
                current.asleep_min, current.minutes.get(Stage.IN_BED, 0.0)
            ):
                best[night] = candidate
        return sorted(best.values(), key=lambda n: n.night, reverse=True)

    def latest_night(self, profile_id: int, not_after: date) -> date | None:
        row = self._store.query_one(
            "SELECT max(night) FROM sleep_stage WHERE profile_id = ? AND night <= ?",
            (profile_id, not_after.isoformat()))
        return None if row is None or row[0] is None else date.fromisoformat(row[0])

    def latest_steps_day(self, profile_id: int, not_after: int, tz: tzinfo) -> date | None:
        row = self._store.query_one(
            "SELECT max(ts) FROM sample WHERE profile_id = ? AND kind = 'steps' AND ts <= ?", (profile_id, not_after))
        return None if row is None or row[0] is None else datetime.fromtimestamp(row[0] - 1, tz).date()

    def stages(self, profile_id: int, night: date, source: str) -> list[SleepStage]:
        rows = self._store.query(
            "SELECT source, start_ts, end_ts, stage, tz_offset FROM sleep_stage WHERE profile_id = ? AND night = ? "
            "AND source = ? ORDER BY start_ts",
            (profile_id, night.isoformat(), source),
        )
        return [SleepStage(r[0], r[1], r[2], Stage(r[3]), r[4]) for r in rows]

    def sleep_sessions(self, profile_id: int, limit: int = 100) -> list[SleepSession]:
        rows = self._store.query(
            "SELECT source, start_ts, end_ts, tz_offset, kind, main_sleep, asleep_min, in_bed_min, efficiency "
            "FROM sleep_session WHERE profile_id = ? ORDER BY start_ts DESC LIMIT ?",
            (profile_id, limit),
        )
        return [SleepSession(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in rows]

    def workouts(self, profile_id: int, limit: int = 100, offset: int = 0) -> list[Workout]:
        rows = self._store.query(
            "SELECT source, activity, start_ts, end_ts, tz_offset, device, duration_s, distance_m, energy_kcal, "
            "avg_hr, steps FROM workout WHERE profile_id = ? ORDER BY start_ts DESC LIMIT ? OFFSET ?",
            (profile_id, limit, offset),
        )
        return [Workout(*r) for r in rows]

    def steps_per_day(self, profile_id: int, first: date, last: date, tz: tzinfo | None = None) -> list[
            tuple[date, int]]:
        """Steps per local day in [first, last], oldest first. Phone and watch both count the same steps, so
        per day the source that counted most is taken (HealthKit itself prefers one source per interval)."""
        if tz is None:
            from companion.health.tz import local_zone

            tz = local_zone()
        start = int(datetime(first.year, first.month, first.day, tzinfo=tz).timestamp())
        end_day = last + timedelta(days=1)
        end = int(datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz).timestamp())
        rows = self._store.query(
            "SELECT ts, source, value FROM sample WHERE profile_id = ? AND kind = 'steps' AND ts > ? AND ts <= ?",
            (profile_id, start, end),
        )
        per: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for ts, source, value in rows:
            # ts is the end of the counting interval: a count ending exactly at midnight belongs to the day before
            day = datetime.fromtimestamp(ts - 1, tz).date()
            per[day][source] += value
        return [(day, int(round(max(per[day].values())))) for day in sorted(per)]

    def counts(self, profile_id: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for table in ("sleep_stage", "sleep_session", "workout", "import_file"):
            out[table] = int(self._store.query_one(
                f"SELECT count(*) FROM {table} WHERE profile_id = ?", (profile_id,))[0])
        out["sample"] = int(self._store.query_one("SELECT count(*) FROM sample WHERE profile_id = ?",
                                                  (profile_id,))[0])
        return out
