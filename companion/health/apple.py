"""Apple Health ``export.xml``: a sans-I/O streaming parser (feed bytes, take batches).

Layout (HealthKit Export Version 14; neiltron/apple-health-mcp:docs/reference/apple-health-export-xml.md):
an inline DTD, a ``HealthData`` root, then ``Record``/``Correlation``/``Workout``/``ActivitySummary``/...
elements. Dates are local time with an offset (``2024-03-01 07:12:09 +0100``). Records are emitted as soon as
their start tag is read; workouts when they end (their totals are children on iOS 16+).

Safety: expat never loads external entities unless a handler asks for them; we also refuse any ENTITY
declaration (as defusedxml does), so neither network access nor entity expansion can happen.

Invalid XML written by third-party apps (openradar 21431305: attribute names with spaces) does not stop the
import: the broken record is counted as an error and parsing restarts at the next record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from xml.parsers import expat

from companion.domain.measurement import Measurement
from companion.domain.model import InvalidMeasurement
from companion.domain.samples import SampleKind
from companion.health.model import Batch, ImportReport, SleepStage, Stage, Workout
from companion.i18n import N_

FORMAT = "apple-health"
MEASUREMENT_SOURCE = "import:apple-health"

_MASS = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "st": 6.35029318, "oz": 0.028349523125}
_LENGTH = {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54, "ft": 30.48}
_ENERGY = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184, "cal": 0.001}
_PER_MIN = {"count/min": 1.0, "count/s": 60.0, "count/h": 1 / 60}

# type -> (sample kind, units -> factor, low, high, timestamp at end of the interval)
_SAMPLE_TYPES: dict[str, tuple[str, dict[str, float], float, float, bool]] = {
    "HKQuantityTypeIdentifierHeartRate": (SampleKind.HEART_RATE.value, _PER_MIN, 20, 300, False),
    "HKQuantityTypeIdentifierRestingHeartRate": (SampleKind.RESTING_HEART_RATE.value, _PER_MIN, 20, 250, False),
    "HKQuantityTypeIdentifierWalkingHeartRateAverage": (SampleKind.WALKING_HEART_RATE.value, _PER_MIN, 20, 300,
                                                        False),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": (SampleKind.HRV_SDNN.value, {"ms": 1.0, "s": 1000.0}, 0.5,
                                                         1000, False),
    "HKQuantityTypeIdentifierStepCount": (SampleKind.STEPS.value, {"count": 1.0}, 0, 200_000, True),
    "HKQuantityTypeIdentifierActiveEnergyBurned": (SampleKind.ACTIVE_ENERGY.value, _ENERGY, 0, 20_000, True),
    "HKQuantityTypeIdentifierLeanBodyMass": (SampleKind.LEAN_BODY_MASS.value, _MASS, 2, 400, False),
    "HKQuantityTypeIdentifierHeight": (SampleKind.HEIGHT.value, _LENGTH, 40, 280, False),
}
_BODY_MASS = "HKQuantityTypeIdentifierBodyMass"
_BODY_FAT = "HKQuantityTypeIdentifierBodyFatPercentage"
_BMI = "HKQuantityTypeIdentifierBodyMassIndex"
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"

# HKCategoryValueSleepAnalysis (developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis):
# names as exported, and the raw values 0..5 some third-party exports write.
_SLEEP_STAGES: dict[str, Stage] = {
    "HKCategoryValueSleepAnalysisInBed": Stage.IN_BED, "0": Stage.IN_BED,
    "HKCategoryValueSleepAnalysisAsleepUnspecified": Stage.ASLEEP, "HKCategoryValueSleepAnalysisAsleep": Stage.ASLEEP,
    "1": Stage.ASLEEP,
    "HKCategoryValueSleepAnalysisAwake": Stage.AWAKE, "2": Stage.AWAKE,
    "HKCategoryValueSleepAnalysisAsleepCore": Stage.LIGHT, "3": Stage.LIGHT,
    "HKCategoryValueSleepAnalysisAsleepDeep": Stage.DEEP, "4": Stage.DEEP,
    "HKCategoryValueSleepAnalysisAsleepREM": Stage.REM, "5": Stage.REM,
}
_TOP_LEVEL = frozenset({"Record", "Correlation", "Workout", "ActivitySummary", "ClinicalRecord", "Audiogram",
                        "VisionPrescription"})
_RESYNC = re.compile(
    rb"<(?:Record|Workout|Correlation|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)[\s>/]")
# Children of records that Companion never reads, in exactly the form Apple writes them: a MetadataEntry on
# its own line, indented by two spaces (that literal prefix keeps the search cheap), its two attribute values
# printable ASCII without quotes, markup or references. Such an element is well-formed on its own, so dropping
# it leaves a well-formed document well-formed, and no imported value changes (the handlers ignore
# MetadataEntry). Each is replaced by its newline, which keeps expat's line numbers. Measured on the benchmark
# export (70 % heart rate, each with its motion context): 9 % fewer instructions for the whole parse.
_IGNORED_CHILD = re.compile(rb'\n  <MetadataEntry key="[ !#-%\'-;=-~]*" value="[ !#-%\'-;=-~]*"/>')
_DURATION = {"min": 60.0, "s": 1.0, "sec": 1.0, "hr": 3600.0, "h": 3600.0, "ms": 0.001}
_DISTANCE_M = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144, "cm": 0.01}

# Reasons (counted per record, shown translated in the summary).
E_DATE = N_("unreadable date")
E_VALUE = N_("impossible or unreadable value")
E_UNIT = N_("unknown unit")
E_MISSING = N_("required attribute missing")
E_XML = N_("malformed XML (record skipped)")
E_TRUNCATED = N_("file ends in the middle of a record")
E_SLEEP = N_("unknown sleep value")
E_INTERVAL = N_("end before start")


_HM = {f"{h:02d}:{m:02d}": h * 3600 + m * 60 for h in range(24) for m in range(60)}
_SEC = {f"{s:02d}": s for s in range(61)}
_MIN_SEC = {f":{m:02d}:{s:02d}": m * 60 + s for m in range(60) for s in range(61)}  # text[13:19] of a date

# Element and attribute names of the hot path. expat interns every name through the dict given to
# ParserCreate; seeding it with these very objects lets the hot path compare names by identity.
_RECORD, _METADATA, _TYPE, _VALUE, _UNIT, _SOURCE, _START, _END = (
    "Record", "MetadataEntry", "type", "value", "unit", "sourceName", "startDate", "endDate")
_INTERNED = (_RECORD, _METADATA, _TYPE, _VALUE, _UNIT, _SOURCE, _START, _END)
_NO_LAYOUT = (-1, 0, 0, 0, 0, 0, 0)  # matches no record


def _as_dict(attrs: list[str]) -> dict[str, str]:
    """expat's ordered attribute list as a dict (for the rare, non-sample elements)."""
    return dict(zip(attrs[::2], attrs[1::2], strict=False))


