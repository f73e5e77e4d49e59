"""The one-widget key bar: what it shows, clicking a key presses it, hovering shows its tooltip."""

from __future__ import annotations

from companion.tui.app import make_app
from companion.tui.widgets.footer import CompanionFooter
from tests.conftest import wait_until

SIZE = (100, 32)


def bar_text(footer: CompanionFooter) -> str:
    return footer.render().plain


async def test_footer_shows_keys_and_palette_and_clicks_press_them() -> None:
    app = make_app(demo=True, demo_years=0.3)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.current_mode == "dashboard" and app.screen.content_ready)
        footer = app.screen.query_one(CompanionFooter)
        text = bar_text(footer)
        assert " f2 Dashboard " in text and text.rstrip().endswith("^p palette")
        assert len(text) <= SIZE[0]
        slots = {slot.display: slot for slot in footer._slots or ()}
        f3 = slots["f3"]
        await pilot.hover(footer, offset=(f3.start + 1, 0))
        await pilot.pause()
        assert footer.tooltip == f3.tooltip and f3.tooltip
        await pilot.click(footer, offset=(f3.start + 1, 0))
        await wait_until(pilot, lambda: app.current_mode == "measurements")
        # The new screen's own bar lists its keys
        measurements_bar = bar_text(app.screen.query_one(CompanionFooter))
        assert "f2 Dashboard" in measurements_bar


async def test_footer_on_a_narrow_terminal() -> None:
    app = make_app(demo=True, demo_years=0.3)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(60, 32)) as pilot:
        await wait_until(pilot, lambda: app.current_mode == "dashboard" and app.screen.content_ready)
        footer = app.screen.query_one(CompanionFooter)
        text = bar_text(footer)
        assert len(text) <= 60 and text.rstrip().endswith("^p palette")
        # keys that do not fit are left out whole, never cut in the middle of a word
        for slot in footer._slots or ():
            assert text[slot.start:slot.end].strip().startswith(slot.display)


async def test_footer_follows_the_language() -> None:
    app = make_app(demo=True, demo_years=0.3)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(160, 32)) as pilot:
        await wait_until(pilot, lambda: app.current_mode == "dashboard" and app.screen.content_ready)
        assert "f2 Dashboard" in bar_text(app.screen.query_one(CompanionFooter))
        app.change_language("nl")
        await wait_until(pilot, lambda: "f2 Overzicht" in bar_text(app.screen.query_one(CompanionFooter)),
                         describe=lambda: bar_text(app.screen.query_one(CompanionFooter)))
