"""Export: the ZIP (manifest, data.json, CSVs, FHIR R4 Bundle, consents, README), single formats, failures."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from companion.privacy.export import ExportError, export
from tests.privacy.conftest import MARKER

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
UCUM_VITALS = {"kg", "%", "kg/m2", "/min", "ms", "kcal/d", "{steps}", "{rating}"}
LOINC = {
    "29463-7",
    "41982-0",
    "101684-9",
    "101685-6",
    "73964-9",
    "39156-5",
    "8867-4",
    "40443-4",
    "80404-7",
    "55423-8",
}
ORDER = ["Patient", "Device", "Observation", "Consent", "Communication"]


def _zip(full_store: Any, tmp_path: Path) -> zipfile.ZipFile:
    target = tmp_path / "out" / "export.zip"
    target.parent.mkdir()
    result = export(full_store, "zip", target)
    assert result.path == target
    assert sorted(os.listdir(target.parent)) == ["export.zip"]  # no temporary file left
    return zipfile.ZipFile(target)


def test_zip_has_every_part_and_a_true_manifest(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = _zip(full_store, tmp_path)
    names = archive.namelist()
    for required in (
        "manifest.json",
        "data.json",
        "fhir/bundle.json",
        "consents.json",
        "README.md",
        "csv/measurements/weight.csv",
        "csv/measurements/visceral_fat.csv",
        "csv/health/heart_rate.csv",
    ):
        assert required in names
    assert len([n for n in names if n.startswith("csv/measurements/")]) == 8
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["schema_version"] == full_store.schema_version()
    assert manifest["app_version"] and ISO_WITH_OFFSET.match(manifest["created_at"])
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(names) - {"manifest.json"}
    for name, entry in listed.items():
        data = archive.read(name)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["bytes"]
    readme = archive.read("README.md").decode()
    for name in listed:
        assert name in readme


def test_data_json_holds_every_table(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(_zip(full_store, tmp_path).read("data.json"))
    tables = data["tables"]
    for table in (
        "profile",
        "measurement",
        "consent_event",
        "audit_event",
        "sample",
        "message",
        "saved_location",
        "diagnostic_log",
    ):
        assert table in tables
    assert len(tables["measurement"]) == 30
    assert len(tables["sample"]) == 80
    assert ISO_WITH_OFFSET.match(tables["measurement"][0]["time"])
    assert tables["profile"][0]["name"] == "Ann Example"


def test_csv_per_metric_with_units_and_offsets(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = _zip(full_store, tmp_path)
    weight = archive.read("csv/measurements/weight.csv").decode().splitlines()
    assert weight[0] == "time,weight (kg),source,derived"
    assert len(weight) == 31
    first = weight[1].split(",")
    assert first[0] == "2026-01-01T07:30:00+01:00" and float(first[1]) == 100.0
    assert (
        archive.read("csv/measurements/bmi.csv").decode().splitlines()[0] == "time,bmi (kg/m2),source,derived"
    )
    assert archive.read("csv/measurements/bmi.csv").decode().splitlines()[1].endswith(",yes")
    heart = archive.read("csv/health/heart_rate.csv").decode().splitlines()
    assert heart[0] == "time,heart_rate (bpm),source"
    assert all(ISO_WITH_OFFSET.match(line.split(",")[0]) for line in heart[1:])


def _references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += _references(value)
    elif isinstance(node, list):
        for item in node:
            found += _references(item)
    return found


def check_bundle(bundle: dict[str, Any]) -> None:
    """Our own checks on top of the independent validator (which does not check bindings or profiles)."""
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls)), "fullUrls must be unique"
    assert all(
        re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
        for u in urls
    )
    for ref in _references(bundle):
        assert ref in urls, f"unresolvable reference {ref}"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == sorted(kinds, key=ORDER.index), "entries in the order Patient, Device, Observation, ..."
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert "request" not in entry and "response" not in entry
        if resource["resourceType"] == "Observation":
            assert resource["status"] == "final"
            category = resource["category"][0]["coding"][0]
            assert category["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
            assert ISO_WITH_OFFSET.match(resource["effectiveDateTime"])
            assert resource["subject"]["reference"] in urls
            coding = resource["code"]["coding"][0]
            if category["code"] == "vital-signs":  # vital-signs profile: LOINC code, UCUM quantity
                assert coding["system"] == "http://loinc.org" and coding["code"] in LOINC
                quantity = resource["valueQuantity"]
                assert quantity["system"] == "http://unitsofmeasure.org" and quantity["code"] in UCUM_VITALS
            elif "valueQuantity" in resource:
                assert resource["valueQuantity"]["system"] == "http://unitsofmeasure.org"
            else:
                assert isinstance(resource["valueInteger"], int)
        if resource["resourceType"] == "Consent":
            assert resource.get("policy") or resource.get("policyRule")  # ppc-1
            assert resource["provision"]["type"] in ("permit", "deny")


def test_fhir_bundle_validates(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(_zip(full_store, tmp_path).read("fhir/bundle.json"))
    Bundle.model_validate(bundle)  # independent validator (R4B is wire-compatible with R4 here)
    check_bundle(bundle)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert len(by_type["Patient"]) == 1 and by_type["Patient"][0]["gender"] == "female"
    assert len(by_type["Device"]) == 1  # the ble: source
    assert len(by_type["Observation"]) == 30 * 8 + 80
    codes = {o["code"]["coding"][0]["code"] for o in by_type["Observation"]}
    assert {"29463-7", "39156-5", "165109007", "visceral-fat-rating", "8867-4", "55423-8"} <= codes
    weight = next(o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "29463-7")
    assert weight["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/bodyweight"]
    assert weight["valueQuantity"]["code"] == "kg"
    bmr = next(o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "165109007")
    assert (
        bmr["code"]["coding"][0]["system"] == "http://snomed.info/sct"
        and bmr["valueQuantity"]["code"] == "kcal/d"
    )
    consent_purposes = {c["provision"]["purpose"][0]["code"] for c in by_type["Consent"]}
    assert {"health-data", "location"} <= consent_purposes
    assert len(by_type["Communication"]) == 3
    statuses = sorted(c["status"] for c in by_type["Communication"])
    assert statuses == ["completed", "completed", "in-progress"]


def test_withdrawal_shows_as_inactive_then_deny(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy import ledger

    ledger.withdraw(full_store, "location", "test")
    bundle = json.loads(_zip(full_store, tmp_path).read("fhir/bundle.json"))
    location = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Consent"
        and e["resource"]["provision"]["purpose"][0]["code"] == "location"
    ]
    assert [c["status"] for c in location] == ["inactive", "active"]
    assert location[0]["provision"]["type"] == "permit" and "end" in location[0]["provision"]["period"]
    assert location[1]["provision"]["type"] == "deny"
    history = json.loads(zipfile.ZipFile(tmp_path / "out" / "export.zip").read("consents.json"))
    assert [h["decision"] for h in history["history"] if h["purpose"] == "location"] == ["grant", "withdraw"]


def test_export_is_audited_without_content(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _zip(full_store, tmp_path)
    event = full_store.audit.events()[0]
    assert event.action == "export" and event.target.endswith("export.zip")
    assert "30 measurements" in event.summary and MARKER not in event.summary


@pytest.mark.parametrize("fmt", ["json", "fhir", "csv"])
def test_single_formats(full_store, tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / f"single-{fmt}"
    export(full_store, fmt, target)
    if fmt == "csv":
        assert (target / "csv/measurements/weight.csv").read_text().startswith("time,weight (kg)")
        assert (target / "README.md").exists()
    else:
        document = json.loads(target.read_text())
        assert document["resourceType"] == "Bundle" if fmt == "fhir" else "tables" in document


def test_stdout_streams(full_store) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("zip", "json", "fhir", "csv"):
        buffer = io.BytesIO()
        export(full_store, fmt, stream=buffer)
        data = buffer.getvalue()
        if fmt == "zip":
            assert "manifest.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        elif fmt == "csv":
            lines = data.decode().splitlines()
            assert lines[0] == "metric,unit,time,value,source,derived"
            assert {len(line.split(",")) for line in lines if "pending" not in line} == {6}
        else:
            json.loads(data)


def test_interrupted_export_leaves_nothing(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(KeyboardInterrupt):
        export(full_store, "zip", out / "export.zip", progress=interrupt)
    assert list(out.iterdir()) == []
    assert all(e.action != "export" for e in full_store.audit.events())


def test_unwritable_and_missing_paths(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match="does not exist"):
        export(full_store, "zip", tmp_path / "no" / "such" / "export.zip")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="nothing was written"):
        export(full_store, "zip", blocker / "export.zip")
    with pytest.raises(ExportError, match="folder"):
        export(full_store, "zip", tmp_path)
    with pytest.raises(ExportError, match="Unknown export format"):
        export(full_store, "pdf", tmp_path / "x.pdf")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_permission_denied(full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ExportError, match="permission denied"):
        export(full_store, "zip", locked / "export.zip")


FULL_DISK_SCRIPT = """
import resource, signal, sys
from pathlib import Path
from companion.store import Store
from companion.privacy.export import export, ExportError
store = Store.open(Path(sys.argv[1]))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # the "disk" fills up after 64 KiB
try:
    export(store, "zip", Path(sys.argv[2]))
except ExportError as exc:
    print(exc)
    sys.exit(3)
"""


def test_full_disk(full_store, home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.benchmarks.privacy_data import fill

    fill(full_store, 1, measurements=3000, samples=3000, messages=100)
    full_store.checkpoint()
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK_SCRIPT, str(home), str(out / "export.zip")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert proc.returncode == 3, proc.stderr
    assert "Not enough disk space" in proc.stdout and "nothing was written" in proc.stdout
    assert list(out.iterdir()) == []
