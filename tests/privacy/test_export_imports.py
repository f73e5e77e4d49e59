"""The export of imported data: units in every CSV header, one FHIR shape per code, a Device for imports."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from companion.domain.measurement import Measurement
from companion.privacy.export import export
from companion.store.samples import Samples


def _exported(store, profile, tmp_path: Path) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    pid = profile.id
    at = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    store.measurements.add_many([
        Measurement(timestamp=at, source="import:omron", weight_kg=91.4, visceral_fat=12.0, device="omron"),
        Measurement(timestamp=at.replace(day=6), source="import:mi-fit", weight_kg=91.0, visceral_fat=12.5,
                    device="mi-fit"),
    ], pid)
    samples = Samples(store)
    samples.add_many(pid, "active_energy", "import:apple-health", [(int(at.timestamp()), 35.5)])
    samples.add_many(pid, "height", "import:apple-health", [(int(at.timestamp()), 168.0)])
    target = tmp_path / "export.zip"
    export(store, "zip", target)
    return zipfile.ZipFile(target)


def test_every_csv_header_has_a_unit(store, profile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = _exported(store, profile, tmp_path)
    headers = {name: archive.read(name).decode().splitlines()[0] for name in archive.namelist()
               if name.startswith("csv/health/")}
    assert headers["csv/health/active_energy.csv"] == "time,active_energy (kcal),source"
    assert headers["csv/health/height.csv"] == "time,height (cm),source"


def test_visceral_fat_has_one_shape_and_imports_have_a_device(store, profile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bundle = json.loads(_exported(store, profile, tmp_path).read("fhir/bundle.json"))
    resources = [e["resource"] for e in bundle["entry"]]
    visceral = [r for r in resources if r["resourceType"] == "Observation"
                and r["code"]["coding"][0]["code"] == "visceral-fat-rating"]
    assert len(visceral) == 2
    assert {tuple(sorted(k for k in r if k.startswith("value"))) for r in visceral} == {("valueQuantity",)}
    assert sorted(r["valueQuantity"]["value"] for r in visceral) == [12.0, 12.5]
    devices = {e["fullUrl"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"}
    weights = [r for r in resources
               if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "29463-7"]
    assert len(weights) == 2
    names = set()
    for weight in weights:
        device = devices[weight["device"]["reference"]]
        names.add(device["deviceName"][0]["name"])
    assert names == {"Omron (imported)", "Mi Fit / Zepp Life (imported)"}
