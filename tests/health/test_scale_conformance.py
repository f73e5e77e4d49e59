"""Scale-app CSVs as the apps write them: one table of the layouts and dialects found in the wild.

Sources of the layouts (facts only; every file below is written here):
- openScale 3.x (Kotlin): oliexdev/openScale:android_app/app/src/test/java/com/health/openscale/core/usecase/
  ImportExportUseCasesTest.kt (commit f7a733b): ``DATE,TIME,WEIGHT`` with ``2025-04-07,08:30,72.5``; a TIME a
  spreadsheet rewrote as ``8:30:00 AM`` keeps the row; a non-ISO DATE (``4/7/2025``) is refused; no TIME means
  12:00; ``dateTime`` = ``2025-04-07 08:30``; an ``IMPEDANCE``-only row is imported.
- openScale 2.x (Java, simplecsv): quoted lower-camel header, ``dateTime`` ``dd.MM.yyyy HH:mm``
  (core/datatypes/ScaleMeasurement.java; CsvHelperTest.java in commit ea9c86e).
- openScale 1.0-1.7: no header at all; the number of fields says the version (CsvHelper.getOldStyleHeaders,
  commit ea9c86e): 10 = 1.6/1.7 ``dateTime,weight,fat,water,muscle,lbw,bone,waist,hip,comment``; 9 = 1.5.5
  (no lbw); 8 = 1.3 (no lbw, bone); 6 = 1.2 ``dateTime,weight,fat,water,muscle,comment``; 5 = 1.0 (no muscle).
- Withings "download my data" ``weight.csv`` (masses in kg): /work/shared/reference/health_data.md 4.2 and the
  Health Mate README.txt shipped in such exports (leoluk/oura-analyzer:data_LEO_1771869311/README.txt).
- Renpho: ``Time of Measurement,Weight(lb),BMI,Body Fat(%),...`` with ``04/18/2019, 5:40:27 PM`` (12-hour) or
  ``04/18/2019, 17:40:27`` (24-hour phones); the comma inside the time is not always quoted
  (AdamMigliore/Health_Data_Parser:src/Renpho/csv_to_json.ts reads the weight from the third field).
- Mi Fit (old) ``BODY.csv``: ``timestamp`` in Unix seconds; Zepp Life (current): ``time`` like
  ``2022-01-23 08:33:36+0000`` and literal ``null`` for values not measured.
- Omron connect: ``"Measurement Date","Timezone","Weight(kg)","Body Fat(%)","Visceral Fat",...``, the date as
  ``2023/07/01 12:08`` in the zone the Timezone column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from companion.health.importer import Importer
from companion.health.model import UnreadableFile

AMS = ZoneInfo("Europe/Amsterdam")  # the tests' own zone (tests/conftest.py)


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    text: str
    fmt: str  # the detected format (the measurement's device)
    when: datetime  # the first reading
    values: dict[str, Any] = field(default_factory=dict)  # of the first reading
    count: int = 1
    errors: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


OPENSCALE_V2_HEADER = ('"biceps","bone","caliper1","caliper2","caliper3","calories","chest","comment","dateTime","fat",'
                       '"hip","lbm","muscle","neck","thigh","visceralFat","waist","water","weight"\n')
CASES = [
    Case("openscale-3", "openScale_data_Ann.csv",
         "DATE,TIME,BMI,BMR,BODY_FAT,BONE,COMMENT,HEART_RATE,IMPEDANCE,MUSCLE,VISCERAL_FAT,WATER,WEIGHT,WHTR\n"
         "2025-04-07,08:30,30.1,1712,35.2,3.1,,62,512,38.5,11,48.2,92.5,0.55\n",
         "openscale", datetime(2025, 4, 7, 8, 30, tzinfo=AMS),
         {"weight_kg": 92.5, "body_fat_pct": 35.2, "body_water_pct": 48.2, "bone_mass_kg": 3.1, "bmr_kcal": 1712,
          "visceral_fat": 11, "impedance_ohm": 512}),
    Case("openscale-3-minimal", "o.csv", "DATE,TIME,WEIGHT\n2025-04-07,08:30,72.5\n", "openscale",
         datetime(2025, 4, 7, 8, 30, tzinfo=AMS), {"weight_kg": 72.5}),
    Case("openscale-3-12-hour-time", "o.csv", "DATE,TIME,WEIGHT\n2025-04-07,8:30:00 AM,72.5\n", "openscale",
         datetime(2025, 4, 7, 8, 30, tzinfo=AMS), {"weight_kg": 72.5}),
    Case("openscale-3-12-hour-pm", "o.csv", "DATE,TIME,WEIGHT\n2025-04-07,12:05 PM,72.5\n", "openscale",
         datetime(2025, 4, 7, 12, 5, tzinfo=AMS), {"weight_kg": 72.5}),
    Case("openscale-3-unreadable-time", "o.csv", "DATE,TIME,WEIGHT\n2025-04-07,morning,72.5\n", "openscale",
         datetime(2025, 4, 7, 12, 0, tzinfo=AMS), {"weight_kg": 72.5},
         refused={"time unreadable: 12:00 used, as openScale does": 1}),
    Case("openscale-3-no-time", "o.csv", "DATE,WEIGHT\n2025-04-08,72.5\n", "openscale",
         datetime(2025, 4, 8, 12, 0, tzinfo=AMS), {"weight_kg": 72.5}),
    Case("openscale-3-ambiguous-date", "o.csv", "DATE,TIME,WEIGHT\n4/7/2025,08:30,72.5\n2025-04-08,08:30,72.0\n",
         "openscale", datetime(2025, 4, 8, 8, 30, tzinfo=AMS), {"weight_kg": 72.0},
         errors={"unreadable date": 1}),
    Case("openscale-3-datetime", "o.csv", "dateTime,WEIGHT\n2025-04-07 08:30,72.5\n", "openscale-legacy",
         datetime(2025, 4, 7, 8, 30, tzinfo=AMS), {"weight_kg": 72.5}),
    Case("openscale-3-impedance-only", "o.csv", "DATE,IMPEDANCE\n2025-04-11,480\n", "openscale",
         datetime(2025, 4, 11, 12, 0, tzinfo=AMS), {"impedance_ohm": 480, "weight_kg": None}),
    Case("openscale-2", "openScale_data.csv",
         OPENSCALE_V2_HEADER + '"0.0","3.2","0.0","0.0","0.0","0.0","0.0","na het sporten","07.04.2025 08:30","34.0",'
         '"0.0","0.0","40.0","0.0","0.0","0.0","0.0","50.0","100.0"\n',
         "openscale-legacy", datetime(2025, 4, 7, 8, 30, tzinfo=AMS),
         {"weight_kg": 100, "body_fat_pct": 34, "body_water_pct": 50, "bone_mass_kg": 3.2, "muscle_mass_kg": 40,
          "note": "na het sporten"}),
    Case("openscale-1.6", "openScale.csv", "01.03.2018 12:45,80.0,22.0,57.0,45.0,0.0,3.1,0.0,0.0,some text\n"
         "02.03.2018 12:45,79.5,22.0,57.0,45.0,0.0,3.1,0.0,0.0,\n",
         "openscale-1", datetime(2018, 3, 1, 12, 45, tzinfo=AMS),
         {"weight_kg": 80, "body_fat_pct": 22, "body_water_pct": 57, "bone_mass_kg": 3.1, "note": "some text"},
         count=2),
    Case("openscale-1.5.5", "openScale.csv", "01.03.2018 12:45,80.0,22.0,57.0,45.0,3.1,0.0,0.0,some text\n",
         "openscale-1", datetime(2018, 3, 1, 12, 45, tzinfo=AMS), {"weight_kg": 80, "bone_mass_kg": 3.1}),
    Case("openscale-1.3", "openScale.csv", "01.03.2018 12:45,80.0,22.0,57.0,45.0,0.0,0.0,some text\n",
         "openscale-1", datetime(2018, 3, 1, 12, 45, tzinfo=AMS), {"weight_kg": 80, "body_water_pct": 57}),
    Case("openscale-1.2", "openScale.csv", "01.03.2018 12:45,80.0,22.0,57.0,45.0,some text\n",
         "openscale-1", datetime(2018, 3, 1, 12, 45, tzinfo=AMS), {"weight_kg": 80, "muscle_mass_kg": 36}),
    Case("openscale-1.0", "openScale.csv", "01.03.2018 12:45,80.0,22.0,57.0,some text\n",
         "openscale-1", datetime(2018, 3, 1, 12, 45, tzinfo=AMS), {"weight_kg": 80, "body_fat_pct": 22}),
    Case("withings", "weight.csv",
         "Date,Weight (kg),Fat mass (kg),Bone mass (kg),Muscle mass (kg),Hydration (kg),Comments\n"
         '"2024-01-05 08:12:33",100.0,35.0,3.4,61.2,48.0,\n', "withings",
         datetime(2024, 1, 5, 8, 12, 33, tzinfo=AMS),
         {"weight_kg": 100, "body_fat_pct": 35, "body_water_pct": 48, "muscle_mass_kg": 61.2, "bone_mass_kg": 3.4}),
    Case("renpho-12-hour", "Renpho-Ann.csv",
         "Time of Measurement,Weight(lb),BMI,Body Fat(%),Fat-free Body Weight(lb),Subcutaneous Fat(%),"
         "Visceral Fat,Body Water(%),Skeletal Muscle(%),Muscle Mass(lb),Bone Mass(lb),Protein(%),BMR(kcal),"
         'Metabolic Age\n"04/18/2019, 5:40:27 PM",220.5,34.9,38.1,136.5,33.2,14,44.1,41.0,129.6,6.9,14.2,1850,52\n',
         "renpho", datetime(2019, 4, 18, 17, 40, 27, tzinfo=AMS),
         {"weight_kg": pytest.approx(100.016, abs=0.001), "visceral_fat": 14, "bmr_kcal": 1850}),
    Case("renpho-24-hour", "Renpho-Ann.csv",
         "Time of Measurement,Weight(kg),BMI,Body Fat(%),Fat-free Body Weight(kg),Subcutaneous Fat(%),"
         "Visceral Fat,Body Water(%),Skeletal Muscle(%),Muscle Mass(kg),Bone Mass(kg),Protein(%),BMR(kcal),"
         'Metabolic Age\n"04/18/2019, 17:40:27",100.0,34.9,38.1,62.0,33.2,14,44.1,41.0,58.8,3.1,14.2,1850,52\n',
         "renpho", datetime(2019, 4, 18, 17, 40, 27, tzinfo=AMS), {"weight_kg": 100, "body_water_pct": 44.1}),
    Case("renpho-unquoted-time", "Renpho-Ann.csv",
         "Time of Measurement,Weight(kg),BMI,Body Fat(%),Fat-free Body Weight(kg),Subcutaneous Fat(%),"
         "Visceral Fat,Body Water(%),Skeletal Muscle(%),Muscle Mass(kg),Bone Mass(kg),Protein(%),BMR(kcal),"
         "Metabolic Age\n04/18/2019, 17:40:27,100.0,34.9,38.1,62.0,33.2,14,44.1,41.0,58.8,3.1,14.2,1850,52\n",
         "renpho", datetime(2019, 4, 18, 17, 40, 27, tzinfo=AMS), {"weight_kg": 100, "bmr_kcal": 1850}),
    Case("mi-fit", "BODY.csv",
         "timestamp,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,impedance\n"
         "1704438000,88.3,168,31.3,33.5,49.1,2.9,1650,55.0,12,480\n", "mi-fit",
         datetime.fromtimestamp(1704438000, UTC), {"weight_kg": 88.3, "body_fat_pct": 33.5, "impedance_ohm": 480}),
    Case("zepp-life", "BODY.csv",
         "time,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,impedance\n"
         "2022-01-23 08:33:36+0000,88.3,168.0,31.3,33.5,49.1,2.9,1650,55.0,12,480\n"
         "2022-01-24 08:30:01+0000,88.1,168.0,31.2,null,null,null,null,null,null,null\n", "mi-fit",
         datetime(2022, 1, 23, 8, 33, 36, tzinfo=UTC), {"weight_kg": 88.3, "visceral_fat": 12}, count=2),
    Case("omron", "Omron.csv",
         '"Measurement Date","Timezone","Weight(kg)","Body Fat(%)","Visceral Fat","Resting Metabolism(kcal)",'
         '"BMI","Skeletal Muscle(%)","Body Age"\n'
         '"2023/07/01 12:08","America/Mexico_City","91.4","38.2","12","1620","32.4","24.1","55"\n', "omron",
         datetime(2023, 7, 1, 12, 8, tzinfo=ZoneInfo("America/Mexico_City")),
         {"weight_kg": 91.4, "body_fat_pct": 38.2, "visceral_fat": 12, "bmr_kcal": 1620}),
    Case("omron-offset", "Omron.csv",
         '"Measurement Date","Timezone","Weight(kg)","Body Fat(%)","Visceral Fat","Resting Metabolism(kcal)"\n'
         '"2023/07/01 12:08","UTC+09:00","91.4","38.2","12","1620"\n', "omron",
         datetime(2023, 7, 1, 3, 8, tzinfo=UTC), {"weight_kg": 91.4}),
]


def _import(store, pid, tmp_path, case: Case, fmt: str = "csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / case.name
    path.write_text(case.text, encoding="utf-8")
    return Importer(store, pid).run(fmt, path, **case.options)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_layouts_in_the_wild(store, pid, tmp_path, case: Case) -> None:  # type: ignore[no-untyped-def]
    report = _import(store, pid, tmp_path, case)
    assert dict(report.errors) == case.errors
    assert dict(report.refused_fields) == case.refused
    stored = store.measurements.page(pid, newest_first=False)
    assert len(stored) == case.count
    first = stored[0]
    assert first.timestamp == case.when
    assert first.device == case.fmt and first.source == f"import:{case.fmt}"
    for name, value in case.values.items():
        assert getattr(first, name) == value, name
    again = Importer(store, pid, force=True).run("csv", tmp_path / case.name, **case.options)
    assert again.added == 0 and store.measurements.count(pid) == case.count  # a re-run adds nothing twice


@pytest.mark.parametrize("case", [c for c in CASES if c.fmt.startswith("openscale")],
                         ids=[c.id for c in CASES if c.fmt.startswith("openscale")])
def test_openscale_command_reads_every_openscale_generation(store, pid, tmp_path, case: Case) -> None:  # type: ignore[no-untyped-def]
    assert _import(store, pid, tmp_path, case, "openscale").added == case.count


def test_two_readings_in_the_same_minute_are_both_kept(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Omron writes minutes only: two family members (or a re-weigh) at 07:30 are two readings."""
    path = tmp_path / "Omron.csv"
    path.write_text('"Measurement Date","Timezone","Weight(kg)","Body Fat(%)"\n'
                    '"2023/07/01 07:30","Europe/Amsterdam","91.4","38.2"\n'
                    '"2023/07/01 07:30","Europe/Amsterdam","64.0","27.5"\n'
                    '"2023/07/01 07:30","Europe/Amsterdam","91.4","38.2"\n', encoding="utf-8")
    report = Importer(store, pid).run("csv", path)
    assert report.added == 2 and report.duplicates == 1  # only the line that is the same reading again
    assert sorted(m.weight_kg for m in store.measurements.page(pid)) == [64.0, 91.4]
    assert Importer(store, pid, force=True).run("csv", path).added == 0


