"""An Apple Health export read by two processes (companion.health.apple_split) stores exactly what a plain
import stores and reports the same, wherever the cut falls; when the cut is not at the top level the import
falls back to reading the rest whole; cancelling and resuming a split import loses nothing."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from generate import APPLE_FOOTER, APPLE_HEADER, SCALE_SOURCE, WATCH, WATCH_SOURCE, apple_date, record

from companion.health.apple_split import Cut
from companion.health.importer import Importer
from companion.store.health import HealthData

T = 1_767_250_800  # 2026-01-01 08:00 +0100
HR = "HKQuantityTypeIdentifierHeartRate"
TABLES = ("sample", "sample_rollup", "sleep_stage", "workout", "measurement")


def _workout(t: int, stray_record: bool = False) -> str:
    stray = record(HR, t + 30, "99", "count/min") if stray_record else ""  # a third-party app's odd child
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="20" durationUnit="min" '
        f'sourceName="{WATCH_SOURCE}" device="{WATCH}" startDate="{apple_date(t)}" endDate="{apple_date(t + 1200)}">\n'
        f'  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n{stray}'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="{apple_date(t)}" '
        f'endDate="{apple_date(t + 1200)}" sum="{80 + t % 7}" unit="kcal"/>\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{apple_date(t)}" '
        f'endDate="{apple_date(t + 1200)}" average="110" minimum="90" maximum="131" unit="count/min"/>\n'
        f' </Workout>\n')


BROKEN = ' <Record type="HKQuantityTypeIdentifierHeartRate" source Name="Bad App" unit="count/min" value="60"/>\n'


def export_lines(n: int = 6000, stray_at: int | None = None, broken_at: int | None = None) -> list[str]:
    """Heart rate (half with metadata children) with workouts, sleep, weigh-ins and errors all along.

    Body fat is written as fractions except one value in percent near the end: the whole file is then read
    as percent, which only comes out right when both parts' values are decided on together."""
    lines = [APPLE_HEADER]
    for i in range(n):
        t = T + 5 * i
        meta = {"HKMetadataKeyHeartRateMotionContext": str(i % 3)} if i % 2 else None
        lines.append(record(HR, t, str(60 + i % 50), "count/min", metadata=meta))
        if i % 400 == 200:
            lines.append(_workout(t, stray_record=i == stray_at))
        if i % 300 == 150:
            lines.append(record("HKQuantityTypeIdentifierBodyMass", T + 3600 * i, f"{90 - i / 1000:.1f}", "kg",
                                SCALE_SOURCE, None))
            lines.append(record("HKQuantityTypeIdentifierBodyFatPercentage", T + 3600 * i,
                                "31.5" if i == 4950 else f"0.{300 + i % 50}", "%", SCALE_SOURCE, None))
        if i % 500 == 499:
            lines.append(record("HKCategoryTypeIdentifierSleepAnalysis", t, "HKCategoryValueSleepAnalysisAsleepCore",
                                None, end=t + 300))
        if i in (900, 4200):  # impossible values and unknown units in both parts
            lines.append(record(HR, t, "900", "count/min"))
            lines.append(record(HR, t, "60", "furlongs"))
        if i == 4100 or i == broken_at:
            lines.append(BROKEN)
        if i == 5000:  # a body fat value for a weigh-in of the first part
            lines.append(record("HKQuantityTypeIdentifierBodyFatPercentage", T + 3600 * 150, "0.333", "%",
                                SCALE_SOURCE, None))
        if i == 5200:
            lines.append(f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="x" '
                         f'startDate="{apple_date(t)}" endDate="{apple_date(t)}">\n'
                         + "  " + record(HR, t + 1, "70", "count/min") + " </Correlation>\n")
    lines.append(APPLE_FOOTER)
    return lines


def _rows(store, pid: int) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    out = {}
    for table in TABLES:
        names = [r[1] for r in store.query(f"PRAGMA table_info({table})")]
        keep = [n for n in names if n not in ("id", "profile_id")]
        rows = store.query(f"SELECT {', '.join(keep)} FROM {table} WHERE profile_id = ?", (pid,))
        # rollup sums of fractional values depend on how the samples were batched in the last decimals
        out[table] = sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows)
    return out


