"""Live scale readings in the background: listens to every paired scale and stores stable readings.

``start(app)`` launches one async Textual worker (group ``ble-live``) on the app's loop; bleak runs there too.
Widgets follow it through the ``LiveHub`` (``hub(app).subscribe(callback)``). With ``COMPANION_BLE=emulated``
(and in ``--demo``) ``simulate_weigh_in(app)`` makes the emulated person step on the paired scale.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.i18n import _

if TYPE_CHECKING:
    from companion.ble.session import ScaleEvent

log = logging.getLogger("companion.ble")

GROUP = "ble-live"
_HUB_KEY = "ble_live_hub"


class LiveHub:
    """Fan-out of scale events to whoever shows them; remembers the last status and reading."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[ScaleEvent], None]] = []
        self.last_status = ""
        self.last_event: ScaleEvent | None = None
        self.stored = 0

    def subscribe(self, listener: Callable[[ScaleEvent], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def publish(self, event: ScaleEvent) -> None:
        if event.kind in ("status", "lost"):
            self.last_status = event.text
        if event.kind == "stored":
            self.stored += 1
        self.last_event = event
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken widget must not stop the worker
                log.exception("scale event listener failed")


def hub(app: Any) -> LiveHub:
    extras = app.context.extras
    found = extras.get(_HUB_KEY)
    if found is None:
        found = extras[_HUB_KEY] = LiveHub()
    return found  # type: ignore[no-any-return]


def _notify_stored(app: Any, event: ScaleEvent) -> None:
    recorded = event.recorded
    if event.kind == "stored" and recorded is not None and recorded.measurement is not None:
        m = recorded.measurement
        who = recorded.profile.name if recorded.profile is not None else ""
        app.notify(
            _("Stored {weight} kg for {name}.").format(weight=f"{m.weight_kg:.1f}", name=who),
            title=_("Scale"),
        )
    elif event.kind == "not-allowed":
        app.notify(event.text, title=_("Scale reading not stored"), severity="warning", timeout=10)
    elif event.kind == "rejected" and recorded is not None:
        app.notify(event.text, title=_("Scale reading not stored"), severity="warning")


def start(app: Any) -> None:
    """Listen to the paired scales (no-op when none is paired yet)."""
    store = app.store
    if store is None:
        return
    from companion.store.ble import BleRepository

    if not BleRepository(store).paired():
        return
    live = hub(app)

    async def listen() -> None:
        from companion.ble.session import LiveListener, ScaleError

        def sink(event: ScaleEvent) -> None:
            live.publish(event)
            _notify_stored(app, event)

        try:
            await LiveListener(store, sink).run()
        except ScaleError as exc:
            live.last_status = str(exc)
            app.notify(str(exc), title=_("Scale"), severity="warning", timeout=10)

    app.run_worker(listen(), group=GROUP, exclusive=True, exit_on_error=False, name="ble-live")


def stop(app: Any) -> None:
    app.workers.cancel_group(app, GROUP)


def restart(app: Any) -> None:
    stop(app)
    start(app)


def emulated_person_steps_on(address: str, weight_kg: float = 78.0) -> None:
    """Demo: the emulated person weighs themselves on the emulated broadcast scale at ``address`` in a moment
    (an encrypted scale's key is checked on its next advert while it is being paired)."""
    import asyncio

    async def steps() -> None:
        from companion.ble.emulator.air import get_air
        from companion.ble.emulator.broadcast import BroadcastScale

        scale = (await get_air().ready()).scales.get(address)
        if isinstance(scale, BroadcastScale):
            await asyncio.sleep(1.0)
            await scale.step_on(weight_kg)
            await scale.step_off()

    task = asyncio.get_running_loop().create_task(steps())
    _STEPS.add(task)
    task.add_done_callback(_STEPS.discard)


_STEPS: set[Any] = set()


async def simulate_weigh_in(app: Any, weight_kg: float | None = None) -> str:
    """Demo: the emulated person steps on the paired emulated scale (pairs the emulated scale first if
    needed)."""
    from companion.ble import session
    from companion.ble.emulator.air import get_air
    from companion.ble.emulator.broadcast import BroadcastScale
    from companion.ble.emulator.scale import SIG_SCALE_ADDRESS, MiBroadcastScale, SigScale
    from companion.store.ble import BleRepository

    if not session.emulated():
        return _("Simulated weigh-ins need the emulated scale (demo mode or COMPANION_BLE=emulated).")
    store = app.store
    profile = app.active_profile()
    if store is None or profile is None or profile.id is None:
        return _("No profile yet.")
    air = await get_air().ready()
    repo = BleRepository(store)
    paired = [s for s in repo.paired() if s.address in air.scales]
    if not paired:
        stop(app)
        found = await session.scan(3.0, until=lambda f: f.address == SIG_SCALE_ADDRESS)
        target = next((f for f in found if f.address == SIG_SCALE_ADDRESS), None)
        if target is None:
            return _("The emulated scale was not found.")
        await session.pair(store, target, profile)
        paired = [s for s in repo.paired() if s.address in air.scales]
        start(app)
    if weight_kg is None:
        latest = store.measurements.latest(profile.id, 1)
        base = latest[0].weight_kg if latest and latest[0].weight_kg else (profile.start_weight_kg or 80.0)
        weight_kg = round(base + random.uniform(-0.6, 0.4), 1)
    scale = air.scales[paired[0].address]
    if isinstance(scale, SigScale):
        if scale.asleep:
            await scale.wake()
        slot = repo.slot_for_profile(scale.address, profile.id)
        await scale.step_on(
            weight_kg,
            user_index=slot.user_index if slot else None,
            impedance_ohm=round(random.uniform(450, 560), 1),
        )
    elif isinstance(scale, MiBroadcastScale):
        await scale.step_on(weight_kg, impedance_ohm=random.randint(450, 560), hold_s=0.4)
        await scale.step_off()
    elif isinstance(scale, BroadcastScale):  # S400, Yunmai X, Eufy C20
        await scale.step_on(weight_kg)
        await scale.step_off()
    return _("The emulated person stepped on the scale ({weight} kg).").format(weight=f"{weight_kg:.1f}")
