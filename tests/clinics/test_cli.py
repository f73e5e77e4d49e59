"""``companion clinics ...``: the DESIGN.md contract for ``near``, bad input, select, import-overpass."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from companion.cli import main
from companion.clinics.geo import geodesic_km

from .conftest import collection, feature
from .test_directory import OVERPASS


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _init_profile(capsys: pytest.CaptureFixture[str], *consents: str) -> None:
    extra = [arg for purpose in consents for arg in ("--consent", purpose)]
    code, _out, err = _run(
        capsys,
        "profile",
        "init",
        "--name",
        "Ann",
        "--birth-date",
        "1980-01-01",
        "--sex",
        "female",
        "--height-cm",
        "170",
        *extra,
    )
    assert code == 0, err


def test_near_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, "clinics", "near", "--lat", "52.37", "--lon", "4.89", "--limit", "3", "--json"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 3
    for row in rows:
        assert {"name", "lat", "lon", "distance_km", "address"} <= set(row)
        assert row["distance_km"] == pytest.approx(geodesic_km(52.37, 4.89, row["lat"], row["lon"]), abs=1e-3)
    assert [r["distance_km"] for r in rows] == sorted(r["distance_km"] for r in rows)
    osm = urlsplit(rows[0]["osm_url"])
    assert rows[0]["name"] == "Demo Clinic (sample)" and (osm.scheme, osm.netloc) == ("https", "www.openstreetmap.org")


def test_near_place_table_and_directory(capsys: pytest.CaptureFixture[str], write_geojson) -> None:  # type: ignore[no-untyped-def]
    code, out, err = _run(capsys, "clinics", "near", "--place", "Rotterdam", "--limit", "2")
    assert code == 0 and "Sample Balloon Clinic Rotterdam" in out and "SAMPLE DATA" in out
    path = write_geojson(
        collection(
            feature("x:1", "\x1b[31mEvil\x1b[0m Clinic", 4.9, 52.4),
            feature("x:2", "Far Clinic", -70.0, -30.0),
            feature("x:3", None, 1, 1),
        )
    )
    code, out, err = _run(
        capsys, "clinics", "near", "--lat", "52.37", "--lon", "4.89", "--directory", str(path)
    )
    assert code == 0 and "\x1b" not in out and "Evil Clinic" in out and "Far Clinic" in out
    assert "1 entries of the directory were skipped" in err and "no name" in err
    code, out, err = _run(
        capsys,
        "clinics",
        "near",
        "--lat",
        "52.37",
        "--lon",
        "4.89",
        "--directory",
        str(path),
        "--max-km",
        "10",
        "--json",
    )
    assert [r["name"] for r in json.loads(out)] == ["Evil Clinic"]


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--lat", "95", "--lon", "4"], 1, "Latitude 95 is outside -90..90."),
        (["--lat", "10", "--lon", "-190"], 1, "Longitude -190 is outside"),
        (["--lat", "10"], 2, "--lat and --lon go together"),
        (["--lat", "abc", "--lon", "1"], 2, "invalid float value"),
        (["--place", "Xyzzyville"], 1, "No town called 'Xyzzyville'"),
        (["--place", "SW1A 1AA"], 1, "looks like a postcode"),
        (["--place", "Amsterdam", "--limit", "0"], 2, "--limit"),
        (["--place", "Amsterdam", "--directory", "/nonexistent/x.geojson"], 1, "No such file"),
        ([], 2, "one of the arguments --place --lat is required"),
    ],
)
def test_near_bad_input(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, fragment: str
) -> None:
    got, out, err = _run(capsys, "clinics", "near", *args)
    assert got == code and fragment in err and "Traceback" not in err and out == ""


def test_near_respects_location_consent(capsys: pytest.CaptureFixture[str]) -> None:
    _init_profile(capsys)
    code, out, err = _run(capsys, "clinics", "near", "--place", "Amsterdam", "--json")
    assert code == 1 and "consent" in err and out == ""
    from companion.cli._common import open_store

    with open_store() as store:
        store.consents.record("location", "grant", "1.0", "test")
    code, out, err = _run(capsys, "clinics", "near", "--place", "Amsterdam", "--json")
    assert code == 0 and json.loads(out)
    with open_store() as store:
        store.consents.record("location", "withdraw", "1.0", "test")
    assert _run(capsys, "clinics", "near", "--lat", "52", "--lon", "5")[0] == 1


def test_select_show_and_history(capsys: pytest.CaptureFixture[str]) -> None:
    _init_profile(capsys, "location")
    code, out, err = _run(capsys, "clinics", "select", "sample:nl-ams-1", "--json")
    assert code == 0, err
    assert json.loads(out)["matrix_id"] == "@clinic-demo:example.org"
    assert _run(capsys, "clinics", "select", "sample:gb-lon-1")[0] == 0
    code, out, _err = _run(capsys, "clinics", "show", "--history", "--json")
    assert [s["clinic_id"] for s in json.loads(out)] == ["sample:gb-lon-1", "sample:nl-ams-1"]
    code, out, _err = _run(capsys, "profile", "show", "--json")
    assert json.loads(out)["clinic"] == "Sample Weight Clinic London"
    code, _out, err = _run(capsys, "clinics", "select", "no:such")
    assert code == 1 and "No clinic with id 'no:such'" in err
    assert _run(capsys, "clinics", "remember", "on")[0] == 0
    assert _run(capsys, "clinics", "near", "--place", "Leeds", "--json")[0] == 0


def test_select_needs_a_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "clinics", "select", "sample:nl-ams-1")
    assert code == 1 and "profile init" in err


def test_import_overpass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "overpass.json"
    source.write_text(json.dumps(OVERPASS), encoding="utf-8")
    target = tmp_path / "out" / "clinics.geojson"
    code, _out, err = _run(capsys, "clinics", "import-overpass", str(source), "-o", str(target))
    assert code == 0 and "2 clinics written" in err and "6 elements were skipped" in err
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "OpenStreetMap" in data["attribution"][0]
    code, out, _err = _run(
        capsys, "clinics", "near", "--lat", "53.38", "--lon", "-1.47", "--directory", str(target), "--json"
    )
    assert json.loads(out)[0]["name"] == "Weight Loss Clinic Sheffield"
    source.write_text("<html>Error: runtime error</html>", encoding="utf-8")
    code, _out, err = _run(
        capsys, "clinics", "import-overpass", str(source), "-o", str(tmp_path / "x.geojson")
    )
    assert code == 1 and "HTML" in err and not (tmp_path / "x.geojson").exists()


def test_directories_add_list_remove(capsys: pytest.CaptureFixture[str], write_geojson) -> None:  # type: ignore[no-untyped-def]
    _init_profile(capsys, "location")
    path = write_geojson(collection(feature("mine:1", "My Own Clinic", 4.90, 52.37)))
    code, out, _err = _run(capsys, "clinics", "directories", "add", str(path))
    assert code == 0 and "Added 1 clinics" in out
    code, out, _err = _run(capsys, "clinics", "directories", "list", "--json")
    (entry,) = json.loads(out)
    code, out, _err = _run(
        capsys, "clinics", "near", "--lat", "52.37", "--lon", "4.90", "--limit", "1", "--json"
    )
    assert json.loads(out)[0]["name"] == "My Own Clinic"
    assert _run(capsys, "clinics", "directories", "remove", str(entry["id"]))[0] == 0
    assert _run(capsys, "clinics", "directories", "remove", str(entry["id"]))[0] == 1
    bad = write_geojson("{oops", "bad.geojson")
    code, _out, err = _run(capsys, "clinics", "directories", "add", str(bad))
    assert code == 1 and "not valid JSON" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clinics", "--help"]) == 0
    assert "import-overpass" in capsys.readouterr().out
    assert main(["clinics", "near", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--place" in out and "--directory" in out and "--json" in out
