"""Samples: high-rate time series (heart rate every second, steps per minute...) with rollups kept on insert.

``Samples(store).add_many(profile_id, kind, source, points)`` inserts in one transaction, skips exact duplicates
(same profile, kind, second and source: importing a file twice adds nothing) and folds only the new points into the
minute / hour / day rollups. ``series(...)`` answers a chart from the coarsest level that still gives enough points,
so a year of per-second heart rate (31 M samples) reads a few thousand rollup rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from companion.domain.samples import SampleKind
from companion.i18n import N_

if TYPE_CHECKING:
    from companion.store.db import Store

LEVELS: tuple[int, ...] = (60, 3600, 86400)
RAW = 1  # "level" reported for raw samples
_CHUNK = 50_000


SAMPLE_UNITS: dict[SampleKind, str] = {
    SampleKind.HEART_RATE: "bpm", SampleKind.RESTING_HEART_RATE: "bpm", SampleKind.HRV_SDNN: "ms",
    SampleKind.RR_INTERVAL: "ms", SampleKind.STEPS: "", SampleKind.ACTIVE_ENERGY: "kcal",
    SampleKind.BODY_MASS: "kg", SampleKind.LEAN_BODY_MASS: "kg", SampleKind.HEIGHT: "cm",
    SampleKind.WALKING_HEART_RATE: "bpm",
}
SAMPLE_LABELS: dict[SampleKind, str] = {
    SampleKind.HEART_RATE: N_("Heart rate"), SampleKind.RESTING_HEART_RATE: N_("Resting heart rate"),
    SampleKind.HRV_SDNN: N_("Heart rate variability"), SampleKind.RR_INTERVAL: N_("RR interval"),
    SampleKind.STEPS: N_("Steps"), SampleKind.ACTIVE_ENERGY: N_("Active energy"),
    SampleKind.BODY_MASS: N_("Body mass"), SampleKind.LEAN_BODY_MASS: N_("Lean body mass"),
    SampleKind.HEIGHT: N_("Height"), SampleKind.WALKING_HEART_RATE: N_("Walking heart rate"),
}


@dataclass(frozen=True, slots=True)
class Series:
    """Points of one kind, oldest first. For raw samples low == high == mean and n == 1."""

    level: int  # RAW, or the bucket width in seconds
    ts: list[int]
    n: list[int]
    mean: list[float]
    low: list[float]
    high: list[float]

    def __len__(self) -> int:
        return len(self.ts)


def _chunks(points: Iterable[tuple[int, float]], size: int) -> Iterator[list[tuple[int, float]]]:
    it = iter(points)
    while chunk := list(islice(it, size)):
        yield chunk


class Samples:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add_many(
        self, profile_id: int, kind: str, source: str, points: Iterable[tuple[int, float]]
    ) -> int:
        """Insert ``(unix_seconds, value)`` points; returns how many were new. One transaction per call."""
        from companion.privacy.gate import require_health_consent

        require_health_consent(self._store)
        kind = SampleKind(kind).value
        added = 0
        with self._store.transaction() as db:
            db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS sample_batch (ts INTEGER PRIMARY KEY, value REAL NOT NULL)"
            )
            for chunk in _chunks(points, _CHUNK):
                db.execute("DELETE FROM sample_batch")
                db.executemany("INSERT OR IGNORE INTO sample_batch (ts, value) VALUES (?, ?)", chunk)
                db.execute(
                    "DELETE FROM sample_batch WHERE ts IN (SELECT ts FROM sample WHERE profile_id = ? AND kind = ? "
                    "AND source = ? AND ts BETWEEN (SELECT min(ts) FROM sample_batch) "
                    "AND (SELECT max(ts) FROM sample_batch))",
                    (profile_id, kind, source),
                )
                cur = db.execute(
                    "INSERT INTO sample (profile_id, kind, ts, value, source) "
                    "SELECT ?, ?, ts, value, ? FROM sample_batch",
                    (profile_id, kind, source),
                )
                added += cur.rowcount
                for level in LEVELS:
                    db.execute(
                        "INSERT INTO sample_rollup (profile_id, kind, level, bucket, n, total, low, high) "
                        "SELECT ?, ?, ?, ts - (ts % ?) AS b, count(*), sum(value), min(value), max(value) "
                        "FROM sample_batch GROUP BY b ORDER BY b "
                        "ON CONFLICT (profile_id, kind, level, bucket) DO UPDATE SET n = n + excluded.n, "
                        "total = total + excluded.total, low = min(low, excluded.low), high = max(high, excluded.high)",
                        (profile_id, kind, level, level),
                    )
            db.execute("DELETE FROM sample_batch")
        return added

    def count(self, profile_id: int, kind: str, start: int | None = None, end: int | None = None) -> int:
        """Number of raw samples in [start, end), answered from the day rollups when the range allows."""
        lo, hi = start if start is not None else -(2**62), end if end is not None else 2**62
        row = self._store.query_one(
            "SELECT count(*) FROM sample WHERE profile_id = ? AND kind = ? AND ts >= ? AND ts < ?",
            (profile_id, SampleKind(kind).value, lo, hi),
        )
        return int(row[0])

    def extent(self, profile_id: int, kind: str) -> tuple[int, int] | None:
        row = self._store.query_one(
            "SELECT min(bucket), max(bucket) FROM sample_rollup WHERE profile_id = ? AND kind = ? AND level = 86400",
            (profile_id, SampleKind(kind).value),
        )
        if row is None or row[0] is None:
            return None
        first = self._store.query_one(
            "SELECT min(ts) FROM sample WHERE profile_id = ? AND kind = ? AND ts >= ?", (profile_id, kind, row[0]))
        last = self._store.query_one(
            "SELECT max(ts) FROM sample WHERE profile_id = ? AND kind = ? AND ts >= ?", (profile_id, kind, row[1]))
        return int(first[0]), int(last[0])

    def _estimate(self, profile_id: int, kind: str, start: int, end: int) -> int:
        """Raw samples in [start, end), counted from the finest rollup level that needs at most ~3,000 rows."""
        span = max(end - start, 1)
        level = next((lv for lv in LEVELS if span / lv <= 3000), LEVELS[-1])
        row = self._store.query_one(
            "SELECT coalesce(sum(n), 0) FROM sample_rollup WHERE profile_id = ? AND kind = ? AND level = ? "
            "AND bucket >= ? AND bucket < ?",
            (profile_id, kind, level, start - (start % level), end),
        )
        return int(row[0])

    def series(self, profile_id: int, kind: str, start: int, end: int, max_points: int = 2000) -> Series:
        """Points in [start, end): raw samples when there are at most ``max_points``, else the finest rollup
        level with at most ``max_points`` buckets over the range (day level at the coarsest)."""
        kind = SampleKind(kind).value
        if self._estimate(profile_id, kind, start, end) <= max_points:
            rows = self._store.query(
                "SELECT ts, value FROM sample WHERE profile_id = ? AND kind = ? AND ts >= ? AND ts < ? ORDER BY ts",
                (profile_id, kind, start, end),
            )
            values = [r[1] for r in rows]
            return Series(RAW, [r[0] for r in rows], [1] * len(rows), values, values, values)
        span = max(end - start, 1)
        level = next((lv for lv in LEVELS if span / lv <= max_points), LEVELS[-1])
        rows = self._store.query(
            "SELECT bucket, n, total, low, high FROM sample_rollup WHERE profile_id = ? AND kind = ? AND level = ? "
            "AND bucket >= ? AND bucket < ? ORDER BY bucket",
            (profile_id, kind, level, start - (start % level), end),
        )
        return Series(
            level, [r[0] for r in rows], [r[1] for r in rows], [r[2] / r[1] for r in rows],
            [r[3] for r in rows], [r[4] for r in rows],
        )

    def totals(self, profile_id: int, kind: str, start: int, end: int, level: int = 3600) -> list[tuple[int, float]]:
        """(bucket, sum) per bucket: e.g. steps per hour, to be summed into local days by the caller."""
        rows = self._store.query(
            "SELECT bucket, total FROM sample_rollup WHERE profile_id = ? AND kind = ? AND level = ? "
            "AND bucket >= ? AND bucket < ? ORDER BY bucket",
            (profile_id, SampleKind(kind).value, level, start, end),
        )
        return [(r[0], r[1]) for r in rows]

    def delete_all(self, profile_id: int | None = None) -> int:
        with self._store.transaction() as db:
            if profile_id is None:
                n = db.execute("DELETE FROM sample").rowcount
                db.execute("DELETE FROM sample_rollup")
            else:
                n = db.execute("DELETE FROM sample WHERE profile_id = ?", (profile_id,)).rowcount
                db.execute("DELETE FROM sample_rollup WHERE profile_id = ?", (profile_id,))
        return int(n)
