"""Apple Health export import: every listed type, units, sleep, workouts, bad input, idempotency, resume."""

from __future__ import annotations

import zipfile
from datetime import date, timezone
from pathlib import Path

import pytest
from generate import APPLE_FOOTER, APPLE_HEADER, SCALE_SOURCE, WATCH_SOURCE, record, sample_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.health.apple import AppleHealthParser, device_name
from companion.health.importer import Importer
from companion.health.model import Stage, UnreadableFile
from companion.store.health import HealthData
from companion.store.samples import Samples

T = 1_767_250_800  # 2026-01-01 08:00 +0100


def _import(store, pid, path, **kw):  # type: ignore[no-untyped-def]
    return Importer(store, pid, **kw).run("apple-health", path)


def _parse(xml: str, chunk: int = 4096) -> AppleHealthParser:
    parser = AppleHealthParser()
    data = xml.encode("utf-8")
    for i in range(0, len(data), chunk):
        parser.feed(data[i:i + chunk])
    parser.close()
    return parser


def test_zip_import_stores_every_type(store, pid, apple_zip) -> None:  # type: ignore[no-untyped-def]
    report = _import(store, pid, apple_zip)
    assert report.error_count == 0 and not report.cancelled and report.fatal is None
    weighins = store.measurements.page(pid, newest_first=False)
    assert [round(m.weight_kg, 2) for m in weighins] == [92.4, 92.31]  # 203.5 lb -> kg
    first = weighins[0]
    assert first.body_fat_pct == pytest.approx(35.2)  # 0.352 fraction -> percent
    assert first.bmi == pytest.approx(92.4 / 1.68**2, abs=0.01)  # the profile's height, not the source's 32.7
    assert first.source == "import:apple-health" and first.device == SCALE_SOURCE
    assert first.timestamp.utcoffset().total_seconds() == 3600
    assert weighins[1].device == "iPhone van Zoë · iPhone (iPhone14,2)"
    samples = Samples(store)
    assert samples.count(pid, "heart_rate") == 10  # the correlation's member is not counted twice
    assert samples.count(pid, "resting_heart_rate") == 1
    assert samples.count(pid, "walking_heart_rate") == 1
    assert samples.count(pid, "hrv_sdnn") == 1
    assert samples.count(pid, "lean_body_mass") == 1
    assert samples.series(pid, "height", T - 10, T + 10).mean == [pytest.approx(168.0)]
    assert samples.count(pid, "active_energy") == 1
    health = HealthData(store)
    # watch 1200 and phone 1100 counted the same walk: the day shows the larger source, not 2300
    assert health.steps_per_day(pid, date(2026, 1, 1), date(2026, 1, 1)) == [(date(2026, 1, 1), 1200)]
    nights = health.nights(pid, date(2025, 12, 1), date(2026, 1, 31))
    assert len(nights) == 1 and nights[0].night == date(2026, 1, 1)
    minutes = nights[0].minutes
    assert minutes[Stage.IN_BED] == 480 and minutes[Stage.DEEP] == 50
    assert minutes[Stage.REM] == pytest.approx(33.33, 0.01)
    assert minutes[Stage.LIGHT] == pytest.approx(40 + 311.67, 0.01) and minutes[Stage.AWAKE] == 5
    workouts = health.workouts(pid)
    assert len(workouts) == 1
    walk = workouts[0]
    assert (walk.activity, walk.duration_s, walk.distance_m, walk.energy_kcal, walk.avg_hr) == (
        "Walking", 1890.0, 2810.0, 142.2, 112.5)
    assert walk.device == f"{WATCH_SOURCE} · Apple Watch (Watch6,1)"
    assert report.skipped_types["ActivitySummary"] == 1
    assert report.skipped_types["HKQuantityTypeIdentifierBloodPressureSystolic"] == 1


def test_plain_xml_imports_the_same(store, pid, apple_xml) -> None:  # type: ignore[no-untyped-def]
    report = _import(store, pid, apple_xml)
    assert report.added == 27 and report.records == 32


def test_second_import_adds_nothing(store, pid, apple_zip) -> None:  # type: ignore[no-untyped-def]
    first = _import(store, pid, apple_zip)
    counts = HealthData(store).counts(pid)
    again = _import(store, pid, apple_zip)
    assert again.already_imported and again.added == 0
    forced = _import(store, pid, apple_zip, force=True)
    assert forced.added == 0 and forced.duplicates == first.added
    assert HealthData(store).counts(pid) == counts
    assert store.measurements.count(pid) == 2


