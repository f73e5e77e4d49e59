"""``companion import (apple-health|fitbit-takeout|openscale|csv) PATH`` and ``companion export-scale``.

Imports show progress on stderr (from bytes read on disk: compressed bytes for a ZIP), can be interrupted
with Ctrl-C (the import stops after the current batch; running the same command again resumes), and end
with a summary: what was added, duplicates skipped, per-reason error counts, record types not imported.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from companion.i18n import _, ngettext

FORMATS = ("apple-health", "fitbit-takeout", "openscale", "csv")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("import", help=_("import health data from another app's export"))
    parser.add_argument("format", choices=FORMATS, metavar="FORMAT",
                        help=_("apple-health, fitbit-takeout, openscale or csv"))
    parser.add_argument("path", metavar="PATH", help=_("the export file or folder"))
    parser.add_argument("--timezone", default=None, metavar="ZONE",
                        help=_("timezone of files without offsets, e.g. Europe/Amsterdam (default: yours)"))
    parser.add_argument("--weight-unit", choices=["kg", "lb", "st"], default=None,
                        help=_("unit of weights in the file when it does not say"))
    parser.add_argument("--force", action="store_true", help=_("read a file again that was imported before"))
    parser.add_argument("--json", action="store_true", help=_("print the summary as JSON on stdout"))
    parser.set_defaults(handler=_import)

    export = subparsers.add_parser("export-scale", help=_("write your weigh-ins for another scale app"))
    export.add_argument("--format", choices=["openscale", "fit"], default="openscale",
                        help=_("openscale (CSV) or fit (Garmin Connect weight file)"))
    export.add_argument("--output", required=True, metavar="PATH", help=_("file to write, or - for stdout"))
    export.set_defaults(handler=_export)


class _Progress:
    """Progress on stderr: a redrawn line on a terminal, a line per 10% otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._decile = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.2 and fraction < 1.0:
                return
            self._last = now
            sys.stderr.write("\r" + _("Importing {name}: {pct:3.0f}% ({done:.1f} of {total:.1f} MB)").format(
                name=self.name, pct=fraction * 100, done=done / 1e6, total=total / 1e6))
            sys.stderr.flush()
        else:
            decile = int(fraction * 10)
            if decile > self._decile:
                self._decile = decile
                print(_("Importing {name}: {pct:3.0f}%").format(name=self.name, pct=decile * 10), file=sys.stderr)

    def end(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _import(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store, print_json, require_profile
    from companion.health.importer import Importer
    from companion.health.model import UnreadableFile
    from companion.health.summary import summary_lines
    from companion.privacy.gate import ProcessingNotAllowed

    path = Path(args.path).expanduser()
    if not path.exists():
        raise CliError(_("{path} does not exist.").format(path=path))
    if args.format != "fitbit-takeout" and path.is_dir():
        raise CliError(_("{path} is a folder; give the export file.").format(path=path))
    store = open_store()
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        def interrupt(_signum: int, _frame: Any) -> None:
            if stop.is_set():
                raise KeyboardInterrupt
            stop.set()

        previous = signal.signal(signal.SIGINT, interrupt)
    progress = _Progress(path.name)
    try:
        profile = require_profile(store)
        assert profile.id is not None
        options: dict[str, Any] = {"timezone_name": args.timezone, "weight_unit": args.weight_unit}
        if args.format == "fitbit-takeout":
            options["height_cm"] = profile.height_cm
        importer = Importer(store, profile.id, progress=progress, cancel=stop.is_set, force=args.force)
        try:
            report = importer.run(args.format, path, **options)
        except UnreadableFile as error:
            raise CliError(str(error)) from None
        except ProcessingNotAllowed as error:
            raise CliError(str(error)) from None
        finally:
            progress.end()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        store.close()
    for warning in importer.warnings:
        print(warning, file=sys.stderr)
    for line in summary_lines(report, path.name):
        print(line, file=sys.stderr)
    if args.json:
        print_json(report.as_dict())
    if report.cancelled:
        return 130
    if report.fatal:
        return 1
    return 0


def _export(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store, require_profile
    from companion.health.fit_export import encode_weight_fit
    from companion.health.scale_csv import write_openscale_csv
    from companion.privacy.gate import ProcessingNotAllowed, require_health_consent

    store = open_store()
    try:
        profile = require_profile(store)
        assert profile.id is not None
        try:
            require_health_consent(store)
        except ProcessingNotAllowed as error:
            raise CliError(str(error)) from None
        measurements = store.measurements.page(profile.id, limit=10_000_000, newest_first=False)
        to_stdout = args.output == "-"
        target = Path(args.output).expanduser()
        if args.format == "fit":
            data, count = encode_weight_fit(measurements, store.clock.now())
            if count == 0:
                raise CliError(_("There are no weigh-ins with a weight to export."))
            if to_stdout:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                _write_atomically(target, data)
            label = _("Garmin FIT weight file")
        else:
            import io

            buffer = io.StringIO()
            count = write_openscale_csv(measurements, buffer)
            if to_stdout:
                sys.stdout.write(buffer.getvalue())
            else:
                _write_atomically(target, buffer.getvalue().encode("utf-8"))
            label = _("openScale CSV")
        store.audit.record("export", "stdout" if to_stdout else str(target), f"{label}, {count} weigh-ins")
    finally:
        store.close()
    print(ngettext("Wrote {count} weigh-in as {label} to {target}.", "Wrote {count} weigh-ins as {label} to {target}.",
                   count).format(
        count=count, label=label, target=_("standard output") if to_stdout else target), file=sys.stderr)
    return 0


def _write_atomically(target: Path, data: bytes) -> None:
    from companion.cli._common import CliError

    temp = target.with_name(f".{target.name}.part")
    try:
        temp.write_bytes(data)
        temp.replace(target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise CliError(_("Cannot write {path}: {reason}").format(path=target, reason=error.strerror)) from None
