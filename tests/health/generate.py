# ruff: noqa: E501 - the DTD and records are written as Apple writes them, one per line
"""Generators of real-format health export files for tests and benchmarks (written, never downloaded)."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

# The inline DTD as Apple writes it at the top of export.xml (HealthKit Export Version 14 layout,
# neiltron/apple-health-mcp:docs/reference/apple-health-export-xml.md).
APPLE_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type                  CDATA #REQUIRED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
  average               CDATA #IMPLIED
  minimum               CDATA #IMPLIED
  maximum               CDATA #IMPLIED
  sum                   CDATA #IMPLIED
  unit                  CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>
<HealthData locale="nl_NL">
 <ExportDate value="2026-11-20 21:14:03 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-04-23" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
"""
APPLE_FOOTER = "</HealthData>\n"
WATCH = ("&lt;&lt;HKDevice: 0x283ad0f00&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
         "hardware:Watch6,1, software:9.0&gt;")
PHONE = ("&lt;&lt;HKDevice: 0x2815e2260&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
         "hardware:iPhone14,2, software:16.1&gt;")
WATCH_SOURCE = "Apple Watch van Zoë"  # non-ASCII source names are normal
PHONE_SOURCE = "iPhone van Zoë"
SCALE_SOURCE = "Withings Health Mate’s app"  # curly apostrophe


def apple_date(ts: int, offset_min: int = 60) -> str:
    tz = timezone(timedelta(minutes=offset_min))
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S %z")


def record(kind: str, ts: int, value: str, unit: str | None, source: str = WATCH_SOURCE, device: str | None = WATCH,
           end: int | None = None, offset: int = 60, metadata: dict[str, str] | None = None) -> str:
    attrs = [f'type="{kind}"', f'sourceName="{source}"', 'sourceVersion="9.0"']
    if device:
        attrs.append(f'device="{device}"')
    if unit is not None:
        attrs.append(f'unit="{unit}"')
    attrs += [f'creationDate="{apple_date(end or ts, offset)}"', f'startDate="{apple_date(ts, offset)}"',
              f'endDate="{apple_date(end if end is not None else ts, offset)}"', f'value="{value}"']
    if not metadata:
        return f" <Record {' '.join(attrs)}/>\n"
    children = "".join(f'  <MetadataEntry key="{k}" value="{v}"/>\n' for k, v in metadata.items())
    return f" <Record {' '.join(attrs)}>\n{children} </Record>\n"


