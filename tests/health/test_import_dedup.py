"""Migration 0009: measurements are de-duplicated on the whole reading; existing data and links are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from companion.domain.measurement import Measurement
from companion.store import Store
from companion.store.db import DB_FILE, sqlite
from companion.store.keys import KeyVault
from tests.conftest import TEST_PASSPHRASE
from tests.test_migrations import build_at_version


def test_migration_keeps_rows_ids_and_ble_links(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "v8"
    build_at_version(home, 8)
    dek = KeyVault(home).unlock(TEST_PASSPHRASE)
    conn = sqlite.connect(str(home / DB_FILE), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
    conn.execute("PRAGMA foreign_keys = ON")
    mid = conn.execute("SELECT min(id) FROM measurement").fetchone()[0]
    conn.execute("INSERT INTO ble_reading_seen (address, fingerprint, seen_at, measurement_id) "
                 "VALUES ('AA:BB', 'f1', '2026-01-01T00:00:00+00:00', ?)", (mid,))
    conn.close()
    with Store.open(home, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        assert store.query("SELECT measurement_id FROM ble_reading_seen") == [(mid,)]
        assert store.query("PRAGMA foreign_key_check") == []


def test_same_second_readings_are_kept_and_the_same_reading_is_not(store, pid) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
    added = store.measurements.add_many([
        Measurement(timestamp=at, source="import:omron", weight_kg=91.4),
        Measurement(timestamp=at, source="import:omron", weight_kg=64.0),  # someone else, same second
        Measurement(timestamp=at, source="import:omron", weight_kg=91.4),  # the first reading again
        Measurement(timestamp=at, source="import:omron", weight_kg=91.4, body_fat_pct=30.0),
        Measurement(timestamp=at, source="import:omron", weight_kg=91.4, bmi=32.0),  # BMI follows from the rest
    ], pid)
    assert added == 3 and store.measurements.count(pid) == 3
