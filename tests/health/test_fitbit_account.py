"""A whole Fitbit account export, in both layouts Fitbit has used, imported on one clock.

Layouts:
- Google Takeout (2023-): ``Takeout/Fitbit/Global Export Data/*.json`` with the profile in
  ``Takeout/Fitbit/Your Profile/Profile.csv`` (nicolasestrem/Fitbit2Garmin:docs/FITBIT_GOOGLE_TAKEOUT_TO_GARMIN.md).
- The old fitbit.com account archive: ``MyFitbitData/<Name>/user-site-export/*.json`` with the profile in
  ``<Name>/Personal & Account/Profile.csv`` (danlsn/fitport:README.md lists the user-site-export families).

Clocks, per file family (no file carries an offset):
- ``heart_rate-*.json`` and ``steps-*.json`` ``dateTime``: UTC (the intraday series the Web API served with
  ``timezone=UTC``; hushrilab/fitbit_hr:README.md);
- ``exercise-*.json`` ``startTime`` (``MM/DD/YY HH:MM:SS``): UTC as well, the same clock as heart rate:
  a workout's own ``averageHeartRate`` matches the heart-rate samples in its window only on that clock
  (issue #17, checked on real exports);
- ``sleep-*.json`` ``startTime``/``levels.data[].dateTime`` and ``weight-*.json`` ``date``/``time``: the
  wearer's local time (andykong.org/blog/fitbitsleeptzcorrection: bedtimes stay at the same local hour across
  zones).

Sleep "stages" logs (mrphil007/fitbit-to-sqlite:tests/zip_contents/sleep.json, commit f8ba21e): ``levels.data``
holds the stages, ``levels.shortData`` wakes of three minutes or less that take precedence over the stage
they fall in; ``levels.summary`` counts both, so its minutes add up to ``timeInBed``
(dev.fitbit.com/build/reference/web-api/sleep/get-sleep-log-by-date).
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from companion.health.importer import Importer
from companion.store.health import HealthData
from companion.store.samples import Samples

ZONE = ZoneInfo("America/New_York")  # UTC-4 in September: a clock mix-up moves things by four hours
PROFILE_HEADER = (
    "id,full_name,first_name,last_name,display_name_setting,display_name,username,email_address,date_of_birth,"
    "child,country,state,city,timezone,locale,member_since,about_me,start_of_week,sleep_tracking,"
    "time_display_format,gender,height,weight,stride_length_walk,stride_length_run,weight_unit,distance_unit,"
    "height_unit,water_unit,glucose_unit,swim_unit\n")
DAY = datetime(2025, 9, 20, tzinfo=UTC)
WORKOUT_START = datetime(2025, 9, 20, 17, 30, tzinfo=ZONE)  # 21:30 UTC
WORKOUT_S = 1800


def _fb(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%m/%d/%y %H:%M:%S")


def _local_iso(dt: datetime) -> str:
    return dt.astimezone(ZONE).replace(tzinfo=None).isoformat(timespec="milliseconds")


def _sleep_log() -> dict[str, Any]:
    """A "stages" night, 22:00-06:00 local, whose short wakes (shortData) fall inside light and deep sleep."""
    start = datetime(2025, 9, 19, 22, 0, tzinfo=ZONE)
    data = [("wake", 300), ("light", 5400), ("deep", 3600), ("rem", 2700), ("light", 9000), ("wake", 600),
            ("light", 7200)]  # 28,800 s = 480 min
    levels, at = [], start
    for level, seconds in data:
        levels.append({"dateTime": _local_iso(at), "level": level, "seconds": seconds})
        at += timedelta(seconds=seconds)
    short = [(start + timedelta(seconds=300 + 1200), 60), (start + timedelta(seconds=300 + 5400 + 900), 120),
             (start + timedelta(seconds=300 + 5400 + 3600 + 2700 + 3000), 180)]
    short_data = [{"dateTime": _local_iso(t), "level": "wake", "seconds": s} for t, s in short]
    # Fitbit's summary: each short wake is taken out of the stage it falls in (light, deep, light)
    summary = {"wake": {"count": 5, "minutes": 21, "thirtyDayAvgMinutes": 41},
               "light": {"count": 5, "minutes": 356, "thirtyDayAvgMinutes": 250},
               "deep": {"count": 2, "minutes": 58, "thirtyDayAvgMinutes": 70},
               "rem": {"count": 1, "minutes": 45, "thirtyDayAvgMinutes": 90}}
    return {"logId": 41001, "dateOfSleep": "2025-09-20", "startTime": _local_iso(start),
            "endTime": _local_iso(at), "duration": 28_800_000, "minutesToFallAsleep": 0, "minutesAsleep": 459,
            "minutesAwake": 21, "minutesAfterWakeup": 0, "timeInBed": 480, "efficiency": 95, "type": "stages",
            "infoCode": 0, "levels": {"summary": summary, "data": levels, "shortData": short_data},
            "mainSleep": True}


def _heart_rate(t: datetime) -> int:
    local = t.astimezone(ZONE)
    if WORKOUT_START <= local < WORKOUT_START + timedelta(seconds=WORKOUT_S):
        return 130 + (int(t.timestamp()) // 5) % 11  # 130..140 during the walk
    if datetime(2025, 9, 19, 22, tzinfo=ZONE) <= local < datetime(2025, 9, 20, 6, tzinfo=ZONE):
        return 50 + (int(t.timestamp()) // 5) % 5  # asleep
    return 70 + (int(t.timestamp()) // 5) % 9


def write_account(root: Path, layout: str) -> Path:
    """A whole account: profile, weight, heart rate every 5 s for two UTC days, steps per minute, sleep, a walk."""
    if layout == "takeout":
        data = root / "Takeout" / "Fitbit" / "Global Export Data"
        profile = root / "Takeout" / "Fitbit" / "Your Profile"
    else:
        data = root / "MyFitbitData" / "ZoeExample" / "user-site-export"
        profile = root / "MyFitbitData" / "ZoeExample" / "Personal & Account"
    data.mkdir(parents=True)
    profile.mkdir(parents=True)
    (profile / "Profile.csv").write_text(
        PROFILE_HEADER + "ABC123,Zoë Example,Zoë,Example,name,Zoë E.,,,1980-04-23,false,US,,,America/New_York,"
        "en_US,2019-02-01,,SUNDAY,Normal,12hour,FEMALE,168.0,92.0,70.0,90.0,METRIC,METRIC,METRIC,ML,MG_DL,METER\n",
        encoding="utf-8")
    walk_from, walk_to = WORKOUT_START.astimezone(UTC), WORKOUT_START.astimezone(UTC) + timedelta(seconds=WORKOUT_S)
    walk_bpm = []
    for d in (-1, 0):
        day = DAY + timedelta(days=d)
        points = []
        for s in range(0, 86400, 5):
            t = day + timedelta(seconds=s)
            bpm = _heart_rate(t)
            if walk_from <= t < walk_to:
                walk_bpm.append(bpm)
            points.append({"dateTime": _fb(t), "value": {"bpm": bpm, "confidence": 3}})
        (data / f"heart_rate-{day:%Y-%m-%d}.json").write_text(json.dumps(points, indent=2))
    steps = []
    for m in range(0, 1440):
        t = DAY + timedelta(minutes=m)
        steps.append({"dateTime": _fb(t), "value": "110" if walk_from <= t < walk_to else "0"})
    (data / f"steps-{DAY:%Y-%m-%d}.json").write_text(json.dumps(steps, indent=2))
    (data / "sleep-2025-09-19.json").write_text(json.dumps([_sleep_log()], indent=2))
    (data / "weight-2025-09-20.json").write_text(json.dumps([
        {"logId": 1758369600000, "weight": 89.9, "bmi": 31.85, "fat": 28.74, "date": "09/20/25", "time": "07:15:00",
         "source": "Aria"}], indent=2))
    (data / "exercise-0.json").write_text(json.dumps([{
        "logId": 52001, "activityName": "Walk", "activityTypeId": 90013, "activityLevel": [],
        "averageHeartRate": round(statistics.mean(walk_bpm)), "calories": 187, "duration": WORKOUT_S * 1000,
        "activeDuration": WORKOUT_S * 1000, "steps": 110 * 30, "logType": "auto_detected",
        "lastModified": _fb(walk_to + timedelta(minutes=10)), "startTime": _fb(walk_from),
        "originalStartTime": _fb(walk_from), "originalDuration": WORKOUT_S * 1000, "elevationGain": 0.0,
        "hasGps": False, "shouldFetchDetails": False}], indent=2))
    return root


@pytest.mark.parametrize("layout", ["takeout", "user-site-export"])
def test_workouts_heart_rate_steps_and_sleep_line_up(store, pid, tmp_path, layout) -> None:  # type: ignore[no-untyped-def]
    root = write_account(tmp_path / layout, layout)
    report = Importer(store, pid).run("fitbit-takeout", root)
    assert report.error_count == 0, report.errors
    health, samples = HealthData(store), Samples(store)
    walk = health.workouts(pid)[0]
    assert walk.start_ts == int(WORKOUT_START.timestamp())
    assert walk.tz_offset == -240  # shown at the wearer's local time
    window = samples.series(pid, "heart_rate", walk.start_ts, walk.end_ts, max_points=10**6)
    assert len(window.ts) == WORKOUT_S // 5
    assert round(statistics.mean(window.mean)) == walk.avg_hr  # the workout's own average, on the same clock
    in_walk = samples.series(pid, "steps", walk.start_ts + 60, walk.end_ts + 1, max_points=10**6)
    assert sum(in_walk.mean) == walk.steps  # per-minute counts stamped at the minute's end
    night = health.nights(pid, date(2025, 9, 20), date(2025, 9, 20))[0]
    asleep = samples.series(pid, "heart_rate", night.start_ts + 600, night.end_ts - 600, max_points=10**6)
    assert max(asleep.mean) < 55  # the sleep heart rate, not the evening's
    weigh_in = store.measurements.latest(pid)[0]
    assert weigh_in.timestamp == datetime(2025, 9, 20, 7, 15, tzinfo=ZONE)


def test_stage_totals_equal_fitbits_summary_with_short_wakes(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = write_account(tmp_path / "t", "takeout")
    Importer(store, pid).run("fitbit-takeout", root)
    log = _sleep_log()
    night = HealthData(store).nights(pid, date(2025, 9, 20), date(2025, 9, 20))[0]
    summary = {k: v["minutes"] for k, v in log["levels"]["summary"].items()}
    assert {str(k): v for k, v in night.minutes.items()} == {
        "awake": summary["wake"], "light": summary["light"], "deep": summary["deep"], "rem": summary["rem"]}
    assert sum(night.minutes.values()) == log["timeInBed"]
