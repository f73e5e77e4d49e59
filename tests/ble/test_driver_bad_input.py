"""Bad input at the executor, through the Bumble emulated scales and the real bleak path (issue #14).

A damaged frame or an unknown opcode is ignored with a message; a handshake that times out, answers wrongly or
is cut off ends the session with a clear message; nothing half-received is stored, nothing is remembered, and
the background worker keeps listening to the other scales.
"""

from __future__ import annotations

import asyncio

import pytest

from companion.ble import session
from companion.ble.drivers.qn import QnScale as QnDriver
from companion.ble.emulator.scale import MI_SCALE_ADDRESS, QN_SCALE_ADDRESS
from companion.ble.protocols import qn
from companion.store.ble import BleRepository


async def _until(predicate, rounds: int = 300) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0.02)


async def _found(address: str) -> session.FoundScale:
    scales = await session.scan(2.0, until=lambda f: f.address == address)
    return next(s for s in scales if s.address == address)


async def test_damaged_and_unknown_frames_are_ignored_with_a_message(store, profile, air) -> None:  # type: ignore[no-untyped-def]
    scale = air.scales[QN_SCALE_ADDRESS]
    found = await _found(QN_SCALE_ADDRESS)

    async def person() -> None:
        while not scale.configured:
            await asyncio.sleep(0.01)
        good = qn.encode_weight_frame(70.0, stable=True, impedance_ohm=500, proto=scale.PROTO)
        await scale.send_raw(good[:-1] + bytes([(good[-1] + 1) & 0xFF]))  # wrong checksum
        await scale.send_raw(qn.frame(0x77, scale.PROTO, b"\x01\x02"))  # an opcode no QN scale sends
        await asyncio.sleep(0.05)
        await scale.step_on(92.4, impedance_ohm=505)

    events: list[session.ScaleEvent] = []
    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0, on_event=events.append)
    await stepping
    rejected = [e.text for e in events if e.kind == "rejected"]
    assert any("wrong checksum" in t for t in rejected), rejected
    assert any("does not expect" in t and "0x77" in t for t in rejected), rejected
    assert outcome.first is not None and outcome.first.status == "stored"
    assert [m.weight_kg for m in store.measurements.latest(profile.id)] == [92.4]  # not the damaged 70 kg


@pytest.mark.parametrize(
    "behaviour, error, words",
    [
        ("silent", session.ScaleRefused, "did not finish the start-up exchange in time"),
        ("wrong", session.ScaleRefused, "answered the start-up exchange wrongly"),
        ("drop", session.ConnectionLost, "disconnected during set-up; nothing was stored"),
    ],
)
async def test_a_failing_handshake_says_why_and_remembers_nothing(  # type: ignore[no-untyped-def]
    store, profile, air, monkeypatch, behaviour, error, words
) -> None:
    monkeypatch.setattr(QnDriver, "handshake_timeout_s", 0.5)
    scale = air.scales[QN_SCALE_ADDRESS]
    scale.handshake = behaviour
    found = await _found(QN_SCALE_ADDRESS)
    with pytest.raises(error, match=words):
        await session.pair(store, found, profile, first_reading_timeout=3.0)
    assert BleRepository(store).get(QN_SCALE_ADDRESS) is None
    assert store.measurements.count() == 0


async def test_the_worker_keeps_listening_to_other_scales_when_one_fails(store, profile, air, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QnDriver, "handshake_timeout_s", 0.3)
    repo = BleRepository(store)
    repo.remember(QN_SCALE_ADDRESS, "QN-Scale", "qn", "gatt")
    repo.remember(MI_SCALE_ADDRESS, "MIBFS", "mi-scale-2", "broadcast")
    air.scales[QN_SCALE_ADDRESS].handshake = "silent"
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    try:
        await _until(lambda: any(e.address == QN_SCALE_ADDRESS and "in time" in e.text for e in events))
        await air.scales[MI_SCALE_ADDRESS].step_on(77.0, hold_s=0.1, impedance_ohm=480)
        await _until(lambda: any(e.kind == "stored" for e in events))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    failures = [e for e in events if e.address == QN_SCALE_ADDRESS and "in time" in e.text]
    assert failures and failures[0].kind == "lost"
    assert [m.weight_kg for m in store.measurements.latest(profile.id)] == [77.0]
    assert not task.done() or task.cancelled()