def sample_export(base: int = 1_767_250_800) -> str:
    """A small export with every imported type, metadata children, a correlation, a workout, unknown types."""
    t = base  # 2026-01-01 08:00 +0100
    parts = [APPLE_HEADER]
    parts.append(record("HKQuantityTypeIdentifierBodyMass", t, "92.4", "kg", SCALE_SOURCE, None,
                        metadata={"HKWasUserEntered": "0", "Withings Height": "168 cm"}))
    parts.append(record("HKQuantityTypeIdentifierBodyFatPercentage", t, "0.352", "%", SCALE_SOURCE, None))
    parts.append(record("HKQuantityTypeIdentifierBodyMassIndex", t, "32.7", "count", SCALE_SOURCE, None))
    parts.append(record("HKQuantityTypeIdentifierBodyMass", t + 86400, "203.5", "lb", PHONE_SOURCE, PHONE))
    parts.append(record("HKQuantityTypeIdentifierLeanBodyMass", t, "59.9", "kg", SCALE_SOURCE, None))
    parts.append(record("HKQuantityTypeIdentifierHeight", t, "1.68", "m", PHONE_SOURCE, PHONE))
    for i in range(10):
        parts.append(record("HKQuantityTypeIdentifierHeartRate", t + 300 * i, str(60 + i), "count/min",
                            metadata={"HKMetadataKeyHeartRateMotionContext": "0"}))
    parts.append(record("HKQuantityTypeIdentifierRestingHeartRate", t, "58", "count/min"))
    parts.append(record("HKQuantityTypeIdentifierWalkingHeartRateAverage", t, "97", "count/min"))
    parts.append(
        f' <Record type="HKQuantityTypeIdentifierHeartRateVariabilitySDNN" sourceName="{WATCH_SOURCE}" '
        f'sourceVersion="9.0" device="{WATCH}" unit="ms" creationDate="{apple_date(t)}" startDate="{apple_date(t)}" '
        f'endDate="{apple_date(t + 60)}" value="41.3">\n  <HeartRateVariabilityMetadataList>\n'
        f'   <InstantaneousBeatsPerMinute bpm="62" time="8:00:01,12 AM"/>\n'
        f'   <InstantaneousBeatsPerMinute bpm="64" time="8:00:02,05 AM"/>\n  </HeartRateVariabilityMetadataList>\n'
        f' </Record>\n')
    parts.append(record("HKQuantityTypeIdentifierStepCount", t, "1200", "count", end=t + 600))
    parts.append(record("HKQuantityTypeIdentifierStepCount", t, "1100", "count", PHONE_SOURCE, PHONE, end=t + 600))
    parts.append(record("HKQuantityTypeIdentifierActiveEnergyBurned", t, "12.5", "kcal", end=t + 600))
    night = t - 9 * 3600  # 2025-12-31 23:00 local
    stages = [("HKCategoryValueSleepAnalysisInBed", 0, 8 * 3600), ("HKCategoryValueSleepAnalysisAsleepCore", 600, 3000),
              ("HKCategoryValueSleepAnalysisAsleepDeep", 3000, 6000), ("HKCategoryValueSleepAnalysisAsleepREM", 6000, 8000),
              ("HKCategoryValueSleepAnalysisAwake", 8000, 8300), ("HKCategoryValueSleepAnalysisAsleepCore", 8300, 27000)]
    for value, a, b in stages:
        parts.append(record("HKCategoryTypeIdentifierSleepAnalysis", night + a, value, None, end=night + b))
    parts.append(
        f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="{PHONE_SOURCE}" '
        f'creationDate="{apple_date(t)}" startDate="{apple_date(t)}" endDate="{apple_date(t)}">\n'
        + record("HKQuantityTypeIdentifierHeartRate", t + 1, "70", "count/min", PHONE_SOURCE, None)
        + " </Correlation>\n")
    parts.append(record("HKQuantityTypeIdentifierBloodPressureSystolic", t, "120", "mmHg", PHONE_SOURCE, None))
    parts.append(
        f' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="31.5" durationUnit="min" '
        f'sourceName="{WATCH_SOURCE}" sourceVersion="9.0" device="{WATCH}" creationDate="{apple_date(t + 7200)}" '
        f'startDate="{apple_date(t + 3600)}" endDate="{apple_date(t + 3600 + 1890)}">\n'
        f'  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
        f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{apple_date(t + 3600)}" duration="10" durationUnit="min"/>\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="{apple_date(t + 3600)}" '
        f'endDate="{apple_date(t + 5490)}" sum="142.2" unit="kcal"/>\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="{apple_date(t + 3600)}" '
        f'endDate="{apple_date(t + 5490)}" sum="2.81" unit="km"/>\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{apple_date(t + 3600)}" '
        f'endDate="{apple_date(t + 5490)}" average="112.5" minimum="90" maximum="131" unit="count/min"/>\n'
        f' </Workout>\n')
    parts.append(' <ActivitySummary dateComponents="2026-01-01" activeEnergyBurned="320" activeEnergyBurnedGoal="400" '
                 'activeEnergyBurnedUnit="kcal"/>\n')
    parts.append(APPLE_FOOTER)
    return "".join(parts)


