"""Pilot tests: dashboard, range switching and zoom, the measurements table, profiles, dialogs."""

from __future__ import annotations

from datetime import UTC, date, datetime

from companion.domain.model import Metric
from companion.trends.ranges import RangeKey
from companion.tui.screens.dashboard import DashboardScreen, TrendsScreen
from companion.tui.screens.measurements import MeasurementsScreen
from companion.tui.widgets.trends_chart import TrendChart
from companion.tui.widgets.trends_dialogs import FormDialog

from .conftest import settle, weigh_in

DAY = 86400


async def test_dashboard_shows_figures(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        figures = screen.figures
        assert figures is not None and figures.outcome is not None
        outcome_text = str(screen.query_one("#dash-outcome").render())
        assert "%TBWL 14.5 %" in outcome_text and "%EWL 40.4 %" in outcome_text
        assert "weigh-in on placement day 2026-01-10" in outcome_text
        assert "Obese class I" in outcome_text
        await pilot.press("b")  # Asian cut-offs
        await settle(pilot)
        assert "Obese class II (WHO, Asian cut-offs)" in str(screen.query_one("#dash-outcome").render())
        assert screen.figures.bmi_class.key == "obese-2"  # type: ignore[union-attr]  # 33.3 >= 32.5


async def test_range_switching_zoom_and_pan(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TrendsScreen)
        chart = app.screen.query_one(TrendChart)
        assert app.screen.focused is chart
        spans = {}
        for key, expected in (("1", RangeKey.WEEK), ("2", RangeKey.MONTH), ("3", RangeKey.QUARTER),
                              ("4", RangeKey.YEAR), ("5", RangeKey.ALL), ("6", RangeKey.PLACEMENT)):
            await pilot.press(key)
            await pilot.pause()
            assert chart.range_key is expected
            assert chart.window is not None
            spans[expected] = chart.window.span
            assert chart.last_model is not None and chart.last_model.drawn_points <= chart.last_model.plot_cells
        assert spans[RangeKey.WEEK] == 7 * DAY and spans[RangeKey.MONTH] == 30 * DAY
        assert spans[RangeKey.YEAR] == 365 * DAY
        await pilot.press("2")
        before = chart.window
        await pilot.press("plus")
        await pilot.pause()
        assert chart.window.span == before.span // 2  # type: ignore[union-attr]
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert chart.window.span == before.span * 2  # type: ignore[union-attr]
        start = chart.window.start  # type: ignore[union-attr]
        await pilot.press("left")
        await pilot.pause()
        assert chart.window.start == start - chart.window.span // 4  # type: ignore[union-attr]
        await pilot.press("0")
        await pilot.pause()
        assert chart.window == before
        renders = chart.renders
        await pilot.press("right_square_bracket")  # next metric: body fat
        await settle(pilot)
        assert chart.input is not None and chart.input.key.metric is Metric.BODY_FAT
        assert chart.range_key is RangeKey.MONTH and chart.renders > renders
        # custom range through the dialog
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#field-range").value = "2026-03-01..2026-03-31"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert chart.range_key is RangeKey.CUSTOM and chart.window.span == 31 * DAY  # type: ignore[union-attr]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_chart_empty_and_single_point(app_factory, store, profile) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "no weigh-ins yet" in str(app.screen.query_one("#dash-title").render())
        store.measurements.add(weigh_in(date(2026, 11, 25), 90.0), profile.id)
        app.screen.refresh_data()
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen.query_one(TrendChart)
        for key in "123456":
            await pilot.press(key)
            await pilot.pause()
            assert chart.last_model is not None
        await pilot.press("right_square_bracket")  # body fat: no data at all
        await settle(pilot)
        assert "No data in this range" in chart.last_model.text()  # type: ignore[union-attr]


async def test_measurements_delete_undo_add_and_reassign(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    from companion.domain import Profile, Sex

    other = store.profiles.add(Profile("Kid Example", Sex.MALE, date(1990, 1, 1), 150.0))
    store.profiles.set_active(profile.id)
    total = store.measurements.count(profile.id)
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MeasurementsScreen)
        assert len(screen.rows) == 50 and screen.total == total
        newest = screen.rows[0]
        await pilot.press("d")
        await settle(pilot)
        assert store.measurements.count(profile.id) == total - 1
        await pilot.press("u")
        await settle(pilot)
        assert store.measurements.count(profile.id) == total and store.measurements.get(newest.id) is not None
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.page_offset == 50 and screen.rows[0].timestamp < newest.timestamp
        await pilot.press("left_square_bracket")
        await settle(pilot)
        await pilot.press("r")  # oldest first
        await settle(pilot)
        assert screen.rows[0].timestamp.date() == date(2026, 1, 5)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")  # the only other profile
        await settle(pilot)
        assert store.measurements.count(other.id) == 1
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-weight").value = "not a number"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)  # stays open with a message
        assert "Enter a weight" in str(dialog.query_one("#dialog-error").render())
        dialog.query_one("#field-when").value = "2026-11-25 08:00"  # type: ignore[attr-defined]
        dialog.query_one("#field-weight").value = "93.5"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        manual = store.measurements.page(profile.id, limit=1, source="manual")
        assert manual and manual[0].weight_kg == 93.5


async def test_add_family_member_and_switch(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-name").value = "Young One"  # type: ignore[attr-defined]
        dialog.query_one("#field-birth_date").value = "2015-01-01"  # type: ignore[attr-defined]
        dialog.query_one("#field-height").value = "150"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert "adults" in str(dialog.query_one("#dialog-error").render())  # same age gate as onboarding
        dialog.query_one("#field-birth_date").value = "1985-06-01"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert len(store.profiles.all()) == 2 and store.profiles.active().name == "Young One"
        assert app.screen.figures.empty  # type: ignore[attr-defined]
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("up", "enter")
        await settle(pilot)
        assert store.profiles.active().id == profile.id
        assert not app.screen.figures.empty  # type: ignore[attr-defined]


async def test_palette_commands_and_help(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Trends: save progress report" in titles and "Dashboard: open" in titles
        assert "%TBWL" in app.screen.help_markdown()  # type: ignore[attr-defined]
        await pilot.press("f3")
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Measurements: add manual entry" in titles
        assert not any(t.startswith("Trends: ") for t in titles)  # only the shown screen's commands
        assert "50 per page" in app.screen.help_markdown()  # type: ignore[attr-defined]


async def test_heart_rate_chart_from_rollups_and_light_theme(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    from companion.store.samples import Samples
    from companion.trends.chart import BAND

    start = int(datetime(2026, 10, 26, tzinfo=UTC).timestamp())
    Samples(store).add_many(profile.id, "heart_rate", "test", ((start + i * 60, 60 + (i % 50)) for i in range(43200)))
    app = app_factory(store)
    async with app.run_test(size=(90, 26)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert [k.id for k in screen.keys][-1] == "sample:heart_rate"  # type: ignore[attr-defined]
        await pilot.press("left_square_bracket")  # wraps round to the last series: heart rate
        await settle(pilot)
        chart = screen.query_one(TrendChart)
        assert chart.input is not None and chart.input.sampled
        for key in "1245":
            await pilot.press(key)
            await settle(pilot)
            model = chart.last_model
            assert model is not None and model.drawn_points <= model.plot_cells
            assert any(role == BAND for row in model.rows for _t, role in row)
        dark = chart.get_component_rich_style("trend-chart--trend")
        app.theme = "textual-light"
        await settle(pilot)
        assert chart.get_component_rich_style("trend-chart--trend") != dark
        assert chart.last_model is not None


async def test_report_from_the_tui_and_inbox_hook(app_factory, store, profile, known_series, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys
    import types

    messages = types.ModuleType("companion.store.messages")
    messages.unread_count = lambda _store: 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "companion.store.messages", messages)
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one("#dash-inbox")
        assert inbox.display and "Messages: 3 unread" in str(inbox.render())
        await pilot.press("r")
        await settle(pilot)
        reports = sorted(p.name for p in (store.home / "reports").iterdir())
        assert reports == ["progress-2026-11-25.md", "progress-2026-11-25.svg"]


async def test_dutch_dashboard(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    store.profiles.update(replace(profile, language="nl"))  # the app switches to the profile's language
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#dash-outcome").render())
        assert "Referentie: weging op de dag van plaatsing 2026-01-10" in text and "Obesitas klasse I" in text


async def test_command_palette_lists_screen_actions(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = app.screen.query_one(TrendChart).window
        app.action_command_palette()
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"zoom in")
        options = app.screen.query_one(OptionList)
        index = None
        for _ in range(100):  # the palette searches asynchronously: wait for the hit (up to 10 s on a busy machine)
            await pilot.pause(0.1)
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            index = next((i for i, p in enumerate(prompts) if "Trends: zoom in" in p), None)
            if index is not None:
                break
        assert index is not None
        options.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        chart = app.screen.query_one(TrendChart)
        assert chart.window is not None and before is not None and chart.window.span == before.span // 2


async def test_pan_stops_near_the_data(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen.query_one(TrendChart)
        await pilot.press("1")
        for _ in range(200):
            chart.action_pan(-0.25)
        first = known_series[0].timestamp.timestamp()
        assert chart.window.start >= first - chart.window.span  # type: ignore[union-attr]
        for _ in range(200):
            chart.action_pan(0.25)
        assert chart.window.end <= app.clock.now().timestamp() + chart.window.span  # type: ignore[union-attr]


async def test_measurements_sort_and_filters(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Select

    store.measurements.add(weigh_in(date(2026, 6, 1), 99.0).with_values(source="manual", body_fat_pct=None,
                                                                         bmi=None), profile.id)
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MeasurementsScreen)
        await pilot.press("s")  # sort by weight, heaviest first
        await settle(pilot)
        weights = [m.weight_kg for m in screen.rows]
        assert screen.order_by == "weight_kg" and weights == sorted(weights, reverse=True) and weights[0] == 110.0
        screen.query_one("#m-source", Select).value = "manual"
        await settle(pilot)
        assert [m.source for m in screen.rows] == ["manual"]
        screen.query_one("#m-source", Select).value = "*"
        screen.query_one("#m-metric", Select).value = Metric.BODY_FAT.value
        await settle(pilot)
        assert screen.rows and all(m.body_fat_pct is not None for m in screen.rows)
        assert all(m.source != "manual" for m in screen.rows)


async def test_no_consent_shows_the_reason_not_the_data(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    store.consents.record("health-data", "withdraw", "1.0", "test")
    app = app_factory(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "consent" in str(app.screen.query_one("#dash-empty").render())
        assert not app.screen.query_one("#dash-top").display
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.rows == []  # type: ignore[attr-defined]
        assert "consent" in str(app.screen.query_one("#m-empty").render())


async def test_zoom_survives_help(app_factory, store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen.query_one(TrendChart)
        await pilot.press("plus", "left")
        await pilot.pause()
        window = chart.window
        await pilot.press("f1")
        await pilot.pause()
        assert "Trend chart" in app.screen.query_one("Markdown").source  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
        assert chart.window == window
