"""Scale-app CSV files: openScale (every generation) import and export, Withings, Renpho, Mi Fit / Zepp Life, Omron.

Formats are recognised by their header, normalised (lower case, only letters, digits and %); the layouts and
their sources are tabled in tests/health/test_scale_conformance.py and the README's "Supported files":
- openScale 3.x (oliexdev/openScale:core/usecase/ImportExportUseCases.kt and its ImportExportUseCasesTest.kt):
  ``DATE,TIME,`` + measurement keys in alphabetical order (``BMI,BMR,BODY_FAT,BONE,...,IMPEDANCE,...,WATER,
  WEIGHT``); DATE ``yyyy-MM-dd`` only (openScale refuses ``4/7/2025``: day and month are ambiguous), TIME
  ``HH:mm[:ss]`` local, 12:00 when the column is missing or unreadable (a spreadsheet's ``8:30:00 AM`` is read
  as 08:30, which openScale itself cannot). BODY_FAT/WATER/MUSCLE are percentages by default (openScale lets
  users switch them to kg: a value above 100, or above half the weight for MUSCLE, is read as kg). Values are
  in the user's unit (``weight_unit``).
- openScale 2.x (``core/datatypes/ScaleMeasurement.java`` + ``CsvHelper.java``): quoted lower-camel keys with
  ``dateTime`` (``dd.MM.yyyy HH:mm`` in code, ``yyyy-MM-dd HH:mm`` from the wiki converters); fat/water/muscle %,
  bone/lbm kg.
- openScale 1.0-1.7: no header; the number of fields says the version (``CsvHelper.getOldStyleHeaders``).
- Withings ``weight.csv``: ``Date,Weight (kg),Fat mass (kg),Bone mass (kg),Muscle mass (kg),Hydration (kg),Comments``
  (masses: fat and water become percentages of the weight).
- Renpho: ``Time of Measurement,Weight(kg|lb),BMI,Body Fat(%),...,Muscle Mass(kg),Bone Mass(kg),BMR(kcal)``
  (AdamMigliore/Health_Data_Parser:src/Renpho/csv_to_json.ts); ``04/18/2019, 5:40:27 PM`` or, on 24-hour
  phones, ``04/18/2019, 17:40:27``, the comma in it not always quoted.
- Mi Fit ``BODY.csv``: ``timestamp,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,
  visceralFat,impedance`` (timestamp in Unix seconds; muscleRate is a mass in kg); Zepp Life (its successor)
  writes ``time`` as ``2022-01-23 08:33:36+0000`` and ``null`` for values it did not measure.
- Omron: ``"Measurement Date","Timezone","Weight(kg)","Body Fat(%)","Visceral Fat","Resting Metabolism(kcal)"``;
  the date is local time in the zone of the Timezone column (an IANA name or a UTC offset).

One impossible value leaves out that value only (counted by reason in ``ImportReport.refused_fields``); a
row is refused only when nothing usable is left.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from companion.domain.measurement import Measurement
from companion.domain.model import InvalidMeasurement
from companion.health.model import Batch, ImportReport, UnreadableFile, plausible_fields
from companion.health.tz import local_zone
from companion.i18n import N_, _

LB = 0.45359237
E_DATE = N_("unreadable date")
E_VALUE = N_("impossible or unreadable value")
E_ROW = N_("row with the wrong number of columns")
N_TIME = N_("time unreadable: 12:00 used, as openScale does")

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%Y, %H:%M:%S",
    "%m/%d/%Y, %H:%M", "%Y-%m-%d",
)
_OPENSCALE_DATETIME = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_24 = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_TIME_12 = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?")
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?")
_NOT_MEASURED = frozenset({"", "-", "--", "null", "none", "n/a", "na"})
# openScale 1.0-1.7 wrote no header; CsvHelper.getOldStyleHeaders knows the version by the number of fields
_OPENSCALE_1 = {
    10: ("datetime", "weight", "fat", "water", "muscle", "lbw", "bone", "waist", "hip", "comment"),  # 1.6, 1.7
    9: ("datetime", "weight", "fat", "water", "muscle", "bone", "waist", "hip", "comment"),  # 1.5.5
    8: ("datetime", "weight", "fat", "water", "muscle", "waist", "hip", "comment"),  # 1.3
    6: ("datetime", "weight", "fat", "water", "muscle", "comment"),  # 1.2
    5: ("datetime", "weight", "fat", "water", "comment"),  # 1.0
}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9%]", "", header.strip().strip('"').lower())


@dataclass(frozen=True)
class Column:
    field: str  # weight, fat_pct, fat_kg, water_pct, water_kg, muscle_pct, muscle_kg, muscle_auto, bone_kg,
    #            bmi, bmr, visceral, comment, impedance, pct_auto_fat, pct_auto_water
    mass: bool = False  # value is a mass in the file's weight unit


When = Callable[[dict[str, str], tzinfo, list[str]], datetime]  # (row, zone, notes) -> when it was measured


def parse_local(text: str, zone: tzinfo) -> datetime:
    text = " ".join(text.strip().split())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"date {text}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _strict(formats: tuple[str, ...]) -> Callable[[str, tzinfo], datetime]:
    def parse(text: str, zone: tzinfo) -> datetime:
        text = " ".join(text.strip().split())
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=zone)
            except ValueError:
                continue
        raise ValueError(f"date {text}")

    return parse


_openscale_datetime = _strict(_OPENSCALE_DATETIME)


def _clock_time(text: str) -> time | None:
    """``08:30``, ``08:30:15``, ``8:30:00 AM``, ``12:05 PM``; None when it is none of these."""
    text = text.strip()
    match = _TIME_24.fullmatch(text)
    if match:
        h, m, sec = int(match[1]), int(match[2]), int(match[3] or 0)
    else:
        match = _TIME_12.fullmatch(text)
        if not match or not 1 <= int(match[1]) <= 12:
            return None
        h = int(match[1]) % 12 + (12 if match[4] in "Pp" else 0)
        m, sec = int(match[2]), int(match[3] or 0)
    if h > 23 or m > 59 or sec > 59:
        return None
    return time(h, m, sec)


def _openscale_when(row: dict[str, str], zone: tzinfo, notes: list[str]) -> datetime:
    """openScale 3: DATE must be ISO (openScale refuses others); TIME missing means 12:00, as in openScale."""
    day = row.get("date", "").strip()
    if not _ISO_DATE.fullmatch(day):
        raise ValueError(f"date {day}")
    parsed = datetime.strptime(day, "%Y-%m-%d")
    raw_time = row.get("time", "").strip()
    clock = _clock_time(raw_time) if raw_time else time(12)
    if clock is None:
        notes.append(N_TIME)
        clock = time(12)
    return datetime.combine(parsed.date(), clock, zone)


def _legacy_when(row: dict[str, str], zone: tzinfo, _notes: list[str]) -> datetime:
    return _openscale_datetime(row.get("datetime", ""), zone)


def _zone_of(text: str, fallback: tzinfo) -> tzinfo:
    """Omron's Timezone column: an IANA name, or an offset such as ``UTC+09:00``, ``+0900``, ``GMT-5``."""
    text = text.strip()
    if not text:
        return fallback
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    match = _OFFSET.fullmatch(text)
    if match and int(match[2]) <= 14 and int(match[3] or 0) < 60:
        minutes = int(match[2]) * 60 + int(match[3] or 0)
        return timezone(timedelta(minutes=minutes if match[1] == "+" else -minutes))
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    return fallback


