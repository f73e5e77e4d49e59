"""Deletion that really deletes: a marker written before is absent afterwards from every file under the data
directory, read back through the cipher page by page (free pages and WAL frames included)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from companion.privacy import erasure
from companion.store.keys import KeyVault
from tests.conftest import TEST_PASSPHRASE
from tests.privacy.conftest import add_measurements, create_foreign_tables
from tests.privacy.pages import where_is


def _key(home: Path) -> bytes:
    return KeyVault(home).unlock(TEST_PASSPHRASE)


def _write_marker(store: Any, profile_id: int, category: str, marker: str) -> None:
    create_foreign_tables(store)
    if category == "measurements":
        add_measurements(store, profile_id, 40, note=marker)
        return
    sql = {
        "health-data": (
            "INSERT INTO sample (profile_id, kind, ts, value, source) "
            "VALUES (1, 'steps', (SELECT count(*) FROM sample) + 1, 5, ?)"
        ),
        "messages": (
            "INSERT INTO message (sender, body, ts, status, own) VALUES ('@n:x', ?, 1, 'received', 0)"
        ),
        "location": (
            "INSERT INTO geocode_cache (provider, query, results, fetched_at) "
            "VALUES ('test', ? || (SELECT count(*) FROM geocode_cache), '[]', '2026-01-01')"
        ),
        "diagnostics": "INSERT INTO diagnostic_log (ts, text) VALUES (1, ?)",
    }[category]
    with store.transaction() as db:
        for _ in range(40):
            db.execute(sql, (marker,))


@pytest.mark.parametrize("category", ["measurements", "health-data", "messages", "location", "diagnostics"])
def test_erased_category_is_gone_from_every_file(store, profile, home, category) -> None:  # type: ignore[no-untyped-def]
    marker = f"MARKER-{category}-41c7"
    keep = "KEEP-other-category-99"
    _write_marker(store, profile.id, category, marker)
    other = "diagnostics" if category != "diagnostics" else "location"
    _write_marker(store, profile.id, other, keep)
    key = _key(home)
    # Positive control: the scanner does find the text (in the WAL, and in the file after a checkpoint).
    assert where_is(home, key, marker)
    result = erasure.erase_category(store, category)
    assert result.total >= 40
    assert where_is(home, key, marker) == []
    assert where_is(home, key, keep)  # only that category went
    assert store.query_one("SELECT count(*) FROM erasure_event")[0] == 1


def test_deletion_without_scrub_would_leave_traces(store, profile, home) -> None:  # type: ignore[no-untyped-def]
    """Why the checkpoint matters: with secure_delete alone the old page images linger in the WAL."""
    marker = "MARKER-wal-trace-77"
    add_measurements(store, profile.id, 20, note=marker)
    store.checkpoint()
    store.measurements.delete_all()
    assert where_is(home, _key(home), marker)  # still in the WAL (or the file)
    erasure.erase_category(store, "measurements")
    assert where_is(home, _key(home), marker) == []


def test_erase_account_destroys_key_then_files(onboarded, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.store import NoStore, Store

    store = Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock)
    add_measurements(store, store.profiles.active().id, 10, note="MARKER-account")  # type: ignore[union-attr]
    copy = onboarded.parent / "stolen-copy.db"
    store.checkpoint()
    copy.write_bytes((onboarded / "companion.db").read_bytes())
    erasure.erase_account(store)
    assert not onboarded.exists() or list(onboarded.iterdir()) == []
    assert not KeyVault(onboarded).exists()
    with pytest.raises(NoStore):
        Store.open(onboarded, passphrase=TEST_PASSPHRASE)
    # The stolen copy is ciphertext and its key is gone.
    assert b"MARKER-account" not in copy.read_bytes()


def test_remove_files_spares_a_home_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake_home = tmp_path / "user"
    fake_home.mkdir()
    (fake_home / "companion.db").write_text("x")
    (fake_home / "thesis.txt").write_text("keep me")
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: fake_home))
    erasure.remove_files(fake_home)
    assert sorted(p.name for p in fake_home.iterdir()) == ["thesis.txt"]


def test_deleting_while_a_measurement_arrives(store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.domain.measurement import Measurement

    errors: list[BaseException] = []
    stop = threading.Event()

    def arrive() -> None:
        moment = datetime(2026, 6, 1, tzinfo=UTC)
        try:
            while not stop.is_set():
                moment += timedelta(minutes=1)
                store.measurements.add(Measurement(moment, "ble:sig-bcs", weight_kg=90.0), profile.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    add_measurements(store, profile.id, 50)
    ledger_before = len(store.consents.history())
    worker = threading.Thread(target=arrive)
    worker.start()
    try:
        result = erasure.erase_category(store, "measurements")
    finally:
        stop.set()
        worker.join(10)
    assert errors == []
    assert result.total >= 50
    assert len(store.consents.history()) == ledger_before  # the ledger never loses an entry
    # whatever arrived after the deletion is new data and stays
    assert store.measurements.count() >= 0


def test_unknown_category(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(erasure.ErasureError, match="Unknown category"):
        erasure.erase_category(store, "photos")


def test_clinic_notice_falls_back_to_a_file(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = erasure.clinic_notice(["measurements", "messages"], "2026-11-25")
    assert "measurements" in text.lower() and "Art. 17" in text
    try:
        erasure.notify_clinic(store, text)
    except erasure.ErasureError as exc:
        assert "save the notice as a file" in str(exc)
        saved = erasure.save_text(tmp_path / "notice.txt", text)
        assert saved.read_text(encoding="utf-8").startswith("Data deletion notice")
    else:  # messaging is installed (merged tree): it was queued
        pass


def test_account_erasure_shreds_the_keyring_key(home, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backend import KeyringBackend

    from companion.store import Store

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.secrets.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.secrets[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.secrets.pop((service, username), None)

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        monkeypatch.delenv("COMPANION_PASSPHRASE")
        store = Store.create(home, clock=clock)
        assert KeyVault(home).info().mode == "keyring"
        assert len(backend.secrets) == 1
        erasure.erase_account(store)
        assert backend.secrets == {}  # the key is gone from the keyring: any copy of the file is unreadable
        assert not (home / "key.json").exists() and not (home / "companion.db").exists()
    finally:
        keyring.set_keyring(previous)


def test_demo_store_can_be_erased(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.demo import create_demo_store

    folder = tmp_path / "demo"
    store = create_demo_store(folder, years=0.1)
    erasure.erase_account(store)
    assert folder.is_dir() and list(folder.iterdir()) == []  # its owner (the app) removes the folder


def test_erasure_while_another_companion_reads(store, profile, home) -> None:  # type: ignore[no-untyped-def]
    """A second Companion holding a read transaction: the rows go at once, the result says the scrub must
    wait, and the next erasure completes it."""
    from companion.store import Store

    add_measurements(store, profile.id, 10, note="MARKER-busy")
    store.query_one("PRAGMA busy_timeout = 200")  # do not wait the default 10 s in a test
    other = Store.open(home, passphrase=TEST_PASSPHRASE)
    try:
        other.query_one("BEGIN")
        other.query_one("SELECT count(*) FROM measurement")  # a read transaction stays open
        result = erasure.erase_category(store, "measurements")
        assert result.total == 10 and not result.scrubbed
        assert store.measurements.count() == 0
    finally:
        other.query_one("ROLLBACK")
        other.close()
    assert erasure.erase_category(store, "measurements").scrubbed
    assert where_is(home, _key(home), "MARKER-busy") == []