def big_export_lines(records: int, seed: int = 7, base: int = 1_704_067_200) -> Iterator[str]:
    """A benchmark-sized export: heart rate, steps, energy, sleep, HRV, weigh-ins and some unknown types.

    Like a real export, records come grouped by type, each type in time order (70 % heart rate)."""
    rng = random.Random(seed)
    yield APPLE_HEADER
    shares = [(70, "hr"), (12, "steps"), (8, "energy"), (3, "distance"), (2, "hrv"), (2, "sleep"), (1, "resting"),
              (1, "mass"), (1, "fat")]
    counts = [records * share // 100 for share, _ in shares]
    counts[0] += records - sum(counts)
    for (_share, kind), count in zip(shares, counts, strict=True):
        step = max(1, 365 * 86400 // max(count, 1))
        for i in range(count):
            t = base + i * step
            if kind == "hr":  # Apple Watch heart rate carries its motion context as metadata
                yield record("HKQuantityTypeIdentifierHeartRate", t, str(rng.randint(50, 150)), "count/min",
                             metadata={"HKMetadataKeyHeartRateMotionContext": str(i % 3)})
            elif kind == "steps":
                yield record("HKQuantityTypeIdentifierStepCount", t, str(rng.randint(1, 400)), "count",
                             PHONE_SOURCE if i % 2 else WATCH_SOURCE, PHONE if i % 2 else WATCH, end=t + 60)
            elif kind == "energy":
                yield record("HKQuantityTypeIdentifierActiveEnergyBurned", t, f"{rng.random() * 5:.3f}", "kcal",
                             end=t + 60)
            elif kind == "distance":
                yield record("HKQuantityTypeIdentifierDistanceWalkingRunning", t, f"{rng.random() / 10:.4f}", "km",
                             end=t + 60)
            elif kind == "hrv":
                yield record("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", t, f"{rng.uniform(20, 90):.2f}",
                             "ms", metadata={"HKAlgorithmVersion": "2"})
            elif kind == "sleep":
                yield record("HKCategoryTypeIdentifierSleepAnalysis", t, "HKCategoryValueSleepAnalysisAsleepCore",
                             None, end=t + 300)
            elif kind == "resting":
                yield record("HKQuantityTypeIdentifierRestingHeartRate", t, str(rng.randint(50, 70)), "count/min")
            elif kind == "mass":
                yield record("HKQuantityTypeIdentifierBodyMass", t, f"{rng.uniform(80, 110):.1f}", "kg",
                             SCALE_SOURCE, None)
            else:
                yield record("HKQuantityTypeIdentifierBodyFatPercentage", t, f"{rng.uniform(0.25, 0.4):.3f}", "%",
                             SCALE_SOURCE, None)
    yield APPLE_FOOTER


def write_big_export(path: Path, records: int, zipped: bool = True) -> Path:
    if zipped:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            with archive.open("apple_health_export/export.xml", "w", force_zip64=True) as member:
                buf: list[str] = []
                for line in big_export_lines(records):
                    buf.append(line)
                    if len(buf) >= 5000:
                        member.write("".join(buf).encode())
                        buf.clear()
                member.write("".join(buf).encode())
    else:
        with path.open("w", encoding="utf-8") as f:
            f.writelines(big_export_lines(records))
    return path


def write_apple_zip(path: Path, xml: str, *, cda: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)
        if cda:
            archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        archive.writestr("apple_health_export/workout-routes/route_2026-01-01_9.00am.gpx", "<gpx/>")
    return path


# ----- Fitbit Google Takeout -------------------------------------------------------------------------------
def fitbit_date(dt: datetime) -> str:
    return dt.strftime("%m/%d/%y %H:%M:%S")


def write_takeout(root: Path, *, weight_unit: str = "POUND", timezone_name: str = "Europe/Amsterdam",
                  hr_days: int = 1, hr_step: int = 5) -> Path:
    """A Takeout folder: Takeout/Fitbit/Global Export Data/*.json plus Your Profile/Profile.csv."""
    data = root / "Takeout" / "Fitbit" / "Global Export Data"
    data.mkdir(parents=True)
    profile = root / "Takeout" / "Fitbit" / "Your Profile"
    profile.mkdir(parents=True)
    (profile / "Profile.csv").write_text(
        "id,full_name,first_name,last_name,display_name_setting,display_name,username,email_address,date_of_birth,"
        "child,country,state,city,timezone,locale,member_since,about_me,start_of_week,sleep_tracking,"
        "time_display_format,gender,height,weight,stride_length_walk,stride_length_run,weight_unit,distance_unit,"
        "height_unit,water_unit,glucose_unit,swim_unit\n"
        f"ABC123,Zoë Example,Zoë,Example,name,Zoë E.,,,1980-04-23,false,NL,,,{timezone_name},nl_NL,2019-02-01,,"
        f"MONDAY,Normal,24hour,FEMALE,168.0,92.0,70.0,90.0,{weight_unit},METRIC,METRIC,ML,MG_DL,METER\n",
        encoding="utf-8")
    lb = weight_unit == "POUND"
    weights = [
        {"logId": 1757668406000, "weight": 198.1 if lb else 89.9, "bmi": 31.85, "fat": 28.74, "date": "09/12/25",
         "time": "09:13:26", "source": "Aria"},
        {"logId": 1757754806000, "weight": 197.4 if lb else 89.5, "bmi": 31.73, "date": "09/13/25",
         "time": "09:13:26", "source": "API"},
        {"logId": 1757841206000, "weight": -3, "bmi": 31.73, "date": "09/14/25", "time": "09:13:26", "source": "Web"},
    ]
    (data / "weight-2025-09-12.json").write_text(json.dumps(weights, indent=1))
    (data / "fat-2025-09-12.json").write_text(json.dumps([
        {"logId": 1757668406000, "fat": 28.74, "date": "09/12/25", "time": "09:13:26", "source": "Aria"},
        {"logId": 1757927606000, "fat": 28.1, "date": "09/15/25", "time": "08:00:00", "source": "Aria"},
    ]))
    start = datetime(2025, 9, 12, tzinfo=UTC)
    for d in range(hr_days):
        day = start + timedelta(days=d)
        with (data / f"heart_rate-{day:%Y-%m-%d}.json").open("w") as f:
            f.write("[")
            first = True
            for s in range(0, 86400, hr_step):
                entry = {"dateTime": fitbit_date(day + timedelta(seconds=s)),
                         "value": {"bpm": 55 + (s // hr_step) % 60, "confidence": 2}}
                f.write(("" if first else ",\n") + json.dumps(entry))
                first = False
            f.write("]\n")
    (data / "resting_heart_rate-2025-09-12.json").write_text(json.dumps([
        {"dateTime": "09/12/25 00:00:00", "value": {"date": "09/12/25", "value": 58.41, "error": 6.9}},
        {"dateTime": "09/13/25 00:00:00", "value": {"date": "09/13/25", "value": 0.0, "error": 0.0}},
    ]))
    (data / "steps-2025-09-12.json").write_text(json.dumps([
        {"dateTime": "09/12/25 07:00:00", "value": "120"}, {"dateTime": "09/12/25 07:01:00", "value": "98"},
        {"dateTime": "09/12/25 07:02:00", "value": "0"},
    ]))
    (data / "sleep-2025-09-12.json").write_text(json.dumps([
        {"logId": 40001, "dateOfSleep": "2025-09-13", "startTime": "2025-09-12T23:10:30.000",
         "endTime": "2025-09-13T07:00:30.000", "duration": 28200000, "minutesToFallAsleep": 0, "minutesAsleep": 420,
         "minutesAwake": 50, "minutesAfterWakeup": 0, "timeInBed": 470, "efficiency": 93, "type": "stages",
         "infoCode": 0, "mainSleep": True,
         "levels": {"summary": {"deep": {"count": 3, "minutes": 79, "thirtyDayAvgMinutes": 70},
                                "wake": {"count": 2, "minutes": 11, "thirtyDayAvgMinutes": 30}},
                    "data": [{"dateTime": "2025-09-12T23:10:30.000", "level": "wake", "seconds": 600},
                             {"dateTime": "2025-09-12T23:20:30.000", "level": "light", "seconds": 5400},
                             {"dateTime": "2025-09-13T00:50:30.000", "level": "deep", "seconds": 4800},
                             {"dateTime": "2025-09-13T02:10:30.000", "level": "rem", "seconds": 3600},
                             {"dateTime": "2025-09-13T03:10:30.000", "level": "light", "seconds": 14400}],
                    "shortData": [{"dateTime": "2025-09-13T01:00:00.000", "level": "wake", "seconds": 60}]}},
        {"logId": 40002, "dateOfSleep": "2025-09-14", "startTime": "2025-09-13T14:00:00.000",
         "endTime": "2025-09-13T14:50:00.000", "duration": 3000000, "minutesAsleep": 45, "minutesAwake": 5,
         "timeInBed": 50, "efficiency": 90, "type": "classic", "mainSleep": False,
         "levels": {"summary": {"asleep": {"count": 1, "minutes": 45}},
                    "data": [{"dateTime": "2025-09-13T14:00:00.000", "level": "restless", "seconds": 300},
                             {"dateTime": "2025-09-13T14:05:00.000", "level": "asleep", "seconds": 2700}]}},
    ]))
    (data / "exercise-0.json").write_text(json.dumps([
        {"logId": 50001, "activityName": "Walk", "activityTypeId": 90013, "averageHeartRate": 104, "calories": 187,
         "duration": 1845000, "activeDuration": 1845000, "steps": 3410, "startTime": "09/12/25 17:30:00",
         "distance": 2.61, "distanceUnit": "Kilometer", "logType": "auto_detected"},
    ]))
    (data / "distance-2025-09-12.json").write_text("[]")
    return root