def test_the_cli_prints_one_line_when_the_handshake_fails(  # type: ignore[no-untyped-def]
    capsys, onboarded, monkeypatch
) -> None:
    from companion.ble.emulator import air as air_module
    from companion.ble.emulator.scale import QnScale
    from companion.cli import main

    def population(air):  # type: ignore[no-untyped-def]
        QnScale(air).handshake = "wrong"

    monkeypatch.setenv("COMPANION_BLE", "emulated")
    monkeypatch.setattr(air_module, "_populate", population)
    code = main(["pair", "--address", QN_SCALE_ADDRESS, "--scan-seconds", "3", "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert "answered the start-up exchange wrongly" in last and "Traceback" not in err


async def test_the_pair_screen_shows_the_failed_handshake(store, profile, clock, home, emulated, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.emulator.air import get_air
    from companion.tui.app import make_app

    monkeypatch.setattr(QnDriver, "handshake_timeout_s", 0.3)
    app = make_app(home=home, clock=clock, store=store)
    async with app.run_test(size=(100, 34)) as pilot:
        air = await get_air().ready()
        air.scales[QN_SCALE_ADDRESS].handshake = "silent"
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        await pilot.press("s")
        for _ in range(200):
            if any(f.address == QN_SCALE_ADDRESS for f in screen.found):
                break
            await pilot.pause(0.05)
        table = screen.query_one("#pair-found")
        table.move_cursor(row=[f.address for f in screen.found].index(QN_SCALE_ADDRESS))
        await pilot.press("p")
        status = screen.query_one("#pair-status")
        for _ in range(200):
            if "in time" in str(status.render()):
                break
            await pilot.pause(0.05)
        assert "did not finish the start-up exchange in time" in str(status.render())
        assert status.has_class("error")
        assert BleRepository(store).get(QN_SCALE_ADDRESS) is None


async def test_a_scale_paired_with_an_unknown_driver_is_reported_and_the_others_still_heard(
    store, profile, air
) -> None:  # type: ignore[no-untyped-def]
    repo = BleRepository(store)
    repo.remember("C0:FF:EE:00:00:99", "Future Scale", "from-a-newer-companion", "gatt")
    repo.remember(MI_SCALE_ADDRESS, "MIBFS", "mi-scale-2", "broadcast")
    events: list[session.ScaleEvent] = []
    listener = session.LiveListener(store, events.append, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.sleep(0.1)
        await air.scales[MI_SCALE_ADDRESS].step_on(74.0, hold_s=0.1, impedance_ohm=470)
        await _until(lambda: any(e.kind == "stored" for e in events))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert any("no driver for Future Scale" in e.text for e in events)
    assert [m.weight_kg for m in store.measurements.latest(profile.id)] == [74.0]


async def test_a_driver_that_says_goodbye_ends_the_session_normally(store, profile, air) -> None:  # type: ignore[no-untyped-def]
    from companion.ble.drivers.base import Disconnect, Reading
    from companion.ble.drivers.etekcity import EtekcityEsf551
    from companion.ble.emulator.scale import ETEKCITY_ADDRESS

    class OneShot(EtekcityEsf551):  # e.g. a history-only scale: read, then hang up
        def notification(self, char: str, data: bytes) -> list[object]:  # type: ignore[override]
            out = super().notification(char, data)
            if any(isinstance(o, Reading) and o.stabilized and o.impedance_ohm for o in out):
                return [*out, Disconnect()]
            return out

    found = await _found(ETEKCITY_ADDRESS)
    found.driver = OneShot
    scale = air.scales[ETEKCITY_ADDRESS]

    async def person() -> None:
        await asyncio.sleep(0.3)
        await scale.step_on(88.1, impedance_ohm=530)

    stepping = asyncio.create_task(person())
    outcome = await session.pair(store, found, profile, first_reading_timeout=5.0)
    await stepping
    assert outcome.first is not None and outcome.first.status == "stored"
    assert store.measurements.latest(profile.id)[0].weight_kg == 88.1
