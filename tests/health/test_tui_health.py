"""The Health screen: demo data shows in every tab; an import through the panel fills the tables."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, ProgressBar, Static

from companion.tui.app import make_app
from companion.tui.widgets.health_import import ImportPanel


async def _open_health(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    app.action_show("health")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_demo_mode_shows_nights_steps_workouts() -> None:
    app = make_app(demo=True, demo_years=0.1)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_health(app, pilot)
        screen = app.screen
        assert screen.query_one("#health-sleep", DataTable).row_count >= 20
        assert screen.query_one("#health-steps", DataTable).row_count == 14
        assert screen.query_one("#health-workouts", DataTable).row_count >= 5
        assert "Resting heart rate" in str(screen.query_one("#health-hr-summary", Static).render())


async def test_import_through_the_panel(onboarded, clock, apple_zip) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    store = Store.open(onboarded, clock=clock)
    app = make_app(home=onboarded, clock=clock, store=store)
    app.context.extras["no_services"] = True
    finished: list[int] = []
    async with app.run_test(size=(80, 24), message_hook=lambda m: finished.append(m.added)
                            if isinstance(m, ImportPanel.Finished) else None) as pilot:
        await _open_health(app, pilot)
        screen = app.screen
        screen.query_one("#health-tabs").active = "health-tab-import"
        await pilot.pause()
        screen.query_one("#health-import-path", Input).value = str(apple_zip)
        screen.query_one("#health-import-start", Button).press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert finished == [27]
        status = str(screen.query_one("#health-import-status", Static).render())
        assert "Imported 27 new items" in status
        assert screen.query_one("#health-import-progress", ProgressBar).percentage == 1.0
        assert screen.query_one("#health-workouts", DataTable).row_count == 1
        assert screen.query_one("#health-sleep", DataTable).row_count == 1
        screen.query_one("#health-import-path", Input).value = "/nonexistent/export.zip"
        screen.query_one("#health-import-start", Button).press()
        await pilot.pause()
        assert "does not exist" in str(screen.query_one("#health-import-status", Static).render())


async def test_cancel_from_the_panel_keeps_whole_batches(onboarded, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from generate import write_big_export

    from companion.store import Store
    from companion.store.health import HealthData

    export = write_big_export(tmp_path / "export.xml", 60_000, zipped=False)
    store = Store.open(onboarded, clock=clock)
    app = make_app(home=onboarded, clock=clock, store=store)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_health(app, pilot)
        screen = app.screen
        screen.query_one("#health-import-path", Input).value = str(export)
        panel = screen.query_one(ImportPanel)
        panel.start()
        panel.cancel()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "stopped" in str(screen.query_one("#health-import-status", Static).render())
        profile = store.profiles.active()
        entry = HealthData(store).imports(profile.id)[0]
        assert entry.status == "cancelled"
        assert screen.query_one("#health-import-start", Button).disabled is False


async def test_panel_counts_values_left_out(onboarded, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Zepp Life reading with an impossible body water: the weight is imported, the value counted."""
    from textual.widgets import Select

    from companion.store import Store

    path = tmp_path / "BODY.csv"
    path.write_text("time,weight,height,bmi,fatRate,bodyWaterRate,boneMass,metabolism,muscleRate,visceralFat,impedance\n"
                    "2022-01-23 08:33:36+0000,88.3,168.0,31.3,33.5,4.1,2.9,1650,55.0,12,480\n", encoding="utf-8")
    store = Store.open(onboarded, clock=clock)
    app = make_app(home=onboarded, clock=clock, store=store)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_health(app, pilot)
        screen = app.screen
        screen.query_one("#health-tabs").active = "health-tab-import"
        await pilot.pause()
        screen.query_one("#health-import-format", Select).value = "csv"
        screen.query_one("#health-import-path", Input).value = str(path)
        screen.query_one("#health-import-start", Button).press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(screen.query_one("#health-import-status", Static).render())
        assert "Imported 1 new item from BODY.csv (1 record read)." in status
        assert "1 value was left out of readings that were otherwise imported:" in status
        assert "body water outside the possible range (left out)" in status
