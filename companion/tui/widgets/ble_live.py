"""The live weight while it settles, then what was stored (follows the ``ble-live`` service's hub)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.widgets import Static

from companion.i18n import _
from companion.tui.safe import safe_text

if TYPE_CHECKING:
    from companion.ble.session import ScaleEvent


class LiveWeight(Static):
    """Shows ``81.4 kg  settling...`` then ``81.2 kg  stored``; subscribes to the live hub while mounted."""

    DEFAULT_CSS = """
    LiveWeight {
        height: auto;
        min-height: 3;
        border: round $primary;
        padding: 0 1;
    }
    LiveWeight.-stored { border: round $success; }
    LiveWeight.-problem { border: round $warning; }
    """

    class Update(Message):
        """One scale event; live readings may replace each other in the queue."""

        def __init__(self, event: ScaleEvent) -> None:
            super().__init__()
            self.event = event

        def can_replace(self, message: Message) -> bool:
            return (
                isinstance(message, LiveWeight.Update)
                and message.event.kind == "live"
                and self.event.kind == "live"
            )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_("Waiting for the scale..."), **kwargs)
        self._unsubscribe: Any = None
        self.stored_count = 0
        self.shown_at = 0.0  # perf_counter of the last "stored" render (benchmark hook)
        self.last_kind = ""

    def on_mount(self) -> None:
        from companion.tui.services.ble_live import hub

        live = hub(self.app)
        if live.last_status:
            self.update(safe_text(live.last_status))

        def forward(event: ScaleEvent) -> None:
            self.post_message(LiveWeight.Update(event))

        self._unsubscribe = live.subscribe(forward)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_live_weight_update(self, message: LiveWeight.Update) -> None:
        event = message.event
        self.last_kind = event.kind
        reading = event.reading
        self.remove_class("-stored", "-problem")
        if event.kind == "live" and reading is not None and reading.weight_kg is not None:
            state = _("stable") if reading.stabilized else _("settling...")
            self.update(f"{reading.weight_kg:.1f} kg  {state}")
        elif event.kind == "stored" and event.recorded is not None and event.recorded.measurement is not None:
            m = event.recorded.measurement
            who = event.recorded.profile.name if event.recorded.profile else ""
            text = _("{weight} kg stored for {name}").format(weight=f"{m.weight_kg:.1f}", name=who)
            if m.body_fat_pct is not None:
                text += "  " + _("body fat {fat} %").format(fat=f"{m.body_fat_pct:.1f}")
            self.update(safe_text(text))
            self.add_class("-stored")
            self.stored_count += 1
            self.shown_at = time.perf_counter()
        elif event.kind == "duplicate":
            self.update(_("Already stored (the scale sent a reading again)."))
        elif event.kind in ("rejected", "not-allowed", "lost"):
            self.update(safe_text(event.text))
            self.add_class("-problem")
        elif event.kind == "status":
            self.update(safe_text(event.text))
