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
        await pilot.press("up", "s")
        await pilot.pause()
        history = ClinicRecords(located_store).selections(profile.id)
        assert [h.clinic_id for h in history] == ["sample:nl-ams-1", "sample:nl-ams-2"]
        assert located_store.profiles.active().clinic == "Demo Clinic (sample)"
    svg = (tmp_path / "clinics.svg").read_text()
    assert "SAMPLE" in svg


async def test_withdrawn_location_consent_blocks_search_until_granted(
    home: Path, located_store, clock
) -> None:
    located_store.consents.record("location", "withdraw", "1.0", "test")
    app = _app(home, located_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_clinics(pilot)
        assert screen.query_one("#consent-needed").display
        place = screen.query_one("#place", Input)
        place.value = "Amsterdam"
        place.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#results", DataTable).row_count == 0
        assert screen.query_one("#consent-needed").display
        # Granting again (the button records the consent in the ledger) makes the search work.
        await pilot.click("#grant-location")
        await pilot.pause()
        assert located_store.consents.is_granted("location")
        place.value = "52.37, 4.89"
        place.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#results", DataTable).row_count > 0
