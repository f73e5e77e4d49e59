"""The Health screen's live heart-rate tab in demo mode: it finds the emulated strap, connects through bleak,
shows the live value and stores it as samples; a strap that drops the link mid-stream leaves a consistent
store and a tab ready to connect again."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Static

from companion.store.samples import SampleKind, Samples
from companion.tui.app import make_app
from tests.conftest import wait_until

SOURCE = "ble:Companion HR Strap"


def _text(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def _open_live_tab(app, pilot):  # type: ignore[no-untyped-def]
    await pilot.pause()
    app.action_show("health")
    await pilot.pause()
    await app.workers.wait_for_complete()
    screen = app.screen
    screen.query_one("#health-tabs").active = "health-tab-hr"
    await pilot.pause()
    return screen


def _hr_count(store, pid: int) -> int:  # type: ignore[no-untyped-def]
    row = store.query_one(
        "SELECT count(*) FROM sample WHERE profile_id = ? AND kind = ? AND source = ?",
        (pid, SampleKind.HEART_RATE.value, SOURCE))
    return int(row[0])


async def test_live_tab_shows_and_stores_the_strap_in_demo_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    from companion.ble.emulator.air import get_air
    from companion.ble.emulator.strap import HR_STRAP_ADDRESS

    strap = (await get_air().ready()).scales[HR_STRAP_ADDRESS]
    strap.interval_s = 0.05
    app = make_app(demo=True, demo_years=0.1)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_live_tab(app, pilot)
        pid = screen.profile.id
        store = screen.store
        before = Samples(store).count(pid, SampleKind.RR_INTERVAL)
        await pilot.click("#health-live-connect")
        await wait_until(pilot, lambda: "bpm" in _text(screen, "#health-live-bpm")
                         and "--" not in _text(screen, "#health-live-bpm"), timeout=15)
        await wait_until(pilot, lambda: "Connected to Companion HR Strap" in _text(screen, "#health-live-status"))
        await wait_until(pilot, lambda: len(strap.sent) >= 12, timeout=15)
        live = _text(screen, "#health-live-bpm")
        value = int(live.split()[0])
        assert 40 <= value <= 200
        app.save_screenshot(str(tmp_path / "health-live.svg"))
        await pilot.click("#health-live-stop")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Disconnected" in _text(screen, "#health-live-status")
        assert not screen.query_one("#health-live-connect", Button).disabled
        stored = _hr_count(store, pid)
        with_contact = [r for r in strap.sent if r.sensor_contact is not False]
        # per-second samples: every stored value is one the strap sent with skin contact
        assert 1 <= stored <= len(with_contact)
        assert Samples(store).count(pid, SampleKind.RR_INTERVAL) > before

        # A second session that the strap ends mid-stream: whatever arrived is stored, the tab recovers.
        strap.drop_after = len(strap.sent) + 4
        await pilot.click("#health-live-connect")
        await wait_until(pilot, lambda: "Disconnected" in _text(screen, "#health-live-status")
                         and not screen.query_one("#health-live-connect", Button).disabled, timeout=20)
        await app.workers.wait_for_complete()
        assert _hr_count(store, pid) >= stored
        for level in (60, 3600, 86400):
            n = store.query_one(
                "SELECT coalesce(sum(n), 0) FROM sample_rollup WHERE profile_id = ? AND kind = ? AND level = ?",
                (pid, SampleKind.HEART_RATE.value, level))[0]
            assert n == Samples(store).count(pid, SampleKind.HEART_RATE), level