def _omron_when(row: dict[str, str], zone: tzinfo, _notes: list[str]) -> datetime:
    return parse_local(row.get("measurementdate", ""), _zone_of(row.get("timezone", ""), zone))


def _mifit_when(row: dict[str, str], zone: tzinfo, _notes: list[str]) -> datetime:
    stamp = row.get("timestamp", "").strip()
    if stamp:
        try:
            return datetime.fromtimestamp(int(float(stamp)), UTC).astimezone(zone)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"date {stamp}") from None
    return parse_local(row.get("time", ""), zone)  # Zepp Life: ISO with an offset


def _column_when(key: str) -> When:
    def when(row: dict[str, str], zone: tzinfo, _notes: list[str]) -> datetime:
        return parse_local(row.get(key, ""), zone)

    return when


@dataclass(frozen=True)
class CsvFormat:
    id: str
    label: str
    detect: Callable[[set[str]], bool]
    when: When
    columns: dict[str, Column]
    openscale: bool = False


_OPENSCALE_COLUMNS = {
    "weight": Column("weight", True), "bodyfat": Column("pct_auto_fat", True), "water": Column("pct_auto_water", True),
    "muscle": Column("muscle_auto", True), "bone": Column("bone_kg", True), "bmi": Column("bmi"),
    "bmr": Column("bmr"), "visceralfat": Column("visceral"), "comment": Column("comment"),
    "impedance": Column("impedance"),
}
_OPENSCALE_LEGACY_COLUMNS = {
    **_OPENSCALE_COLUMNS, "fat": Column("fat_pct"), "water": Column("water_pct"), "muscle": Column("muscle_pct"),
    "lbm": Column("lbm_kg", True), "lbw": Column("lbm_kg", True),
}
FORMATS: tuple[CsvFormat, ...] = (
    CsvFormat(
        "openscale", N_("openScale"), lambda h: "date" in h and ("weight" in h or "impedance" in h)
        and "timeofmeasurement" not in h and "fatmasskg" not in h,
        _openscale_when, _OPENSCALE_COLUMNS, openscale=True,
    ),
    CsvFormat(
        "openscale-legacy", N_("openScale (legacy)"), lambda h: "datetime" in h and ("weight" in h or "impedance" in h),
        _legacy_when, _OPENSCALE_LEGACY_COLUMNS, openscale=True,
    ),
    CsvFormat(
        "withings", N_("Withings"), lambda h: "date" in h and ("weightkg" in h or "weightlb" in h) and
        ("fatmasskg" in h or "fatmasslb" in h or "comments" in h),
        _column_when("date"),
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "fatmasskg": Column("fat_kg", True),
         "fatmasslb": Column("fat_kg", True), "bonemasskg": Column("bone_kg", True),
         "bonemasslb": Column("bone_kg", True), "musclemasskg": Column("muscle_kg", True),
         "musclemasslb": Column("muscle_kg", True), "hydrationkg": Column("water_kg", True),
         "hydrationlb": Column("water_kg", True), "comments": Column("comment")},
    ),
    CsvFormat(
        "renpho", N_("Renpho"), lambda h: "timeofmeasurement" in h,
        _column_when("timeofmeasurement"),
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "weight": Column("weight", True),
         "bmi": Column("bmi"), "bodyfat%": Column("fat_pct"), "bodyfat": Column("fat_pct"),
         "bodywater%": Column("water_pct"), "bodywater": Column("water_pct"), "musclemasskg": Column("muscle_kg", True),
         "musclemasslb": Column("muscle_kg", True), "bonemasskg": Column("bone_kg", True),
         "bonemasslb": Column("bone_kg", True), "bmrkcal": Column("bmr"), "bmr": Column("bmr"),
         "visceralfat": Column("visceral")},
    ),
    CsvFormat(
        "mi-fit", N_("Mi Fit / Zepp Life"), lambda h: ("timestamp" in h or "time" in h) and "fatrate" in h,
        _mifit_when,
        {"weight": Column("weight", True), "bmi": Column("bmi"), "fatrate": Column("fat_pct"),
         "bodywaterrate": Column("water_pct"), "bonemass": Column("bone_kg", True),
         "metabolism": Column("bmr"), "musclerate": Column("muscle_kg", True), "visceralfat": Column("visceral"),
         "impedance": Column("impedance")},
    ),
    CsvFormat(
        "omron", N_("Omron"), lambda h: "measurementdate" in h and ("weightkg" in h or "weightlb" in h),
        _omron_when,
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "bodyfat%": Column("fat_pct"),
         "visceralfat": Column("visceral"), "restingmetabolismkcal": Column("bmr"), "bmi": Column("bmi")},
    ),
)
OPENSCALE_1 = CsvFormat("openscale-1", N_("openScale 1.x (no header)"), lambda h: False, _legacy_when,
                        _OPENSCALE_LEGACY_COLUMNS, openscale=True)


