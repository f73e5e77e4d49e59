"""The Pair screen through Pilot, on the emulated scale (the same bleak path as with hardware)."""

from __future__ import annotations

import asyncio

import pytest

from companion.ble.emulator.scale import SIG_SCALE_ADDRESS


async def _wait(pilot, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def app(store, profile, clock, home, emulated):  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app

    return make_app(home=home, clock=clock, store=store)


async def test_scan_pair_and_first_reading(app, store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.air import get_air
    from companion.store.ble import BleRepository
    from companion.tui.widgets.ble_live import LiveWeight

    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert screen.SCREEN_ID == "pair"
        await pilot.press("s")
        await _wait(pilot, lambda: len(screen.found) >= 1)
        assert any(f.address == SIG_SCALE_ADDRESS for f in screen.found)
        table = screen.query_one("#pair-found")
        table.move_cursor(row=[f.address for f in screen.found].index(SIG_SCALE_ADDRESS))
        await pilot.press("p")
        scale = (await get_air().ready()).scales[SIG_SCALE_ADDRESS]
        await _wait(pilot, lambda: "consented:0" in scale.events)
        await asyncio.sleep(0.05)
        await scale.step_on(83.2, user_index=0)
        live = screen.query_one(LiveWeight)
        await _wait(pilot, lambda: live.stored_count == 1)
        assert "83.2 kg" in str(live.render())
        assert BleRepository(store).get(SIG_SCALE_ADDRESS) is not None
        assert store.measurements.latest(profile.id)[0].weight_kg == 83.2


async def test_simulated_weigh_in_goes_through_the_live_worker(app, store, profile) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.widgets.ble_live import LiveWeight

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("w")
        live = app.screen.query_one(LiveWeight)
        await _wait(pilot, lambda: live.stored_count >= 1, timeout=15)
        assert store.measurements.count(profile.id) == 1
        assert any(w.name == "ble-live" for w in app.workers)


async def test_no_adapter_offers_the_emulated_scale(store, profile, clock, home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app

    monkeypatch.setenv("COMPANION_BLE", "none-such")  # the platform backend; no BlueZ in the test machine
    from companion.ble import session

    async def no_adapter(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise session.NoAdapter(session.no_adapter_message("No Bluetooth adapters found."))

    if await _platform_bluetooth_available():
        monkeypatch.setattr(session, "scan", no_adapter)
    app = make_app(home=home, clock=clock, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("s")
        status = app.screen.query_one("#pair-status")
        await _wait(pilot, lambda: "emulated" in str(status.render()))
        await pilot.press("e")
        import os

        assert os.environ["COMPANION_BLE"] == "emulated"


async def _platform_bluetooth_available() -> bool:
    from bleak import BleakScanner

    try:
        async with BleakScanner():
            return True
    except Exception:
        return False


async def test_palette_command_simulates_a_weigh_in_in_demo_mode(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app
    from companion.tui.widgets.ble_live import LiveWeight

    monkeypatch.setenv("COMPANION_BLE", "emulated")
    app = make_app(demo=True, demo_years=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        profile = app.active_profile()
        before = app.store.measurements.count(profile.id)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"simulate a weigh")
        await pilot.pause(0.3)
        await pilot.press("enter")
        live = app.screen.query_one(LiveWeight)
        await _wait(pilot, lambda: live.stored_count >= 1, timeout=15)
        assert app.store.measurements.count(profile.id) == before + 1
        latest = app.store.measurements.latest(profile.id)[0]
        assert latest.source == "ble:sig" and latest.impedance_ohm is not None
