"""Demo data: a realistic, deterministic programme curve for ``companion --demo`` (pure but for the store).

The curve: a few weeks before placement at a stable weight, then the loss most of it in months 1-4 after
an intragastric balloon is placed (about 13 % TBWL at 6 months, the pooled Orbera figure in
shared/reference/health_data.md 6.3), removal at 6 months, then a plateau with a slight regain; daily noise
and skipped days. Body composition is computed consistently from weight, height, age and sex.
"""

from __future__ import annotations

import math
import random
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.domain.measurement import Measurement
from companion.domain.model import Metric, Profile, Sex

if TYPE_CHECKING:
    from companion.store import Store

DEMO_TZ = timezone(timedelta(hours=1))


def demo_profile(today: date) -> Profile:
    placement = today - timedelta(days=600)
    return Profile(
        name="Sam Demo",
        sex=Sex.FEMALE,
        birth_date=date(today.year - 46, 3, 14),
        height_cm=168.0,
        language="en",
        placement_date=placement,
        placement_place="Demo Clinic (sample)",
        removal_date=placement + timedelta(days=182),
        clinic="Demo Clinic (sample)",
        goal_weight_kg=82.0,
        start_weight_kg=108.0,
    )


def _weight_curve(day: float, start: float) -> float:
    """Expected weight ``day`` days after placement (negative: before)."""
    if day < 0:
        return start + 0.2 * math.sin(day / 9)
    loss = 0.135 * start * (1 - math.exp(-day / 55))  # most of the loss in months 1-4
    if day > 182:  # after removal: slow partial regain that levels off
        loss -= 0.03 * start * (1 - math.exp(-(day - 182) / 120))
    return start - loss


_DERIVED = frozenset({Metric.BMI, Metric.BMR})
_METRICS = (Metric.WEIGHT, Metric.BODY_FAT, Metric.BODY_WATER, Metric.BONE_MASS, Metric.MUSCLE_MASS,
            Metric.BMI, Metric.BMR, Metric.VISCERAL_FAT)


@dataclass(frozen=True)
class DemoSeries:
    """Demo weigh-ins column by column (the shape ``Measurements.add_columns`` takes)."""

    timestamps: list[int]  # Unix seconds
    values: dict[Metric, list[float]]
    impedance: list[float]
    tz_offset_min: int = 60
    source: str = "ble:demo-scale"
    derived: frozenset[Metric] = _DERIVED


