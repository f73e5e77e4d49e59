"""Fixtures for the privacy centre: stores holding data of every category, incl. the tables other capabilities
add (created here with their contract columns; they are not part of this branch's migrations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

MARKER = "MARKER-7f3a9c-do-not-keep"

#: Contract schemas of other capabilities' tables (see the messaging and health-import issues).
MESSAGE_DDL = (
    "CREATE TABLE IF NOT EXISTS message (event_id TEXT, txn_id TEXT, room_id TEXT, sender TEXT, body TEXT, "
    "ts INTEGER, status TEXT, own INTEGER)"
)
SAMPLE_DDL = (
    "CREATE TABLE IF NOT EXISTS sample (profile_id INTEGER, kind TEXT, ts INTEGER, value REAL, source TEXT)"
)
DIAGNOSTIC_DDL = "CREATE TABLE IF NOT EXISTS diagnostic_log (id INTEGER PRIMARY KEY, ts INTEGER, text TEXT)"
LOCATION_DDL = (
    "CREATE TABLE IF NOT EXISTS saved_location (id INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL)"
)


def create_foreign_tables(store: Any) -> None:
    with store.transaction() as db:
        for ddl in (MESSAGE_DDL, SAMPLE_DDL, DIAGNOSTIC_DDL, LOCATION_DDL):
            db.execute(ddl)


def add_measurements(
    store: Any, profile_id: int, count: int, *, note: str | None = None, start: datetime | None = None
) -> None:
    from companion.domain.measurement import Measurement
    from companion.domain.model import Metric

    first = start or datetime(2026, 1, 1, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    items = []
    for i in range(count):
        weight = 100.0 - i * 0.1
        items.append(
            Measurement(
                timestamp=first + timedelta(days=i),
                source="ble:sig-bcs" if i % 2 == 0 else "manual",
                weight_kg=round(weight, 2),
                body_fat_pct=35.5,
                body_water_pct=48.2,
                bone_mass_kg=3.1,
                muscle_mass_kg=55.0,
                bmi=round(weight / 1.68**2, 1),
                bmr_kcal=1800.0,
                visceral_fat=12.0,
                impedance_ohm=500.0,
                derived=frozenset({Metric.BMI}),
                note=note,
            )
        )
    store.measurements.add_many(items, profile_id)


def add_foreign_rows(
    store: Any, profile_id: int, *, marker: str = MARKER, now: datetime | None = None
) -> None:
    now = now or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    create_foreign_tables(store)
    base = int(now.timestamp())
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO sample (profile_id, kind, ts, value, source) VALUES (?, ?, ?, ?, ?)",
            [
                (profile_id, kind, base - i * 60, value + i % 5, f"import:{marker}")
                for i in range(20)
                for kind, value in (
                    ("heart_rate", 62.0),
                    ("resting_heart_rate", 55.0),
                    ("hrv_sdnn", 41.0),
                    ("steps", 120.0),
                )
            ],
        )
        db.executemany(
            "INSERT INTO message (event_id, txn_id, room_id, sender, body, ts, status, own) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    "$ev1:clinic.example",
                    None,
                    "!room:clinic.example",
                    "@nurse:clinic.example",
                    f"Hello from the clinic {marker}",
                    (base - 3 * 365 * 86400) * 1000,
                    "received",
                    0,
                ),
                (
                    "$ev2:clinic.example",
                    "t1",
                    "!room:clinic.example",
                    "@ann:clinic.example",
                    f"My weight is down {marker}",
                    (base - 86400) * 1000,
                    "sent",
                    1,
                ),
                (
                    None,
                    "t2",
                    "!room:clinic.example",
                    "@ann:clinic.example",
                    "pending one",
                    base * 1000,
                    "pending",
                    1,
                ),
            ],
        )
        db.execute(
            "INSERT INTO diagnostic_log (ts, text) VALUES (?, ?)", (base - 30 * 86400, f"old {marker}")
        )
        db.execute("INSERT INTO diagnostic_log (ts, text) VALUES (?, ?)", (base - 86400, f"new {marker}"))
        db.execute(
            "INSERT INTO geocode_cache (provider, query, results, fetched_at) VALUES ('test', ?, ?, ?)",
            (f"home {marker}", "[]", "2026-01-01T00:00:00+00:00"),
        )


@pytest.fixture
def full_store(store, profile):  # type: ignore[no-untyped-def]
    """A store with a profile, 30 measurements, health samples, messages, diagnostics and a saved location."""
    add_measurements(store, profile.id, 30)
    add_foreign_rows(store, profile.id)
    store.consents.record("location", "grant", "1.0", "test")
    return store
