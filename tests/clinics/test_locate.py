"""Where am I, offline: "lat, lon", the bundled gazetteer, ambiguous and unknown places, consent, memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.clinics.finder import ClinicFinder, LocationError, parse_coordinates
from companion.clinics.gazetteer import fold, gazetteer
from companion.clinics.geo import CoordinateError
from companion.privacy import ProcessingNotAllowed
from companion.store.clinics import ClinicRecords


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52.37, 4.89", (52.37, 4.89)),
        ("52.37 4.89", (52.37, 4.89)),
        ("-33.87,151.21", (-33.87, 151.21)),
        ("33.87S 151.21E", (-33.87, 151.21)),
        ("40.7N, 74.0W", (40.7, -74.0)),
        ("52,37; 4,89", (52.37, 4.89)),
        ("0, 180", (0.0, -180.0)),
    ],
)
def test_parse_coordinates(text: str, expected: tuple[float, float]) -> None:
    lat, lon = parse_coordinates(text)  # type: ignore[misc]
    assert (round(lat, 6), round(lon, 6)) == expected


@pytest.mark.parametrize(
    ("text", "fragment"), [("95, 4", "Latitude 95"), ("-91 0", "Latitude -91"), ("10, 181", "Longitude 181")]
)
def test_coordinates_out_of_range(text: str, fragment: str) -> None:
    with pytest.raises(CoordinateError, match=fragment):
        parse_coordinates(text)


@pytest.mark.parametrize("text", ["Amsterdam", "1012 AB", "Damrak 1, Amsterdam", "52.3.7, 4", ""])
def test_not_coordinates(text: str) -> None:
    assert parse_coordinates(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_coordinates_never_crashes(text: str) -> None:
    try:
        result = parse_coordinates(text)
    except CoordinateError:
        return
    if result is not None:
        assert -90 <= result[0] <= 90 and -180 <= result[1] < 180


def test_gazetteer_lookup() -> None:
    places = gazetteer()
    assert len(places.places) > 30_000
    (hague,) = places.lookup("Den Haag")
    assert hague.name == "The Hague" and hague.country_code == "NL"
    assert places.lookup("  den-HAAG ") == [hague]
    assert places.lookup("Köln") == places.lookup("koln") == places.lookup("Cologne")
    springfields = places.lookup("Springfield")
    assert len(springfields) > 3 and springfields == sorted(springfields, key=lambda p: -p.population)
    assert [p.admin1 for p in places.lookup("Springfield, IL")] == ["IL"]
    assert [p.country_code for p in places.lookup("Haifa, IL")] == ["IL"]
    assert places.lookup("Amsterdam", prefer_country="US")[0].country_code == "US"
    assert places.lookup("Xyzzyville") == []
    assert fold("Zürich") == "zurich"


def test_locate_offline(home: Path, located_store, clock) -> None:  # type: ignore[no-untyped-def]
    finder = ClinicFinder(located_store, home, clock=clock)
    found = finder.locate("Amsterdam")
    assert found.location.label == "Amsterdam, The Netherlands" and found.location.source == "gazetteer"
    assert len(found.candidates) >= 2  # Amsterdam, NY too
    coords = finder.locate(" 51.5 , -0.12 ")
    assert coords.location.source == "coordinates" and coords.location.lon == -0.12
    street = finder.locate("Damrak 1, Amsterdam")
    assert street.location.label.startswith("Amsterdam") and street.notes
    for text, fragment in [
        ("Xyzzyville", "No town called 'Xyzzyville'"),
        ("1012 AB", "looks like a postcode"),
        ("", "Type a town"),
        ("95, 4", "Latitude 95"),
        ("x" * 300, "too long"),
    ]:
        with pytest.raises(LocationError) as err:
            finder.locate(text)
        assert fragment in str(err.value)
    with pytest.raises(LocationError, match="Longitude"):
        finder.locate_coordinates(10, 200)


def test_location_needs_consent(home: Path, store, profile, clock) -> None:  # type: ignore[no-untyped-def]
    finder = ClinicFinder(store, home, clock=clock)
    with pytest.raises(ProcessingNotAllowed, match="consent"):
        finder.locate("Amsterdam")
    with pytest.raises(ProcessingNotAllowed):
        finder.locate_coordinates(52.0, 5.0)
    store.consents.record("location", "grant", "1.0", "test")
    location = finder.locate_coordinates(52.0, 5.0)
    finder.search(location)
    store.consents.record("location", "withdraw", "1.0", "test")
    with pytest.raises(ProcessingNotAllowed):
        finder.search(location)
    store.consents.record("location", "grant", "1.0", "test")
    store.settings.set("processing_restricted", True)
    with pytest.raises(ProcessingNotAllowed, match="restricted"):
        finder.locate("Amsterdam")


def test_last_location_kept_only_when_opted_in(home: Path, located_store, clock) -> None:  # type: ignore[no-untyped-def]
    finder = ClinicFinder(located_store, home, clock=clock)
    records = ClinicRecords(located_store)
    finder.locate("Utrecht")
    assert records.saved_location() is None and finder.saved_location() is None
    records.set_remember_location(True)
    finder.locate("Utrecht")
    saved = finder.saved_location()
    assert saved is not None and saved.label.startswith("Utrecht") and saved.source == "saved"
    located_store.consents.record("location", "withdraw", "1.0", "test")
    assert finder.saved_location() is None  # not used without consent
    records.set_remember_location(False)
    assert records.saved_location() is None  # opting out forgets it


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_place_text_gives_a_place_or_a_location_error(text: str) -> None:
    from datetime import UTC, datetime

    from companion.clinics.search import nearest_clinics

    finder = ClinicFinder(None, Path("/nonexistent-companion-home"))
    try:
        found = finder.locate(text)
    except LocationError as exc:
        assert str(exc)
        return
    loc = found.location
    assert -90 <= loc.lat <= 90 and -180 <= loc.lon <= 180
    result = nearest_clinics(
        finder.directory(), loc.lat, loc.lon, now=datetime(2026, 1, 1, tzinfo=UTC), limit=2
    )
    assert len(result.results) == 2


@pytest.mark.parametrize(
    ("place", "nearest"),
    [
        ("-17.5, -179.5", "sample:fj-suv-1"),  # east of the antimeridian, Suva is west of it
        ("-13.9, 179.9", "sample:fj-suv-1"),  # west of it: still Suva, then Apia across the line
        ("89.9, -120", "sample:no-lyr-1"),  # near the North Pole
        ("-89.9, 0", "sample:nz-akl-1"),  # South Pole: the southernmost clinic, any meridian
    ],
)
def test_search_across_antimeridian_and_poles(
    home: Path, located_store, clock, place: str, nearest: str
) -> None:  # type: ignore[no-untyped-def]
    finder = ClinicFinder(located_store, home, clock=clock)
    found = finder.search(finder.locate(place).location, limit=3)
    assert found.results[0].clinic.id == nearest
    assert found.results[0].distance_km < 2000 or place.startswith("-89")
    if "179" in place:
        assert found.results[1].clinic.id == "sample:ws-api-1" and found.results[1].distance_km < 1100
