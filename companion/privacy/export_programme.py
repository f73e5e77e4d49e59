"""The programme's part of the export (``companion.privacy.export`` calls it): one CSV per kind of record and
the FHIR resources (tape measurements as Observations with LOINC codes, the medicine schedule as
MedicationStatements, each dose as a MedicationAdministration).

The tape-measurement CSV uses openScale's measurement keys where openScale has one (``WAIST``, ``HIPS``,
``CHEST``, ``NECK``, ``WHR``, ``WHTR``: oliexdev/openScale ``core/usecase/ImportExportUseCases.kt``, see
shared/reference/health_data.md 4.1) and the same style for the sides openScale does not keep apart
(``BICEPS_LEFT``/``BICEPS_RIGHT``, ``THIGH_LEFT``/``THIGH_RIGHT``). Progress photos are written as files
(``photos/``) by the export itself, never into a CSV.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from companion.privacy import fhir

if TYPE_CHECKING:
    from companion.store.privacy import PrivacyRepo

TABLES = ("body_measurement", "medication_plan", "medication_log", "water_intake", "symptom_checkin",
          "programme_note")
BODY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("waist_cm", "WAIST"), ("hips_cm", "HIPS"), ("chest_cm", "CHEST"), ("neck_cm", "NECK"),
    ("upper_arm_l_cm", "BICEPS_LEFT"), ("upper_arm_r_cm", "BICEPS_RIGHT"), ("thigh_l_cm", "THIGH_LEFT"),
    ("thigh_r_cm", "THIGH_RIGHT"),
)
CHECKIN_FIELDS = ("nausea", "vomiting", "reflux", "pain", "energy", "mood")
BATCH = 5000

Write = Callable[[str], None]


def _tz(offset: int) -> timezone:
    return timezone(timedelta(minutes=offset or 0))


def _iso(ts: int, offset: int) -> str:
    return datetime.fromtimestamp(ts, _tz(offset)).isoformat()


def present(tables: list[str]) -> bool:
    return "body_measurement" in tables


def rows(repo: PrivacyRepo) -> int:
    return sum(repo.count(t) for t in TABLES if repo.table_exists(t))


def csv_members(tables: list[str]) -> list[tuple[str, str]]:
    """(file name, kind) of the programme CSVs, for the tables present."""
    if not present(tables):
        return []
    return [("csv/programme/body_measurements.csv", "body"), ("csv/programme/medication.csv", "medication"),
            ("csv/programme/water.csv", "water"), ("csv/programme/checkins.csv", "checkins"),
            ("csv/programme/notes.csv", "notes")]


def write_csv(repo: PrivacyRepo, kind: str, write: Write, csv_field: Callable[[Any], str],
              heights: dict[int, float]) -> int:
    count = 0
    if kind == "body":
        write("time," + ",".join(f"{key} (cm)" for _c, key in BODY_COLUMNS) + ",WHR,WHTR,note\r\n")
        cols = ("profile_id", "ts", "tz_offset", *(c for c, _k in BODY_COLUMNS), "note")
        for batch in repo.batches("body_measurement", cols, size=BATCH):
            lines = []
            for _r, pid, ts, off, *values, note in batch:
                waist, hips = values[0], values[1]
                whr = f"{waist / hips:.3f}" if waist and hips else ""
                height = heights.get(pid)
                whtr = f"{waist / height:.3f}" if waist and height else ""
                cells = ["" if v is None else repr(float(v)) for v in values]
                lines.append(f"{_iso(ts, off)},{','.join(cells)},{whr},{whtr},{csv_field(note)}\r\n")
            write("".join(lines))
            count += len(lines)
        return count
    if kind == "medication":
        write("time,medicine,dose,unit,route,site,status,side_effects,note\r\n")
        cols = ("ts", "tz_offset", "medicine", "dose", "dose_unit", "route", "site", "status", "side_effects",
                "note")
        for batch in repo.batches("medication_log", cols, size=BATCH):
            lines = []
            for _r, ts, off, medicine, dose, unit, route, site, status, effects, note in batch:
                side = "; ".join(f"{e['effect']} ({e['severity']})" for e in json.loads(effects or "[]"))
                lines.append(",".join([_iso(ts, off), csv_field(medicine), "" if dose is None else repr(float(dose)),
                                       csv_field(unit), csv_field(route), csv_field(site), status, csv_field(side),
                                       csv_field(note)]) + "\r\n")
            write("".join(lines))
            count += len(lines)
        return count
    if kind == "water":
        write("time,water (ml)\r\n")
        for batch in repo.batches("water_intake", ("ts", "tz_offset", "ml"), size=BATCH):
            write("".join(f"{_iso(ts, off)},{ml}\r\n" for _r, ts, off, ml in batch))
            count += len(batch)
        return count
    if kind == "checkins":
        write("time,nausea (0-3),vomiting (0-3),reflux (0-3),pain (0-3),energy (1-5),mood (1-5),note\r\n")
        for batch in repo.batches("symptom_checkin", ("ts", "tz_offset", *CHECKIN_FIELDS, "note"), size=BATCH):
            lines = []
            for _r, ts, off, *values, note in batch:
                cells = ["" if v is None else str(v) for v in values]
                lines.append(f"{_iso(ts, off)},{','.join(cells)},{csv_field(note)}\r\n")
            write("".join(lines))
            count += len(lines)
        return count
    write("time,note\r\n")
    for batch in repo.batches("programme_note", ("ts", "tz_offset", "body"), size=BATCH):
        write("".join(f"{_iso(ts, off)},{csv_field(body)}\r\n" for _r, ts, off, body in batch))
        count += len(batch)
    return count


def write_fhir(repo: PrivacyRepo, emit_many: Callable[[list[str]], None], new_uid: fhir.UuidSource,
               patients: dict[int | None, str], default_patient: str, tick: Callable[[int], None]) -> None:
    """Observations for tape measurements, then MedicationStatements and MedicationAdministrations."""
    templates: dict[tuple[int | None, str], fhir.ObservationTemplate] = {}
    cols = ("profile_id", "ts", "tz_offset", *fhir.BODY_CODES)
    for batch in repo.batches("body_measurement", cols, size=BATCH):
        parts: list[str] = []
        for _r, pid, ts, off, *values in batch:
            when = _iso(ts, off)
            for column, value in zip(fhir.BODY_CODES, values, strict=True):
                if value is None:
                    continue
                template = templates.get((pid, column))
                if template is None:
                    template = templates[(pid, column)] = fhir.ObservationTemplate(
                        fhir.BODY_CODES[column], patients.get(pid, default_patient))
                parts.append(template.render(new_uid(), when, value))
        emit_many(parts)
        tick(len(batch))
    statements: dict[int, str] = {}
    plan_cols = ("id", "profile_id", "medicine", "dose", "dose_unit", "route", "schedule", "weekday", "started_on",
                 "active")
    for batch in repo.batches("medication_plan", plan_cols, size=BATCH):
        parts = []
        for _r, pid, profile_id, medicine, dose, unit, route, schedule, weekday, started, active in batch:
            plan = SimpleNamespace(medicine=medicine, dose=float(dose), dose_unit=unit, route=route, schedule=schedule,
                                   weekday=weekday, started_on=date.fromisoformat(started), active=bool(active))
            uid = statements[pid] = new_uid()
            parts.append(fhir.entry_text(uid, fhir.medication_statement(plan, patients.get(profile_id,
                                                                                             default_patient))))
        emit_many(parts)
        tick(len(batch))
    log_cols = ("profile_id", "plan_id", "ts", "tz_offset", "medicine", "dose", "dose_unit", "route", "site", "status",
                "side_effects", "note")
    for batch in repo.batches("medication_log", log_cols, size=BATCH):
        parts = []
        for _r, pid, plan_id, ts, off, medicine, dose, unit, route, site, status, effects, note in batch:
            entry = SimpleNamespace(
                when=datetime.fromtimestamp(ts, _tz(off)), medicine=medicine, dose=dose, dose_unit=unit, route=route,
                site=site, status=status, note=note,
                side_effects=[SimpleNamespace(**e) for e in json.loads(effects or "[]")])
            resource = fhir.medication_administration(entry, patients.get(pid, default_patient),
                                                      statements.get(plan_id) if plan_id is not None else None)
            parts.append(fhir.entry_text(new_uid(), resource))
        emit_many(parts)
        tick(len(batch))
