"""Demo data: a realistic, deterministic programme curve for ``companion --demo`` (pure but for the store).

The curve: a few weeks before placement at a stable weight, then the loss most of it in months 1-4 after
an intragastric balloon is placed (about 13 % TBWL at 6 months, the pooled Orbera figure in
shared/reference/health_data.md 6.3), removal at 6 months, then a plateau with a slight regain; daily noise
and skipped days. Body composition is computed consistently from weight, height, age and sex.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from companion.domain.model import Measurement, Metric, Profile, Sex

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


def generate(profile: Profile, days: int, today: date, seed: int = 7) -> list[Measurement]:
    """About one weigh-in a day for ``days`` days up to ``today`` (deterministic for a given seed).

    Written for speed (ten years are generated on every ``companion --demo`` start): constants hoisted, no
    per-day lookups beyond the arithmetic itself.
    """
    rng = random.Random(seed)
    uniform = rng.random

    def gauss(mu: float, sigma: float) -> float:
        """Approximately normal noise (Irwin-Hall sum of three uniforms, rescaled to unit variance): cheap."""
        return mu + (uniform() + uniform() + uniform() - 1.5) * 2.0 * sigma

    start_weight = profile.start_weight_kg or 100.0
    placement = profile.placement_date or today - timedelta(days=days // 2)
    height_cm = profile.height_cm
    height_m2 = (height_cm / 100) ** 2
    male = 1 if profile.sex is Sex.MALE else 0
    sex_fat = -10.8 * male - 5.4  # Deurenberg (1991): BF% = 1.2 BMI + 0.23 age - 10.8 sex - 5.4
    sex_bmr = 5 if male else -161  # Mifflin-St Jeor (1990)
    born = profile.birth_date
    out: list[Measurement] = []
    append = out.append
    first = today - timedelta(days=days - 1)
    offset = (first - placement).days
    for i in range(days):
        day = first + timedelta(days=i)
        if uniform() < 0.12 and day != today:  # skipped days
            continue
        weight = _weight_curve(offset + i, start_weight) + gauss(0, 0.35)
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        bmi = weight / height_m2
        fat = max(8.0, 1.2 * bmi + 0.23 * age + sex_fat + gauss(0, 0.4))
        lean = weight * (1 - fat / 100)
        bone = lean * 0.05
        append(Measurement(
            timestamp=datetime.combine(day, time(7, 10 + int(uniform() * 40)), DEMO_TZ),
            source="ble:demo-scale", weight_kg=round(weight, 2), body_fat_pct=round(fat, 1),
            body_water_pct=round(lean * 73 / weight, 1),
            bone_mass_kg=round(bone, 2), muscle_mass_kg=round(lean - bone, 2), bmi=round(bmi, 1),
            bmr_kcal=round(10 * weight + 6.25 * height_cm - 5 * age + sex_bmr),
            visceral_fat=max(1.0, round(bmi * 0.6 - 6 + age / 20)),
            impedance_ohm=round(480 + (fat - 30) * 6 + gauss(0, 5), 1), derived=_DERIVED,
        ))
    return out


def create_demo_store(home: Path, *, years: float = 2.0, today: date | None = None) -> Store:
    """A throwaway store (key in memory) with the demo profile and ``years`` of daily weigh-ins."""
    from companion.clock import SYSTEM_CLOCK
    from companion.privacy.notice import CURRENT_NOTICE
    from companion.store import Store

    store = Store.create_ephemeral(home)
    day = today or SYSTEM_CLOCK.now().date()
    with store.transaction():
        profile = store.profiles.add(demo_profile(day))
        store.consents.record("health-data", "grant", CURRENT_NOTICE.version, "demo")
        store.consents.record("location", "grant", CURRENT_NOTICE.version, "demo")
        store.settings.set("notice_version_seen", CURRENT_NOTICE.version)
        store.measurements.add_many(generate(profile, int(years * 365.25), day), profile.id)
    return store