def _attr(attrs: list[str], key: str) -> str:
    """One attribute from the ordered list; KeyError when absent. Names sit at even positions."""
    try:
        i = attrs.index(key)
    except ValueError:
        raise KeyError(key) from None
    if i & 1:  # the text matched a value, not a name: look it up properly
        return _as_dict(attrs)[key]
    return attrs[i + 1]


_KG, _BMI_AT, _FAT = 2, 3, 4  # places in a body entry: [offset, device, kg, bmi, body fat as written]


@dataclass
class BodyState:
    """Body measurements a parser has collected, (time, source) -> [offset, device, kg, bmi, body fat], and
    whether any body-fat value was above 1 (then the file writes percentages, not fractions)."""

    body: dict[tuple[int, str], list[Any]]
    fat_in_percent: bool


class UnsafeXml(Exception):
    """The document declares entities: refused."""


class NotAppleHealth(Exception):
    """The XML's root element is not ``HealthData``."""


def device_name(device: str | None) -> str | None:
    """The readable name in an HKDevice description: ``<<HKDevice: 0x..>, name:Apple Watch, model:Watch, ...>``."""
    if not device:
        return None
    fields: dict[str, str] = {}
    for part in device.strip("<>").split(", "):
        key, sep, value = part.partition(":")
        if sep and not key.startswith("<"):
            fields[key.strip()] = value.strip()
    name = fields.get("name") or fields.get("model")
    if not name:
        return None
    model = fields.get("hardware") or ""
    return f"{name} ({model})" if model and model != name else name


