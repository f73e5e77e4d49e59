"""The clinic finder's tables: my clinic and its history, the geocoder cache, added directories, erasure
map."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from companion.clinics.directory import bundled_directory
from companion.clinics.finder import ClinicFinder
from companion.store import Store
from companion.store.categories import CATEGORY_TABLES
from companion.store.clinics import ClinicRecords


def test_select_saves_profile_and_history(home: Path, located_store, clock) -> None:  # type: ignore[no-untyped-def]
    finder = ClinicFinder(located_store, home, clock=clock)
    directory = bundled_directory()
    first = finder.select(directory.get("sample:nl-rtm-1"))  # type: ignore[arg-type]
    assert first.matrix_id == "@clinic-rotterdam:example.org"
    clock.advance(timedelta(days=30))
    finder.select(directory.get("sample:nl-utr-1"))  # type: ignore[arg-type]
    profile = located_store.profiles.active()
    assert profile.clinic == "Sample Obesity Care Utrecht"
    current = finder.current()
    assert current is not None and current.clinic_id == "sample:nl-utr-1" and current.matrix_id == ""
    assert current.details["geometry"]["coordinates"] == [5.1214, 52.0907]
    history = ClinicRecords(located_store).selections(profile.id)
    assert [h.clinic_id for h in history] == ["sample:nl-utr-1", "sample:nl-rtm-1"]
    assert history[0].selected_at - history[1].selected_at == timedelta(days=30)


def test_selection_survives_reopen(home: Path, located_store, clock) -> None:  # type: ignore[no-untyped-def]
    ClinicFinder(located_store, home, clock=clock).select(bundled_directory().get("sample:nl-ams-1"))  # type: ignore[arg-type]
    profile_id = located_store.profiles.active().id
    located_store.close()
    with Store.open(home, clock=clock) as again:
        current = ClinicRecords(again).current_selection(profile_id)
        assert current is not None and current.matrix_id == "@clinic-demo:example.org"


def test_geocode_cache_expires(located_store, clock) -> None:  # type: ignore[no-untyped-def]
    records = ClinicRecords(located_store)
    records.cache_geocode("nominatim|x", "amsterdam", [{"lat": 1.0, "lon": 2.0, "label": "A"}])
    assert records.cached_geocode("nominatim|x", "amsterdam") == [{"lat": 1.0, "lon": 2.0, "label": "A"}]
    assert records.cached_geocode("photon|x", "amsterdam") is None
    clock.advance(timedelta(days=91))
    assert records.cached_geocode("nominatim|x", "amsterdam") is None


def test_added_directories_are_searched(home: Path, located_store, clock, write_geojson) -> None:  # type: ignore[no-untyped-def]
    from .conftest import collection, feature

    path = write_geojson(
        collection(feature("mine:1", "My Own Clinic", 4.90, 52.37), feature("bad", None, 0, 0))
    )
    records = ClinicRecords(located_store)
    added = records.add_directory(str(path), "file")
    assert [d.location for d in records.directories()] == [str(path)]
    finder = ClinicFinder(located_store, home, clock=clock)
    location = finder.locate_coordinates(52.37, 4.90)
    result = finder.search(location, limit=1)
    assert result.results[0].clinic.name == "My Own Clinic"
    assert len(finder.directory().problems) == 1
    path.unlink()  # a vanished file is reported, the rest still works
    finder = ClinicFinder(located_store, home, clock=clock)
    result = finder.search(location, limit=1)
    assert result.results[0].clinic.sample and any("No such file" in n for n in result.notes)
    assert records.remove_directory(added.id) and not records.remove_directory(added.id)


def test_location_tables_are_registered_for_erasure(located_store) -> None:  # type: ignore[no-untyped-def]
    tables = {r[0] for r in located_store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(CATEGORY_TABLES["location"]) <= tables
