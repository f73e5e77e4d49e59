"""The Pair screen with the emulated S400: the bind-key field (demo key pre-filled), a wrong key refused with
a clear message and nothing stored, then the right key pairs and the weigh-in is stored."""

from __future__ import annotations

import pytest

from companion.ble.emulator.xiaomi_s400 import DEMO_BIND_KEY, S400_ADDRESS
from tests.ble.test_pair_screen import _wait


@pytest.fixture
def app(store, profile, clock, home, emulated):  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app

    return make_app(home=home, clock=clock, store=store)


async def test_s400_bind_key_wrong_then_right(app, store, profile) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, Static

    from companion.ble import keys
    from companion.store.ble import BleRepository

    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        await pilot.press("s")
        await _wait(pilot, lambda: any(f.address == S400_ADDRESS for f in screen.found))
        screen.query_one("#pair-found").move_cursor(row=[f.address for f in screen.found].index(S400_ADDRESS))
        await pilot.press("p")
        await pilot.pause()
        field = screen.query_one("#pair-key", Input)
        assert screen.query_one("#pair-key-box").display and field.has_focus and field.password
        assert field.value == DEMO_BIND_KEY.hex()  # the demo scale's key, explained on screen
        help_text = str(screen.query_one("#pair-key-help", Static).render())
        assert "token extractor" in help_text and "Demo" in help_text

        field.value = "not hex"
        await pilot.press("enter")
        await pilot.pause()
        status = screen.query_one("#pair-status", Static)
        assert "32 characters" in str(status.render()) and status.has_class("error")

        field.value = "00112233445566778899aabbccddeeff"
        await pilot.press("enter")
        await _wait(pilot, lambda: "does not decrypt" in str(status.render()) and not screen.busy)
        assert status.has_class("error")
        assert BleRepository(store).get(S400_ADDRESS) is None and keys.bind_key(store, S400_ADDRESS) is None

        field.value = DEMO_BIND_KEY.hex()
        await pilot.press("enter")
        await _wait(pilot, lambda: BleRepository(store).get(S400_ADDRESS) is not None and not screen.busy)
        assert keys.bind_key(store, S400_ADDRESS) == DEMO_BIND_KEY
        assert field.value == "" and not screen.query_one("#pair-key-box").display  # not left on screen
        await _wait(pilot, lambda: store.measurements.count(profile.id) == 1)