def test_one_implausible_field_keeps_the_rest_of_the_reading(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BODY.csv"
    path.write_text("time,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,impedance\n"
                    "2022-01-23 08:33:36+0000,88.3,168.0,31.3,33.5,4.1,2.9,1650,55.0,12,480\n"
                    "2022-01-24 08:33:36+0000,88.0,168.0,31.2,133.5,4.0,2.9,1650,55.0,12,480\n", encoding="utf-8")
    report = Importer(store, pid).run("csv", path)
    assert report.error_count == 0
    assert dict(report.refused_fields) == {"body water outside the possible range (left out)": 2,
                                           "body fat outside the possible range (left out)": 1}
    first, second = store.measurements.page(pid, newest_first=False)
    assert (first.weight_kg, first.body_water_pct, first.body_fat_pct) == (88.3, None, 33.5)
    assert (second.weight_kg, second.body_fat_pct, second.visceral_fat) == (88.0, None, 12)


def test_bmi_is_computed_from_the_profiles_height(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Mi Fit's BMI came from the height in the app (1.60 m here); the profile says 1.68 m."""
    from companion.domain.model import Metric

    path = tmp_path / "BODY.csv"
    path.write_text("timestamp,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,"
                    "impedance\n1704438000,88.3,160,34.5,33.5,49.1,2.9,1650,55.0,12,480\n", encoding="utf-8")
    Importer(store, pid).run("csv", path)
    m = store.measurements.latest(pid)[0]
    assert m.bmi == pytest.approx(88.3 / 1.68**2, abs=0.01)
    assert Metric.BMI in m.derived  # computed here, from the profile's height


def test_binary_file_is_named_not_printed(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x1b[31m")
    with pytest.raises(UnreadableFile) as caught:
        Importer(store, pid).run("csv", path)
    message = str(caught.value)
    assert "photo.csv" in message and "binary" in message
    assert "\x1b" not in message and "\x00" not in message and "PNG" not in message


def test_openscale_export_carries_impedance_and_reads_back(store, pid, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """openScale's own export test (ImportExportUseCasesTest) expects IMPEDANCE in the CSV and back on import."""
    import io

    from companion.domain.measurement import Measurement
    from companion.health.scale_csv import write_openscale_csv

    out = io.StringIO()
    write_openscale_csv([Measurement(timestamp=datetime(2025, 4, 11, 8, 0, tzinfo=AMS), source="ble:test",
                                     weight_kg=80.0, impedance_ohm=500.0)], out)
    header, row = out.getvalue().splitlines()
    assert header == "DATE,TIME,BMI,BMR,BODY_FAT,BONE,COMMENT,IMPEDANCE,MUSCLE,VISCERAL_FAT,WATER,WEIGHT"
    path = tmp_path / "openScale_export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    Importer(store, pid).run("openscale", path)
    assert store.measurements.latest(pid)[0].impedance_ohm == 500.0