def detect_format(headers: Iterable[str]) -> CsvFormat | None:
    keys = {_norm(h) for h in headers}
    return next((f for f in FORMATS if f.detect(keys)), None)


def _headerless_openscale(fields: list[str]) -> tuple[str, ...] | None:
    """The column names of an openScale 1.x file (no header) whose first line is ``fields``, if it is one."""
    names = _OPENSCALE_1.get(len(fields))
    if names is None:
        return None
    try:
        _openscale_datetime(fields[0], UTC)
        for value in fields[1:4]:
            float(value)
    except ValueError:
        return None
    return names


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text.strip()
    if text.lower() in _NOT_MEASURED:
        return None
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def _row_to_measurement(
    fmt: CsvFormat, row: dict[str, str], zone: tzinfo, unit_factor: float, source: str, header_units: dict[str, float],
    notes: list[str],
) -> Measurement | None:
    """The reading of one row, ``None`` when it holds no value at all. Values that are impossible are left out
    and their reasons appended to ``notes`` (``InvalidMeasurement`` when none is left)."""
    when = fmt.when(row, zone, notes)
    values: dict[str, float] = {}
    comment = ""
    for key, column in fmt.columns.items():
        raw = row.get(key)
        if raw is None or raw == "":
            continue
        if column.field == "comment":
            comment = raw.strip()
            continue
        number = _number(raw)
        if number is None or number == 0:
            continue  # openScale and others write 0 for "not measured"
        if column.mass:
            number *= header_units.get(key, unit_factor)
        values[column.field] = number
    weight = values.get("weight")
    fields: dict[str, float | None] = {"weight_kg": round(weight, 3) if weight else None}
    for name in ("fat", "water"):
        pct = values.get(f"{name}_pct")
        kg = values.get(f"{name}_kg")
        auto = values.get(f"pct_auto_{name}")
        if auto is not None:
            # openScale: a percentage by default; users may switch it to kg (a value above 100 cannot be a %)
            unscaled = auto / header_units.get("bodyfat" if name == "fat" else "water", unit_factor)
            if unscaled <= 100:
                pct = unscaled
            else:
                kg = auto
        if pct is None and kg is not None and weight:
            pct = kg / weight * 100.0
        if pct is not None:
            fields["body_fat_pct" if name == "fat" else "body_water_pct"] = round(pct, 3)
    muscle = values.get("muscle_kg")
    if "muscle_pct" in values and weight:
        muscle = values["muscle_pct"] * weight / 100.0
    if "muscle_auto" in values:
        unscaled = values["muscle_auto"] / header_units.get("muscle", unit_factor)
        if unscaled <= 100 and weight:
            muscle = unscaled * weight / 100.0
        elif unscaled > 100:
            muscle = values["muscle_auto"]
    if muscle is not None:
        fields["muscle_mass_kg"] = round(muscle, 3)
    if "bone_kg" in values:
        fields["bone_mass_kg"] = round(values["bone_kg"], 3)
    for src, dst in (("bmi", "bmi"), ("bmr", "bmr_kcal"), ("visceral", "visceral_fat"), ("impedance", "impedance_ohm")):
        if src in values:
            fields[dst] = values[src]
    if not any(v is not None for v in fields.values()):
        return None
    kept, refused = plausible_fields(fields)
    if not any(v is not None for v in kept.values()):
        raise InvalidMeasurement(refused[0])
    notes.extend(refused)
    return Measurement(timestamp=when, source=source, note=comment or None, device=fmt.id, **kept)  # type: ignore[arg-type]


