"""Live heart rate from a BLE strap or watch with the standard Heart Rate Service (0x180D)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from companion.i18n import _
from companion.tui.safe import safe_text


def ble_backends() -> tuple[Any, Any]:
    """(scanner backend, client backend) for bleak: the emulated ones when ``COMPANION_BLE=emulated`` and the BLE
    capability provides ``companion.ble.emulator.scanner_backend`` / ``client_backend``; else (None, None),
    which is the platform's real backend."""
    if os.environ.get("COMPANION_BLE", "").strip().lower() != "emulated":
        return None, None
    try:
        from companion.ble import emulator  # type: ignore[attr-defined]
    except ImportError:
        return None, None
    return getattr(emulator, "scanner_backend", None), getattr(emulator, "client_backend", None)


class LiveHeartRate(Vertical):
    DEFAULT_CSS = """
    LiveHeartRate { height: auto; padding: 0 1; }
    LiveHeartRate #health-live-bpm { text-style: bold; height: 3; content-align: left middle; }
    LiveHeartRate Horizontal { height: auto; }
    LiveHeartRate Button { margin-right: 1; }
    LiveHeartRate #health-live-status { height: auto; color: $text-muted; }
    """

    class Reading(Message):
        """One decoded measurement (high rate: replaces an unhandled previous one)."""

        def __init__(self, bpm: int, contact: bool | None, rr_ms: tuple[float, ...]) -> None:
            super().__init__()
            self.bpm = bpm
            self.contact = contact
            self.rr_ms = rr_ms

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LiveHeartRate.Reading)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's naming
        super().__init__(id=id)
        self._stop: asyncio.Event | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("-- bpm"), id="health-live-bpm")
        with Horizontal():
            yield Button(_("Connect heart-rate strap"), id="health-live-connect", variant="primary")
            yield Button(_("Stop"), id="health-live-stop", disabled=True)
        yield Static(_("Wear the strap or start heart-rate broadcast on your watch, then connect."),
                     id="health-live-status")

    def _status(self, text: str, style: str = "") -> None:
        if not self.is_attached:
            return
        self.query_one("#health-live-status", Static).update(safe_text(text, style=style))

    @on(Button.Pressed, "#health-live-connect")
    def connect(self) -> None:
        self.query_one("#health-live-connect", Button).disabled = True
        self.query_one("#health-live-stop", Button).disabled = False
        self._stop = asyncio.Event()
        self._status(_("Looking for heart-rate devices..."))
        self._stream(self._stop)

    @on(Button.Pressed, "#health-live-stop")
    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @work(exclusive=True, group="health-live", exit_on_error=False)
    async def _stream(self, stop: asyncio.Event) -> None:
        from companion.health.hr_session import HeartRateRecorder, find_heart_rate_devices, stream_heart_rate

        screen: Any = self.screen
        scanner_backend, client_backend = ble_backends()
        recorder = None
        try:
            devices = await find_heart_rate_devices(timeout=5.0, backend=scanner_backend, settle=1.0)
            if not devices:
                self._status(_("No heart-rate device found. Is it on and nearby?"), "yellow")
                return
            device = devices[0]
            self._status(_("Connecting to {name}...").format(name=device.name))
            profile = screen.profile
            if profile is not None:
                recorder = HeartRateRecorder(screen.store, profile.id, f"ble:{device.name}")

            connected = False

            def on_reading(ts: int, reading: Any) -> None:
                nonlocal connected
                if not connected:
                    connected = True
                    self._status(_("Connected to {name}.").format(name=device.name))
                if recorder is not None:
                    recorder.add(ts, reading)
                self.post_message(self.Reading(reading.bpm, reading.sensor_contact, reading.rr_intervals_ms))

            await stream_heart_rate(device.address, on_reading, stop, backend=client_backend)
            self._status(_("Disconnected."))
        except Exception as error:  # noqa: BLE001 - Bluetooth off, no adapter, device gone: say so
            self._status(_("Bluetooth problem: {error}").format(error=error), "red")
        finally:
            if recorder is not None:
                self._save(recorder)
            if self.is_attached:  # the screen may be gone (app closing): nothing left to update
                self.query_one("#health-live-connect", Button).disabled = False
                self.query_one("#health-live-stop", Button).disabled = True

    def _save(self, recorder: Any) -> None:
        """Store what is still buffered (a stop or a dropped link mid-stream keeps every whole reading)."""
        from companion.privacy import ProcessingNotAllowed

        try:
            recorder.flush()
        except ProcessingNotAllowed as error:
            self._status(str(error), "yellow")
            return
        if not self.is_attached:
            return
        reload = getattr(self.screen, "reload", None)
        if recorder.stored and callable(reload):
            reload()  # the heart-rate summary below counts the new samples

    @on(Reading)
    def show(self, message: Reading) -> None:
        text = Text(f"{message.bpm} bpm", style="bold red" if message.contact is not False else "dim")
        if message.contact is False:
            text.append("  " + _("(no skin contact)"), style="dim")
        if message.rr_ms:
            text.append(f"   RR {message.rr_ms[-1]:.0f} ms", style="dim")
        self.query_one("#health-live-bpm", Static).update(text)
