"""The Privacy screen under Pilot: one-key withdraw/grant, restriction, export with progress, deletion."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from companion.privacy import allowed, require
from companion.privacy.gate import ProcessingNotAllowed


@pytest.fixture
def app(full_store, clock):  # type: ignore[no-untyped-def]
    from companion.tui.app import AppContext, CompanionApp

    return CompanionApp(
        AppContext(home=full_store.home, clock=clock, store=full_store, extras={"no_services": True})
    )


async def _open_privacy(pilot) -> object:  # type: ignore[no-untyped-def]
    await pilot.press("f8")
    await pilot.pause()
    from companion.tui.screens.privacy import PrivacyScreen

    screen = pilot.app.screen
    assert isinstance(screen, PrivacyScreen)
    return screen


async def _select_purpose(pilot, purpose_id: str) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    table = pilot.app.screen.query_one("#purposes", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(purpose_id))
    await pilot.pause()


def _clinic_finder(store):  # type: ignore[no-untyped-def]
    """The clinic finder of the clinics capability, when it is installed (merged tree)."""
    try:
        from companion.clinics.finder import ClinicFinder  # type: ignore[import-not-found]
    except ImportError:
        return None
    return ClinicFinder(store, store.home, clock=store.clock)


async def test_withdraw_location_then_clinic_search_refuses(app, full_store) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_privacy(pilot)
        assert allowed(full_store, "location")
        await _select_purpose(pilot, "location")
        await pilot.press("space")  # one key withdraws
        await pilot.pause()
        assert not allowed(full_store, "location")
        # The clinic search asks the gate before it touches location: refused until granted again.
        with pytest.raises(ProcessingNotAllowed, match="consent"):
            require(full_store, "location")
        finder = _clinic_finder(full_store)
        if finder is not None:  # the clinic finder (merged tree) refuses to use location too
            with pytest.raises(ProcessingNotAllowed):
                finder.require_consent()
        await pilot.press("space")  # and one key gives it again
        await pilot.pause()
        assert allowed(full_store, "location")
        if finder is not None:
            finder.require_consent()
        await pilot.press("w")
        await pilot.pause()
        assert not allowed(full_store, "location")
        await pilot.press("g")
        await pilot.pause()
        assert allowed(full_store, "location")
        decisions = [r.decision for r in full_store.consents.history("location")]
        assert decisions == ["grant", "withdraw", "grant", "withdraw", "grant"]
        assert all(r.method in ("test", "tui") for r in full_store.consents.history("location"))


async def test_contract_row_explains(app, full_store) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_privacy(pilot)
        await _select_purpose(pilot, "provide-service")
        before = len(full_store.consents.history())
        await pilot.press("space")
        await pilot.pause()
        assert len(full_store.consents.history()) == before
        assert any("delete your account" in str(n.message) for n in app._notifications)


async def test_restriction_switch(app, full_store) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_privacy(pilot)
        await _select_purpose(pilot, "location")
        await pilot.press("r")
        await pilot.pause()
        assert not allowed(full_store, "location")
        await pilot.press("r")
        await pilot.pause()
        assert allowed(full_store, "location")


async def test_export_with_progress(app, full_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, ProgressBar

    target = tmp_path / "from-tui.zip"
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open_privacy(pilot)
        screen.query_one("#export-path", Input).value = str(target)  # type: ignore[attr-defined]
        await pilot.press("e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        bar = screen.query_one("#export-progress", ProgressBar)  # type: ignore[attr-defined]
        assert bar.percentage == 1.0
    assert "fhir/bundle.json" in zipfile.ZipFile(target).namelist()


async def test_delete_category_with_confirmation(app, full_store) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Button, Input

    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open_privacy(pilot)
        screen.query_one("#privacy-tabs").active = "tab-data"  # type: ignore[attr-defined]
        await pilot.pause()
        screen.query_one("#erase-start", Button).press()  # type: ignore[attr-defined]
        await pilot.pause()
        modal = pilot.app.screen
        confirm = modal.query_one("#erase-confirm", Button)
        assert confirm.disabled
        modal.query_one("#erase-confirm-input", Input).value = "measurements"
        await pilot.pause()
        assert not confirm.disabled
        confirm.press()
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert full_store.measurements.count() == 0
        assert full_store.query_one("SELECT count(*) FROM erasure_event")[0] == 1


async def test_screenshot_80x24(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_privacy(pilot)
        svg = Path(app.save_screenshot(str(tmp_path / "privacy.svg")))
    text = svg.read_text(encoding="utf-8")
    assert "Purpose" in text and "Restrict" in text


async def test_retention_runs_on_start(full_store, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.app import AppContext, CompanionApp

    assert full_store.query_one("SELECT count(*) FROM message")[0] == 3
    app = CompanionApp(AppContext(home=full_store.home, clock=clock, store=full_store))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert full_store.query_one("SELECT count(*) FROM message")[0] == 2  # the 3-year-old one is gone
        assert full_store.query_one("SELECT count(*) FROM retention_run")[0] >= 2


async def test_notice_change_asks_again(app, full_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from textual.widgets import Button, Checkbox

    import companion.privacy.notice as notice
    from companion.privacy import ledger

    ledger.grant(full_store, "research", "test")
    full_store.settings.set(notice.SEEN_SETTING, "1.0")
    newer = notice.NoticeVersion(
        "1.1", date(2027, 1, 1), reconsent=("research",), changes=(("en", "Research with a university."),)
    )
    monkeypatch.setattr(notice, "NOTICES", (*notice.NOTICES, newer))
    assert not allowed(full_store, "research")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        await pilot.pause()
        modal = pilot.app.screen
        from companion.tui.widgets.privacy_modals import NoticeChanges

        assert isinstance(modal, NoticeChanges)
        modal.query_one("#reconsent-research", Checkbox).value = True
        modal.query_one("#notice-accept", Button).press()
        await pilot.pause()
        assert allowed(full_store, "research")
        assert full_store.consents.latest("research").notice_version == "1.1"


async def test_command_palette_entries(app) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.screens.privacy import PrivacyCommands

    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open_privacy(pilot)
        provider = PrivacyCommands(screen)  # type: ignore[arg-type]
        hits = [hit async for hit in provider.search("audit")]
        assert hits and "audit" in str(hits[0].text).lower()
        hits[0].command()
        await pilot.pause()
        assert screen.query_one("#privacy-tabs").active == "tab-audit"  # type: ignore[attr-defined]
