"""Fitbit Google Takeout import: units, dates, sleep in both forms, streaming JSON, idempotency."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from generate import write_takeout
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.health.fitbit import iter_json_array
from companion.health.importer import Importer
from companion.health.model import Stage, UnreadableFile
from companion.store.health import HealthData
from companion.store.samples import Samples


def _run(store, pid, path, **options):  # type: ignore[no-untyped-def]
    return Importer(store, pid).run("fitbit-takeout", path, **options)


def test_takeout_folder(store, pid, takeout) -> None:  # type: ignore[no-untyped-def]
    report = _run(store, pid, takeout, height_cm=168.0)
    assert report.errors == {"impossible or unreadable value": 1}  # the -3 lb weight
    weights = store.measurements.page(pid, newest_first=False)
    assert [m.weight_kg for m in weights] == [pytest.approx(89.857, abs=0.001), pytest.approx(89.539, abs=0.001),
                                              None]
    first = weights[0]
    # 09/12/25 09:13:26 in the account's zone (Europe/Amsterdam, summer time)
    assert first.timestamp == datetime(2025, 9, 12, 7, 13, 26, tzinfo=UTC)
    assert first.body_fat_pct == 28.74 and first.device == "Aria"
    assert first.bmi == pytest.approx(89.857 / 1.68**2, abs=0.01)  # from the profile's height
    fat_only = store.measurements.latest(pid)[0]  # fat-*.json: a log without a weigh-in at that time
    assert fat_only.body_fat_pct == 28.1 and fat_only.weight_kg is None
    samples = Samples(store)
    assert samples.count(pid, "heart_rate") == 17280
    first_hr = samples.series(pid, "heart_rate", 0, 2**40, max_points=10**6)
    assert first_hr.ts[0] == int(datetime(2025, 9, 12, tzinfo=UTC).timestamp())  # intraday series are UTC
    assert samples.count(pid, "resting_heart_rate") == 1  # the 0 "no estimate" day is left out
    assert samples.count(pid, "steps") == 2
    health = HealthData(store)
    sessions = health.sleep_sessions(pid)
    assert {(s.kind, s.main_sleep) for s in sessions} == {("stages", True), ("classic", False)}
    nights = health.nights(pid, date(2025, 9, 1), date(2025, 9, 30))
    by_night = {n.night: n for n in nights}
    main = by_night[date(2025, 9, 13)]
    assert main.minutes == {Stage.AWAKE: 11, Stage.LIGHT: 330, Stage.DEEP: 79, Stage.REM: 60}  # shortData merged
    nap = by_night[date(2025, 9, 14)]  # a nap after noon belongs to the next night, in classic stages
    assert nap.minutes == {Stage.RESTLESS: 5, Stage.ASLEEP: 45}
    walk = health.workouts(pid)[0]
    assert (walk.activity, walk.duration_s, walk.distance_m, walk.energy_kcal, walk.avg_hr, walk.steps) == (
        "Walk", 1845.0, 2610.0, 187.0, 104.0, 3410.0)


def test_weight_unit_inferred_from_bmi_when_the_profile_does_not_say(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = write_takeout(tmp_path / "t", weight_unit="METRIC")
    profile_csv = next(root.rglob("Profile.csv"))
    profile_csv.write_text(profile_csv.read_text().replace(",METRIC,METRIC,METRIC,", ",,METRIC,METRIC,"))
    _run(store, pid, root, height_cm=168.0)
    assert [round(m.weight_kg, 1) for m in store.measurements.page(pid, newest_first=False) if m.weight_kg] == [
        89.9, 89.5]


def test_zip_and_idempotency(store, pid, takeout, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = Path(shutil.make_archive(str(tmp_path / "takeout-2026"), "zip", takeout))
    first = _run(store, pid, archive)
    counts = HealthData(store).counts(pid)
    again = Importer(store, pid, force=True).run("fitbit-takeout", archive)
    assert first.added > 17000 and again.added == 0
    assert HealthData(store).counts(pid) == counts


def test_explicit_timezone_wins(store, pid, takeout) -> None:  # type: ignore[no-untyped-def]
    _run(store, pid, takeout, timezone_name="America/Mexico_City")
    first = store.measurements.page(pid, newest_first=False)[0]
    assert first.timestamp == datetime(2025, 9, 12, 15, 13, 26, tzinfo=UTC)


def test_not_a_takeout(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("hi")
    with pytest.raises(UnreadableFile, match="not a Fitbit Takeout"):
        _run(store, pid, tmp_path / "x")
    with pytest.raises(UnreadableFile, match="Unknown timezone"):
        _run(store, pid, write_takeout(tmp_path / "t"), timezone_name="Mars/Olympus")


def test_malformed_json_file_is_counted_and_the_rest_imported(store, pid, takeout) -> None:  # type: ignore[no-untyped-def]
    data = next(takeout.rglob("steps-*.json"))
    data.write_text('[{"dateTime": "09/12/25 07:00:00", "value": "120"}, {"dateTime": ')
    report = _run(store, pid, takeout)
    assert report.errors["malformed JSON"] == 1
    assert Samples(store).count(pid, "steps") == 1  # the element before the damage
    assert Samples(store).count(pid, "heart_rate") == 17280


@settings(max_examples=100, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(max_size=5), st.one_of(
    st.integers(), st.floats(allow_nan=False), st.text(), st.lists(st.integers(), max_size=3))), max_size=30),
    chunk=st.integers(1, 64), indent=st.sampled_from([None, 1, 4]))
def test_streaming_json_matches_json_loads(items: list, chunk: int, indent: int | None) -> None:  # type: ignore[type-arg]
    raw = json.dumps(items, indent=indent, ensure_ascii=False).encode("utf-8")
    assert list(iter_json_array(io.BytesIO(raw), chunk=chunk)) == json.loads(raw)


@pytest.mark.parametrize("text", ["", "{}", "[1, 2", "[{]", "nope"])
def test_streaming_json_rejects_non_arrays(text: str) -> None:
    with pytest.raises(ValueError):
        list(iter_json_array(io.BytesIO(text.encode())))


def test_zip_members_are_streamed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Takeout/Fitbit/Global Export Data/heart_rate-2025-01-01.json",
                         json.dumps([{"dateTime": "01/01/25 00:00:00", "value": {"bpm": 60, "confidence": 1}}]))
    from companion.health.files import folder_or_zip

    with folder_or_zip(path) as members:
        names = [n for n, _o, _s in members]
        with members[0][1]() as f:
            assert json.load(f)[0]["value"]["bpm"] == 60
    assert names == ["Takeout/Fitbit/Global Export Data/heart_rate-2025-01-01.json"]


@settings(max_examples=150, deadline=None)
@given(entries=st.lists(st.tuples(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2098, 12, 31)),
                                  st.integers(20, 300), st.integers(-1, 3)), max_size=40),
       indent=st.sampled_from([None, 1, 2]), separators=st.sampled_from([None, (",", " : "), (",", ":")]),
       damage=st.none() | st.tuples(st.floats(0, 1), st.integers(0, 255)))
def test_heart_rate_fast_path_reads_exactly_what_the_element_reader_reads(entries, indent, separators,
                                                                          damage) -> None:  # type: ignore[no-untyped-def]
    from companion.health.fitbit import _Dates, _fast_heart_rate, _heart_rate
    from companion.health.model import Batch

    items = [{"dateTime": when.strftime("%m/%d/%y %H:%M:%S"), "value": {"bpm": bpm, "confidence": confidence}}
             for when, bpm, confidence in entries]
    raw = bytearray(json.dumps(items, indent=indent, separators=separators).encode())
    if damage is not None and raw:
        raw[min(int(damage[0] * len(raw)), len(raw) - 1)] = damage[1]
    dates = _Dates(UTC)
    fast = _fast_heart_rate(lambda: io.BytesIO(bytes(raw)), dates)
    if fast is None:
        assert damage is not None  # an undamaged file always takes the fast path
        return  # the element reader takes the file (and counts what it refuses)
    batch, refused = Batch(), 0
    for item in iter_json_array(io.BytesIO(bytes(raw))):
        try:
            _heart_rate(item, batch, dates)
        except (KeyError, TypeError, AttributeError, ValueError):
            refused += 1
    assert refused == 0
    assert fast == batch.samples.get(("heart_rate", "fitbit"), [])