def test_body_fat_written_as_percent_is_kept(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    xml = APPLE_HEADER + "".join(
        record("HKQuantityTypeIdentifierBodyFatPercentage", T + i * 86400, v, "%", SCALE_SOURCE, None)
        for i, v in enumerate(["1.5", "31.5", "30.9"])) + APPLE_FOOTER
    parser = _parse(xml)
    values = sorted(m.body_fat_pct for m in parser.take().measurements)
    assert values == [1.5, 30.9, 31.5]  # one value above 1 means the whole file is in percent
    parser = _parse(APPLE_HEADER + record("HKQuantityTypeIdentifierBodyFatPercentage", T, "0.315", "%") + APPLE_FOOTER)
    assert [m.body_fat_pct for m in parser.take().measurements] == [31.5]


def test_offsets_are_honoured() -> None:
    xml = APPLE_HEADER + record("HKQuantityTypeIdentifierHeartRate", T, "70", "count/min", offset=-300) + \
        record("HKQuantityTypeIdentifierHeartRate", T, "71", "count/min", offset=330) + APPLE_FOOTER
    batch = _parse(xml).take()
    points = next(iter(batch.samples.values()))
    assert points == [(T, 70.0), (T, 71.0)]  # the same instant written with different offsets


def test_impossible_values_and_bad_units_are_counted_not_fatal() -> None:
    xml = APPLE_HEADER + "".join([
        record("HKQuantityTypeIdentifierHeartRate", T, "900", "count/min"),
        record("HKQuantityTypeIdentifierHeartRate", T + 1, "abc", "count/min"),
        record("HKQuantityTypeIdentifierHeartRate", T + 2, "60", "furlongs"),
        record("HKQuantityTypeIdentifierBodyMass", T, "-3", "kg"),
        record("HKCategoryTypeIdentifierSleepAnalysis", T, "HKCategoryValueSleepAnalysisDreaming", None, end=T + 60),
        record("HKQuantityTypeIdentifierHeartRate", T + 3, "61", "count/min"),
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="x" unit="count/min" value="60" '
        'startDate="yesterday" endDate="yesterday"/>\n',
        record("HKQuantityTypeIdentifierMindfulSession", T, "1", None),
    ]) + APPLE_FOOTER
    parser = _parse(xml)
    batch = parser.take()
    assert [p for points in batch.samples.values() for p in points] == [(T + 3, 61.0)]
    assert parser.report.error_count == 6
    assert parser.report.skipped_types == {"HKQuantityTypeIdentifierMindfulSession": 1}


def test_invalid_xml_from_third_party_writers_skips_only_that_record() -> None:
    broken = ' <Record type="HKQuantityTypeIdentifierHeartRate" source Name="Bad App" unit="count/min" value="60"/>\n'
    xml = APPLE_HEADER + record("HKQuantityTypeIdentifierHeartRate", T, "60", "count/min") + broken + \
        record("HKQuantityTypeIdentifierHeartRate", T + 60, "62", "count/min") + \
        record("HKQuantityTypeIdentifierHeartRate", T + 120, "64", "count/min") + APPLE_FOOTER
    for chunk in (7, 64, 100_000):
        parser = _parse(xml, chunk)
        values = [v for points in parser.take().samples.values() for _, v in points]
        assert values == [60.0, 62.0, 64.0]
        assert parser.report.errors["malformed XML (record skipped)"] == 1


def test_truncated_zip_imports_the_part_that_is_there(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    xml = APPLE_HEADER + "".join(
        record("HKQuantityTypeIdentifierHeartRate", T + 5 * i, str(60 + i % 50), "count/min") for i in range(20000)
    ) + APPLE_FOOTER
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    importer = Importer(store, pid)
    report = importer.run("apple-health", cut)
    stored = Samples(store).count(pid, "heart_rate")
    assert 1000 < stored < 20000
    assert importer.warnings and "truncated" in importer.warnings[0]
    assert report.errors["file ends in the middle of a record"] == 1


def test_wrong_files_give_specific_messages(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>')
    with pytest.raises(UnreadableFile, match="not an Apple Health export"):
        _import(store, pid, other)
    notxml = tmp_path / "data.json"
    notxml.write_text('{"weight": 80}')
    with pytest.raises(UnreadableFile, match="not an Apple Health export"):
        _import(store, pid, notxml)
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
                    '<HealthData>&x;</HealthData>')
    with pytest.raises(UnreadableFile, match="entities"):
        _import(store, pid, evil)
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile, match="holds no"):
        _import(store, pid, empty_zip)
    assert store.measurements.count(pid) == 0


def test_cancel_then_resume_gives_the_same_result(store, pid, tmp_path, home) -> None:  # type: ignore[no-untyped-def]
    xml = APPLE_HEADER + "".join(
        record("HKQuantityTypeIdentifierHeartRate", T + 5 * i, str(60 + i % 50), "count/min") for i in range(30000)
    ) + record("HKQuantityTypeIdentifierBodyMass", T, "90", "kg") + APPLE_FOOTER
    path = tmp_path / "export.xml"
    path.write_text(xml)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] >= 3

    first = Importer(store, pid, cancel=cancel, batch_size=2000).run("apple-health", path)
    assert first.cancelled
    stored = Samples(store).count(pid, "heart_rate")
    assert 0 < stored < 30000
    # consistent: the day rollups add up to the raw rows that were committed
    total_n = store.query_one("SELECT sum(n) FROM sample_rollup WHERE level = 86400 AND kind = 'heart_rate'")[0]
    assert total_n == stored
    entry = HealthData(store).imports(pid)[0]
    assert entry.status == "cancelled" and 0 < entry.records_done <= stored
    second = Importer(store, pid, batch_size=2000).run("apple-health", path)
    assert second.resumed_from == entry.records_done and not second.cancelled
    assert Samples(store).count(pid, "heart_rate") == 30000
    assert store.measurements.count(pid) == 1
    assert HealthData(store).imports(pid)[0].status == "done"


