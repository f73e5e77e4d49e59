"""What the vendor GATT drivers (Beurer/Sanitas legacy, Yunmai, Renpho 0x1A10, Eufy, Lefu, ...) share:
their user-facing lines and the naive local time they set scale clocks with. Pure code."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from companion.ble.drivers.base import DriverConfig, HandshakeFailed, HandshakeTimeout, Output, Progress
from companion.i18n import _

#: Seconds a scale gets to answer one handshake step before the session gives up.
HANDSHAKE_SECONDS = 10.0


def local_wall_clock(config: DriverConfig) -> datetime:
    """The connection time as naive local wall-clock time (what a scale without time zone should show)."""
    return config.now.replace(tzinfo=None)


def step_on() -> Progress:
    return Progress(_("Step on the scale."))


def handshake_timeout(step: str) -> HandshakeTimeout:
    return HandshakeTimeout(
        f"no answer to {step}",
        _("The scale stopped answering while it was being set up. Wake it (tap it) and try again."),
    )


def dropped_during_setup(step: str) -> HandshakeFailed:
    return HandshakeFailed(
        f"disconnected during {step}",
        _("The scale disconnected while it was being set up. Nothing was stored; try again."),
    )


class HandshakeGuard:
    """Mixin for drivers with a set-up phase: until ``ready`` is true, the "handshake" timer firing or the link
    dropping ends the session with a fatal error naming ``setup_step`` (put it before ``Driver`` in the bases)."""

    ready: bool = False
    setup_step: ClassVar[str] = "the handshake"

    def step_name(self) -> str:
        """The set-up step under way, for the log (drivers with several steps override it)."""
        return self.setup_step

    def timeout(self, name: str) -> list[Output]:
        return [handshake_timeout(self.step_name())] if name == "handshake" and not self.ready else []

    def disconnected(self) -> list[Output]:
        return [] if self.ready else [dropped_during_setup(self.step_name())]