def _looks_binary(text: str) -> bool:
    return "\ufffd" in text or any(ord(c) < 32 and c not in "\t\r\n" for c in text)


def _open_text(path: Path) -> TextIO:
    try:
        raw = path.open("rb")
    except OSError as error:
        raise UnreadableFile(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    head = raw.read(4)
    raw.seek(0)
    if head.startswith(b"PK\x03\x04"):
        raw.close()
        raise UnreadableFile(_("{path} is a ZIP file, not a CSV file; unpack it first (Withings: weight.csv).")
                             .format(path=path.name))
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def read_scale_csv(
    path: Path, report: ImportReport, skip: int, batch_size: int, *, only_openscale: bool = False,
    timezone_name: str | None = None, weight_unit: str | None = None, **_options: Any,
) -> Iterator[Any]:
    from companion.health.importer import Step
    from companion.text import plain

    zone: tzinfo
    if timezone_name:
        try:
            zone = ZoneInfo(timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise UnreadableFile(_("Unknown timezone: {zone}").format(zone=timezone_name)) from None
    else:
        zone = local_zone()  # scale apps write the phone's local time
    unit_factor = {"kg": 1.0, "lb": LB, "st": 6.35029318, None: 1.0}.get(weight_unit)
    if unit_factor is None:
        raise UnreadableFile(_("Unknown weight unit: {unit}").format(unit=weight_unit))
    total = path.stat().st_size or 1
    text = _open_text(path)
    try:
        first = text.readline()
        if not first.strip():
            raise UnreadableFile(_("{path} is empty.").format(path=path.name))
        wanted = _("an openScale CSV") if only_openscale else _("a known scale CSV (openScale, Withings, "
                                                                "Renpho, Mi Fit / Zepp Life, Omron)")
        if _looks_binary(first):
            raise UnreadableFile(_("{path} is not {wanted}: it holds binary data, not text.").format(
                path=path.name, wanted=wanted))
        delimiter = ";" if first.count(";") > first.count(",") else ","
        headers = next(csv.reader([first], delimiter=delimiter))
        fmt = detect_format(headers)
        rows: Iterable[list[str]] = csv.reader(text, delimiter=delimiter)
        keys = [_norm(h) for h in headers]
        if fmt is None and (old := _headerless_openscale(headers)) is not None:
            fmt, keys = OPENSCALE_1, list(old)
            rows = itertools.chain([headers], rows)  # the first line is a reading
        if fmt is None or (only_openscale and not fmt.openscale):
            raise UnreadableFile(_("{path} is not {wanted}: unrecognised header {header}.").format(
                path=path.name, wanted=wanted, header=repr(plain(first.strip(), max_length=80, single_line=True))))
        header_units = {}
        for key in keys:
            if key.endswith("lb"):
                header_units[key] = LB
            elif key.endswith("kg"):
                header_units[key] = 1.0
        source = f"import:{fmt.id}"
        batch = Batch()
        row_number = 0
        first_line = 1 if fmt is not OPENSCALE_1 else 0  # the header's line
        raw_file = text.buffer
        for fields in rows:
            row_number += 1
            if not any(f.strip() for f in fields):
                continue
            report.records += 1
            if row_number <= skip:
                continue
            where = f"line {row_number + first_line}"
            if fmt.id == "renpho" and len(fields) == len(keys) + 1:
                fields = [f"{fields[0]},{fields[1]}", *fields[2:]]  # "04/18/2019, 17:40:27" written unquoted
            if len(fields) != len(keys) and not (fmt is OPENSCALE_1 and len(fields) in _OPENSCALE_1):
                report.error(E_ROW, where)
                continue
            if fmt is OPENSCALE_1:
                keys = list(_OPENSCALE_1[len(fields)])
            row = dict(zip(keys, fields, strict=True))
            notes: list[str] = []
            try:
                measurement = _row_to_measurement(fmt, row, zone, unit_factor, source, header_units, notes)
            except InvalidMeasurement:
                report.error(E_VALUE, where)
                continue
            except ValueError as error:
                report.error(E_DATE if str(error).startswith("date ") else E_VALUE, where)
                continue
            if measurement is None:
                report.error(E_VALUE, where)
                continue
            for note in notes:
                report.refuse_field(note, where)
            batch.measurements.append(measurement)
            batch.size += 1
            if batch.size >= batch_size:
                yield Step(batch, row_number, raw_file.tell(), total)
                batch = Batch()
        yield Step(batch if batch else None, row_number, total, total)
    except csv.Error as error:
        raise UnreadableFile(_("{path} is not a readable CSV file: {reason}").format(path=path.name, reason=error)) \
            from None
    finally:
        text.close()


# ----- export ---------------------------------------------------------------------------------------------
OPENSCALE_COLUMNS = ("BMI", "BMR", "BODY_FAT", "BONE", "COMMENT", "IMPEDANCE", "MUSCLE", "VISCERAL_FAT", "WATER",
                     "WEIGHT")


def _fmt(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return ""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_openscale_csv(measurements: Iterable[Measurement], out: TextIO) -> int:
    """Write openScale's current CSV (``DATE,TIME,`` + sorted keys; local time of each weigh-in; kg and %).

    MUSCLE is written as a percentage of the weight, openScale's default unit for it."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("DATE", "TIME", *OPENSCALE_COLUMNS))
    count = 0
    for m in measurements:
        local = m.timestamp
        muscle_pct = (m.muscle_mass_kg / m.weight_kg * 100.0) if m.muscle_mass_kg and m.weight_kg else None
        writer.writerow((
            local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S"), _fmt(m.bmi), _fmt(m.bmr_kcal, 0),
            _fmt(m.body_fat_pct), _fmt(m.bone_mass_kg), (m.note or "").replace("\n", " "), _fmt(m.impedance_ohm, 1),
            _fmt(muscle_pct),
            _fmt(m.visceral_fat, 1), _fmt(m.body_water_pct), _fmt(m.weight_kg),
        ))
        count += 1
    return count
