"""The Profile screen: edit with the onboarding checks, units, language, and the app passphrase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, Static

from companion.domain.units import HeightUnit, WeightUnit
from companion.i18n import set_language
from companion.store import Store
from companion.tui.app import make_app
from companion.tui.screens.profile import ProfileScreen
from tests.conftest import TEST_PASSPHRASE, wait_until

SIZE = (100, 32)


async def open_profile(pilot: Any) -> ProfileScreen:
    await wait_until(pilot, lambda: pilot.app.store is not None and pilot.app.current_mode == "dashboard")
    await pilot.press("f9")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ProfileScreen)
    return screen


def text_of(screen: ProfileScreen, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


async def test_edit_and_save(onboarded: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        assert screen.query_one("#name", Input).value == "Ann Example"
        assert screen.query_one("#height", Input).value == "168"
        screen.query_one("#email", Input).value = "not-an-address"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(screen, "#error-email") == (
            "This is not a valid e-mail address, for example name@example.org."
        )
        assert screen.focused is screen.query_one("#email")
        screen.query_one("#email", Input).value = "ann@example.org"
        screen.query_one("#phone", Input).value = "12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "7 to 15 digits" in text_of(screen, "#error-phone") and text_of(screen, "#error-email") == ""
        screen.query_one("#phone", Input).value = "+31 6 1234 5678"
        screen.query_one("#birth-date", Input).value = "2010-01-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "adults" in text_of(screen, "#error-birth-date")
        screen.query_one("#birth-date", Input).value = "1980-04-23"
        screen.query_one("#clinic", Input).value = "Kliniek Noord"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(screen, "#profile-status") == "Saved."
    with Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        profile = store.profiles.active()
        assert profile is not None
        assert (profile.email, profile.phone, profile.clinic) == (
            "ann@example.org",
            "+31 6 1234 5678",
            "Kliniek Noord",
        )


async def test_units_convert_what_is_typed(onboarded: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        screen.query_one("#goal-weight", Input).value = "80"
        screen.query_one("#height-unit", Select).value = "ft"
        screen.query_one("#weight-unit", Select).value = "st"
        await pilot.pause()
        assert screen.query_one("#height", Input).value == "5 6"
        assert screen.query_one("#goal-weight", Input).value == "12 8.4"
        assert "ft in" in str(screen.query_one("#label-height").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
    with Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        profile = store.profiles.active()
        assert profile is not None
        assert profile.weight_unit is WeightUnit.ST_LB and profile.height_unit is HeightUnit.FT_IN
        assert abs(profile.goal_weight_kg - 80) < 0.05 and abs(profile.height_cm - 167.6) < 0.1  # type: ignore[operator]


async def test_language_switch_translates_the_screen(onboarded: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_profile(pilot)
            screen.query_one("#language", Select).value = "nl"
            await pilot.press("ctrl+s")
            await pilot.pause()
            screen = app.screen  # type: ignore[assignment]
            assert str(screen.query_one("#label-name").render()) == "Naam"
            assert text_of(screen, "#profile-status") == "Opgeslagen."
            assert screen.title == "Profiel"
            descriptions = {b.binding.description for b in app.active_bindings.values()}
            assert "Opslaan" in descriptions and "Afsluiten" in descriptions
    finally:
        set_language("en")
    with Store.open(onboarded, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        assert store.profiles.active().language == "nl"  # type: ignore[union-attr]


async def test_change_passphrase_with_strength_feedback(onboarded: Path, clock) -> None:  # type: ignore[no-untyped-def]
    new = "Another long passphrase 42!"
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert screen.focused is screen.query_one("#current-passphrase")
        screen.query_one("#current-passphrase", Input).value = "wrong passphrase"
        screen.query_one("#new-passphrase", Input).value = "abc"
        await pilot.pause()
        assert text_of(screen, "#strength-text").startswith("Too short")
        screen.query_one("#new-passphrase", Input).value = new
        screen.query_one("#repeat-passphrase", Input).value = new
        await pilot.pause()
        assert text_of(screen, "#strength-text") == "Strong."
        screen.query_one("#change-passphrase").focus()
        await wait_until(pilot, lambda: screen.focused is screen.query_one("#change-passphrase"))
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: text_of(screen, "#error-repeat-passphrase") not in ("", "Saving…"), timeout=60
        )
        assert text_of(screen, "#error-repeat-passphrase") == "Wrong passphrase; nothing was changed."
        screen.query_one("#current-passphrase", Input).value = TEST_PASSPHRASE
        # The outcome keeps the buttons in view, so the retry is a plain click.
        await wait_until(pilot, lambda: screen.query_one("#change-passphrase").region in screen.region)
        await pilot.click("#change-passphrase")
        # The scrypt work runs in a thread; wait for its outcome, not for the previous message to go.
        await wait_until(
            pilot,
            lambda: text_of(screen, "#passphrase-status") == "Passphrase changed."
            or text_of(screen, "#error-repeat-passphrase")
            not in ("", "Saving…", "Wrong passphrase; nothing was changed."),
            timeout=60,
            describe=lambda: (text_of(screen, "#error-repeat-passphrase"), text_of(screen, "#passphrase-status"),
                              [(w.name, w.state, w.error) for w in app.workers]),
        )
        assert text_of(screen, "#error-repeat-passphrase") == "", [w.error for w in app.workers]
        assert text_of(screen, "#passphrase-status") == "Passphrase changed."
        assert screen.query_one("#new-passphrase", Input).value == ""
    Store.open(onboarded, passphrase=new, clock=clock).close()


async def test_palette_offers_profile_commands(onboarded: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=onboarded, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        assert {
            "Profile: edit",
            "Profile: save",
            "Profile: change passphrase",
            "Profile: units",
            "Profile: language",
            "Dashboard: open",
            "Help: this screen",
        } <= titles
        ids = {binding.id for binding in screen.BINDINGS if hasattr(binding, "id")}  # type: ignore[union-attr]
        assert {"profile-save", "profile-edit", "profile-passphrase"} <= ids


async def test_demo_profile_has_no_passphrase_to_change(clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo=True, demo_years=0.3, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        assert "Demo data" in text_of(screen, "#key-mode")
        assert not screen.query_one("#passphrase-box").display


async def test_set_and_remove_passphrase_with_a_keyring(home: Path, clock, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.domain import Profile, Sex
    from companion.onboarding import OnboardingAnswers, complete_onboarding

    answers = OnboardingAnswers(Profile("Kim", Sex.OTHER, date(1970, 1, 1), 175.0), True, frozenset(), "1.0")
    complete_onboarding(home, answers, clock).close()
    app = make_app(home=home, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profile(pilot)
        assert "system keyring" in text_of(screen, "#key-mode")
        assert screen.query_one("#current-passphrase", Input).disabled
        assert not screen.query_one("#remove-passphrase").display
        screen.query_one("#new-passphrase", Input).value = "a fine long passphrase 7"
        screen.query_one("#repeat-passphrase", Input).value = "a fine long passphrase 7"
        screen.query_one("#change-passphrase").focus()
        await wait_until(pilot, lambda: screen.focused is screen.query_one("#change-passphrase"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: text_of(screen, "#passphrase-status") == "Passphrase changed.")
        assert memory_keyring.secrets == {}
        assert screen.query_one("#remove-passphrase").display
        screen.query_one("#current-passphrase", Input).value = "a fine long passphrase 7"
        screen.query_one("#remove-passphrase").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "removed" in text_of(screen, "#passphrase-status"))
        assert len(memory_keyring.secrets) == 1
    Store.open(home, clock=clock).close()
