"""Import panel: pick a format and a file, watch a progress bar driven by bytes read on disk, cancel any time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, ProgressBar, Select, Static

from companion.i18n import N_, _
from companion.tui.safe import safe_text

FORMAT_CHOICES = (
    ("apple-health", N_("Apple Health (export.zip or export.xml)")),
    ("fitbit-takeout", N_("Fitbit via Google Takeout (folder or .zip)")),
    ("openscale", N_("openScale CSV")),
    ("csv", N_("Other scale app CSV (Withings, Renpho, Mi Fit, Omron)")),
)


class ImportPanel(Vertical):
    """Runs one import at a time in a thread worker; the store commits whole batches, so cancelling is safe."""

    DEFAULT_CSS = """
    ImportPanel { height: auto; padding: 0 1; }
    ImportPanel Horizontal { height: auto; }
    ImportPanel #health-import-format { width: 1fr; }
    ImportPanel #health-import-path { width: 1fr; }
    ImportPanel Button { margin-left: 1; min-width: 10; }
    ImportPanel ProgressBar { margin: 1 0 0 0; }
    ImportPanel #health-import-status { height: auto; margin-top: 1; }
    """

    class Finished(Message):
        """An import ended (done, cancelled or failed); the screen reloads its tables."""

        def __init__(self, added: int) -> None:
            super().__init__()
            self.added = added

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's naming
        super().__init__(id=id)
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Select([(_(label), value) for value, label in FORMAT_CHOICES], value="apple-health",
                     allow_blank=False, id="health-import-format")
        with Horizontal():
            yield Input(placeholder=_("Path to the export file or folder"), id="health-import-path")
            yield Button(_("Import"), id="health-import-start", variant="primary")
            yield Button(_("Cancel"), id="health-import-cancel", disabled=True)
        yield ProgressBar(total=100, show_eta=True, id="health-import-progress")
        yield Static("", id="health-import-status")

    @property
    def running(self) -> bool:
        return self.query_one("#health-import-cancel", Button).disabled is False

    @on(Input.Submitted, "#health-import-path")
    @on(Button.Pressed, "#health-import-start")
    def start(self) -> None:
        if self.running:
            return
        raw = self.query_one("#health-import-path", Input).value.strip()
        status = self.query_one("#health-import-status", Static)
        if not raw:
            status.update(Text(_("Type the path of the file to import."), style="bold"))
            return
        path = Path(raw).expanduser()
        if not path.exists():
            status.update(safe_text(_("{path} does not exist.").format(path=path), style="red"))
            return
        fmt = str(self.query_one("#health-import-format", Select).value)
        self._cancel.clear()
        self.query_one("#health-import-cancel", Button).disabled = False
        self.query_one("#health-import-start", Button).disabled = True
        self.query_one("#health-import-progress", ProgressBar).update(total=100, progress=0)
        status.update(safe_text(_("Importing {name}...").format(name=path.name)))
        self._run(fmt, path)

    @on(Button.Pressed, "#health-import-cancel")
    def cancel(self) -> None:
        self._cancel.set()
        self.query_one("#health-import-status", Static).update(_("Stopping after the current batch..."))

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#health-import-progress", ProgressBar).update(total=max(total, 1), progress=done)

    @work(thread=True, exclusive=True, group="health-import", exit_on_error=False)
    def _run(self, fmt: str, path: Path) -> None:
        from companion.health.importer import Importer
        from companion.health.model import UnreadableFile
        from companion.health.summary import summary_lines
        from companion.privacy.gate import ProcessingNotAllowed

        screen: Any = self.screen
        store = screen.store
        profile = screen.profile
        lines: list[str]
        added = 0
        style = ""
        try:
            importer = Importer(
                store, profile.id, cancel=self._cancel.is_set,
                progress=lambda done, total: self.app.call_from_thread(self._progress, done, total),
            )
            report = importer.run(fmt, path, height_cm=profile.height_cm)
            lines = [*importer.warnings, *summary_lines(report, path.name)]
            added = report.added
            if report.error_count or report.refused_fields or report.fatal:
                style = "yellow"
        except (UnreadableFile, ProcessingNotAllowed) as error:
            lines = [str(error)]
            style = "red"
        except Exception as error:  # noqa: BLE001 - shown, never a crash of the UI
            lines = [_("The import failed: {error}").format(error=error)]
            style = "red"
        self.app.call_from_thread(self._finished, lines, added, style)

    def _finished(self, lines: list[str], added: int, style: str) -> None:
        self.query_one("#health-import-cancel", Button).disabled = True
        self.query_one("#health-import-start", Button).disabled = False
        self.query_one("#health-import-status", Static).update(safe_text("\n".join(lines), style=style))
        self.post_message(self.Finished(added))
