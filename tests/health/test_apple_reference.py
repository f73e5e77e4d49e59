"""The fast Apple Health import (two processes, unread children dropped before expat, the layout fast path)
stores exactly the rows that a plain ElementTree reading of the same file gives, written here from the
format's description with nothing shared with the importer: every record kind, four timezones, duplicates
and bad records of each kind."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from generate import APPLE_FOOTER, APPLE_HEADER, PHONE, PHONE_SOURCE, SCALE_SOURCE, WATCH_SOURCE, apple_date, record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.health import apple
from companion.health.importer import Importer
from companion.health.model import UnreadableFile

T = 1_767_250_800  # 2026-01-01 08:00 +0100
Q = "HKQuantityTypeIdentifier"
BROKEN = f' <Record type="{Q}HeartRate" source Name="Bad App" unit="count/min" value="60"/>\n'  # not XML

# HealthKit type -> (stored kind, unit -> factor, lowest, highest, time taken from endDate)
SAMPLES: dict[str, tuple[str, dict[str, float], float, float, bool]] = {
    f"{Q}HeartRate": ("heart_rate", {"count/min": 1.0}, 20, 300, False),
    f"{Q}RestingHeartRate": ("resting_heart_rate", {"count/min": 1.0}, 20, 250, False),
    f"{Q}WalkingHeartRateAverage": ("walking_heart_rate", {"count/min": 1.0}, 20, 300, False),
    f"{Q}HeartRateVariabilitySDNN": ("hrv_sdnn", {"ms": 1.0}, 0.5, 1000, False),
    f"{Q}StepCount": ("steps", {"count": 1.0}, 0, 200_000, True),
    f"{Q}ActiveEnergyBurned": ("active_energy", {"kcal": 1.0, "kJ": 1 / 4.184}, 0, 20_000, True),
    f"{Q}LeanBodyMass": ("lean_body_mass", {"kg": 1.0, "lb": 0.45359237}, 2, 400, False),
    f"{Q}Height": ("height", {"cm": 1.0, "m": 100.0}, 40, 280, False),
}
STAGES = {"HKCategoryValueSleepAnalysisInBed": "in_bed", "HKCategoryValueSleepAnalysisAsleepCore": "light",
          "HKCategoryValueSleepAnalysisAsleepDeep": "deep", "HKCategoryValueSleepAnalysisAsleepREM": "rem",
          "HKCategoryValueSleepAnalysisAwake": "awake", "HKCategoryValueSleepAnalysisAsleepUnspecified": "asleep"}
OFFSETS = (60, -300, 330, 0)  # +0100, -0500, +0530, +0000


def export_text(seed: int = 3, records: int = 2400) -> str:
    rng = random.Random(seed)
    out = [APPLE_HEADER]
    for i in range(records):  # watch heart rate with its motion context, all four offsets, now and then twice
        t, off = T + 37 * i, OFFSETS[i // 600]
        meta = {"HKMetadataKeyHeartRateMotionContext": str(i % 3)}
        if i % 250 == 7:  # values the pre-filter must leave to expat: a reference, non-ASCII text
            meta = {"HKMetadataKeySyncIdentifier": "a&amp;b", "Notitie": "Zoë"}
        line = record(f"{Q}HeartRate", t, str(rng.randint(45, 160)), "count/min", offset=off, metadata=meta)
        out.append(line)
        if i % 97 == 0:
            out.append(line)  # a duplicate: stored once
        if i % 41 == 0:
            out.append(record(f"{Q}HeartRate", t, str(rng.randint(45, 160)), "count/min", PHONE_SOURCE, PHONE,
                              offset=off))
        if i % 300 == 150:
            out.append(record(f"{Q}StepCount", t, str(rng.randint(1, 900)), "count", PHONE_SOURCE, PHONE,
                              end=t + 600, offset=off))
            out.append(record(f"{Q}ActiveEnergyBurned", t, f"{rng.random() * 40:.3f}",
                              "kJ" if i % 600 else "kcal", end=t + 600, offset=off))
            out.append(record(f"{Q}HeartRateVariabilitySDNN", t, f"{rng.uniform(20, 90):.2f}", "ms", offset=off))
            out.append(record(f"{Q}RestingHeartRate", t, str(rng.randint(50, 70)), "count/min", offset=off))
            out.append(record(f"{Q}WalkingHeartRateAverage", t, str(rng.randint(80, 110)), "count/min", offset=off))
            out.append(record(f"{Q}DistanceWalkingRunning", t, "0.41", "km", end=t + 600, offset=off))  # not used
        if i % 400 == 100:  # a weigh-in: weight, body fat (a fraction), BMI at the same moment, from a scale app
            day = T + 86400 * (i // 400)
            out.append(record(f"{Q}BodyMass", day, f"{rng.uniform(180, 220):.1f}", "lb", SCALE_SOURCE, None,
                              offset=off))
            out.append(record(f"{Q}BodyFatPercentage", day, f"{rng.uniform(0.28, 0.36):.3f}", "%", SCALE_SOURCE,
                              None, offset=off))
            out.append(record(f"{Q}BodyMassIndex", day, f"{rng.uniform(29, 33):.1f}", "count", SCALE_SOURCE, None,
                              offset=off))
            out.append(record(f"{Q}LeanBodyMass", day, f"{rng.uniform(120, 140):.1f}", "lb", SCALE_SOURCE, None,
                              offset=off))
        if i % 800 == 400:  # a night of sleep, every stage
            night, a = T + 86400 * (i // 800) - 9 * 3600, 0
            out.append(record("HKCategoryTypeIdentifierSleepAnalysis", night, "HKCategoryValueSleepAnalysisInBed",
                              None, end=night + 8 * 3600, offset=off))
            for value in list(STAGES)[1:]:
                out.append(record("HKCategoryTypeIdentifierSleepAnalysis", night + a, value, None,
                                  end=night + a + 1500, offset=off))
                a += 1500
        if i == 1000:  # a workout with its statistics and a blood-pressure correlation with a nested record
            out.append(
                f' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="31.5" durationUnit="min" '
                f'sourceName="{WATCH_SOURCE}" creationDate="{apple_date(t, off)}" startDate="{apple_date(t, off)}" '
                f'endDate="{apple_date(t + 1890, off)}">\n'
                f'  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
                f'  <WorkoutStatistics type="{Q}ActiveEnergyBurned" startDate="{apple_date(t, off)}" '
                f'endDate="{apple_date(t + 1890, off)}" sum="142.2" unit="kcal"/>\n'
                f'  <WorkoutStatistics type="{Q}DistanceWalkingRunning" startDate="{apple_date(t, off)}" '
                f'endDate="{apple_date(t + 1890, off)}" sum="2.81" unit="km"/>\n'
                f'  <WorkoutStatistics type="{Q}HeartRate" startDate="{apple_date(t, off)}" '
                f'endDate="{apple_date(t + 1890, off)}" average="112.5" minimum="90" maximum="131" unit="count/min"/>\n'
                f' </Workout>\n')
            out.append(
                f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="{PHONE_SOURCE}" '
                f'startDate="{apple_date(t, off)}" endDate="{apple_date(t, off)}">\n'
                + "  " + record(f"{Q}HeartRate", t + 1, "70", "count/min", PHONE_SOURCE, None, offset=off)
                + " </Correlation>\n")
            out.append(record(f"{Q}Height", t, "1.68", "m", PHONE_SOURCE, PHONE, offset=off))
            out.append(' <ActivitySummary dateComponents="2026-01-02" activeEnergyBurned="320" '
                       'activeEnergyBurnedUnit="kcal"/>\n')
        if i in (200, 1900):  # one bad record of each kind, in both processes' parts
            out.append(record(f"{Q}HeartRate", t, "900", "count/min", offset=off))
            out.append(record(f"{Q}HeartRate", t, "n/a", "count/min", offset=off))
            out.append(record(f"{Q}HeartRate", t, "60", "furlongs", offset=off))
            out.append(record(f"{Q}HeartRate", t, "60", "count/min", offset=off).replace(
                apple_date(t, off), "2026-02-30 08:00:00 +0100"))
            out.append(record("HKCategoryTypeIdentifierSleepAnalysis", t, "HKCategoryValueSleepAnalysisDozing",
                              None, end=t + 60, offset=off))
            out.append(record("HKCategoryTypeIdentifierSleepAnalysis", t, "HKCategoryValueSleepAnalysisAwake",
                              None, end=t - 60, offset=off))
            out.append(BROKEN)
    out.append(APPLE_FOOTER)
    return "".join(out)


def _ts(text: str) -> tuple[int, int]:
    parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    offset = parsed.utcoffset()
    assert offset is not None
    return int(parsed.timestamp()), int(offset.total_seconds() // 60)


def _night(start: int, offset: int) -> str:
    local = datetime.fromtimestamp(start + offset * 60, UTC)
    return (local.date() + timedelta(days=1 if local.hour >= 12 else 0)).isoformat()


def reference(xml: str) -> dict[str, Any]:
    """What the import should store, read with ElementTree. The one kind of record that is not XML at all is
    left out first (the importer counts it and skips it; ElementTree would refuse the whole file)."""
    root = ET.fromstring(xml.replace(BROKEN, ""))
    samples: dict[tuple[str, int, str], float] = {}
    body: dict[tuple[int, str], dict[str, Any]] = {}
    sleep: dict[tuple[str, int, str], tuple[Any, ...]] = {}
    workouts: dict[tuple[str, int], tuple[Any, ...]] = {}
    errors: Counter[str] = Counter({apple.E_XML: xml.count(BROKEN)})
    for element in root:  # top-level elements only: a correlation's records are exported twice
        a = element.attrib
        if element.tag == "Workout":
            start, off = _ts(a["startDate"])
            stats = {s.get("type"): s.attrib for s in element.iter("WorkoutStatistics")}
            workouts.setdefault((f"apple-health:{a['sourceName']}", start), (
                "Walking", start, _ts(a["endDate"])[0], off, a["sourceName"], float(a["duration"]) * 60,
                float(stats[f"{Q}DistanceWalkingRunning"]["sum"]) * 1000,
                float(stats[f"{Q}ActiveEnergyBurned"]["sum"]), float(stats[f"{Q}HeartRate"]["average"]), None))
            continue
        if element.tag != "Record":
            continue
        kind = a["type"]
        if kind in SAMPLES:
            name, units, low, high, at_end = SAMPLES[kind]
            if a["unit"] not in units:
                errors[apple.E_UNIT] += 1
                continue
            try:
                value = float(a["value"]) * units[a["unit"]]
            except ValueError:
                errors[apple.E_VALUE] += 1
                continue
            if not low <= value <= high:
                errors[apple.E_VALUE] += 1
                continue
            try:
                ts, _ = _ts(a["endDate"] if at_end else a["startDate"])
            except ValueError:
                errors[apple.E_DATE] += 1
                continue
            samples.setdefault((name, ts, f"apple-health:{a['sourceName']}"), value)
        elif kind in (f"{Q}BodyMass", f"{Q}BodyFatPercentage", f"{Q}BodyMassIndex"):
            ts, off = _ts(a["startDate"])
            entry = body.setdefault((ts, a["sourceName"]), {"off": off})
            value = float(a["value"])
            entry[{f"{Q}BodyMass": "kg", f"{Q}BodyFatPercentage": "fat", f"{Q}BodyMassIndex": "bmi"}[kind]] = (
                value * 0.45359237 if a["unit"] == "lb" else value)
        elif kind == "HKCategoryTypeIdentifierSleepAnalysis":
            start, off = _ts(a["startDate"])
            end, _ = _ts(a["endDate"])
            if a["value"] not in STAGES:
                errors[apple.E_SLEEP] += 1
            elif not 0 < end - start <= 86400:
                errors[apple.E_INTERVAL] += 1
            else:
                source = f"apple-health:{a['sourceName']}"
                sleep.setdefault((source, start, STAGES[a["value"]]), (end, off, _night(start, off)))
    def part(e: dict[str, float], key: str, scale: float, digits: int) -> float | None:
        return round(e[key] * scale, digits) if key in e else None  # a file cut between a weigh-in's records

    measurements = {(ts, e["off"], "import:apple-health", source, part(e, "kg", 1, 9), part(e, "fat", 100, 6),
                     part(e, "bmi", 1, 9)) for (ts, source), e in body.items()}
    return {"samples": samples, "measurements": measurements, "sleep": sleep, "workouts": workouts,
            "errors": +errors}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    text = export_text()
    path = tmp_path_factory.mktemp("reference") / "export.xml"
    path.write_text(text, encoding="utf-8")
    return path, reference(text)


@pytest.mark.parametrize("how", [{"parallel": True}, {"parallel": True, "split_at": 0.6}, {"parallel": False}],
                         ids=["split", "split-late", "one-process"])
def test_stored_rows_are_those_of_a_reference_reading(store, pid, export, how) -> None:  # type: ignore[no-untyped-def]
    path, expected = export
    report = Importer(store, pid, batch_size=700, **how).run("apple-health", path)
    assert dict(report.errors) == expected["errors"]
    rows = store.query("SELECT kind, ts, source, value FROM sample WHERE profile_id = ?", (pid,))
    assert {(k, ts, s): v for k, ts, s, v in rows} == expected["samples"]
    assert len(rows) == len(expected["samples"])
    got = {(ts, off, source, device, round(kg, 9), round(fat, 6), round(bmi, 9)) for ts, off, source, device, kg,
           fat, bmi in store.query("SELECT ts, tz_offset, source, device, weight_kg, body_fat_pct, bmi FROM "
                                   "measurement WHERE profile_id = ?", (pid,))}
    # The BMI is the weight's at the profile's height (issue #17: not the height the source app used).
    (height_cm,), = store.query("SELECT height_cm FROM profile WHERE id = ?", (pid,))
    square = (height_cm / 100.0) ** 2
    assert got == {(*m[:6], m[6] if m[4] is None else round(round(m[4] / square, 2), 9))
                   for m in expected["measurements"]}
    sleep = store.query("SELECT source, start_ts, stage, end_ts, tz_offset, night FROM sleep_stage "
                        "WHERE profile_id = ?", (pid,))
    assert {(s, a, st): (e, o, n) for s, a, st, e, o, n in sleep} == expected["sleep"]
    workouts = store.query("SELECT source, start_ts, activity, start_ts, end_ts, tz_offset, device, duration_s, "
                           "distance_m, energy_kcal, avg_hr, steps FROM workout WHERE profile_id = ?", (pid,))
    assert {(w[0], w[1]): tuple(w[2:]) for w in workouts} == expected["workouts"]
    # every stored sample is in exactly one bucket per level, with its count, sum, lowest and highest
    for level in (60, 3600, 86400):
        buckets: dict[tuple[str, int], list[float]] = {}
        for (kind, ts, _source), value in expected["samples"].items():
            buckets.setdefault((kind, ts - ts % level), []).append(value)
        stored = store.query("SELECT kind, bucket, n, total, low, high FROM sample_rollup WHERE profile_id = ? "
                             "AND level = ?", (pid, level))
        assert len(stored) == len(buckets)
        for kind, bucket, n, total, low, high in stored:
            values = buckets[(kind, bucket)]
            assert (n, low, high) == (len(values), min(values), max(values))
            assert math.isclose(total, math.fsum(values), rel_tol=1e-12)
    again = Importer(store, pid, force=True, **how).run("apple-health", path)
    assert again.added == 0 and dict(again.errors) == expected["errors"]


SMALL = export_text(seed=5, records=900)  # ~1,100 records, about 0.5 MB
REASONS = {apple.E_DATE, apple.E_VALUE, apple.E_UNIT, apple.E_MISSING, apple.E_XML, apple.E_TRUNCATED, apple.E_SLEEP,
           apple.E_INTERVAL}
_TOP = ("\n <Record", "\n <Workout", "\n <Correlation", "\n <ActivitySummary")


def _profile(store) -> int:  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.domain import Profile, Sex

    return int(store.profiles.add(Profile(f"P{len(store.profiles.all())}", Sex.FEMALE, date(1980, 1, 1), 168.0)).id)


def _stored_samples(store, pid: int) -> dict[tuple[str, int, str], float]:  # type: ignore[no-untyped-def]
    rows = store.query("SELECT kind, ts, source, value FROM sample WHERE profile_id = ?", (pid,))
    return {(k, ts, s): v for k, ts, s, v in rows}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(cut=st.integers(len(APPLE_HEADER) + 200, len(SMALL.encode()) - 1), split_at=st.sampled_from([0.24, 0.6]))
def test_a_file_cut_anywhere_imports_every_whole_record_before_the_cut(store, tmp_path, cut, split_at) -> None:  # type: ignore[no-untyped-def]
    data = SMALL.encode()[:cut]
    path = tmp_path / f"cut-{cut}.xml"
    path.write_bytes(data)
    pid = _profile(store)
    report = Importer(store, pid, parallel=True, split_at=split_at, batch_size=300).run("apple-health", path)
    text = data.decode("utf-8", errors="ignore")
    # The last top-level element may be cut short. A record counts once its start tag is whole (a record is
    # read from its attributes; its children are never needed); a workout only when it is closed.
    last = max(text.rfind(tag) for tag in _TOP) + 1
    head, tail = text[:last], text[last:]
    end = tail.find(">")
    if tail.startswith(" <Record") and end >= 0 and "</HealthData>" not in tail:
        head += tail[:end + 1].removesuffix("/>").removesuffix(">") + "/>\n"
    elif "</HealthData>" in tail:
        head = text
    expected = reference(head if "</HealthData>" in head else head + APPLE_FOOTER)
    assert _stored_samples(store, pid) == expected["samples"]
    assert set(report.errors) <= REASONS
    assert report.errors[apple.E_TRUNCATED] == (0 if "</HealthData>" in text else 1)
    assert Importer(store, pid, force=True, parallel=True, split_at=split_at).run("apple-health", path).added == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_flipped_bytes_and_a_cut_never_crash_and_a_rerun_adds_nothing(store, tmp_path, data) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(SMALL.encode())
    start = len(APPLE_HEADER.encode())
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(start, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "damaged.xml"
    path.write_bytes(bytes(raw[:data.draw(st.integers(start, len(raw)))]))
    pid = _profile(store)
    importer = Importer(store, pid, parallel=True, split_at=data.draw(st.sampled_from([0.24, 0.6])), batch_size=300)
    try:
        report = importer.run("apple-health", path)
    except UnreadableFile as error:  # a clear message (the CLI prints it as one line), nothing stored
        assert str(error) and not _stored_samples(store, pid)
        return
    assert set(report.errors) <= REASONS and all(n > 0 for n in report.errors.values())
    stored = _stored_samples(store, pid)
    assert report.added >= len(stored) and report.records >= len(stored)
    for (_kind, ts, source), value in stored.items():
        assert isinstance(ts, int) and source.startswith("apple-health:") and math.isfinite(value)
    again = Importer(store, pid, force=True, parallel=True).run("apple-health", path)
    assert again.added == 0 and _stored_samples(store, pid) == stored