def _new_profile(store) -> int:  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.domain import Profile, Sex

    added = store.profiles.add(Profile(f"P{len(store.profiles.all())}", Sex.FEMALE, date(1980, 1, 1), 168.0))
    return int(added.id)


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``skip`` of every time an import read the file whole in a child (a split's fallback does)."""
    from companion.health import importer

    calls: list[int] = []
    real = importer._in_child_process

    def spy(fmt, path, report, skip, *args):  # type: ignore[no-untyped-def]
        calls.append(skip)
        return real(fmt, path, report, skip, *args)

    monkeypatch.setattr(importer, "_in_child_process", spy)
    return calls


def _reference(store, path: Path):  # type: ignore[no-untyped-def]
    pid = _new_profile(store)
    report = Importer(store, pid, parallel=False).run("apple-health", path)
    return _rows(store, pid), report.as_dict()


def _split(store, path: Path, split_at: float, **kw):  # type: ignore[no-untyped-def]
    pid = _new_profile(store)
    report = Importer(store, pid, parallel=True, split_at=split_at, **kw).run("apple-health", path)
    return pid, report


def test_cut_is_found_the_same_in_any_chunking() -> None:
    data = "".join(export_lines(300)).encode()
    for target in (0, 5000, 20000, len(data) // 2, len(data) - 2000):
        whole = re.compile(rb"\n <(?:Record|Workout|Correlation)[\s>/]").search(data, target)
        assert whole is not None
        for size in (1, 7, 23, 4096):
            cut = Cut(target)
            before: list[bytes] = []
            for i in range(0, len(data), size):
                head, rest = cut.split(data[i:i + size])
                before.append(head)
                if rest is not None:
                    break
            assert cut.position == whole.start() + 2
            assert b"".join(before) == data[:cut.position]


def test_split_import_stores_and_reports_exactly_what_a_plain_import_does(store, tmp_path, whole_reads) -> None:  # type: ignore[no-untyped-def]
    lines = export_lines()
    xml = "".join(lines)
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)
    rows, report = _reference(store, path)
    # 5 broken records, and 19 weigh-ins whose body fat fraction is an impossible percentage once one value
    # in the file (in the second part) shows it is written in percent
    assert report["error_count"] == 24
    data = xml.encode()
    # cuts all along the file, and right around a workout (its children are not top-level lines)
    workout = data.index(b" <Workout", len(data) // 2)
    targets = [len(data) * k // 10 for k in range(1, 10)] + [workout - 3, workout + 40, workout + 400]
    targets += [10, data.index(b"\n <Record")]  # in the header; at the first record (the child's header ends there)
    for target in targets:
        pid, split = _split(store, path, target / len(data))
        assert split.as_dict() == report, target
        assert _rows(store, pid) == rows, target
    assert whole_reads == []  # every one of them was split
    fats = sorted(row[5] for row in rows["measurement"] if row[5] is not None)  # body_fat_pct
    assert fats[0] > 1  # one percent value made the whole file percent


def test_an_invalid_record_in_the_second_part_is_reported_as_in_a_plain_import(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.xml"
    path.write_text("".join(export_lines()), encoding="utf-8")
    rows, report = _reference(store, path)
    # the first errors of each kind are in the second part: record and line numbers are the file's
    path2 = tmp_path / "late.xml"
    late = [line for line in export_lines() if line is not BROKEN]
    path2.write_text("".join(late[:-1]) + BROKEN + record(HR, T - 5, "950", "count/min") + late[-1],
                     encoding="utf-8")
    rows2, report2 = _reference(store, path2)
    assert "line" in report2["examples"]["malformed XML (record skipped)"]
    for where in (0.2, 0.6):
        pid, split = _split(store, path2, where)
        assert split.as_dict() == report2
        assert _rows(store, pid) == rows2
    pid, split = _split(store, path, 0.5)
    assert split.as_dict() == report and _rows(store, pid) == rows


def _position(lines: list[str], index: int) -> int:
    return len("".join(lines[:index]).encode())


@pytest.mark.parametrize("case", ["inside a workout", "inside broken XML"])
def test_a_cut_not_at_the_top_level_falls_back_to_reading_the_rest_whole(store, tmp_path, case, whole_reads) -> None:  # type: ignore[no-untyped-def]
    if case == "inside a workout":
        lines = export_lines(stray_at=3400)
        at = next(i for i, line in enumerate(lines) if "HKWorkoutActivityTypeWalking" in line and "99" in line)
        target = _position(lines, at) + len(lines[at].split("\n")[0])  # just before the stray record's line
    else:
        lines = export_lines(broken_at=3400)
        at = lines.index(BROKEN, len(lines) // 2)
        target = _position(lines, at) + 10  # the parser is still looking for the next record at the cut
    path = tmp_path / "export.xml"
    path.write_text("".join(lines), encoding="utf-8")
    rows, report = _reference(store, path)
    pid, split = _split(store, path, target / path.stat().st_size, batch_size=1000)
    assert len(whole_reads) == 1 and whole_reads[0] > 1000  # the rest read whole, after what was committed
    assert split.as_dict() == report
    assert _rows(store, pid) == rows


@pytest.mark.parametrize("stop_after", [4, 12])  # in the first part, in the second
def test_cancel_and_resume_a_split_import(store, tmp_path, stop_after) -> None:  # type: ignore[no-untyped-def]
    from generate import write_big_export

    path = write_big_export(tmp_path / "export.xml", 50_000, zipped=False)
    rows, report = _reference(store, path)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] >= stop_after

    pid, first = _split(store, path, 0.3, cancel=cancel, batch_size=5000)
    assert first.cancelled
    entry = HealthData(store).imports(pid)[0]
    assert entry.status == "cancelled" and entry.records_done > 0
    second = Importer(store, pid, parallel=True, batch_size=5000).run("apple-health", path)
    assert second.resumed_from == entry.records_done and not second.cancelled
    assert _rows(store, pid) == rows
    assert first.added + second.added == report["added"] and second.duplicates == 0
    assert HealthData(store).imports(pid)[0].records_done == report["records"]


def test_a_split_import_refuses_entities_and_other_files(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.health.model import UnreadableFile

    evil = tmp_path / "evil.xml"
    evil.write_text(APPLE_HEADER.replace("]>", '<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>') + "".join(
        record(HR, T + i, "60", "count/min") for i in range(2000)) + APPLE_FOOTER)
    with pytest.raises(UnreadableFile, match="entities"):
        Importer(store, pid, parallel=True).run("apple-health", evil)
    gpx = tmp_path / "track.xml"
    gpx.write_text('<?xml version="1.0"?><gpx version="1.1">' + "<trk/>\n" * 20000 + "</gpx>")
    with pytest.raises(UnreadableFile, match="not an Apple Health export"):
        Importer(store, pid, parallel=True).run("apple-health", gpx)
    assert HealthData(store).counts(pid)["sample"] == 0
