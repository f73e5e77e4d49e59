"""Every migration, from every older schema version to the newest, on a real encrypted file.

Generic on purpose: a new ``NNNN_*.sql`` file is covered automatically. For each starting version ``v`` the
test builds a database exactly as version ``v`` of the app left it (migrations 1..v applied), seeds it with
rows, opens it with ``Store.open`` (which migrates forward) and checks integrity, foreign keys and that the
data was kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.store import NewerSchema, Store
from companion.store.db import DB_FILE, _split_sql, sqlite
from companion.store.keys import KeyVault
from companion.store.migrations import all_migrations, latest_version
from tests.conftest import TEST_PASSPHRASE

VERSIONS = [m.version for m in all_migrations()]

#: Rows seeded into the tables of schema 1 (every later version still has them).
SEED = {
    "profile": [
        "INSERT INTO profile (id, name, sex, birth_date, height_cm, created_at) "
        "VALUES (1, 'Ann', 'female', '1980-04-23', 168, '2026-01-01T00:00:00+00:00')",
    ],
    "measurement": [
        "INSERT INTO measurement (profile_id, ts, tz_offset, source, weight_kg, body_fat_pct, derived_mask) "
        "VALUES (1, 1767250800, 60, 'ble:sig-bcs', 92.5, 31.2, 32)",
        "INSERT INTO measurement (profile_id, ts, tz_offset, source, weight_kg) "
        "VALUES (1, 1767337200, 60, 'manual', 92.1)",
    ],
    "setting": ["INSERT INTO setting (key, value) VALUES ('active_profile', '1')"],
    "consent_event": [
        "INSERT INTO consent_event (purpose, decision, notice_version, ts, method) "
        "VALUES ('health-data', 'grant', '1.0', '2026-01-01T00:00:00+00:00', 'test')",
    ],
    "audit_event": [
        "INSERT INTO audit_event (ts, action, target, summary) "
        "VALUES ('2026-01-01T00:00:00+00:00', 'export', 'file', 'ZIP export')",
    ],
}


def build_at_version(home: Path, version: int) -> None:
    """An encrypted database with migrations 1..``version`` applied, as that app version would leave it."""
    home.mkdir(parents=True, exist_ok=True)
    dek = KeyVault(home).create(TEST_PASSPHRASE)
    conn = sqlite.connect(str(home / DB_FILE), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        for migration in all_migrations():
            if migration.version > version:
                break
            conn.execute("BEGIN")
            for statement in _split_sql(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute("COMMIT")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.execute("BEGIN")
        for table, statements in SEED.items():
            if table in tables:
                for statement in statements:
                    conn.execute(statement)
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.mark.parametrize("start", VERSIONS)
def test_migrate_from_every_version(tmp_path: Path, start: int, clock) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / f"from-{start}"
    build_at_version(home, start)

    # what version ``start`` held, read back with the same key
    dek = KeyVault(home).unlock(TEST_PASSPHRASE)
    conn = sqlite.connect(str(home / DB_FILE))
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    before = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}").fetchall()), key=repr) for t in tables}
    assert int(conn.execute("PRAGMA user_version").fetchone()[0]) == start
    conn.close()

    with Store.open(home, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        assert store.schema_version() == latest_version()
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        assert store.query("PRAGMA foreign_key_check") == []
        for table in tables:
            # every row and every column that existed before is still there, unchanged
            rows = store.query(f"SELECT {', '.join(columns[table])} FROM {table}")
            assert sorted(map(tuple, rows), key=repr) == before[table], table
        # and the repositories still read the seeded data
        profile = store.profiles.active()
        assert profile is not None and profile.name == "Ann"
        assert store.measurements.count(profile.id) == 2
        assert store.consents.is_granted("health-data")


def test_fresh_store_matches_migrated_schema(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    """Creating at head and migrating from version 1 give the same schema."""
    fresh_home, old_home = tmp_path / "fresh", tmp_path / "old"
    Store.create(fresh_home, passphrase=TEST_PASSPHRASE, clock=clock).close()
    build_at_version(old_home, VERSIONS[0])

    def schema(home: Path) -> list[tuple[str, str]]:
        with Store.open(home, passphrase=TEST_PASSPHRASE, clock=clock) as store:
            return sorted(
                (r[0], r[1])
                for r in store.query(
                    "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                )
            )

    assert schema(fresh_home) == schema(old_home)


def test_migrations_are_numbered_without_gaps_or_duplicates() -> None:
    assert VERSIONS == sorted(set(VERSIONS))
    assert VERSIONS[0] == 1


def test_newer_schema_is_refused(onboarded: Path, digest, clock) -> None:  # type: ignore[no-untyped-def]
    with Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        store._conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    before = digest(onboarded)
    with pytest.raises(NewerSchema):
        Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock)
    assert digest(onboarded) == before


def test_split_sql_keeps_triggers_whole() -> None:
    script = (
        "-- comment\nCREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t BEFORE DELETE ON a\nBEGIN SELECT RAISE(ABORT, 'no; really'); END;\n"
        "INSERT INTO a VALUES (1);\n"
    )
    statements = _split_sql(script)
    assert (
        len(statements) == 3 and statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    )
