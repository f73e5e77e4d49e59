"""Deterministic demo health data for ``companion --demo``: nights with stages, steps, workouts, heart rate.

Written through the same store path as an import (one ``HealthData.commit_batch``), source ``demo``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from companion.health.model import Batch, SleepStage, Stage, Workout
from companion.store.samples import SampleKind

if TYPE_CHECKING:
    from companion.store.db import Store

DEMO_TZ = timezone(timedelta(hours=1))
SOURCE = "demo"


def demo_batch(today: date, days: int = 28, seed: int = 11) -> Batch:
    rng = random.Random(seed)
    batch = Batch()
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        # a night: to bed 22:30-23:30, cycles of light/deep/rem with a short wake
        t = int(datetime.combine(day, time(22, 30), DEMO_TZ).timestamp()) + rng.randrange(0, 3600)
        bed_start = t
        t += 600
        batch.sleep_stages.append(SleepStage(SOURCE, bed_start, t, Stage.AWAKE, 60))
        for cycle in range(5):
            plan = ((Stage.LIGHT, 45 - cycle * 3), (Stage.DEEP, 35 - cycle * 6), (Stage.REM, 10 + cycle * 5))
            for stage, minutes in plan:
                length = max(5, minutes + rng.randrange(-5, 6)) * 60
                batch.sleep_stages.append(SleepStage(SOURCE, t, t + length, stage, 60))
                t += length
            if rng.random() < 0.4:
                batch.sleep_stages.append(SleepStage(SOURCE, t, t + 300, Stage.AWAKE, 60))
                t += 300
        batch.size += len(batch.sleep_stages)
        # steps per hour from 7:00 to 22:00, more on workout days
        active = back % 3 == 0
        for hour in range(7, 22):
            end = int(datetime.combine(day, time(hour), DEMO_TZ).timestamp()) + 3600
            steps = rng.randrange(150, 700) + (2500 if active and hour == 18 else 0)
            batch.add_sample(SampleKind.STEPS.value, SOURCE, end, float(steps))
        # resting heart rate falls slowly as the programme goes on
        morning = int(datetime.combine(day, time(7), DEMO_TZ).timestamp())
        batch.add_sample(SampleKind.RESTING_HEART_RATE.value, SOURCE, morning, 68.0 - (days - back) * 0.1)
        for minute in range(0, 24 * 60, 10):
            ts = int(datetime.combine(day, time(0), DEMO_TZ).timestamp()) + minute * 60
            base = 58 if minute < 7 * 60 else 76
            batch.add_sample(SampleKind.HEART_RATE.value, SOURCE, ts, float(base + rng.randrange(-6, 9)))
        if active:
            start = int(datetime.combine(day, time(18, 0), DEMO_TZ).timestamp())
            minutes = 30 + rng.randrange(0, 20)
            batch.workouts.append(Workout(
                SOURCE, "Walking", start, start + minutes * 60, 60, None, minutes * 60.0,
                minutes * 90.0, minutes * 4.5, 105.0 + rng.randrange(0, 15), minutes * 110.0))
    return batch


def add_demo_health(store: Store, profile_id: int, today: date) -> int:
    from companion.store.health import HealthData

    added, _dupes = HealthData(store).commit_batch(profile_id, demo_batch(today))
    return added
