"""Directory files and Overpass imports: good data, bad data (specific messages, the rest still loads)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.clinics.directory import (
    DirectoryError,
    bundled_directory,
    directory_to_geojson,
    load_directory,
    parse_directory,
    parse_directory_text,
)
from companion.clinics.overpass import OSM_ATTRIBUTION, import_overpass, import_overpass_text

from .conftest import collection, feature


def test_bundled_sample_is_marked_and_clean() -> None:
    directory = bundled_directory()
    assert directory.sample and len(directory) >= 20
    assert directory.problems == []
    assert all(c.sample for c in directory.clinics)
    assert all("sample" in c.name.lower() for c in directory.clinics)
    assert any("SAMPLE" in a for a in directory.attribution)
    assert directory.get("sample:nl-ams-1") is not None
    assert directory.get("sample:nl-ams-1").matrix_id == "@clinic-demo:example.org"  # type: ignore[union-attr]


def test_bad_features_are_skipped_with_specific_messages(write_geojson) -> None:  # type: ignore[no-untyped-def]
    path = write_geojson(
        collection(
            feature(
                "ok-1",
                "Good Clinic",
                4.9,
                52.37,
                phone="+31 20 000",
                services=["dietitian"],
                languages="nl;en",
            ),
            feature("no-name", None, 4.9, 52.37),
            feature("blank-name", "   ", 4.9, 52.37),
            feature("swapped", "Swapped", 52.37, 95.0),
            feature("bad-lon", "Bad lon", 200.0, 10.0),
            feature("text-coords", "Text", "4.9", "52.3"),
            feature("nan", "NaN", float("nan"), 1.0),
            {
                "type": "Feature",
                "id": "line",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                "properties": {"name": "Line"},
            },
            {"type": "Feature", "id": "nogeom", "properties": {"name": "No geometry"}},
            "not a feature",
            feature("ok-1", "Duplicate of ok-1", 5.0, 52.0),
            feature(
                "ok-2", "Second Good", 5.0, 52.0, matrix_id="not a matrix id", website="javascript:alert(1)"
            ),
        )
    )
    directory = load_directory(path)
    assert [c.id for c in directory.clinics] == ["ok-1", "ok-2"]
    assert directory.clinics[0].languages == ("nl", "en")
    assert directory.clinics[1].matrix_id == "" and directory.clinics[1].website == ""
    messages = {p.ref: p.message for p in directory.problems}
    assert messages["no-name"] == "no name"
    assert messages["blank-name"] == "no name"
    assert "outside -90..90" in messages["swapped"] and "swapped" in messages["swapped"]
    assert "outside -180..180" in messages["bad-lon"]
    assert messages["text-coords"] == "coordinates are not numbers"
    assert "not finite" in messages["nan"]
    assert "LineString" in messages["line"]
    assert messages["nogeom"] == "no geometry"
    assert "duplicate" in messages["ok-1"]
    assert any(p.message == "not a GeoJSON Feature" for p in directory.problems)
    assert all(p.describe().startswith("feature ") for p in directory.problems)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON (line 1"),
        ("[1, 2]", "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "no list of features"),
        ('{"type": "FeatureCollection", "schema_version": 99, "features": []}', "format 99"),
        (b"\xff\xfe\x00garbage", "not"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_unusable_files_raise_one_clear_error(write_geojson, tmp_path, content, fragment) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.geojson"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DirectoryError) as err:
        load_directory(path)
    assert fragment in str(err.value)


def test_missing_file_and_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DirectoryError, match="No such file"):
        load_directory(tmp_path / "nope.geojson")
    with pytest.raises(DirectoryError, match="folder"):
        load_directory(tmp_path)


def test_round_trip_through_geojson() -> None:
    directory = bundled_directory()
    data = directory_to_geojson(directory.clinics, generated="2026-11-25T00:00:00Z", sample=True)
    again = parse_directory(json.loads(json.dumps(data)))
    assert again.clinics == directory.clinics


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=6))
def test_any_features_never_crash(features: list[Any]) -> None:
    directory = parse_directory({"type": "FeatureCollection", "features": features})
    assert len(directory.clinics) + len(directory.problems) == len(features)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_either_load_or_raise_directory_error(raw: bytes) -> None:
    try:
        parse_directory_text(raw)
    except DirectoryError:
        pass


# ----- Overpass ----------------------------------------------------------------------------------------
OVERPASS = {
    "version": 0.6,
    "generator": "Overpass API 0.7.62",
    "osm3s": {
        "timestamp_osm_base": "2026-11-24T12:00:00Z",
        "copyright": "The data included in this document is "
        "from www.openstreetmap.org. The data is made available under ODbL.",
    },
    "elements": [
        {
            "type": "node",
            "id": 1,
            "lat": 53.381,
            "lon": -1.47,
            "tags": {
                "amenity": "clinic",
                "name": "Weight Loss Clinic Sheffield",
                "addr:street": "High Street",
                "addr:housenumber": "5",
                "addr:city": "Sheffield",
                "addr:postcode": "S1 2AA",
                "contact:phone": "+44 114 000 0000",
                "website": "https://example.org",
                "opening_hours": "Mo-Fr 09:00-17:00",
                "healthcare:speciality": "bariatric;nutrition",
                "language:en": "yes",
            },
        },
        {
            "type": "way",
            "id": 2,
            "center": {"lat": 53.39, "lon": -1.48},
            "tags": {"healthcare": "clinic", "name": "Gastric Balloon Centre"},
        },
        {"type": "way", "id": 3, "tags": {"name": "No centre"}},
        {"type": "node", "id": 4, "lat": 53.0, "lon": -1.0, "tags": {"amenity": "clinic"}},
        {"type": "node", "id": 1, "lat": 53.381, "lon": -1.47, "tags": {"name": "Duplicate"}},
        {"type": "node", "id": 5, "lat": 99.0, "lon": -1.0, "tags": {"name": "Bad latitude"}},
        {"type": "node", "id": True, "lat": 1.0, "lon": 1.0, "tags": {"name": "Bool id"}},
        "junk",
    ],
}


def test_overpass_import_converts_and_reports() -> None:
    result = import_overpass(OVERPASS, generated="2026-11-25T00:00:00Z")
    assert result.imported == 2
    assert OSM_ATTRIBUTION in result.geojson["attribution"]
    directory = parse_directory(result.geojson)
    first, second = directory.clinics
    assert first.id == "osm:node/1" and first.address.street == "High Street 5"
    assert first.phone == "+44 114 000 0000" and first.languages == ("en",)
    assert first.services == ("bariatric_surgery", "dietitian", "weight_management")
    assert second.id == "osm:way/2" and second.services == ("gastric_balloon",)
    reasons = {p.ref: p.message for p in result.problems}
    assert "out center" in reasons["osm:way/3"]
    assert reasons["osm:node/4"] == "no name tag"
    assert "duplicate" in reasons["osm:node/1"]
    assert "no valid coordinates" in reasons["osm:node/5"]
    assert len(result.problems) == 6


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<html><body>runtime error</body></html>", "HTML or XML"),
        ('<?xml version="1.0"?><osm/>', "HTML or XML"),
        ("{}", 'no list of "elements"'),
        ("{,", "not valid JSON"),
    ],
)
def test_overpass_bad_files(text: str, fragment: str) -> None:
    with pytest.raises(DirectoryError) as err:
        import_overpass_text(text, generated="x")
    assert fragment in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, max_size=6))
def test_overpass_any_elements_never_crash(elements: list[Any]) -> None:
    result = import_overpass({"elements": elements}, generated="x")
    assert result.imported + len(result.problems) == len(elements)
    parse_directory(result.geojson)


def _schema() -> dict[str, Any]:
    from importlib import resources

    return json.loads((resources.files("companion.clinics.data") / "directory.schema.json").read_text())


def test_files_we_write_follow_the_documented_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    bundled = json.loads((resources.files("companion.clinics.data") / "sample_clinics.geojson").read_text())
    jsonschema.validate(bundled, schema)
    jsonschema.validate(import_overpass(OVERPASS, generated="2026-11-25T00:00:00Z").geojson, schema)
    written = directory_to_geojson(bundled_directory().clinics, generated="x", sample=True)
    jsonschema.validate(written, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(collection(feature("x", "Swapped", 52.0, 95.0)), schema)
