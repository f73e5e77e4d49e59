"""``companion export [--format zip|json|csv|fhir] [--output PATH|-]`` (default zip, in the current
folder)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("export", help=_("export all your data (ZIP, JSON, CSV or FHIR)"))
    parser.add_argument("--format", choices=["zip", "json", "csv", "fhir"], default="zip")
    parser.add_argument(
        "--output",
        metavar="PATH|-",
        default=None,
        help=_("file to write (a folder for csv); - writes to standard output"),
    )
    parser.set_defaults(handler=_export)


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(done: int, total: int) -> None:
        percent = int(done * 100 / total) if total else 100
        if percent != last[0]:
            last[0] = percent
            sys.stderr.write(f"\r{_('Exporting')}: {percent:3d}%")
            if percent >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return show


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from companion.cli._common import CliError, open_store
    from companion.privacy.export import ExportError, export

    with open_store() as store:
        try:
            if args.output == "-":
                export(store, args.format, stream=sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return 0
            result = export(
                store, args.format, Path(args.output) if args.output else None, progress=_progress_printer()
            )
        except ExportError as exc:
            raise CliError(str(exc)) from None
    print(_("Export written to {path}").format(path=result.path), file=sys.stderr)
    return 0
