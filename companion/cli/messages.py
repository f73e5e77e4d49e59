"""``companion messages login|send|list|logout``: clinic messaging for scripts (DESIGN.md contract)."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _, ngettext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("messages", help=_("secure messages with your clinic"))
    sub = parser.add_subparsers(dest="messages_command", metavar="ACTION", required=True)

    login = sub.add_parser("login", help=_("log in to your clinic's Matrix homeserver"))
    login.add_argument("--homeserver", required=True, metavar="URL")
    login.add_argument("--user", required=True)
    login.add_argument(
        "--clinic",
        required=True,
        metavar="MXID",
        help=_("your clinic's account, e.g. @clinic:example.org (only its invitations are accepted)"),
    )
    login.add_argument(
        "--registration-token", default=None, metavar="TOKEN",
        help=_("first create the account with the one-time token from your clinic (the password you type "
               "becomes your password)"),
    )
    login.set_defaults(handler=_login)

    send = sub.add_parser("send", help=_("send a message (or a file) to your clinic"))
    send.add_argument("text", nargs="?", default=None, metavar="TEXT")
    send.add_argument("--file", default=None, metavar="PATH", help=_("send this file as an attachment"))
    send.add_argument("--json", action="store_true")
    send.set_defaults(handler=_send)

    listing = sub.add_parser("list", help=_("show the conversation (fetches new messages first)"))
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--offline", action="store_true", help=_("only what is stored on this device"))
    listing.add_argument("--limit", type=int, default=0, help=_("only the newest N messages"))
    listing.set_defaults(handler=_list)

    resend = sub.add_parser("resend", help=_("send a message that was not sent (failed) again"))
    resend.add_argument("txn", nargs="?", default=None, metavar="ID",
                        help=_("the message's id, as `messages list` shows it"))
    resend.add_argument("--all", action="store_true", help=_("every message that was not sent"))
    resend.set_defaults(handler=_resend)

    discard = sub.add_parser("discard", help=_("give up on a message that was not sent"))
    discard.add_argument("txn", nargs="?", default=None, metavar="ID",
                         help=_("the message's id, as `messages list` shows it"))
    discard.add_argument("--all", action="store_true", help=_("every message that was not sent"))
    discard.set_defaults(handler=_discard)

    logout = sub.add_parser("logout", help=_("end the session on this device (messages stay)"))
    logout.set_defaults(handler=_logout)


def _password() -> str:
    import getpass
    import os
    import sys

    from companion.cli._common import CliError

    value = os.environ.get("COMPANION_MATRIX_PASSWORD")
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(_("Matrix password: "))
        except (EOFError, KeyboardInterrupt):
            pass
    raise CliError(_("No password: type it when asked, or set COMPANION_MATRIX_PASSWORD."))


def _run(coro: Any) -> Any:
    import asyncio

    from companion.cli._common import CliError
    from companion.messaging.errors import MessagingError
    from companion.messaging.outbox import InvalidMessage
    from companion.privacy import ProcessingNotAllowed

    try:
        return asyncio.run(coro)
    except (MessagingError, InvalidMessage, ProcessingNotAllowed) as exc:
        raise CliError(str(exc)) from None


def _login(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, require_profile
    from companion.messaging.service import Messenger
    from companion.messaging.session import login

    password = _password()
    with open_store() as store:
        require_profile(store)
        account = _run(login(store, args.homeserver, args.user, password, args.clinic,
                             registration_token=args.registration_token))

        async def first_sync() -> None:
            async with Messenger(store) as messenger:
                await messenger.sync_once()
                await messenger.sync_once()
                await messenger.load_history(max_pages=2)

        try:
            _run(first_sync())
        except Exception:
            pass  # logged in; messages arrive with the next `messages list`
    print(
        _("Logged in as {user} on {server} (device {device}).").format(
            user=account.user_id, server=account.homeserver, device=account.device_id
        )
    )
    return 0


async def _password_source() -> str | None:
    import os

    return os.environ.get("COMPANION_MATRIX_PASSWORD") or None


def _send(args: argparse.Namespace) -> int:
    from pathlib import Path

    from companion.cli._common import CliError, open_store, print_json, require_profile
    from companion.messaging.outbox import InvalidMessage, queue_file, queue_message
    from companion.messaging.service import Messenger
    from companion.store.messages import Messages

    if (args.text is None) == (args.file is None):
        raise CliError(_("Give either TEXT or --file PATH."), 2)
    with open_store() as store:
        require_profile(store)
        if Messages(store).account() is None:
            raise CliError(_("Messaging is not set up yet; run `companion messages login` first."))
        try:
            txn = queue_message(store, args.text) if args.file is None else queue_file(store, Path(args.file))
        except InvalidMessage as exc:
            raise CliError(str(exc)) from None

        async def deliver() -> Any:
            async with Messenger(store, password=_password_source) as messenger:
                await messenger.sync_once()
                return await messenger.flush(deadline_s=30)

        try:
            report = _run(deliver())
        except CliError as exc:
            raise CliError(
                _("Saved in the outbox; it will be sent later. ({reason})").format(reason=exc)
            ) from None
        row = Messages(store).by_txn(txn)
    status = row.status if row else "pending"
    if args.json:
        print_json({"txn_id": txn, "event_id": row.event_id if row else None, "status": status})
    elif status == "sent":
        print(_("Sent."))
    elif status == "failed":
        from companion.text import visible

        raise CliError(_("Not sent: {reason}").format(reason=visible(row.error or "", single_line=True)
                                                       if row else ""))
    else:
        print(
            _("Saved in the outbox; it will be sent later. ({reason})").format(
                reason=report.last_error or _("no connection")
            )
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    import json
    import sys
    from datetime import datetime

    from companion.cli._common import open_store, require_profile
    from companion.messaging.errors import MessagingError
    from companion.messaging.service import Messenger
    from companion.store.messages import Messages
    from companion.text import visible

    with open_store() as store:
        require_profile(store)
        repo = Messages(store)
        if not args.offline and repo.account() is not None:

            async def refresh() -> list[str]:
                async with Messenger(store, password=_password_source) as messenger:
                    await messenger.send_pending()
                    report = await messenger.sync_once()
                    await messenger.load_history(max_pages=8)
                    await messenger.mark_read()  # they are shown now: the clinic sees them read
                    return report.notices()

            try:
                import asyncio

                for notice in asyncio.run(refresh()):
                    print(notice, file=sys.stderr)
            except MessagingError as exc:
                print(_("Showing stored messages only: {reason}").format(reason=exc), file=sys.stderr)
        rows = repo.all()
        if args.limit > 0:
            rows = rows[-args.limit :]
        files = {r.id: repo.attachments(r.id) for r in rows if r.msgtype == "m.file"}
    if args.json:
        # What the clinic sent, exactly; ASCII-escaped so no control or bidi character reaches a terminal raw.
        json.dump([_as_json(r, files.get(r.id)) for r in rows], sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(_("No messages yet."))
    for r in rows:
        when = datetime.fromtimestamp(r.ts / 1000).astimezone().strftime("%Y-%m-%d %H:%M")
        who = _("you") if r.own else visible(r.sender, max_length=60, single_line=True)
        marks = ""
        if r.own and r.status != "sent":
            marks += f" [{_(r.status)}]"
        elif r.read_by_clinic:
            marks += " [" + _("read") + "]"
        if r.edited:
            marks += " (" + _("edited") + ")"
        body = visible(r.body).replace("\n", "\n    ")
        if r.msgtype == "m.emote":
            print(f"{when} * {who} {body}{marks}")
        else:
            print(f"{when} {who}{marks}: {body}")
        if r.own and r.status == "failed":
            if r.error:
                print("    " + visible(r.error, single_line=True))
            print("    " + _("Send again: `companion messages resend {id}`; give up: `companion messages "
                          "discard {id}`").format(id=r.txn_id))
    return 0


def _as_json(r: Any, files: list[dict[str, Any]] | None) -> dict[str, Any]:
    from datetime import datetime

    attachment = None
    if files:
        item = files[0]
        attachment = {key: item[key] for key in ("filename", "mimetype", "size", "mxc_uri", "local_path")}
    return {
        "event_id": r.event_id,
        "txn_id": r.txn_id,
        "sender": r.sender,
        "body": r.body,
        "msgtype": r.msgtype,
        "timestamp": datetime.fromtimestamp(r.ts / 1000).astimezone().isoformat(timespec="seconds"),
        "status": r.status,
        "own": r.own,
        "consult_url": r.consult_url,
        "attachment": attachment,
        "edited": r.edited,
        "read": r.read_by_clinic,
        "error": r.error,
    }


def _unsent(args: argparse.Namespace, store: Any) -> list[str]:
    from companion.cli._common import CliError
    from companion.store.messages import Messages

    items = [i.txn_id for i in Messages(store).outbox(states=("ask-user", "failed"))]
    if args.all == (args.txn is not None):
        raise CliError(_("Give either a message id or --all."), 2)
    if args.all:
        return items
    if args.txn not in items:
        raise CliError(_("No unsent message with the id {id}.").format(id=args.txn))
    return [args.txn]


def _resend(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, require_profile
    from companion.messaging.service import Messenger
    from companion.store.messages import Messages

    with open_store() as store:
        require_profile(store)
        chosen = _unsent(args, store)
        now = int(store.clock.now().timestamp() * 1000)
        for txn in chosen:
            Messages(store).requeue(txn, now)
        if chosen and Messages(store).account() is not None:

            async def deliver() -> Any:
                async with Messenger(store, password=_password_source) as messenger:
                    return await messenger.flush(deadline_s=30)

            try:
                _run(deliver())
            except Exception:
                pass  # queued again: the next `messages list`, `send` or the app sends it
        rows = [Messages(store).by_txn(t) for t in chosen]
    sent = sum(1 for r in rows if r is not None and r.status == "sent")
    print(ngettext("{sent} of {n} message sent; the rest waits in the outbox.",
                   "{sent} of {n} messages sent; the rest waits in the outbox.", len(chosen))
          .format(sent=sent, n=len(chosen)))
    return 0


def _discard(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, require_profile
    from companion.store.messages import Messages

    with open_store() as store:
        require_profile(store)
        chosen = _unsent(args, store)
        for txn in chosen:
            Messages(store).discard(txn)
    print(ngettext("{n} message discarded.", "{n} messages discarded.", len(chosen)).format(n=len(chosen)))
    return 0


def _logout(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store
    from companion.messaging.session import logout

    with open_store() as store:
        _run(logout(store))
    print(_("Logged out."))
    return 0
