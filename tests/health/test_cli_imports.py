"""``companion import ...`` and ``companion export-scale``: exit codes, summaries, JSON, files written."""

from __future__ import annotations

import json
from pathlib import Path

from garmin_fit_sdk import Decoder, Stream

from companion.cli import main


def test_import_then_again_then_export(onboarded, apple_zip, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["import", "apple-health", str(apple_zip), "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert report["added"] == 27 and report["error_count"] == 0
    assert "Imported 27 new items" in out.err and "Importing export.zip" in out.err
    assert "ActivitySummary" in out.err  # types left out are listed
    assert main(["import", "apple-health", str(apple_zip)]) == 0
    assert "imported before" in capsys.readouterr().err
    target = tmp_path / "weights.csv"
    assert main(["export-scale", "--format", "openscale", "--output", str(target)]) == 0
    lines = target.read_text().splitlines()
    assert lines[0] == "DATE,TIME,BMI,BMR,BODY_FAT,BONE,COMMENT,IMPEDANCE,MUSCLE,VISCERAL_FAT,WATER,WEIGHT"
    assert lines[1].startswith("2026-01-01,08:00:00,32.74,,35.2,") and lines[1].endswith(",92.4")
    fit = tmp_path / "weights.fit"
    assert main(["export-scale", "--format", "fit", "--output", str(fit)]) == 0
    messages, errors = Decoder(Stream.from_byte_array(bytearray(fit.read_bytes()))).read()
    assert not errors and [m["weight"] for m in messages["weight_scale_mesgs"]] == [92.4, 92.31]
    capsys.readouterr()
    # the exported openScale file imports back as the same weigh-ins under the openScale source
    assert main(["import", "openscale", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 2


def test_errors_are_one_line_with_exit_1(onboarded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["import", "apple-health", str(tmp_path / "missing.zip")]) == 1
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "notes.csv"
    bad.write_text("hello,world\n1,2\n")
    assert main(["import", "openscale", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an openScale CSV" in err
    assert main(["import", "kindle", str(bad)]) == 2


def test_without_a_profile(home, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["import", "csv", str(Path(__file__))]) == 1
    assert "companion profile init" in capsys.readouterr().err


def test_takeout_with_units(onboarded, takeout, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["import", "fitbit-takeout", str(takeout), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == {"impossible or unreadable value": 1}
    assert report["skipped_types"] == {"distance (files)": 1}


def test_cli_counts_values_left_out(onboarded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BODY.csv"
    path.write_text("time,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,impedance\n"
                    "2022-01-23 08:33:36+0000,88.3,168.0,31.3,33.5,4.1,2.9,1650,55.0,12,480\n", encoding="utf-8")
    assert main(["import", "csv", str(path), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["refused_fields"] == {"body water outside the possible range (left out)": 1}
    assert "Imported 1 new item from BODY.csv (1 record read)." in out.err
    assert "1 value was left out of readings that were otherwise imported:" in out.err
    assert "body water outside the possible range (left out) (first: line 2)" in out.err
