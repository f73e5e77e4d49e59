"""``companion report [--format svg|md|pdf] [--output PATH|-]``: the one-page progress report."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help=_("save a one-page progress report (SVG, Markdown or PDF)"))
    parser.add_argument("--format", choices=["svg", "md", "pdf"], default="svg", help=_("svg (default), md or pdf"))
    parser.add_argument("--output", metavar="PATH", default=None,
                        help=_("file to write, or - for standard output (default: the reports folder)"))
    parser.add_argument("--json", action="store_true", help=_("print where the report went as JSON"))
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from companion.cli._common import CliError, open_store, print_json, require_profile
    from companion.clock import SYSTEM_CLOCK
    from companion.privacy import ProcessingNotAllowed
    from companion.trends.report import report_bytes, save_atomically

    with open_store() as store:
        profile = require_profile(store)
        now = SYSTEM_CLOCK.now()
        try:
            content = report_bytes(store, profile, now, args.format)
        except ProcessingNotAllowed as exc:
            raise CliError(str(exc)) from None
        if args.output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
            store.audit.record("export", "progress-report", f"progress report ({args.format}, stdout)")
            return 0
        path = Path(args.output) if args.output else store.home / "reports" / \
            f"progress-{now.strftime('%Y-%m-%d')}.{args.format}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_atomically(path, content)
        except OSError as exc:
            raise CliError(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None
        store.audit.record("export", "progress-report", f"progress report ({args.format})")
    if args.json:
        print_json({"path": str(path), "format": args.format, "bytes": len(content)})
    else:
        print(_("Progress report saved to {path}").format(path=path))
    return 0
