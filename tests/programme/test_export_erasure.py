"""The programme in the export (JSON, CSV with openScale's keys, FHIR with LOINC codes and medication
resources, validated) and in erasure (gone from every page of the file, WAL included)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import time, timedelta
from typing import Any

import pytest

from companion.privacy import erasure
from companion.privacy.export import export
from companion.programme import body, service
from companion.programme.reminders import ReminderKind
from companion.programme.settings import load_settings
from companion.store.keys import KeyVault
from tests.conftest import TEST_PASSPHRASE
from tests.privacy.pages import where_is
from tests.programme.conftest import NOW, weigh_ins


def _fill(store: Any, profile: Any, marker: str = "MARKER-prog") -> None:
    settings = load_settings(store.home)
    weigh_ins(store, profile, days=10)
    service.record_measurement(store, profile, {body.Site.WAIST: "92", body.Site.HIPS: "104",
                                                body.Site.THIGH_L: "61.5"}, body.LengthUnit.CM,
                               copy_previous=False, when=NOW - timedelta(days=7), note=f"{marker}-body")
    service.record_measurement(store, profile, {body.Site.WAIST: "90.5"}, body.LengthUnit.CM, copy_previous=True,
                               when=NOW)
    plan = service.add_plan(store, profile, medicine="semaglutide (Wegovy, Ozempic)", dose="0.5 mg",
                            schedule="weekly", weekday="wed")
    service.record_dose(store, profile, plan_id=plan.id, site="next", side_effects=["nausea:moderate"], when=NOW,
                        note=f"{marker}-dose")
    service.record_dose(store, profile, medicine="omeprazole", dose="20 mg", skipped=True, when=NOW)
    service.record_water(store, profile, "330", NOW)
    service.record_checkin(store, profile, settings, {"nausea": "1", "mood": "4"}, f"{marker}-checkin", NOW)
    service.record_note(store, profile, f"{marker}-note", NOW)
    service.add_goal(store, profile, "waist", "85", "2027-06-01", NOW.date())


def _zip(store: Any, tmp_path: Any) -> zipfile.ZipFile:
    target = tmp_path / "export.zip"
    export(store, "zip", target)
    return zipfile.ZipFile(target)


def test_zip_holds_the_programme(store, profile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _fill(store, profile)
    archive = _zip(store, tmp_path)
    names = archive.namelist()
    for name in ("csv/programme/body_measurements.csv", "csv/programme/medication.csv", "csv/programme/water.csv",
                 "csv/programme/checkins.csv", "csv/programme/notes.csv"):
        assert name in names
    rows = list(csv.reader(io.StringIO(archive.read("csv/programme/body_measurements.csv").decode())))
    assert rows[0][:5] == ["time", "WAIST (cm)", "HIPS (cm)", "CHEST (cm)", "NECK (cm)"]
    assert rows[0][-3:] == ["WHR", "WHTR", "note"]
    assert rows[1][1] == "92.0" and rows[1][-3] == f"{92 / 104:.3f}" and rows[1][-2] == f"{92 / 168:.3f}"
    assert rows[2][1] == "90.5" and rows[2][2] == "104.0"  # copied forward
    medication = archive.read("csv/programme/medication.csv").decode()
    assert "nausea (moderate)" in medication and ",skipped," in medication
    tables = json.loads(archive.read("data.json"))["tables"]
    assert len(tables["body_measurement"]) == 2 and tables["medication_log"][0]["time"].endswith("+00:00")
    assert tables["programme_goal"][0]["kind"] == "waist"
    manifest = json.loads(archive.read("manifest.json"))
    assert "csv/programme/water.csv" in {f["name"] for f in manifest["files"]}


def test_fhir_bundle_with_loinc_and_medication_validates(store, profile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B.bundle import Bundle

    _fill(store, profile)
    bundle = json.loads(_zip(store, tmp_path).read("fhir/bundle.json"))
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    urls = {e["fullUrl"] for e in bundle["entry"]}
    by_code: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        if r["resourceType"] == "Observation":
            by_code.setdefault(r["code"]["coding"][0]["code"], []).append(r)
    waist = by_code["8280-0"]
    assert [w["valueQuantity"]["value"] for w in waist] == [92.0, 90.5]
    assert waist[0]["valueQuantity"]["code"] == "cm" and waist[0]["category"][0]["coding"][0]["code"] == "vital-signs"
    assert len(by_code["62409-8"]) == 2 and by_code["thigh-left"][0]["valueQuantity"]["value"] == 61.5
    statements = [r for r in resources if r["resourceType"] == "MedicationStatement"]
    administrations = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert len(statements) == 1 and statements[0]["status"] == "active"
    assert statements[0]["dosage"][0]["timing"]["repeat"]["dayOfWeek"] == ["wed"]
    taken, skipped = sorted(administrations, key=lambda r: r["status"])
    assert taken["status"] == "completed" and skipped["status"] == "not-done"
    assert taken["dosage"]["route"]["coding"][0]["code"] == "34206005"
    assert taken["dosage"]["site"]["coding"][0]["code"] == "113345001" and taken["dosage"]["site"]["text"]
    assert taken["dosage"]["dose"] == {"value": 0.5, "unit": "mg", "system": "http://unitsofmeasure.org",
                                       "code": "mg"}
    assert any("nausea (moderate)" in n["text"] for n in taken["note"])
    assert taken["supportingInformation"][0]["reference"] in urls
    for r in resources:
        subject = r.get("subject")
        if subject is not None:
            assert subject["reference"] in urls


@pytest.mark.parametrize(("category", "gone", "kept"), [
    ("measurements", ("body_measurement", "programme_goal"), ("medication_log", "water_intake")),
    ("health-data", ("medication_log", "medication_plan", "water_intake", "symptom_checkin", "programme_note"),
     ("body_measurement",)),
])
def test_erasure_removes_the_programme_from_every_page(store, profile, home, category, gone,  # type: ignore[no-untyped-def]
                                                        kept) -> None:
    _fill(store, profile)
    store.programme.add_reminder(profile.id, ReminderKind.WATER, time(8), 127)
    key = KeyVault(home).unlock(TEST_PASSPHRASE)
    marker = "MARKER-prog-body" if category == "measurements" else "MARKER-prog-checkin"
    assert where_is(home, key, marker)
    result = erasure.erase_category(store, category)
    assert all(result.rows.get(t, 0) > 0 for t in gone)
    counts = store.programme.counts(profile.id)
    assert all(counts[t] == 0 for t in gone) and all(counts[t] > 0 for t in kept)
    assert where_is(home, key, marker) == []
    if category == "health-data":
        assert counts["reminder"] == 0
        assert where_is(home, key, "MARKER-prog-note") == [] and where_is(home, key, "MARKER-prog-dose") == []
