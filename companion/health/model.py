"""What the importers produce: plain data, no I/O.

Parsers fill a :class:`Batch` while they read; the importer hands each full batch to the store in one
transaction together with the file's bookkeeping, so a cancelled import leaves whole batches behind and a
re-run resumes after the last one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from companion.domain.measurement import Measurement
from companion.domain.model import IMPEDANCE_RANGE, METRIC_INFO, Metric
from companion.i18n import N_

#: Why one value of a reading was left out while the rest of the reading was kept (per Measurement field).
FIELD_REFUSED: dict[str, str] = {
    "weight_kg": N_("weight outside the possible range (left out)"),
    "body_fat_pct": N_("body fat outside the possible range (left out)"),
    "body_water_pct": N_("body water outside the possible range (left out)"),
    "bone_mass_kg": N_("bone mass outside the possible range (left out)"),
    "muscle_mass_kg": N_("muscle mass outside the possible range (left out)"),
    "bmi": N_("BMI outside the possible range (left out)"),
    "bmr_kcal": N_("basal metabolic rate outside the possible range (left out)"),
    "visceral_fat": N_("visceral fat outside the possible range (left out)"),
    "impedance_ohm": N_("impedance outside the possible range (left out)"),
}
_FIELD_RANGES: dict[str, tuple[float, float]] = {
    **{m.value: (METRIC_INFO[m].low, METRIC_INFO[m].high) for m in Metric}, "impedance_ohm": IMPEDANCE_RANGE}


def plausible_fields(values: dict[str, float | None]) -> tuple[dict[str, float | None], list[str]]:
    """The values of one reading that are possible, and the reasons (``FIELD_REFUSED``) for those that are not:
    one impossible value (a body water of 4 %) must not cost the weight next to it."""
    kept: dict[str, float | None] = {}
    refused: list[str] = []
    for name, value in values.items():
        limits = _FIELD_RANGES.get(name)
        if value is not None and limits is not None and not (limits[0] <= value <= limits[1]):  # NaN too
            refused.append(FIELD_REFUSED[name])
            continue
        kept[name] = value
    return kept, refused


class Stage(StrEnum):
    IN_BED = "in_bed"
    ASLEEP = "asleep"  # asleep, stage unknown
    AWAKE = "awake"
    LIGHT = "light"  # Apple "core"
    DEEP = "deep"
    REM = "rem"
    RESTLESS = "restless"  # Fitbit "classic" sleep


ASLEEP_STAGES = frozenset({Stage.ASLEEP, Stage.LIGHT, Stage.DEEP, Stage.REM, Stage.RESTLESS})


def night_of(start_ts: int, tz_offset_min: int) -> str:
    """The night a sleep interval belongs to: the local date of the morning it ends in.

    Anything that starts at or after local noon belongs to the night ending the next morning.
    """
    local = datetime.fromtimestamp(start_ts + tz_offset_min * 60, UTC).replace(tzinfo=None)
    day = local.date()
    if local.hour >= 12:
        day = day + timedelta(days=1)
    return day.isoformat()


@dataclass(frozen=True, slots=True)
class SleepStage:
    source: str
    start_ts: int
    end_ts: int
    stage: Stage
    tz_offset: int = 0

    @property
    def night(self) -> str:
        return night_of(self.start_ts, self.tz_offset)


@dataclass(frozen=True, slots=True)
class SleepSession:
    source: str
    start_ts: int
    end_ts: int
    tz_offset: int = 0
    kind: str = ""  # "stages" or "classic" (Fitbit)
    main_sleep: bool = True
    asleep_min: float | None = None
    in_bed_min: float | None = None
    efficiency: float | None = None

    @property
    def night(self) -> str:
        return night_of(self.start_ts, self.tz_offset)


@dataclass(frozen=True, slots=True)
class Workout:
    source: str
    activity: str
    start_ts: int
    end_ts: int
    tz_offset: int = 0
    device: str | None = None
    duration_s: float | None = None
    distance_m: float | None = None
    energy_kcal: float | None = None
    avg_hr: float | None = None
    steps: float | None = None


@dataclass(frozen=True, slots=True)
class Night:
    """One night of sleep, summed per stage (minutes), from the source that recorded the most sleep."""

    night: date
    source: str
    start_ts: int
    end_ts: int
    minutes: dict[str, float]

    @property
    def asleep_min(self) -> float:
        return sum(v for k, v in self.minutes.items() if k in ASLEEP_STAGES)


@dataclass
class Batch:
    """Everything parsed since the last commit. ``samples`` maps (kind, source) to (unix s, value) points."""

    samples: dict[tuple[str, str], list[tuple[int, float]]] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    sleep_stages: list[SleepStage] = field(default_factory=list)
    sleep_sessions: list[SleepSession] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)
    size: int = 0  # items in the batch

    def add_sample(self, kind: str, source: str, ts: int, value: float) -> None:
        key = (kind, source)
        points = self.samples.get(key)
        if points is None:
            points = self.samples[key] = []
        points.append((ts, value))
        self.size += 1

    def __bool__(self) -> bool:
        return self.size > 0 or bool(self.measurements or self.sleep_stages or self.sleep_sessions or self.workouts)


@dataclass
class ImportReport:
    """What an import did: counts for the summary, per-reason error counts, skipped record types."""

    format: str
    records: int = 0  # records read from the file
    added: int = 0  # new rows stored (duplicates of earlier imports are not counted)
    duplicates: int = 0
    resumed_from: int = 0  # records skipped because an earlier, interrupted run committed them
    already_imported: bool = False
    cancelled: bool = False
    errors: Counter[str] = field(default_factory=Counter)
    refused_fields: Counter[str] = field(default_factory=Counter)  # values left out of readings that were kept
    skipped_types: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> one example location
    fatal: str | None = None  # why the import stopped early (the valid part before it is kept)

    def error(self, reason: str, where: str = "") -> None:
        self.errors[reason] += 1
        if where and reason not in self.examples:
            self.examples[reason] = where

    def refuse_field(self, reason: str, where: str = "") -> None:
        self.refused_fields[reason] += 1
        if where and reason not in self.examples:
            self.examples[reason] = where

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "format": self.format, "records": self.records, "added": self.added, "duplicates": self.duplicates,
            "resumed_from": self.resumed_from, "already_imported": self.already_imported,
            "cancelled": self.cancelled, "errors": dict(self.errors), "error_count": self.error_count,
            "refused_fields": dict(self.refused_fields),
            "skipped_types": dict(self.skipped_types), "examples": dict(self.examples), "fatal": self.fatal,
        }


class UnreadableFile(Exception):
    """The file cannot be imported at all (wrong format, unreadable): a human message."""


class PartRefused(Exception):
    """A reader of one part of a file cannot take that part on its own (the caller reads the file whole)."""


class Cancelled(Exception):
    """Raised inside an import when the caller's cancel check says stop."""
