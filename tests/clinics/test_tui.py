"""Pilot: place → results → select, the location consent gate, and how the screen looks at 80x24."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input

from companion.store.clinics import ClinicRecords


async def _open_clinics(pilot) -> object:  # type: ignore[no-untyped-def]
    await pilot.press("f5")
    await pilot.pause()
    return pilot.app.screen


def _app(home: Path, store, clock):  # type: ignore[no-untyped-def]
    from companion.tui.app import AppContext, CompanionApp

    return CompanionApp(AppContext(home=home, clock=clock, store=store, extras={"no_services": True}))


async def test_place_to_results_to_select(home: Path, located_store, clock, tmp_path: Path) -> None:
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        place = screen.query_one("#place", Input)
        place.focus()
        place.value = "Amsterdam"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#results", DataTable)
        assert table.row_count >= 2
        assert "Demo Clinic (sample)" in str(table.get_row_at(0)[2])
        app.save_screenshot(str(tmp_path / "clinics.svg"))
        table.focus()
        await pilot.press("down")
        await pilot.press("s")
        await pilot.pause()
        profile = located_store.profiles.active()
        assert profile.clinic == "Sample Weight Centre Amsterdam-Zuid"
        current = ClinicRecords(located_store).current_selection(profile.id)
        assert current is not None and current.clinic_id == "sample:nl-ams-2"
        assert str(table.get_row_at(1)[0]) == "2★" and str(table.get_row_at(0)[0]) == "1"
        await pilot.press("up", "s")
        await pilot.pause()
        history = ClinicRecords(located_store).selections(profile.id)
        assert [h.clinic_id for h in history] == ["sample:nl-ams-1", "sample:nl-ams-2"]
        assert located_store.profiles.active().clinic == "Demo Clinic (sample)"
    svg = (tmp_path / "clinics.svg").read_text()
    assert "SAMPLE" in svg


async def _search(pilot, screen, text: str) -> None:  # type: ignore[no-untyped-def]
    place = screen.query_one("#place", Input)
    place.value = text
    place.focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_withdrawn_location_consent_blocks_search_until_granted(
    home: Path, located_store, clock
) -> None:
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        await _search(pilot, screen, "Amsterdam")
        table = screen.query_one("#results", DataTable)
        assert table.row_count > 0 and not screen.query_one("#consent-needed").display
        # The user withdraws the location consent (e.g. on the Privacy screen): searching stops.
        located_store.consents.record("location", "withdraw", "1.0", "test")
        await _search(pilot, screen, "Rotterdam")
        assert screen.query_one("#consent-needed").display
        assert not screen.query_one("#clinics-main").display
        assert "consent" in str(screen.query_one("#consent-text").render())
        await _search(pilot, screen, "52.37, 4.89")  # coordinates are location too
        assert screen.query_one("#consent-needed").display
        # Granting again (the button records the consent in the ledger) makes the search work.
        await pilot.click("#grant-location")
        await pilot.pause()
        assert located_store.consents.is_granted("location")
        assert located_store.consents.latest("location").method == "tui-clinics"
        await _search(pilot, screen, "Rotterdam")
        assert screen.query_one("#clinics-main").display
        assert screen._found.result.results[0].clinic.id == "sample:nl-rtm-1"


async def test_filters_candidates_and_radius(home: Path, located_store, clock) -> None:
    from textual.widgets import Checkbox, Select

    app = _app(home, located_store, clock)  # clock: Wednesday 09:00 UTC (10:00 in Amsterdam)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_clinics(pilot)
        await _search(pilot, screen, "Amsterdam")
        table = screen.query_one("#results", DataTable)
        everything = table.row_count
        candidates = screen.query_one("#candidates", Select)
        assert candidates.display  # Amsterdam, NY is listed too
        screen.query_one("#service", Select).value = "allurion_balloon"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 0 < table.row_count < everything
        screen.query_one("#open-now", Checkbox).value = True
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count >= 1
        # Another candidate: Amsterdam, NY has no sample clinic within 50 km; the nearest few are shown.
        candidates.value = 1
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "nearest are shown" in str(screen.query_one("#status").render())
        assert 1 <= table.row_count <= 3
        # Filters never trigger another place lookup; unknown places give a specific message.
        await _search(pilot, screen, "Xyzzyville")
        assert "No town called 'Xyzzyville'" in str(screen.query_one("#status").render())
        await _search(pilot, screen, "95, 4")
        assert "Latitude 95" in str(screen.query_one("#status").render())


async def test_dutch_screen(home: Path, located_store, clock) -> None:
    from dataclasses import replace

    located_store.profiles.update(replace(located_store.profiles.active(), language="nl"))
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        await _search(pilot, screen, "Utrecht")
        assert "klinieken binnen 50 km" in str(screen.query_one("#status").render())
    from companion.i18n import set_language

    set_language("en")


async def test_remembered_location_is_searched_on_open(home: Path, located_store, clock) -> None:
    records = ClinicRecords(located_store)
    records.set_remember_location(True)
    records.save_location(51.9225, 4.4792, "Rotterdam, The Netherlands", "gazetteer")
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#place", Input).value == "Rotterdam, The Netherlands"
        assert screen._found.result.results[0].clinic.id == "sample:nl-rtm-1"


async def test_app_start_loads_no_clinic_data(home: Path, located_store, clock) -> None:
    """The directory, its index and the gazetteer load on first use of the Clinics screen, not at start."""
    from companion.clinics.directory import bundled_directory
    from companion.clinics.gazetteer import gazetteer

    bundled_directory.cache_clear()
    gazetteer.cache_clear()
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert bundled_directory.cache_info().currsize == 0 and gazetteer.cache_info().currsize == 0
        await _open_clinics(pilot)
        await app.workers.wait_for_complete()
        assert bundled_directory.cache_info().currsize == 1  # the screen's worker loaded it


async def test_add_a_directory_from_the_screen(home: Path, located_store, clock, write_geojson) -> None:  # type: ignore[no-untyped-def]
    from .conftest import collection, feature

    path = write_geojson(
        collection(feature("own:1", "My Own Clinic", 4.8924, 52.3731, services=["psychology"]))
    )
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        await _search(pilot, screen, "Amsterdam")
        screen.query_one("#results", DataTable).focus()
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        modal.query_one(Input).value = "/no/such/file.geojson"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [d.location for d in ClinicRecords(located_store).directories()] == []
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [d.location for d in ClinicRecords(located_store).directories()] == [str(path.resolve())]
        assert screen._found.result.results[0].clinic.id == "own:1"  # the search was refreshed