def generate_columns(profile: Profile, days: int, today: date, seed: int = 7,
                     not_after: int | None = None) -> DemoSeries:
    """About one weigh-in a day for ``days`` days up to ``today``, deterministic for a given seed; none later
    than ``not_after`` (Unix seconds): shortly after midnight, today's morning weigh-in has not happened yet.

    Written for speed (ten years are generated on every ``companion --demo`` start): plain arithmetic on
    floats and integers, no objects per day.
    """
    rng = random.Random(seed)
    uniform = rng.random

    def noise(sigma: float) -> float:
        """Approximately normal noise (Irwin-Hall sum of three uniforms, rescaled to unit variance): cheap."""
        return (uniform() + uniform() + uniform() - 1.5) * 2.0 * sigma

    start_weight = profile.start_weight_kg or 100.0
    placement = profile.placement_date or today - timedelta(days=days // 2)
    height_cm = profile.height_cm
    height_m2 = (height_cm / 100) ** 2
    male = 1 if profile.sex is Sex.MALE else 0
    sex_fat = -10.8 * male - 5.4  # Deurenberg (1991): BF% = 1.2 BMI + 0.23 age - 10.8 sex - 5.4
    sex_bmr = 5 if male else -161  # Mifflin-St Jeor (1990)
    born = profile.birth_date
    first = today - timedelta(days=days - 1)
    offset = (first - placement).days
    # 07:00 local time (UTC+1) on the first day, in Unix seconds
    first_seven = int(datetime.combine(first, time(7, 0), DEMO_TZ).timestamp())
    birthday = (born.month, born.day)
    ts: list[int] = []
    weight_col: list[float] = []
    fat_col: list[float] = []
    water_col: list[float] = []
    bone_col: list[float] = []
    muscle_col: list[float] = []
    bmi_col: list[float] = []
    bmr_col: list[float] = []
    visceral_col: list[float] = []
    impedance_col: list[float] = []
    for i in range(days):
        if uniform() < 0.12 and i != days - 1:  # skipped days (never today)
            continue
        day = first + timedelta(days=i)
        age = day.year - born.year - ((day.month, day.day) < birthday)
        weight = _weight_curve(offset + i, start_weight) + noise(0.35)
        bmi = weight / height_m2
        fat = max(8.0, 1.2 * bmi + 0.23 * age + sex_fat + noise(0.4))
        lean = weight * (1 - fat / 100)
        bone = lean * 0.05
        stamp = first_seven + i * 86400 + (10 + int(uniform() * 40)) * 60
        if not_after is not None and stamp > not_after:
            break
        ts.append(stamp)
        weight_col.append(round(weight, 2))
        fat_col.append(round(fat, 1))
        water_col.append(round(lean * 73 / weight, 1))
        bone_col.append(round(bone, 2))
        muscle_col.append(round(lean - bone, 2))
        bmi_col.append(round(bmi, 1))
        bmr_col.append(float(round(10 * weight + 6.25 * height_cm - 5 * age + sex_bmr)))
        visceral_col.append(float(max(1, round(bmi * 0.6 - 6 + age / 20))))
        impedance_col.append(round(480 + (fat - 30) * 6 + noise(5), 1))
    columns = (weight_col, fat_col, water_col, bone_col, muscle_col, bmi_col, bmr_col, visceral_col)
    return DemoSeries(ts, dict(zip(_METRICS, columns, strict=True)), impedance_col)


def generate(profile: Profile, days: int, today: date, seed: int = 7) -> list[Measurement]:
    """The same weigh-ins as ``generate_columns``, as ``Measurement`` objects."""
    series = generate_columns(profile, days, today, seed)
    rows = zip(series.timestamps, *(series.values[m] for m in _METRICS), series.impedance, strict=True)
    return [
        Measurement(
            timestamp=datetime.fromtimestamp(t, DEMO_TZ), source=series.source, weight_kg=w, body_fat_pct=f,
            body_water_pct=wa, bone_mass_kg=b, muscle_mass_kg=mu, bmi=bmi, bmr_kcal=bmr, visceral_fat=v,
            impedance_ohm=imp, derived=series.derived,
        )
        for t, w, f, wa, b, mu, bmi, bmr, v, imp in rows
    ]


def create_demo_store(home: Path, *, years: float = 2.0, today: date | None = None,
                      key: bytes | None = None) -> Store:
    """A throwaway store (key in memory) with the demo profile and ``years`` of daily weigh-ins."""
    from companion.clock import SYSTEM_CLOCK
    from companion.privacy.notice import CURRENT_NOTICE
    from companion.store import Store

    store = Store.create_ephemeral(home, key=key)
    day = today or SYSTEM_CLOCK.now().date()
    with store.transaction():
        profile = store.profiles.add(demo_profile(day))
        store.consents.record("health-data", "grant", CURRENT_NOTICE.version, "demo")
        store.consents.record("location", "grant", CURRENT_NOTICE.version, "demo")
        store.settings.set("notice_version_seen", CURRENT_NOTICE.version)
        # Generated for the real today: no weigh-in in the future (a fixed day in the past is left whole)
        not_after = int(_time.time()) if day >= date.today() else None
        series = generate_columns(profile, int(years * 365.25), day, not_after=not_after)
        assert profile.id is not None
        store.measurements.add_columns(
            profile.id, source=series.source, timestamps=series.timestamps, values=series.values,
            impedance=series.impedance, tz_offset_min=series.tz_offset_min, derived=series.derived,
        )
    return store


def add_programme_demo(store: Store, profile: Profile, *, years: float, today: date, photos: int = 0) -> None:
    """The programme for the demo person: goals with dates, weekly tape measurements, a weekly GLP-1 pen (sites
    rotating) and a daily PPI, a few glasses of water a day, and ``photos`` progress photos (small generated
    pictures, so the demo stays quick)."""
    from companion.programme.body import Site
    from companion.programme.goals import GoalKind
    from companion.programme.medication import ROTATION, Schedule

    assert profile.id is not None
    repo = store.programme
    days = int(years * 365.25)
    start = today - timedelta(days=days - 1)
    waist, hips = 112.0, 124.0
    bodies: list[tuple[datetime, dict[Site, float]]] = []
    doses: list[tuple[datetime, str, float, str, str, Any, str]] = []
    water: list[tuple[datetime, int]] = []
    for i in range(days):
        day = start + timedelta(days=i)
        morning = datetime.combine(day, time(8, 5), DEMO_TZ)
        if i % 7 == 0:
            waist = max(86.0, waist - 0.35 + 0.2 * ((i * 37) % 5 - 2) / 2)
            hips = max(100.0, hips - 0.2)
            bodies.append((morning, {Site.WAIST: round(waist, 1), Site.HIPS: round(hips, 1),
                                     Site.THIGH_L: round(hips * 0.5, 1), Site.THIGH_R: round(hips * 0.5 + 0.4, 1)}))
            doses.append((morning, "semaglutide (Wegovy, Ozempic)", 2.4, "mg", "subcutaneous",
                          ROTATION[(i // 7) % len(ROTATION)], "taken"))
        doses.append((morning, "omeprazole", 20.0, "mg", "oral", None, "taken" if i % 23 else "skipped"))
        for hour in (9, 12, 15, 18):
            water.append((datetime.combine(day, time(hour, 30), DEMO_TZ), 250 if (i + hour) % 5 else 330))
    repo.add_plan(profile.id, "semaglutide (Wegovy, Ozempic)", 2.4, "mg", "subcutaneous", Schedule.WEEKLY,
                  today.weekday())
    repo.add_plan(profile.id, "omeprazole", 20.0, "mg", "oral", Schedule.DAILY, None)
    repo.add_goal(profile, GoalKind.WAIST, 88.0, today + timedelta(days=180))
    repo.add_many(profile.id, bodies=bodies, doses=doses, water=water)
    if photos:
        _demo_photos(store, profile.id, photos, start, days)


def _demo_photos(store: Store, profile_id: int, count: int, start: date, days: int) -> None:
    import io
    from dataclasses import replace

    from PIL import Image

    from companion.programme.photos import prepare

    picture = Image.new("RGB", (120, 160), (180, 140, 120))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG")
    base = prepare(buffer.getvalue())
    step = max(days // count, 1)
    for k in range(count):
        when = datetime.combine(start + timedelta(days=k * step), datetime.min.time(), DEMO_TZ)
        store.programme.add_photo(profile_id, replace(base, sha256=f"{base.sha256}-{k}"), when)
