"""Scale-app CSV files: openScale (current and legacy) import and export, Withings, Renpho, Mi Fit, Omron.

Formats are recognised by their header, normalised (lower case, only letters, digits and %):
- openScale v3 (oliexdev/openScale:core/usecase/ImportExportUseCases.kt): ``DATE,TIME,`` + measurement keys in
  alphabetical order (``BMI,BMR,BODY_FAT,BONE,...,WATER,WEIGHT``); DATE ``yyyy-MM-dd``, TIME ``HH:mm[:ss]`` local.
  BODY_FAT/WATER/MUSCLE are percentages by default (openScale lets users switch them to kg: a value above 100,
  or above half the weight for MUSCLE, is read as kg). Values are in the user's unit (``weight_unit``).
- openScale v2 (``core/datatypes/ScaleMeasurement.java`` + ``CsvHelper.java``): quoted lower-camel keys with
  ``dateTime`` (``dd.MM.yyyy HH:mm`` in code, ``yyyy-MM-dd HH:mm`` from the wiki converters); fat/water/muscle %,
  bone/lbm kg.
- Withings ``weight.csv``: ``Date,Weight (kg),Fat mass (kg),Bone mass (kg),Muscle mass (kg),Hydration (kg),Comments``
  (masses: fat and water become percentages of the weight).
- Renpho: ``Time of Measurement,Weight(kg|lb),BMI,Body Fat(%),...,Muscle Mass(kg),Bone Mass(kg),BMR(kcal)``
  (AdamMigliore/Health_Data_Parser:src/Renpho/csv_to_json.ts).
- Mi Fit ``BODY.csv``: ``timestamp,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,
  visceralFat,impedance`` (timestamp in Unix seconds; muscleRate is a mass in kg).
- Omron: ``"Measurement Date","Timezone","Weight(kg)","Body Fat(%)","Visceral Fat","Resting Metabolism(kcal)"``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from companion.domain.measurement import Measurement
from companion.domain.model import InvalidMeasurement
from companion.health.model import Batch, ImportReport, UnreadableFile
from companion.health.tz import local_zone
from companion.i18n import N_, _

LB = 0.45359237
E_DATE = N_("unreadable date")
E_VALUE = N_("impossible or unreadable value")
E_ROW = N_("row with the wrong number of columns")

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y, %I:%M %p", "%Y-%m-%d",
)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9%]", "", header.strip().strip('"').lower())


@dataclass(frozen=True)
class Column:
    field: str  # weight, fat_pct, fat_kg, water_pct, water_kg, muscle_pct, muscle_kg, muscle_auto, bone_kg,
    #            bmi, bmr, visceral, comment, impedance, pct_auto_fat, pct_auto_water
    mass: bool = False  # value is a mass in the file's weight unit


@dataclass(frozen=True)
class CsvFormat:
    id: str
    label: str
    detect: Callable[[set[str]], bool]
    date: Callable[[dict[str, str]], str | int]  # text to parse, or Unix seconds
    columns: dict[str, Column]
    openscale: bool = False


def _get(row: dict[str, str], *keys: str) -> str:
    for key in keys:
        value = row.get(key)
        if value:
            return value
    return ""


FORMATS: tuple[CsvFormat, ...] = (
    CsvFormat(
        "openscale", N_("openScale"), lambda h: "date" in h and "weight" in h and "timeofmeasurement" not in h
        and "fatmasskg" not in h,
        lambda r: f"{r.get('date', '')} {r.get('time', '') or '00:00'}".strip(),
        {"weight": Column("weight", True), "bodyfat": Column("pct_auto_fat", True),
         "water": Column("pct_auto_water", True),
         "muscle": Column("muscle_auto", True), "bone": Column("bone_kg", True), "bmi": Column("bmi"),
         "bmr": Column("bmr"), "visceralfat": Column("visceral"), "comment": Column("comment"),
         "impedance": Column("impedance")},
        openscale=True,
    ),
    CsvFormat(
        "openscale-legacy", N_("openScale (legacy)"), lambda h: "datetime" in h and "weight" in h,
        lambda r: r.get("datetime", ""),
        {"weight": Column("weight", True), "fat": Column("fat_pct"), "water": Column("water_pct"),
         "muscle": Column("muscle_pct"), "bone": Column("bone_kg", True), "visceralfat": Column("visceral"),
         "comment": Column("comment")},
        openscale=True,
    ),
    CsvFormat(
        "withings", N_("Withings"), lambda h: "date" in h and ("weightkg" in h or "weightlb" in h) and
        ("fatmasskg" in h or "fatmasslb" in h or "comments" in h),
        lambda r: r.get("date", ""),
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "fatmasskg": Column("fat_kg", True),
         "fatmasslb": Column("fat_kg", True), "bonemasskg": Column("bone_kg", True),
         "bonemasslb": Column("bone_kg", True), "musclemasskg": Column("muscle_kg", True),
         "musclemasslb": Column("muscle_kg", True), "hydrationkg": Column("water_kg", True),
         "hydrationlb": Column("water_kg", True), "comments": Column("comment")},
    ),
    CsvFormat(
        "renpho", N_("Renpho"), lambda h: "timeofmeasurement" in h,
        lambda r: r.get("timeofmeasurement", ""),
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "weight": Column("weight", True),
         "bmi": Column("bmi"), "bodyfat%": Column("fat_pct"), "bodyfat": Column("fat_pct"),
         "bodywater%": Column("water_pct"), "bodywater": Column("water_pct"), "musclemasskg": Column("muscle_kg", True),
         "musclemasslb": Column("muscle_kg", True), "bonemasskg": Column("bone_kg", True),
         "bonemasslb": Column("bone_kg", True), "bmrkcal": Column("bmr"), "bmr": Column("bmr"),
         "visceralfat": Column("visceral")},
    ),
    CsvFormat(
        "mi-fit", N_("Mi Fit"), lambda h: "timestamp" in h and "fatrate" in h,
        lambda r: int(float(r.get("timestamp", "") or "x")),
        {"weight": Column("weight", True), "bmi": Column("bmi"), "fatrate": Column("fat_pct"),
         "bodywaterrate": Column("water_pct"), "bonemass": Column("bone_kg", True),
         "metabolism": Column("bmr"), "musclerate": Column("muscle_kg", True), "visceralfat": Column("visceral"),
         "impedance": Column("impedance")},
    ),
    CsvFormat(
        "omron", N_("Omron"), lambda h: "measurementdate" in h and ("weightkg" in h or "weightlb" in h),
        lambda r: r.get("measurementdate", ""),
        {"weightkg": Column("weight", True), "weightlb": Column("weight", True), "bodyfat%": Column("fat_pct"),
         "visceralfat": Column("visceral"), "restingmetabolismkcal": Column("bmr"), "bmi": Column("bmi")},
    ),
)


def detect_format(headers: Iterable[str]) -> CsvFormat | None:
    keys = {_norm(h) for h in headers}
    return next((f for f in FORMATS if f.detect(keys)), None)


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
            raise ValueError(text) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text.strip()
    if not text or text in ("-", "--"):
        return None
    value = float(text)
    if value != value:
        raise ValueError(text)
    return value


def _row_to_measurement(
    fmt: CsvFormat, row: dict[str, str], zone: tzinfo, unit_factor: float, source: str, header_units: dict[str, float],
) -> Measurement | None:
    when_raw = fmt.date(row)
    if isinstance(when_raw, int):
        when = datetime.fromtimestamp(when_raw, UTC).astimezone(zone)
    else:
        when = parse_local(when_raw, zone)
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
    fields: dict[str, Any] = {"weight_kg": round(weight, 3) if weight else None}
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
    if not any(v is not None for k, v in fields.items() if k != "impedance_ohm"):
        return None
    return Measurement(timestamp=when, source=source, note=comment or None, device=fmt.id, **fields)


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
        delimiter = ";" if first.count(";") > first.count(",") else ","
        headers = next(csv.reader([first], delimiter=delimiter))
        fmt = detect_format(headers)
        if fmt is None or (only_openscale and not fmt.openscale):
            wanted = _("an openScale CSV") if only_openscale else _("a known scale CSV (openScale, Withings, "
                                                                    "Renpho, Mi Fit, Omron)")
            raise UnreadableFile(_("{path} is not {wanted}: unrecognised header {header!r}.").format(
                path=path.name, wanted=wanted, header=first.strip()[:80]))
        keys = [_norm(h) for h in headers]
        header_units = {}
        for key in keys:
            if key.endswith("lb"):
                header_units[key] = LB
            elif key.endswith("kg"):
                header_units[key] = 1.0
        source = f"import:{fmt.id}"
        reader = csv.reader(text, delimiter=delimiter)
        batch = Batch()
        row_number = 0
        raw_file = text.buffer
        for fields in reader:
            row_number += 1
            if not any(f.strip() for f in fields):
                continue
            report.records += 1
            if row_number <= skip:
                continue
            if len(fields) != len(keys):
                report.error(E_ROW, f"line {row_number + 1}")
                continue
            row = dict(zip(keys, fields, strict=True))
            try:
                measurement = _row_to_measurement(fmt, row, zone, unit_factor, source, header_units)
            except InvalidMeasurement:
                report.error(E_VALUE, f"line {row_number + 1}")
                continue
            except ValueError as error:
                reason = E_DATE if "date" in str(error).lower() or ":" in str(error) or "-" in str(error) else E_VALUE
                report.error(reason, f"line {row_number + 1}")
                continue
            if measurement is None:
                report.error(E_VALUE, f"line {row_number + 1}")
                continue
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
OPENSCALE_COLUMNS = ("BMI", "BMR", "BODY_FAT", "BONE", "COMMENT", "MUSCLE", "VISCERAL_FAT", "WATER", "WEIGHT")


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
            _fmt(m.body_fat_pct), _fmt(m.bone_mass_kg), (m.note or "").replace("\n", " "), _fmt(muscle_pct),
            _fmt(m.visceral_fat, 1), _fmt(m.body_water_pct), _fmt(m.weight_kg),
        ))
        count += 1
    return count
