"""Pilot tests: the Programme screen's one-key water, forms with messages under the refused field (nothing
stored), quick entry copying the previous measurement, the dose form's next site, the check-in hint, the
dashboard's programme lines after its first paint, the palette and the in-app reminders."""

from __future__ import annotations

from datetime import time

from companion.programme import body
from companion.programme.reminders import ReminderKind
from companion.tui.screens.dashboard import DashboardScreen
from companion.tui.screens.programme import ProgrammeScreen
from companion.tui.widgets.programme_forms import ProgrammeForm

from .conftest import NOW, settle, weigh_ins


async def _open(pilot) -> ProgrammeScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f11")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProgrammeScreen)
    return screen


async def _fill(pilot, form: ProgrammeForm, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    for field_id, value in values.items():
        form.query_one(f"#field-{field_id}", Input).value = value
    await pilot.pause()


async def test_one_key_water_and_undo(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open(pilot)
        assert "0 / 2000 ml" in str(screen.query_one("#prog-today").render())
        await pilot.press("w")
        await pilot.press("w")
        await settle(pilot)
        assert store.programme.water_on(profile.id, NOW.date()) == 500
        assert "500 / 2000 ml" in str(screen.query_one("#prog-today").render())
        await pilot.press("u")
        await settle(pilot)
        assert store.programme.water_on(profile.id, NOW.date()) == 250


async def test_measurement_form_refuses_and_copies_forward(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot)
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProgrammeForm)
        await _fill(pilot, form, {"waist": "5", "hips": "104"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "between 40 and 250 cm" in form.field_error("waist")
        assert form.focused is form.query_one("#field-waist")
        assert store.programme.body_entries(profile.id) == []
        await _fill(pilot, form, {"waist": "92"})
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ProgrammeForm)
        entry = store.programme.latest_body(profile.id)
        assert entry is not None and entry.values == {body.Site.WAIST: 92.0, body.Site.HIPS: 104.0}
        assert "WHR 0.88 ≥ 0.85" in str(app.screen.query_one("#prog-today").render())
        from companion.tui.widgets.trends_chart import TrendChart

        chart = app.screen.query_one("#prog-chart", TrendChart)
        assert chart.display and chart.input is not None and chart.input.title == "Waist"
        assert list(chart.input.layers.values) == [92.0]
        await pilot.press("v")  # the next body measurement: hips
        await settle(pilot)
        assert chart.input is not None and chart.input.title == "Hips"
        await pilot.press("m")  # quick entry: the previous values are filled in
        await pilot.pause()
        again = app.screen
        assert isinstance(again, ProgrammeForm)
        assert again.values()["waist"] == "92" and again.values()["hips"] == "104"
        await _fill(pilot, again, {"waist": "91"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        latest = store.programme.latest_body(profile.id)
        assert latest is not None and latest.values[body.Site.WAIST] == 91.0 and latest.values[body.Site.HIPS] == 104


async def test_dose_form_suggests_the_next_site(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.programme.service import add_plan

    add_plan(store, profile, medicine="semaglutide", dose="0.25 mg", schedule="weekly", weekday="wed")
    app = app_factory(store)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        assert "Next suggested injection site: abdomen, left" in str(screen.query_one("#prog-today").render())
        await pilot.press("d")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProgrammeForm)
        assert form.values()["medicine"] == "semaglutide" and form.values()["site"] == "abdomen-left"
        await _fill(pilot, form, {"dose": "0.25"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a unit" in form.field_error("dose") and store.programme.doses(profile.id) == []
        await _fill(pilot, form, {"dose": "0.25 mg", "side_effects": "nausea:mild"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        doses = store.programme.doses(profile.id)
        assert len(doses) == 1 and doses[0].site is not None and doses[0].site.value == "abdomen-left"
        assert doses[0].plan_id is not None
        text = str(screen.query_one("#prog-today").render())
        assert "abdomen, right" in text and "✓ logged" in text


async def test_checkin_shows_the_calm_hint(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot)
        assert not screen.query_one("#prog-hint").display
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProgrammeForm)
        await _fill(pilot, form, {"vomiting": "9"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "0 none, 1 mild" in form.field_error("vomiting")
        await _fill(pilot, form, {"vomiting": "3", "mood": "3"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        hint = screen.query_one("#prog-hint")
        assert hint.display and "contact your clinic" in str(hint.render())


async def test_goal_and_reminder_forms(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    weigh_ins(store, profile, days=60, start_kg=100.0, per_day=0.1)
    app = app_factory(store)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("g")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProgrammeForm)
        await _fill(pilot, form, {"target": "70", "target_date": "2026-12-20"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        goals_text = str(screen.query_one("#prog-goals").render())
        assert "Goal Weight 70.0 kg by 2026-12-20: unrealistic by the target date" in goals_text
        assert "needed −7.00 kg/week" in goals_text and "trend −0.69 kg/week" in goals_text
        await pilot.press("r")
        await pilot.pause()
        reminder_form = app.screen
        assert isinstance(reminder_form, ProgrammeForm)
        await _fill(pilot, reminder_form, {"at": "25:00"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "HH:MM" in reminder_form.field_error("at") and store.programme.reminders(profile.id) == []
        await _fill(pilot, reminder_form, {"at": "07:30", "weekdays": "mon-fri"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [r.kind for r in store.programme.reminders(profile.id)] == [ReminderKind.WEIGH_IN]
        assert "07:30 mon,tue,wed,thu,fri" in str(screen.query_one("#prog-reminders").render())


async def test_dashboard_lines_after_the_first_paint(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.programme.service import add_goal

    weigh_ins(store, profile, days=60, start_kg=100.0, per_day=0.1)
    add_goal(store, profile, "weight", "70", "2026-12-20", NOW.date())
    add_goal(store, profile, "waist", "85", "2027-06-01", NOW.date())
    store.programme.add_water(profile.id, 750, NOW)
    app = app_factory(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.first_paint_ms is not None
        text = str(app.screen.query_one("#dash-programme").render())
        assert "Goal Weight 70.0 kg by 2026-12-20: unrealistic by the target date" in text
        assert "Goal Waist 85 cm by 2027-06-01" in text and "750 / 2000 ml" in text
        data = app.screen.trend_data
        markers = {m.tag for m in __import__("companion.trends.data", fromlist=["markers_for"]).markers_for(
            data.milestones(), NOW.tzinfo)}
        assert "G" in markers  # the chart marks the goals' target dates


async def test_palette_and_help(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        for title in ("Programme: open", "Programme: log a glass of water", "Programme: log measurements",
                      "Programme: log a dose", "Programme: daily check-in", "Programme: add a reminder"):
            assert title in titles
        assert "next injection site" in screen.help_markdown()


async def test_in_app_reminders(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.services import reminders

    store.programme.add_reminder(profile.id, ReminderKind.WATER, time(8, 0), 127)
    store.programme.add_reminder(profile.id, ReminderKind.WEIGH_IN, time(8, 0), 127)
    weigh_ins(store, profile, days=1)
    app = app_factory(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        reminders.check(app)
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any("water target" in m for m in messages)
        assert not any("step on the scale" in m for m in messages)  # weighed in already today
        assert store.programme.fired_on(profile.id, NOW.date())
        reminders.check(app)
        await settle(pilot)
        assert [str(n.message) for n in app._notifications] == messages  # shown once a day
