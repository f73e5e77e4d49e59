"""``companion support send|list|answer|diagnostics``: ask the clinic's or provider's support for help."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("support", help=_("ask for help with a problem, and keep track of answers"))
    sub = parser.add_subparsers(dest="support_command", metavar="ACTION", required=True)

    send = sub.add_parser("send", help=_("describe a problem to your clinic's or provider's support"))
    send.add_argument("text", metavar="TEXT")
    send.add_argument("--diagnostics", action="store_true",
                      help=_("attach the diagnostics bundle (needs the diagnostics consent; shown first)"))
    send.add_argument("--yes", action="store_true", help=_("send the diagnostics bundle without asking"))
    send.add_argument("--json", action="store_true")
    send.set_defaults(handler=_send)

    listing = sub.add_parser("list", help=_("your support requests and their answers"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    answer = sub.add_parser("answer", help=_("record the answer you got to a request"))
    answer.add_argument("id", type=int, metavar="ID")
    answer.add_argument("text", metavar="TEXT")
    answer.set_defaults(handler=_answer)

    diag = sub.add_parser("diagnostics", help=_("show what a diagnostics bundle contains"))
    diag.set_defaults(handler=_diagnostics)


def _bundle(store: Any) -> str:
    from companion.care.support import bundle_text, diagnostics_bundle
    from companion.cli._common import CliError
    from companion.privacy import ProcessingNotAllowed

    try:
        return bundle_text(diagnostics_bundle(store))
    except ProcessingNotAllowed as exc:
        raise CliError(str(exc)) from None


def _confirm(bundle: str) -> bool:
    import sys

    print(_("This diagnostics bundle will be sent with your request:"), file=sys.stderr)
    print(bundle, file=sys.stderr)
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    try:
        answer = input(_("Send it? [y/N] "))
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes", "j", "ja")


def _send(args: argparse.Namespace) -> int:
    from companion.care import support
    from companion.cli._common import CliError, open_store, print_json, require_profile
    from companion.privacy import ProcessingNotAllowed

    with open_store() as store:
        require_profile(store)
        bundle = None
        if args.diagnostics:
            bundle = _bundle(store)
            if not args.yes and not _confirm(bundle):
                raise CliError(_("Not sent: the diagnostics bundle was not confirmed (add --yes once you have "
                                 "read it with `companion support diagnostics`)."))
        try:
            sent = support.send(store, args.text, diagnostics=bundle)
        except (support.SupportError, ProcessingNotAllowed) as exc:
            raise CliError(str(exc)) from None
        status = "saved" if sent.destination.channel == "file" else _deliver(store, sent.txn_id)
    if args.json:
        print_json({"id": sent.id, "channel": sent.destination.channel, "to": sent.destination.address,
                    "file": str(sent.file) if sent.file else None, "status": status,
                    "diagnostics": bundle is not None})
    else:
        print(support.outcome_text(sent))
    return 0


def _deliver(store: Any, txn: str | None) -> str:
    """Try to send the queued request now; it stays in the outbox otherwise."""
    import asyncio

    from companion.store.messages import Messages

    async def flush() -> None:
        import os

        from companion.messaging.service import Messenger

        async def password() -> str | None:
            return os.environ.get("COMPANION_MATRIX_PASSWORD") or None

        async with Messenger(store, password=password) as messenger:
            await messenger.sync_once()
            await messenger.flush(deadline_s=30)

    try:
        asyncio.run(flush())
    except Exception:  # offline, session ended...: the outbox keeps it and sends it later
        pass
    row = Messages(store).by_txn(txn) if txn else None
    return row.status if row is not None else "pending"


def _list(args: argparse.Namespace) -> int:
    from companion.care.support import requests
    from companion.cli._common import open_store, print_json
    from companion.text import plain

    with open_store() as store:
        rows = requests(store)
    if args.json:
        print_json([{"id": r.id, "created_at": r.created_at, "to": r.recipient, "channel": r.channel,
                     "status": r.status, "text": r.body, "diagnostics": r.diagnostics is not None,
                     "file": r.file_path,
                     "answers": [{"answered_at": a.answered_at, "text": a.body} for a in r.answers]}
                    for r in rows])
        return 0
    if not rows:
        print(_("No support requests yet."))
    for r in rows:
        state = _("answered") if r.status == "answered" else _("open")
        print(f"#{r.id} {r.created_at[:16].replace('T', ' ')} → {plain(r.recipient, single_line=True)} [{state}]")
        print("    " + plain(r.body, max_length=2000).replace("\n", "\n    "))
        for a in r.answers:
            print("    ↳ " + a.answered_at[:10] + ": " + plain(a.body, max_length=2000).replace("\n", "\n      "))
    return 0


def _answer(args: argparse.Namespace) -> int:
    from companion.care.support import SupportError, record_answer
    from companion.cli._common import CliError, open_store

    with open_store() as store:
        try:
            record_answer(store, args.id, args.text)
        except SupportError as exc:
            raise CliError(str(exc)) from None
    print(_("Answer recorded for support request {id}.").format(id=args.id))
    return 0


def _diagnostics(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store

    with open_store() as store:
        print(_bundle(store))
    return 0
