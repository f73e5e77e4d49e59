"""Bulk data for the privacy benchmarks: measurements, health samples and messages written with raw SQL (fast
setup; the benchmarks time the export and the erasure, not the inserts)."""

from __future__ import annotations

import random
from typing import Any

MESSAGE_DDL = (
    "CREATE TABLE IF NOT EXISTS message (event_id TEXT, txn_id TEXT, room_id TEXT, sender TEXT, body TEXT, "
    "ts INTEGER, status TEXT, own INTEGER)"
)
SAMPLE_DDL = (
    "CREATE TABLE IF NOT EXISTS sample (profile_id INTEGER, kind TEXT, ts INTEGER, value REAL, source TEXT)"
)
KINDS = ("heart_rate", "resting_heart_rate", "hrv_sdnn", "steps")


def fill(
    store: Any,
    profile_id: int,
    *,
    measurements: int,
    samples: int,
    messages: int,
    note: str | None = None,
    seed: int = 1,
) -> None:
    rng = random.Random(seed)
    start = 1_600_000_000
    with store.transaction() as db:
        db.execute(MESSAGE_DDL)
        db.execute(SAMPLE_DDL)
        chunk = 50_000
        for lo in range(0, measurements, chunk):
            rows = []
            for i in range(lo, min(lo + chunk, measurements)):
                w = 90 + rng.random() * 20
                rows.append(
                    (
                        profile_id,
                        start + i * 600,
                        60,
                        "ble:sig-bcs" if i % 3 else "manual",
                        None,
                        round(w, 2),
                        round(30 + rng.random() * 10, 1),
                        round(45 + rng.random() * 10, 1),
                        3.1,
                        55.2,
                        round(w / 2.82, 1),
                        1800.0,
                        12.0,
                        500.0,
                        32,
                        note,
                    )
                )
            db.executemany(
                "INSERT INTO measurement (profile_id, ts, tz_offset, source, device, weight_kg, "
                "body_fat_pct, "
                "body_water_pct, bone_mass_kg, muscle_mass_kg, bmi, bmr_kcal, visceral_fat, impedance_ohm, "
                "derived_mask, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        for lo in range(0, samples, chunk):
            db.executemany(
                "INSERT INTO sample (profile_id, kind, ts, value, source) VALUES (?, ?, ?, ?, ?)",
                [
                    (profile_id, KINDS[i % 4], start + i * 15, float(50 + i % 70), "import:fitbit-takeout")
                    for i in range(lo, min(lo + chunk, samples))
                ],
            )
        db.executemany(
            "INSERT INTO message (event_id, txn_id, room_id, sender, body, ts, status, own) VALUES "
            "(?,?,?,?,?,?,?,?)",
            [
                (
                    f"$event{i}:clinic.example",
                    f"bench-txn-{i}" if i % 2 else None,
                    "!room:clinic.example",
                    "@ann:clinic.example" if i % 2 else "@nurse:clinic.example",
                    f"Message number {i}: how is the balloon treating you this week?",
                    (start + i * 3600) * 1000,
                    "sent" if i % 2 else "received",
                    i % 2,
                )
                for i in range(messages)
            ],
        )
