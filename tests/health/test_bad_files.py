"""Bad input: every file of the conformance suites, cut short at a random point or with random bytes
changed, imports its readable part, counts every refused record by reason, never raises anything but a
clear ``UnreadableFile``, and a re-run adds nothing twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fitbit_account import write_account
from test_scale_conformance import CASES

from companion.health.importer import Importer
from companion.health.model import UnreadableFile
from companion.store.health import HealthData

FILES = [(c.id, c.name, c.text.encode("utf-8")) for c in CASES]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _wipe(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as db:
        for table in ("measurement", "sample", "sleep_stage", "sleep_session", "workout", "import_file"):
            db.execute(f"DELETE FROM {table}")


def _readings(store, pid) -> set[tuple[int, float | None]]:  # type: ignore[no-untyped-def]
    return {(int(m.timestamp.timestamp()), m.weight_kg) for m in store.measurements.page(pid, limit=10_000)}


def _check(store, pid, path: Path) -> None:  # type: ignore[no-untyped-def]
    try:
        report = Importer(store, pid, force=True).run("csv", path)
    except UnreadableFile as error:
        message = str(error)
        assert message and "\n" not in message and "\x1b" not in message and "Traceback" not in message
        assert store.measurements.count(pid) == 0  # nothing half-written
        return
    # every record read is stored, a duplicate of one just stored, or refused with a reason
    assert report.records == report.added + report.duplicates + report.error_count, report
    assert all(reason and count > 0 for reason, count in report.errors.items())
    stored = store.measurements.count(pid)
    again = Importer(store, pid, force=True).run("csv", path)
    assert again.added == 0 and store.measurements.count(pid) == stored


@SETTINGS
@given(which=st.sampled_from(FILES), cut=st.floats(0, 1))
def test_truncated_scale_files(store, pid, tmp_path, which, cut) -> None:  # type: ignore[no-untyped-def]
    _wipe(store)
    case_id, name, data = which
    whole = tmp_path / f"whole-{name}"
    whole.write_bytes(data)
    Importer(store, pid, force=True).run("csv", whole)
    before_cut = data[: int(len(data) * cut)]
    complete = before_cut[: before_cut.rfind(b"\n") + 1]  # the lines that are there in full
    _wipe(store)
    part = tmp_path / f"complete-{name}"
    part.write_bytes(complete)
    expected: set[tuple[int, float | None]] = set()
    if complete.count(b"\n") >= (1 if case_id.startswith("openscale-1.") else 2):
        Importer(store, pid, force=True).run("csv", part)
        expected = _readings(store, pid)
    _wipe(store)
    cut_path = tmp_path / name
    cut_path.write_bytes(before_cut)
    _check(store, pid, cut_path)
    assert expected <= _readings(store, pid)  # every line that is there in full is imported


@SETTINGS
@given(which=st.sampled_from(FILES), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                     min_size=1, max_size=4))
def test_scale_files_with_bytes_changed(store, pid, tmp_path, which, flips) -> None:  # type: ignore[no-untyped-def]
    _wipe(store)
    _case_id, name, data = which
    damaged = bytearray(data)
    for where, value in flips:
        damaged[min(int(where * len(damaged)), len(damaged) - 1)] = value
    path = tmp_path / name
    path.write_bytes(bytes(damaged))
    _check(store, pid, path)


@pytest.fixture(scope="module")
def account(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return write_account(tmp_path_factory.mktemp("account") / "a", "takeout")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(member=st.sampled_from(["heart_rate-2025-09-20.json", "steps-2025-09-20.json", "sleep-2025-09-19.json",
                               "weight-2025-09-20.json", "exercise-0.json", "Profile.csv"]),
       cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=3))
def test_damaged_fitbit_account(store, pid, tmp_path, account, member, cut, flips) -> None:  # type: ignore[no-untyped-def]
    _wipe(store)
    root = tmp_path / "copy"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(account, root)
    target = next(root.rglob(member))
    data = bytearray(target.read_bytes())
    data = data[: max(1, int(len(data) * cut))] if cut < 0.98 else data
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    target.write_bytes(bytes(data))
    try:
        report = Importer(store, pid, force=True).run("fitbit-takeout", root)
    except UnreadableFile as error:  # e.g. a Profile.csv naming a zone that does not exist
        assert str(error) and "\n" not in str(error)
        return
    assert report.fatal is None
    counts = HealthData(store).counts(pid)
    if member != "heart_rate-2025-09-20.json" and member != "Profile.csv":
        assert counts["sample"] >= 2 * 17280  # the undamaged heart-rate files are whole
    again = Importer(store, pid, force=True).run("fitbit-takeout", root)
    assert again.added == 0 and HealthData(store).counts(pid) == counts
