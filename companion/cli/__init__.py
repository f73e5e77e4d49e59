"""Command-line entry point: ``companion`` (the TUI) and its sub-commands.

Each public module in this package is one command area with ``register(subparsers)``; a handler returns an
exit code (0 ok, 1 runtime failure with one line on stderr, 2 usage error). Handlers import heavy modules
lazily so that ``companion --help`` and the TUI start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from companion import __version__
from companion.cli._common import CliError, fail
from companion.i18n import _, language_from_environment, set_language

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib
    import pkgutil

    parser = argparse.ArgumentParser(
        prog="companion",
        description=_("Companion: your scale, your progress and your clinic, in the terminal."),
    )
    parser.add_argument("--version", action="version", version=f"companion {__version__}")
    parser.add_argument(
        "--demo", action="store_true",
        help=_("start on a throwaway demo profile with generated data and the emulated scale"),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    set_language(language_from_environment())
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list == ["--demo"]:
        # Fast path: start the TUI without building every sub-command's parser.
        from companion.tui import run_app

        return run_app(demo=bool(args_list))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        from companion.tui import run_app

        return run_app(demo=args.demo)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.parse_args([args.command, "--help"])
        return 2
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        return fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return fail(_("interrupted"), 130)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # The contract: one line on stderr, never a traceback.
        from companion.store.errors import StoreError

        if isinstance(exc, StoreError):
            return fail(str(exc))
        return fail(_("unexpected error: {error}").format(error=f"{type(exc).__name__}: {exc}"))
