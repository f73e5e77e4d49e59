"""Scale CSVs: openScale (both generations) import and export, Withings, Renpho, Mi Fit; round trips."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.domain.measurement import Measurement
from companion.health.importer import Importer
from companion.health.model import UnreadableFile
from companion.health.scale_csv import detect_format, write_openscale_csv


def _run(store, pid, path, fmt="csv", **options):  # type: ignore[no-untyped-def]
    return Importer(store, pid, threaded=False).run(fmt, path, **options)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_openscale_current(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "openScale_data_Ann.csv",
                  "DATE,TIME,BMI,BMR,BODY_FAT,BONE,COMMENT,HEART_RATE,MUSCLE,VISCERAL_FAT,WATER,WEIGHT,WHTR\n"
                  "2025-04-07,08:30,30.1,1712,35.2,3.1,\"na het ontbijt, koffie\",62,38.5,11,48.2,92.5,0.55\n"
                  "2025-07-07,08:30:15,0,0,0,0,,0,0,0,0,91.0,0\n")
    report = _run(store, pid, path, "openscale")
    assert report.error_count == 0
    first, second = store.measurements.page(pid, newest_first=False)
    # local time in the user's zone (tests run in Europe/Amsterdam): winter +1 is not used in April (+2)
    assert first.timestamp == datetime(2025, 4, 7, 6, 30, tzinfo=UTC)
    assert (first.weight_kg, first.body_fat_pct, first.body_water_pct, first.bone_mass_kg, first.bmi,
            first.bmr_kcal, first.visceral_fat) == (92.5, 35.2, 48.2, 3.1, 32.77, 1712, 11)  # BMI: profile height
    assert first.muscle_mass_kg == pytest.approx(92.5 * 0.385, abs=0.001)
    assert first.note == "na het ontbijt, koffie" and first.source == "import:openscale"
    assert second.timestamp == datetime(2025, 7, 7, 6, 30, 15, tzinfo=UTC)
    assert second.body_fat_pct is None  # 0 means not measured


@pytest.mark.parametrize("when", ["07.04.2025 08:30", "2025-04-07 08:30"])
def test_openscale_legacy(store, pid, tmp_path, when) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "legacy.csv",
                  '"biceps","bone","caliper1","caliper2","caliper3","calories","chest","comment","dateTime","fat",'
                  '"hip","lbm","muscle","neck","thigh","visceralFat","waist","water","weight"\n'
                  f'"0.0","3.2","0.0","0.0","0.0","0.0","0.0","","{when}","34.0","0.0","0.0","40.0","0.0","0.0",'
                  '"0.0","0.0","50.0","100.0"\n')
    assert _run(store, pid, path, "openscale").error_count == 0
    m = store.measurements.latest(pid)[0]
    assert m.timestamp == datetime(2025, 4, 7, 6, 30, tzinfo=UTC)
    assert (m.weight_kg, m.body_fat_pct, m.body_water_pct, m.bone_mass_kg, m.muscle_mass_kg) == (100, 34, 50, 3.2, 40)


def test_withings_masses_become_percentages(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "weight.csv",
                  "Date,Weight (kg),Fat mass (kg),Bone mass (kg),Muscle mass (kg),Hydration (kg),Comments\n"
                  '"2024-01-05 08:12:33",100.0,35.0,3.4,61.2,48.0,\n')
    _run(store, pid, path)
    m = store.measurements.latest(pid)[0]
    assert (m.weight_kg, m.body_fat_pct, m.body_water_pct, m.muscle_mass_kg, m.bone_mass_kg) == (100, 35, 48, 61.2, 3.4)
    assert m.source == "import:withings"


def test_renpho_in_pounds(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "renpho.csv",
                  "Time of Measurement,Weight(lb),BMI,Body Fat(%),Fat-free Body Weight(lb),Subcutaneous Fat(%),"
                  "Visceral Fat,Body Water(%),Skeletal Muscle(%),Muscle Mass(lb),Bone Mass(lb),Protein(%),BMR(kcal),"
                  "Metabolic Age\n"
                  "2023-07-01 08:12:00,220.5,34.9,38.1,136.5,33.2,14,44.1,41.0,129.6,6.9,14.2,1850,52\n")
    _run(store, pid, path)
    m = store.measurements.latest(pid)[0]
    assert m.weight_kg == pytest.approx(100.016, abs=0.001)
    assert m.muscle_mass_kg == pytest.approx(58.786, abs=0.001) and m.bmr_kcal == 1850 and m.visceral_fat == 14


def test_mi_fit(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "BODY.csv",
                  "timestamp,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,"
                  "impedance\n1704438000,88.3,168,31.3,33.5,49.1,2.9,1650,55.0,12,480\n")
    _run(store, pid, path)
    m = store.measurements.latest(pid)[0]
    assert m.timestamp == datetime.fromtimestamp(1704438000, UTC)
    assert (m.weight_kg, m.body_fat_pct, m.muscle_mass_kg, m.impedance_ohm) == (88.3, 33.5, 55.0, 480)


def test_wrong_format_and_bad_rows(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    withings = _write(tmp_path, "weight.csv", "Date,Weight (kg),Fat mass (kg),Comments\n2024-01-05 08:12,90,30,\n")
    with pytest.raises(UnreadableFile, match="not an openScale CSV"):
        _run(store, pid, withings, "openscale")
    unknown = _write(tmp_path, "x.csv", "when,how much\nyesterday,lots\n")
    with pytest.raises(UnreadableFile, match="unrecognised header"):
        _run(store, pid, unknown)
    with pytest.raises(UnreadableFile, match="empty"):
        _run(store, pid, _write(tmp_path, "e.csv", ""))
    mixed = _write(tmp_path, "m.csv", "DATE,TIME,WEIGHT\n2025-01-01,08:00,80\n2025-13-01,08:00,80\n"
                                      "2025-01-02,08:00,900\n2025-01-03,08:00\n2025-01-04,08:00,81\n")
    report = _run(store, pid, mixed)
    assert report.error_count == 3 and store.measurements.count(pid) == 2


def test_detects_formats() -> None:
    assert detect_format(["DATE", "TIME", "WEIGHT"]).id == "openscale"  # type: ignore[union-attr]
    assert detect_format(["date", "weight"]).id == "openscale"  # type: ignore[union-attr]
    assert detect_format(["dateTime", "weight", "fat"]).id == "openscale-legacy"  # type: ignore[union-attr]
    assert detect_format(["Measurement Date", "Timezone", "Weight(kg)", "Body Fat(%)"]).id == "omron"  # type: ignore[union-attr]
    assert detect_format(["a", "b"]) is None


metrics = st.fixed_dictionaries({
    "weight_kg": st.floats(40, 250).map(lambda v: round(v, 2)),
    "body_fat_pct": st.none() | st.floats(5, 60).map(lambda v: round(v, 2)),
    "body_water_pct": st.none() | st.floats(30, 70).map(lambda v: round(v, 2)),
    "bone_mass_kg": st.none() | st.floats(1, 6).map(lambda v: round(v, 2)),
    "bmi": st.none() | st.floats(15, 70).map(lambda v: round(v, 2)),
    "bmr_kcal": st.none() | st.integers(800, 4000).map(float),
    "visceral_fat": st.none() | st.integers(1, 59).map(float),
})


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(metrics, min_size=1, max_size=5), offset=st.sampled_from([-300, 0, 60, 120, 330]))
def test_openscale_export_round_trips(rows, offset, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from companion.health.model import ImportReport
    from companion.health.scale_csv import read_scale_csv

    zone = timezone(timedelta(minutes=offset))
    start = datetime(2025, 3, 1, 7, 0, tzinfo=zone)
    original = [Measurement(timestamp=start + timedelta(days=i), source="ble:test", **row)
                for i, row in enumerate(rows)]
    out = io.StringIO()
    assert write_openscale_csv(original, out) == len(rows)
    path = tmp_path_factory.mktemp("rt") / "o.csv"
    path.write_text(out.getvalue())
    report = ImportReport("openscale")
    name = {0: "UTC", 60: "Etc/GMT-1", 120: "Etc/GMT-2", -300: "Etc/GMT+5", 330: "Asia/Kolkata"}[offset]
    back = [m for step in read_scale_csv(path, report, 0, 100, timezone_name=name) if step.batch
            for m in step.batch.measurements]
    assert report.error_count == 0
    for a, b in zip(original, back, strict=True):
        assert a.timestamp == b.timestamp
        for field in rows[0]:
            assert getattr(b, field) == pytest.approx(getattr(a, field), abs=0.01)
