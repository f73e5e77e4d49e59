"""The onboarding wizard, driven with Textual's Pilot through every step (real store files under tmp_path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, ContentSwitcher, Input, Label, Select, Static

from companion.i18n import _, current_language, set_language
from companion.store import Store
from companion.tui.app import CompanionApp, make_app
from companion.tui.screens.onboarding import OnboardingScreen
from tests.conftest import TEST_PASSPHRASE, wait_until

SIZE = (100, 32)


def step(app: CompanionApp) -> str:
    return str(app.screen.query_one(ContentSwitcher).current)


def text_of(app: CompanionApp, selector: str) -> str:
    return " ".join(str(app.screen.query_one(selector, Static).render()).split())


async def press_button(pilot: Any, selector: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.press("enter")
    await pilot.pause()


async def type_into(pilot: Any, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text) if text else None
    await pilot.pause()


async def to_profile_step(pilot: Any, app: CompanionApp, *, dutch: bool = False) -> None:
    assert isinstance(app.screen, OnboardingScreen) and step(app) == "step-language"
    if dutch:
        await pilot.click("#lang-nl")
    await press_button(pilot, "#language-next")
    assert step(app) == "step-age"
    await type_into(pilot, "#birth-date", "1980-04-23")
    await pilot.press("enter")
    await pilot.pause()
    assert step(app) == "step-notice"
    await press_button(pilot, "#notice-accept")
    assert step(app) == "step-health"
    app.screen.query_one("#health-consent", Checkbox).focus()
    await pilot.press("space")
    await press_button(pilot, "#health-next")
    assert step(app) == "step-optional"
    app.screen.query_one("#consent-location", Checkbox).value = True
    await press_button(pilot, "#optional-next")
    assert step(app) == "step-profile"


async def fill_profile(pilot: Any, **values: str) -> None:
    fields = {
        "name": "Ann Example",
        "height": "168",
        "email": "",
        "phone": "",
        "placement-date": "",
        "goal-weight": "",
        **values,
    }
    pilot.app.screen.query_one("#sex", Select).value = values.get("sex", "female")
    for field, value in fields.items():
        if field != "sex":
            await type_into(pilot, f"#{field}", value)


async def test_happy_path_in_dutch(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await to_profile_step(pilot, app, dutch=True)
        assert current_language() == "nl"
        # the wizard now speaks Dutch
        assert str(app.screen.query_one("#step-profile Label.section-title", Label).render()) == _(
            "About you"
        )
        assert _("About you") != "About you"
        await fill_profile(
            pilot,
            email="ann@example.org",
            phone="+31 20 123 4567",
            **{"placement-date": "2026-01-10", "goal-weight": "80"},
        )
        await press_button(pilot, "#profile-next")
        assert step(app) == "step-passphrase"
        await type_into(pilot, "#passphrase", "short")
        assert text_of(app, "#strength-text") == _("Too short: use at least 12 characters.")
        await type_into(pilot, "#passphrase", TEST_PASSPHRASE)
        await type_into(pilot, "#passphrase2", TEST_PASSPHRASE)
        await press_button(pilot, "#finish")
        await wait_until(pilot, lambda: app.store is not None and app.current_mode == "dashboard")
        assert app.store is not None
        assert app.current_mode == "dashboard"
    set_language("en")
    with Store.open(home, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        profile = store.profiles.active()
        assert profile is not None
        assert (profile.name, profile.language, profile.email, profile.height_cm) == (
            "Ann Example",
            "nl",
            "ann@example.org",
            168.0,
        )
        assert profile.goal_weight_kg == 80.0 and str(profile.placement_date) == "2026-01-10"
        assert store.consents.is_granted("health-data") and store.consents.is_granted("location")
        assert not store.consents.is_granted("research")
        assert store.settings.get("notice_version_seen") == "1.0"
    assert not list(home.glob(".onboarding-*"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ann@example", "This is not a valid e-mail address, for example name@example.org."),
        ("phone", "call me", "Enter a phone number of 7 to 15 digits, for example +31 20 123 4567."),
        ("height", "1.68", "Enter your height in centimetres between 50 and 272, for example 172."),
        ("placement-date", "10-13-2026", "Enter a real date as YYYY-MM-DD, for example 1980-04-23."),
        ("name", "", "Please enter your name."),
    ],
)
async def test_profile_fields_are_checked(home: Path, clock, field: str, value: str, message: str) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await to_profile_step(pilot, app)
        await fill_profile(pilot, **{field: value})
        await press_button(pilot, "#profile-next")
        assert step(app) == "step-profile"
        assert text_of(app, f"#error-{field}") == message
        assert app.screen.focused is app.screen.query_one(f"#{field}")
        # nothing else is flagged
        others = [f for f in ("name", "height", "email", "phone", "placement-date") if f != field]
        assert all(text_of(app, f"#error-{f}") == "" for f in others)
    assert not Store.exists(home)


async def test_bad_birth_date_is_explained(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await press_button(pilot, "#language-next")
        for value, message in (
            ("23-04", "Enter a real date as YYYY-MM-DD, for example 1980-04-23."),
            ("2027-01-01", "The date of birth cannot be in the future."),
            ("1800-01-01", "Please check the year of birth."),
        ):
            await type_into(pilot, "#birth-date", value)
            await pilot.press("enter")
            await pilot.pause()
            assert step(app) == "step-age" and text_of(app, "#error-birth-date") == message
        await type_into(pilot, "#birth-date", "23-04-1980")  # the Dutch way of writing it is fine too
        await pilot.press("enter")
        await pilot.pause()
        assert step(app) == "step-notice"


async def test_under_18_is_refused_and_nothing_stored(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await press_button(pilot, "#language-next")
        await type_into(pilot, "#birth-date", "2009-01-01")  # 17 on the fixed clock's 2026-11-25
        await pilot.press("enter")
        await pilot.pause()
        assert step(app) == "step-refused"
        assert "18" in text_of(app, "#refused-text")
        assert app.screen.query_one("#birth-date", Input).value == ""
        await press_button(pilot, "#refused-quit")
    assert app.return_code == 0
    assert not (home / "companion.db").exists() and not (home / "key.json").exists()
    assert not home.exists() or not any(home.iterdir())


async def test_quitting_halfway_leaves_nothing(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await to_profile_step(pilot, app)
        await fill_profile(pilot)
        await press_button(pilot, "#profile-next")
        assert step(app) == "step-passphrase"
        await pilot.press("escape")
        await pilot.pause()
    assert not Store.exists(home)
    assert not home.exists() or not any(home.iterdir())


async def test_passphrases_must_match(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await to_profile_step(pilot, app)
        await fill_profile(pilot)
        await press_button(pilot, "#profile-next")
        await type_into(pilot, "#passphrase", "correct horse battery 9")
        assert text_of(app, "#strength-text") == _("Strong.")
        await type_into(pilot, "#passphrase2", "correct horse battery 8")
        await press_button(pilot, "#finish")
        assert text_of(app, "#error-passphrase") == "The two passphrases are not the same."
        await type_into(pilot, "#passphrase", "")
        await type_into(pilot, "#passphrase2", "")
        await press_button(pilot, "#finish")
        assert text_of(app, "#error-passphrase") == "Without a system keyring a passphrase is required."
    assert not Store.exists(home)


async def test_with_a_keyring_the_passphrase_is_optional(home: Path, clock, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home=home, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await to_profile_step(pilot, app)
        await fill_profile(pilot)
        await press_button(pilot, "#profile-next")
        texts = [str(widget.render()) for widget in app.screen.query("#step-passphrase Static")]
        assert any("system keyring" in text for text in texts)
        await press_button(pilot, "#finish")
        await wait_until(pilot, lambda: app.store is not None)
        assert app.store is not None and app.store.key_mode() == "keyring"
    assert len(memory_keyring.secrets) == 1
    with Store.open(home, clock=clock) as store:
        assert store.profiles.active() is not None
