"""HealthData: nights pick one source, steps per local day, consent, erasure category tables exist."""

from __future__ import annotations

from datetime import date

import pytest

from companion.health.model import Batch, SleepStage, Stage, Workout, night_of
from companion.privacy.gate import ProcessingNotAllowed
from companion.store.categories import CATEGORY_TABLES
from companion.store.health import HealthData

T = 1_767_250_800  # 2026-01-01 08:00 +0100


def test_night_of() -> None:
    assert night_of(T - 9 * 3600, 60) == "2026-01-01"  # 23:00 on 31 Dec -> the night ending 1 Jan
    assert night_of(T - 6 * 3600, 60) == "2026-01-01"  # 02:00
    assert night_of(T + 5 * 3600, 60) == "2026-01-02"  # 13:00 nap -> next night
    assert night_of(T - 20 * 3600, 60) == "2026-01-01"  # noon on 31 Dec in Amsterdam
    assert night_of(T - 20 * 3600, -300) == "2025-12-31"  # the same instant is 06:00 in New York


def test_nights_take_the_source_with_most_sleep(store, pid) -> None:  # type: ignore[no-untyped-def]
    batch = Batch()
    batch.sleep_stages += [SleepStage("phone", T - 8 * 3600, T - 4 * 3600, Stage.ASLEEP, 60),
                           SleepStage("watch", T - 8 * 3600, T - 6 * 3600, Stage.DEEP, 60),
                           SleepStage("watch", T - 6 * 3600, T - 1 * 3600, Stage.LIGHT, 60)]
    batch.workouts.append(Workout("watch", "Cycling", T, T + 600))
    health = HealthData(store)
    added, dupes = health.commit_batch(pid, batch)
    assert (added, dupes) == (4, 0)
    assert health.commit_batch(pid, batch) == (0, 4)
    (night,) = health.nights(pid, date(2026, 1, 1), date(2026, 1, 1))
    assert night.source == "watch" and night.asleep_min == 420
    assert [s.stage for s in health.stages(pid, night.night, "watch")] == [Stage.DEEP, Stage.LIGHT]


def test_steps_per_local_day(store, pid) -> None:  # type: ignore[no-untyped-def]
    batch = Batch()
    midnight = 1_767_222_000  # 2026-01-01 00:00 +0100
    batch.add_sample("steps", "watch", midnight, 100)  # ends at midnight: counted on 31 Dec
    batch.add_sample("steps", "watch", midnight + 600, 50)
    batch.add_sample("steps", "phone", midnight + 600, 40)
    HealthData(store).commit_batch(pid, batch)
    from zoneinfo import ZoneInfo

    days = HealthData(store).steps_per_day(pid, date(2025, 12, 31), date(2026, 1, 1), ZoneInfo("Europe/Amsterdam"))
    assert days == [(date(2025, 12, 31), 100), (date(2026, 1, 1), 50)]


def test_needs_consent(store, pid) -> None:  # type: ignore[no-untyped-def]
    store.consents.record("health-data", "withdraw", "1.0", "test")
    batch = Batch()
    batch.add_sample("heart_rate", "x", T, 60)
    with pytest.raises(ProcessingNotAllowed):
        HealthData(store).commit_batch(pid, batch)


def test_category_tables_exist(store) -> None:  # type: ignore[no-untyped-def]
    names = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(CATEGORY_TABLES["health-data"]) <= names