class AppleHealthParser:
    """Feed the bytes of ``export.xml`` in chunks; take the parsed batch whenever convenient.

    ``skip`` is the number of records an earlier interrupted run already committed: they are still read and
    checked, so the report covers the whole file, but their samples are not emitted again (body measurements
    are always collected: they are merged and committed at the end).
    """

    def __init__(self, report: ImportReport | None = None, skip: int = 0) -> None:
        self.report = report or ImportReport(FORMAT)
        self.batch = Batch()
        self.records = 0
        self._skip = skip
        self._days: dict[str, int] = {}
        self._offsets: dict[str, int] = {}
        self._sources: dict[str, str] = {}
        self._devices: dict[str, str | None] = {}
        self._body: dict[tuple[int, str], list[Any]] = {}  # (time, source) -> [offset, device, kg, bmi, fat]
        self._fat_in_percent = False
        self._names: dict[str, str] = {}  # one copy of each source and device name for the body entries
        self._points: dict[tuple[str, str], list[tuple[int, float]]] = {}  # (kind, sourceName) -> batch list
        self._correlation_depth = 0
        self._workout: dict[str, Any] | None = None
        self._nested = 0  # open Workout/Correlation elements (their Records are not top-level)
        self._fed = 0  # bytes given to the current expat parser
        self._skipping = False  # looking for the next record after an XML error
        self._carry = b""
        self._closed = False
        self._saw_root = False
        self._layout = _NO_LAYOUT
        self._layout_names: list[str] = []  # the attribute names of the record the layout was learnt from
        self._hours: dict[str, int] = {}  # "YYYY-MM-DD HH" -> Unix seconds at the start of that hour ...
        self._tail = ""  # ... for dates with this offset (" +0100")
        self._last_source: str | None = None  # the sample list the previous record went into
        self._last_kind = ""
        self._last_points: list[tuple[int, float]] = []
        self._parser = self._new_parser()

    # ----- expat plumbing -----------------------------------------------------------------------------
    def _new_parser(self) -> Any:
        parser = expat.ParserCreate(intern={n: n for n in _INTERNED})
        parser.buffer_text = True
        parser.ordered_attributes = True  # a flat [name, value, ...] list: much cheaper than a dict per record
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        # End tags matter only inside a Workout or Correlation: the handler is installed while one is open
        # (pyexpat reads the handler per event), which saves a Python call for every other element.
        parser.EntityDeclHandler = self._entity_declared
        self._fed = 0
        return parser

    def _entity_declared(self, *args: object) -> None:
        raise UnsafeXml(N_("the file declares XML entities, which an Apple Health export never does"))

    def feed(self, data: bytes) -> None:
        """Parse the next chunk; malformed records are counted and skipped."""
        data = _IGNORED_CHILD.sub(b"\n", data)
        try:
            self._feed(data)
        finally:
            self._count()

    def _feed(self, data: bytes) -> None:
        while data:
            if self._skipping:
                data = self._carry + data
                match = _RESYNC.search(data)
                if match is None:
                    self._carry = data[-24:]  # a start tag may straddle two chunks
                    return
                data = data[match.start():]
                self._skipping = False
                self._carry = b""
                self._parser = self._new_parser()
                self._parser.Parse(b"<HealthData>", False)
                self._fed = len(b"<HealthData>")
            start = self._fed
            try:
                self._parser.Parse(data, False)
                self._fed += len(data)
                return
            except expat.ExpatError as error:
                self._abandon_open_element()
                self.report.error(E_XML, f"byte {error.offset}, line {error.lineno}")  # type: ignore[attr-defined]
                index = self._parser.ErrorByteIndex - start
                # restart after the broken record: from the error position (or this chunk's start if the
                # broken token began in an earlier chunk), look for the next record's start tag
                data = data[max(index, 0) + 1:]
                self._skipping = True
                if not self._saw_root:
                    raise

    def close(self, flush_body: bool = True) -> None:
        """End of file: flush the merged body measurements; a cut-off file is counted, not fatal.

        ``flush_body=False`` keeps them for :meth:`body_state` (the second part of a split import)."""
        if self._closed:
            return
        self._closed = True
        if not self._skipping:
            try:
                self._parser.Parse(b"", True)
            except expat.ExpatError:
                if not self._saw_root:
                    raise
                self._abandon_open_element()
                self.report.error(E_TRUNCATED)
        if flush_body:
            self._flush_body()

    def ends_at_top_level(self) -> bool:
        """For the first part of a split import, fed up to the start of a top-level element: True when what
        was fed is well-formed XML that only the ``HealthData`` root is left open in (no record, workout or
        correlation open, not recovering from an error). Ends the parser either way; body measurements are
        kept for :meth:`body_measurements`."""
        if self._closed:
            return False
        self._closed = True
        if self._skipping or self._nested or self._workout is not None or not self._saw_root:
            return False
        try:  # expat itself knows what is open: closing the root must be all that is missing
            self._parser.Parse(b"</HealthData>", True)
        except expat.ExpatError:
            return False
        return self._workout is None and not self._nested

    def body_state(self) -> BodyState:
        """The body measurements collected but not yet flushed (see :meth:`merge_body`)."""
        return BodyState(self._body, self._fat_in_percent)

    def merge_body(self, later: BodyState) -> None:
        """Add the body measurements a parser of a LATER part of the same file collected, as if this parser
        had read them itself: the body-fat unit is decided per file, so both parts count."""
        for key, entry in later.body.items():
            mine = self._body.get(key)
            if mine is None:
                self._body[key] = entry
            else:  # the first record for this moment set the offset and device; later ones set values
                for i in (_KG, _BMI_AT, _FAT):
                    if entry[i] is not None:
                        mine[i] = entry[i]
        self._fat_in_percent = self._fat_in_percent or later.fat_in_percent

    def body_measurements(self, size: int) -> Iterator[list[Measurement]]:
        """The merged body measurements, ``size`` at a time (what :meth:`close` puts into the last batch)."""
        # HealthKit stores body fat as a fraction (0.182) under unit "%"; some writers put 18.2. Decide per file:
        # a value above 1 can only be a percentage.
        scale = 1.0 if self._fat_in_percent else 100.0
        zones: dict[int, timezone] = {}
        chunk: list[Measurement] = []
        for key in list(self._body):
            ts, source = key
            off, device, kg, bmi, fat = self._body.pop(key)  # each entry is freed as it is turned into a row
            zone = zones.get(off)
            if zone is None:
                zone = zones[off] = timezone(timedelta(minutes=off))
            try:
                chunk.append(Measurement(
                    timestamp=datetime.fromtimestamp(ts, zone), source=MEASUREMENT_SOURCE, device=device or source,
                    weight_kg=kg, bmi=bmi, body_fat_pct=None if fat is None else round(fat * scale, 6)))
            except (InvalidMeasurement, TypeError, ValueError, OverflowError):
                self.report.error(E_VALUE, f"{source} {ts}")
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _count(self) -> None:
        """Set the batch's size: counting once per chunk saves the hot path an attribute update per record."""
        batch = self.batch
        batch.size = sum(map(len, batch.samples.values())) + len(batch.sleep_stages) + len(batch.workouts)

    def take(self) -> Batch:
        self._count()
        batch, self.batch = self.batch, Batch()
        self._points.clear()
        self._last_source = None
        return batch

    @property
    def committed_records(self) -> int:
        """Records whose data is all in batches taken so far (an open workout is not)."""
        return self.records - (1 if self._workout is not None else 0)

    def _abandon_open_element(self) -> None:
        self._workout = None
        self._correlation_depth = 0
        self._nested = 0

    # ----- helpers ------------------------------------------------------------------------------------
    def _ts(self, text: str) -> tuple[int, int]:
        """``YYYY-MM-DD HH:MM:SS ±HHMM`` -> (Unix seconds, offset minutes). Raises ValueError."""
        if len(text) == 25 and text[10] == " " and text[13] == ":" and text[16] == ":" and text[19] == " ":
            base = self._days.get(text[:10])
            if base is None:
                base = (date.fromisoformat(text[:10]).toordinal() - 719163) * 86400
                self._days[text[:10]] = base
            off = self._offsets.get(text[20:])
            if off is None:
                sign = text[20]
                if sign not in "+-" or not text[21:].isdigit():
                    raise ValueError(text)
                off = (int(text[21:23]) * 60 + int(text[23:25])) * (-1 if sign == "-" else 1)
                self._offsets[text[20:]] = off
            hm = _HM.get(text[11:16])
            sec = _SEC.get(text[17:19])
            if hm is None or sec is None:
                raise ValueError(text)
            return base + hm + sec - off * 60, off
        parsed = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z")
        offset = parsed.utcoffset()
        return int(parsed.timestamp()), int(offset.total_seconds() // 60) if offset else 0

    def _source(self, name: str) -> str:
        key = self._sources.get(name)
        if key is None:
            key = self._sources[name] = f"{FORMAT}:{name}"
        return key

    def _device(self, attrs: dict[str, str]) -> str:
        raw = attrs.get("device")
        name = attrs.get("sourceName", "")
        if raw is None:
            return name
        found = self._devices.get(raw, "")
        if found == "":
            found = self._devices[raw] = device_name(raw)
        return f"{name} · {found}" if found and found != name else name

    # ----- element handlers ---------------------------------------------------------------------------
    def _start(self, name: str, ordered: list[str]) -> None:
        if name is _RECORD:  # interned (see _new_parser)
            if self._nested:
                return  # correlation members are also exported as top-level records
            self.records += 1
            # The hot path: a record laid out like the previous one (an export writes each type with the same
            # attributes in the same order). The attribute names, in order, are the same objects as the
            # previous record's (expat interns them, see _new_parser: the list comparison is one identity check
            # per name, in C); anything else takes the general path below.
            if ordered[::2] == self._layout_names or self._learn_layout(ordered):
                _n, it, iv, ist, ien, isr, iu = self._layout
                spec = _SAMPLE_TYPES.get(ordered[it + 1])
                if spec is None:
                    self._other_record(_as_dict(ordered))
                    return
                # what _sample does, inlined (a call per record is measurable): same checks, same reports
                kind, units, low, high, at_end = spec
                unit = ordered[iu + 1]
                factor = units.get(unit)
                if factor is None:
                    self.report.error(E_UNIT, f"record {self.records}: {unit!r}")
                    return
                raw_value = ordered[iv + 1]
                try:
                    value = float(raw_value) * factor
                except ValueError:
                    self.report.error(E_VALUE, f"record {self.records}")
                    return
                if not (low <= value <= high):
                    self.report.error(E_VALUE, f"record {self.records}: {raw_value} {unit}")
                    return
                when = ordered[ien + 1] if at_end else ordered[ist + 1]
                base = self._hours.get(when[:13])
                sec = _MIN_SEC.get(when[13:19])
                if base is not None and sec is not None and when[19:] == self._tail:
                    ts = base + sec
                else:
                    try:
                        ts = self._ts_cached(when)
                    except ValueError:
                        self.report.error(E_DATE, f"record {self.records}: {when!r}")
                        return
                if self._skip and self.records <= self._skip:
                    return
                source = ordered[isr + 1]
                if source == self._last_source and kind is self._last_kind:
                    self._last_points.append((ts, value))
                else:
                    self._points_for(kind, source).append((ts, value))
                return
            try:
                t = ordered.index("type")
                kind_spec = _SAMPLE_TYPES.get(ordered[t + 1] if not t & 1 else _attr(ordered, "type"))
            except (KeyError, ValueError):
                kind_spec = None
            if kind_spec is not None:
                self._sample(kind_spec, ordered)
            else:
                self._other_record(_as_dict(ordered))
            return
        if name is _METADATA and self._saw_root and self._workout is None:
            return  # the most common element after Record (heart rate's motion context)
        if self._saw_root and self._workout is None and name not in _TOP_LEVEL:
            return  # MetadataEntry and other children of records, ExportDate, Me: nothing to keep
        attrs = _as_dict(ordered)
        if self._workout is not None:
            self._workout_child(name, attrs)
        elif name == "Workout":
            self.records += 1
            self._workout = {"attrs": attrs, "stats": {}}
            self._nested += 1
            self._parser.EndElementHandler = self._end
        elif name == "Correlation":
            self.records += 1
            self._correlation_depth += 1
            self._nested += 1
            self._parser.EndElementHandler = self._end
            self.report.skipped_types[attrs.get("type", "Correlation")] += 1
        elif name in _TOP_LEVEL:
            self.records += 1
            self.report.skipped_types[name] += 1
        elif name == "HealthData":
            self._saw_root = True
        elif not self._saw_root:
            raise NotAppleHealth(name)

    def _end(self, name: str) -> None:
        if name == "Workout" and self._workout is not None:
            workout, self._workout = self._workout, None
            self._nested -= 1
            if not self._nested:
                self._parser.EndElementHandler = None
            self._emit_workout(workout)
        elif name == "Correlation" and self._correlation_depth:
            self._correlation_depth -= 1
            self._nested -= 1
            if not self._nested:
                self._parser.EndElementHandler = None

    def _learn_layout(self, ordered: list[str]) -> bool:
        """Remember where a sample record's attributes sit; False if one of them is missing."""
        where = {name: i for i, name in enumerate(ordered[::2])}
        try:
            layout = (len(ordered), 2 * where[_TYPE], 2 * where[_VALUE], 2 * where[_START], 2 * where[_END],
                      2 * where[_SOURCE], 2 * where[_UNIT])
        except KeyError:
            return False
        if not all(ordered[i] is name for i, name in zip(layout[1:], (_TYPE, _VALUE, _START, _END, _SOURCE, _UNIT),
                                                        strict=True)):
            return False  # names not interned by our dict: the general path
        self._layout = layout
        self._layout_names = ordered[::2]
        return True

    def _points_for(self, kind: str, source: str) -> list[tuple[int, float]]:
        """The batch's sample list for (kind, source name), remembered for the next record."""
        key = (kind, source)
        points = self._points.get(key)
        if points is None:
            points = self._points[key] = self.batch.samples.setdefault((kind, self._source(source)), [])
        self._last_source, self._last_kind, self._last_points = source, kind, points
        return points

    def _ts_cached(self, when: str) -> int:
        """:meth:`_ts`, remembering the start of the hour for the cache in :meth:`_fast_sample`."""
        ts, _off = self._ts(when)
        if len(when) == 25 and when[10] == " " and when[13] == ":" and when[16] == ":" and when[19] == " ":
            # _ts took its strict path: the date and hour in when[:13] were checked, as was the offset
            tail = when[19:]
            if tail != self._tail or len(self._hours) > 100_000:
                self._tail, self._hours = tail, {}
            self._hours[when[:13]] = ts - _MIN_SEC[when[13:19]]
        return ts

    def _sample(self, spec: tuple[str, dict[str, float], float, float, bool], attrs: list[str]) -> None:
        kind, units, low, high, at_end = spec
        index = attrs.index  # the hot path: names sit at even positions of expat's ordered list
        try:
            i, j, k, u = index("value"), index("endDate" if at_end else "startDate"), index("sourceName"), index("unit")
            if (i | j | k | u) & 1:
                raise ValueError("a value looked like a name")
            raw_value, when, source, unit = attrs[i + 1], attrs[j + 1], attrs[k + 1], attrs[u + 1]
        except ValueError:
            try:
                raw_value = _attr(attrs, "value")
                when = _attr(attrs, "endDate" if at_end else "startDate")
                source = _attr(attrs, "sourceName")
            except KeyError:
                self.report.error(E_MISSING, f"record {self.records}")
                return
            try:
                unit = _attr(attrs, "unit")
            except KeyError:
                unit = ""
        factor = units.get(unit)
        if factor is None:
            self.report.error(E_UNIT, f"record {self.records}: {unit!r}")
            return
        try:
            value = float(raw_value) * factor
        except ValueError:
            self.report.error(E_VALUE, f"record {self.records}")
            return
        if not (low <= value <= high):
            self.report.error(E_VALUE, f"record {self.records}: {raw_value} {unit}")
            return
        base, hm, sec, off = (self._days.get(when[:10]), _HM.get(when[11:16]), _SEC.get(when[17:19]),
                              self._offsets.get(when[20:]))
        if base is not None and hm is not None and sec is not None and off is not None and len(when) == 25 \
                and when[10] == " " and when[16] == ":" and when[19] == " ":
            ts = base + hm + sec - off * 60
        else:  # first time this day/offset is seen, or an unusual date: the full parser (fills the caches)
            try:
                ts, _off = self._ts(when)
            except ValueError:
                self.report.error(E_DATE, f"record {self.records}: {when!r}")
                return
        if self.records <= self._skip:
            return
        key = (kind, source)
        points = self._points.get(key)
        if points is None:
            points = self._points[key] = self.batch.samples.setdefault((kind, self._source(source)), [])
        points.append((ts, value))

    def _other_record(self, attrs: dict[str, str]) -> None:
        kind = attrs.get("type", "")
        if kind in (_BODY_MASS, _BODY_FAT, _BMI):
            self._body_record(kind, attrs)
        elif kind == _SLEEP:
            self._sleep(attrs)
        else:
            self.report.skipped_types[kind or "?"] += 1

    def _body_record(self, kind: str, attrs: dict[str, str]) -> None:
        try:
            raw, unit, when, source = attrs["value"], attrs.get("unit", ""), attrs["startDate"], attrs["sourceName"]
        except KeyError:
            self.report.error(E_MISSING, f"record {self.records}")
            return
        try:
            value = float(raw)
        except ValueError:
            self.report.error(E_VALUE, f"record {self.records}")
            return
        try:
            ts, off = self._ts(when)
        except ValueError:
            self.report.error(E_DATE, f"record {self.records}: {when!r}")
            return
        key = (ts, self._names.setdefault(source, source))
        entry = self._body.get(key)
        if entry is None:
            device = self._device(attrs)
            entry = self._body[key] = [off, self._names.setdefault(device, device), None, None, None]
        if kind == _BODY_MASS:
            factor = _MASS.get(unit)
            if factor is None:
                self.report.error(E_UNIT, f"record {self.records}: {unit!r}")
                return
            entry[_KG] = value * factor
        elif kind == _BMI:
            entry[_BMI_AT] = value
        else:
            if unit not in ("%", ""):
                self.report.error(E_UNIT, f"record {self.records}: {unit!r}")
                return
            entry[_FAT] = value
            self._fat_in_percent = self._fat_in_percent or value > 1.0

    def _flush_body(self) -> None:
        for chunk in self.body_measurements(1 << 30):
            self.batch.measurements.extend(chunk)

    def _sleep(self, attrs: dict[str, str]) -> None:
        try:
            value, start, end, source = attrs["value"], attrs["startDate"], attrs["endDate"], attrs["sourceName"]
        except KeyError:
            self.report.error(E_MISSING, f"record {self.records}")
            return
        stage = _SLEEP_STAGES.get(value)
        if stage is None:
            self.report.error(E_SLEEP, f"record {self.records}: {value!r}")
            return
        try:
            start_ts, off = self._ts(start)
            end_ts, _ = self._ts(end)
        except ValueError:
            self.report.error(E_DATE, f"record {self.records}")
            return
        if not (0 < end_ts - start_ts <= 86400):
            self.report.error(E_INTERVAL, f"record {self.records}")
            return
        if self.records <= self._skip:
            return
        self.batch.sleep_stages.append(SleepStage(self._source(source), start_ts, end_ts, stage, off))

    def _workout_child(self, name: str, attrs: dict[str, str]) -> None:
        if name == "WorkoutStatistics" and self._workout is not None:
            self._workout["stats"][attrs.get("type", "")] = attrs

    def _emit_workout(self, workout: dict[str, Any]) -> None:
        attrs: dict[str, str] = workout["attrs"]
        stats: dict[str, dict[str, str]] = workout["stats"]
        try:
            start_ts, off = self._ts(attrs["startDate"])
            end_ts, _ = self._ts(attrs["endDate"])
            source = attrs["sourceName"]
        except KeyError:
            self.report.error(E_MISSING, f"workout {self.records}")
            return
        except ValueError:
            self.report.error(E_DATE, f"workout {self.records}")
            return
        if end_ts < start_ts:
            self.report.error(E_INTERVAL, f"workout {self.records}")
            return
        activity = attrs.get("workoutActivityType", "").removeprefix("HKWorkoutActivityType") or "Other"
        try:
            duration = _scaled(attrs.get("duration"), attrs.get("durationUnit", "min"), _DURATION)
            distance = _scaled(attrs.get("totalDistance"), attrs.get("totalDistanceUnit", "km"), _DISTANCE_M)
            energy = _scaled(attrs.get("totalEnergyBurned"), attrs.get("totalEnergyBurnedUnit", "kcal"), _ENERGY)
            avg_hr = steps = None
            for kind, stat in stats.items():
                if kind.startswith("HKQuantityTypeIdentifierDistance") and distance is None:
                    distance = _scaled(stat.get("sum"), stat.get("unit", "km"), _DISTANCE_M)
                elif kind == "HKQuantityTypeIdentifierActiveEnergyBurned" and energy is None:
                    energy = _scaled(stat.get("sum"), stat.get("unit", "kcal"), _ENERGY)
                elif kind == "HKQuantityTypeIdentifierHeartRate":
                    avg_hr = _scaled(stat.get("average"), stat.get("unit", "count/min"), _PER_MIN)
                elif kind == "HKQuantityTypeIdentifierStepCount":
                    steps = _scaled(stat.get("sum"), "count", {"count": 1.0})
        except ValueError:
            self.report.error(E_VALUE, f"workout {self.records}")
            return
        if self.records <= self._skip:
            return
        if duration is None:
            duration = float(end_ts - start_ts)
        self.batch.workouts.append(Workout(
            self._source(source), activity, start_ts, end_ts, off, self._device(attrs), duration, distance, energy,
            avg_hr, steps))


def _scaled(raw: str | None, unit: str, table: dict[str, float]) -> float | None:
    if raw is None or raw == "":
        return None
    factor = table.get(unit)
    if factor is None:
        raise ValueError(unit)
    value = float(raw) * factor
    if value < 0 or value != value:
        raise ValueError(raw)
    return value