def test_threaded_and_inline_readers_agree(store, pid, apple_zip) -> None:  # type: ignore[no-untyped-def]
    report = Importer(store, pid, threaded=True).run("apple-health", apple_zip)
    assert report.added == 27


def test_device_strings() -> None:
    assert device_name("<<HKDevice: 0x28>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
                       "hardware:Watch6,1, software:9.0>") == "Apple Watch (Watch6,1)"
    assert device_name("<<HKDevice: 0x28>, name:Aria, manufacturer:Fitbit>") == "Aria"
    assert device_name("garbage") is None and device_name(None) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk=st.integers(1, 5000))
def test_chunking_never_changes_the_result(chunk: int) -> None:
    reference = _parse(sample_export(), 1 << 20).take()
    batch = _parse(sample_export(), chunk).take()
    assert batch.samples == reference.samples
    assert batch.measurements == reference.measurements
    assert batch.sleep_stages == reference.sleep_stages and batch.workouts == reference.workouts


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_damaged_exports_never_crash(data: st.DataObject) -> None:
    raw = bytearray(sample_export().encode())
    start = len(APPLE_HEADER.encode())
    for _ in range(data.draw(st.integers(1, 5))):
        pos = data.draw(st.integers(start, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(start, len(raw)))
    parser = AppleHealthParser()
    parser.feed(bytes(raw[:cut]))
    parser.close()
    batch = parser.take()
    for points in batch.samples.values():
        for ts, value in points:
            assert isinstance(ts, int) and value == value


def test_timezone_of_measurement_is_kept() -> None:
    parser = _parse(APPLE_HEADER + record("HKQuantityTypeIdentifierBodyMass", T, "80", "kg", offset=-420)
                    + APPLE_FOOTER)
    m = parser.take().measurements[0]
    assert m.timestamp.utcoffset() == timezone(-__import__("datetime").timedelta(hours=7)).utcoffset(None)
    assert int(m.timestamp.timestamp()) == T


def test_files_are_found_by_member_suffix(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "renamed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Exportación de Salud/export_cda.xml", "<x/>")
        archive.writestr("Exportación de Salud/export.xml", sample_export())
    assert _import(store, pid, path).added == 27


def _unused(p: Path) -> None:  # keep mypy quiet about the helper import style
    del p


def test_progress_counts_compressed_bytes(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from generate import write_big_export

    path = write_big_export(tmp_path / "export.zip", 40_000)
    seen: list[tuple[int, int]] = []
    Importer(store, pid, progress=lambda d, t: seen.append((d, t))).run("apple-health", path)
    size = path.stat().st_size
    assert {t for _, t in seen} == {size}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == size and len(done) > 3


def test_parallel_reader_process_gives_the_same_result(store, pid, apple_zip, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = Importer(store, pid, parallel=True).run("apple-health", apple_zip)
    assert report.added == 27 and report.records == 32
    assert report.skipped_types["ActivitySummary"] == 1
    bad = tmp_path / "bad.xml"
    bad.write_text("<gpx/>")
    with pytest.raises(UnreadableFile, match="not an Apple Health export"):
        Importer(store, pid, parallel=True).run("apple-health", bad)


def test_parallel_cancel_and_resume(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from generate import write_big_export

    path = write_big_export(tmp_path / "export.xml", 50_000, zipped=False)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] >= 4

    first = Importer(store, pid, cancel=cancel, parallel=True, batch_size=5000).run("apple-health", path)
    assert first.cancelled and 0 < first.added
    second = Importer(store, pid, parallel=True, batch_size=5000).run("apple-health", path)
    assert second.resumed_from > 0 and not second.cancelled
    inline = Samples(store).count(pid, "heart_rate")
    assert inline == 35_000  # 70 % of the records, each stored once


def test_attribute_values_that_look_like_names() -> None:
    xml = APPLE_HEADER + (
        ' <Record sourceName="value" type="HKQuantityTypeIdentifierHeartRate" unit="count/min" '
        'startDate="2026-01-01 08:00:00 +0100" endDate="2026-01-01 08:00:00 +0100" value="61"/>\n'
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceVersion="type" sourceName="unit" unit="count/min" '
        'value="62" endDate="2026-01-01 08:01:00 +0100" startDate="2026-01-01 08:01:00 +0100"/>\n'
    ) + APPLE_FOOTER
    batch = _parse(xml).take()
    assert batch.samples == {("heart_rate", "apple-health:value"): [(T, 61.0)],
                             ("heart_rate", "apple-health:unit"): [(T + 60, 62.0)]}


_Row = tuple[str, int, str, str | None, int, bool, str]
_FAST_KINDS = ["HKQuantityTypeIdentifierHeartRate", "HKQuantityTypeIdentifierStepCount",
               "HKQuantityTypeIdentifierBodyMass", "HKCategoryTypeIdentifierSleepAnalysis"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(
    st.sampled_from(_FAST_KINDS), st.integers(0, 4 * 86400), st.sampled_from(["70", "0", "900", "x", "61.5"]),
    st.sampled_from(["count/min", "count", "kg", "furlongs", None]), st.sampled_from([60, 120, -300, 0]),
    st.booleans(), st.sampled_from([WATCH_SOURCE, SCALE_SOURCE])), max_size=40))
def test_layout_fast_path_matches_the_general_path(rows: list[_Row]) -> None:
    """Records whose attributes sit where the previous record's did take a shortcut; it must agree exactly
    with the general path (attribute order changes, units missing, bad values and dates, offset changes)."""
    parts = []
    for kind, dt, value, unit, offset, reorder, source in rows:
        text = record(kind, T + dt, value, unit, source, offset=offset, end=T + dt + 60)
        if reorder:  # value first: a different layout
            text = text.replace(' <Record type=', f' <Record value="{value}" type=', 1).replace(
                f'" value="{value}"/>', '"/>', 1)
        if dt % 7 == 0:
            text = text.replace("startDate=\"", "startDate=\"x", 1)
        parts.append(text)
    xml = APPLE_HEADER + "".join(parts) + APPLE_FOOTER
    fast = _parse(xml)
    slow = AppleHealthParser()
    slow._learn_layout = lambda ordered: False  # type: ignore[method-assign]
    for i in range(0, len(xml.encode()), 4096):
        slow.feed(xml.encode()[i:i + 4096])
    slow.close()
    assert fast.report.as_dict() == slow.report.as_dict()
    a, b = fast.take(), slow.take()
    assert a.samples == b.samples and a.measurements == b.measurements and a.sleep_stages == b.sleep_stages
