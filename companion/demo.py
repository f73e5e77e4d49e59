"""Demo data: a realistic, deterministic programme curve for ``companion --demo`` (pure but for the store).

The curve: a few weeks before placement at a stable weight, then the loss most of it in months 1-4 after
an intragastric balloon is placed (about 13 % TBWL at 6 months, the pooled Orbera figure in
shared/reference/health_data.md 6.3), removal at 6 months, then a plateau with a slight regain; daily noise
and skipped days. Body composition is computed consistently from weight, height, age and sex.
"""

from __future__ import annotations

import math
import os
import random
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from companion.domain.model import Measurement, Metric, Profile, Sex
from companion.i18n import _

if TYPE_CHECKING:
    from companion.clock import Clock
    from companion.store import Store
    from companion.trends.snapshot import DashboardSnapshot

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


def generate_columns(profile: Profile, days: int, today: date, seed: int = 7) -> DemoSeries:
    """About one weigh-in a day for ``days`` days up to ``today``, deterministic for a given seed.

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
        ts.append(first_seven + i * 86400 + (10 + int(uniform() * 40)) * 60)
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
        series = generate_columns(profile, int(years * 365.25), day)
        assert profile.id is not None
        store.measurements.add_columns(
            profile.id, source=series.source, timestamps=series.timestamps, values=series.values,
            impedance=series.impedance, tz_offset_min=series.tz_offset_min, derived=series.derived,
        )
    return store


def demo_years_from_environment(default: float = 2.0) -> float:
    """``COMPANION_DEMO_YEARS`` (0.1 to 50), else ``default``."""
    try:
        years = float(os.environ.get("COMPANION_DEMO_YEARS", default))
    except ValueError:
        years = default
    return max(0.1, min(years, 50.0))


class DemoWorkspace:
    """A throwaway data directory with the demo store, built in the background from the moment it exists.

    ``companion --demo`` makes one before it imports the UI. With ``separate_process`` (Linux, used by the
    command) a forked child builds the store and the dashboard's first figures on the second core while this
    process imports Textual, then hands over the store's random key and those figures through a pipe (never
    through a file); otherwise (tests, other systems) a thread does the same work. ``store()`` waits for it;
    ``cleanup()`` deletes the directory.
    """

    def __init__(self, years: float, today: date, clock: Clock | None = None, *,
                 separate_process: bool = False) -> None:
        from companion.clock import SYSTEM_CLOCK

        self._tmp = tempfile.TemporaryDirectory(prefix="companion-demo-")
        self.home = Path(self._tmp.name)
        self.clock = clock or SYSTEM_CLOCK
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._store_ready = threading.Event()
        self._snapshot: DashboardSnapshot | None = None
        self._child: tuple[int, BinaryIO] | None = None  # (pid, read end of the pipe)
        self._thread: threading.Thread | None = None
        if separate_process and hasattr(os, "fork") and sys.platform.startswith("linux"):
            self._fork(years, today)
        else:
            self._thread = threading.Thread(
                target=self._build, args=(years, today), name="companion-demo", daemon=True
            )
            self._thread.start()

    def _build(self, years: float, today: date) -> None:
        try:
            self._store = create_demo_store(self.home, years=years, today=today)
        except BaseException as exc:  # handed to the caller of store()
            self._error = exc
            return
        finally:
            self._store_ready.set()
        # Then what the dashboard shows first, while the UI is still starting (dashboard_snapshot()).
        try:
            from companion.trends.snapshot import load_snapshot

            profile = self._store.profiles.active()
            if profile is not None:
                self._snapshot = load_snapshot(self._store, profile, self.clock.now())
        except Exception:  # the dashboard loads it again itself
            self._snapshot = None

    # ----- in a child process ------------------------------------------------------------------------
    @property
    def in_child_process(self) -> bool:
        """True while the dashboard's figures are still to come from the child (read them off the UI thread)."""
        return self._child is not None

    def _fork(self, years: float, today: date) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: build, report, and leave without running the parent's clean-ups
            os.close(read_end)
            code = 1
            try:
                code = self._child_build(years, today, write_end)
            finally:
                os._exit(code)
        os.close(write_end)
        self._child = (pid, os.fdopen(read_end, "rb"))

    def _child_build(self, years: float, today: date, out: int) -> int:
        """Two reports: the store's key as soon as the data is committed (the UI can start on it), then the
        dashboard's figures. Failing to compute those is not fatal: the dashboard computes them itself."""
        import pickle
        import secrets

        with os.fdopen(out, "wb") as pipe:
            try:
                key = secrets.token_bytes(32)
                store = create_demo_store(self.home, years=years, today=today, key=key)
            except BaseException as exc:
                pickle.dump(("error", f"{type(exc).__name__}: {exc}"), pipe)
                return 1
            pickle.dump(("store", key), pipe)
            pipe.flush()
            parts: dict[str, object] = {}
            try:
                from companion.trends.snapshot import load_snapshot

                profile = store.profiles.active()
                if profile is not None:
                    snapshot = load_snapshot(store, profile, self.clock.now())
                    parts = {name: getattr(snapshot, name) for name in ("profile", "figures", "chart", "inbox",
                                                                        "blocked", "language")}
                    # The prepared series, without the store connection they were read through
                    parts["series"] = dict(snapshot.data._series) if snapshot.data is not None else None
            except Exception:
                parts = {}
            store.close()
            pickle.dump(("snapshot", parts), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        return 0

    def _child_report(self) -> tuple[object, ...]:
        import pickle

        assert self._child is not None
        try:
            # Our own child, forked above, wrote this pipe: unpickling it is safe
            message: tuple[object, ...] = pickle.load(self._child[1])
        except (EOFError, pickle.UnpicklingError):
            message = ("error", _("The demo data could not be built."))
        return message

    def _finish_child(self) -> None:
        assert self._child is not None
        pid, pipe = self._child
        self._child = None
        pipe.close()
        os.waitpid(pid, 0)

    def _open_child_store(self) -> None:
        from companion.store import Store, StoreError

        message = self._child_report()
        if message[0] != "store":
            self._finish_child()
            self._error = StoreError(str(message[1]))
            return
        key = message[1]
        assert isinstance(key, bytes)
        try:
            self._store = Store.open_ephemeral(self.home, key, clock=self.clock)
        except BaseException as exc:
            self._finish_child()
            self._error = exc

    def _child_snapshot(self) -> None:
        message = self._child_report()
        self._finish_child()
        parts = message[1] if message[0] == "snapshot" else None
        if not parts or self._store is None:
            return
        from companion.trends.data import TrendData
        from companion.trends.snapshot import DashboardSnapshot

        assert isinstance(parts, dict)
        profile = parts["profile"]
        data = None
        if parts["series"] is not None:
            data = TrendData(self._store, profile)
            data._series.update(parts["series"])
        self._snapshot = DashboardSnapshot(profile, data, parts["figures"], parts["chart"], parts["inbox"],
                                           parts["blocked"], parts["language"])

    # ----- results -----------------------------------------------------------------------------------
    def store(self) -> Store:
        if self._child is not None and self._store is None and self._error is None:
            self._open_child_store()
            self._store_ready.set()
        self._store_ready.wait()
        if self._error is not None:
            self.cleanup()
            raise self._error
        assert self._store is not None
        return self._store

    def dashboard_snapshot(self) -> DashboardSnapshot | None:
        """The dashboard's first data, computed in the background after the store was built (or None).
        With a child process this waits for its second report: call it off the UI thread."""
        if self._child is not None:
            self.store()
            if self._child is not None:
                self._child_snapshot()
        if self._thread is not None:
            self._thread.join()
        return self._snapshot

    def cleanup(self) -> None:
        if self._child is not None:  # never collected: stop the child before its directory goes
            pid, pipe = self._child
            self._child = None
            pipe.close()
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
        self._tmp.cleanup()
