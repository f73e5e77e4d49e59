"""``companion privacy (show|grant PURPOSE|withdraw PURPOSE|object PURPOSE|restrict on|off|erase
CATEGORY) [--yes]``.

Also ``privacy lift PURPOSE`` (lift an objection), ``privacy audit`` (what left the machine) and
``privacy retention [--run]`` (the rules, next purge dates).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from companion.i18n import _

ERASE_CHOICES = ("measurements", "health-data", "messages", "location", "diagnostics", "all")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("privacy", help=_("consents, restriction, deletion and the audit log"))
    sub = parser.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)

    show = sub.add_parser("show", help=_("every purpose with its legal basis and your decision"))
    show.add_argument("--json", action="store_true")
    show.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)
    show.set_defaults(handler=_show)

    for name, text in (
        ("grant", _("give consent for a purpose")),
        ("withdraw", _("withdraw consent for a purpose (takes effect at once)")),
        ("object", _("object to a purpose based on legitimate or public interest")),
        ("lift", _("lift an objection you made")),
    ):
        action = sub.add_parser(name, help=text)
        action.add_argument("purpose", metavar="PURPOSE")
        action.add_argument("--json", action="store_true")
        action.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)  # nothing to confirm
        action.set_defaults(handler=_decide, decision=name)

    restrict = sub.add_parser(
        "restrict", help=_("restrict processing: keep the data, only storage and export")
    )
    restrict.add_argument("state", choices=["on", "off"])
    restrict.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)
    restrict.set_defaults(handler=_restrict)

    erase = sub.add_parser("erase", help=_("delete a category of data, or everything (all)"))
    erase.add_argument("category", choices=ERASE_CHOICES, metavar="CATEGORY")
    erase.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    erase.add_argument(
        "--notify-clinic", action="store_true", help=_("send your clinic a message that the data was deleted")
    )
    erase.add_argument(
        "--notice-file", metavar="PATH", help=_("save the deletion notice for your clinic as a text file")
    )
    erase.set_defaults(handler=_erase)

    request = sub.add_parser(
        "request", help=_("draft a GDPR or ARCO request to your clinic and track its deadline")
    )
    request.add_argument("regime", choices=["gdpr", "arco"])
    request.add_argument(
        "kind",
        metavar="KIND",
        help=_(
            "gdpr: access, rectification, erasure, restriction, portability, objection; "
            "arco: access, rectification, cancellation, opposition"
        ),
    )
    request.add_argument("--to", dest="recipient", default=None, help=_("the clinic or provider"))
    request.add_argument("--name", default=None)
    request.add_argument("--contact", default=None, help=_("address or e-mail for the answer"))
    request.add_argument("--description", default="", help=_("which data the request is about"))
    request.add_argument(
        "--identity-document", default="", help=_("ARCO: the document that proves your identity")
    )
    request.add_argument("--changes", default="", help=_("rectification: what should be corrected"))
    request.add_argument("--location-hints", default="", help=_("ARCO: anything that helps find the data"))
    way = request.add_mutually_exclusive_group()
    way.add_argument("--send", action="store_true", help=_("send it to your clinic as a message"))
    way.add_argument("--save", metavar="PATH", help=_("save it as a text file to send yourself"))
    request.set_defaults(handler=_request)

    requests = sub.add_parser("requests", help=_("your requests and their deadlines"))
    requests.add_argument("--answered", type=int, metavar="ID", help=_("mark request ID as answered"))
    requests.add_argument("--json", action="store_true")
    requests.set_defaults(handler=_requests)

    audit = sub.add_parser("audit", help=_("what left this computer, and when"))
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=_audit)

    retention = sub.add_parser("retention", help=_("retention rules and the next purge dates"))
    retention.add_argument("--run", action="store_true", help=_("purge expired data now"))
    retention.add_argument("--json", action="store_true")
    retention.set_defaults(handler=_retention)


def _status_json(status: Any) -> dict[str, Any]:
    return {
        "id": status.purpose.id,
        "title": status.purpose.title,
        "legal_basis": status.purpose.basis.value,
        "data_categories": list(status.purpose.category_ids),
        "state": status.state,
        "active": status.active,
        "since": status.since.isoformat() if status.since else None,
        "notice_version": status.notice_version,
    }


def _show(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json
    from companion.privacy import ledger
    from companion.privacy.notice import CURRENT_NOTICE, pending_update

    with open_store() as store:
        problems = ledger.verify(store)
        rows = ledger.statuses(store)
        restricted = ledger.is_restricted(store)
        update = pending_update(store)
    if args.json:
        print_json(
            {
                "notice_version": CURRENT_NOTICE.version,
                "restricted": restricted,
                "ledger_intact": not problems,
                "ledger_problems": problems,
                "notice_update_pending": update is not None,
                "purposes": [_status_json(s) for s in rows],
            }
        )
    else:
        print(
            _("Privacy notice {version}. Processing restricted: {state}.").format(
                version=CURRENT_NOTICE.version, state=_("yes") if restricted else _("no")
            )
        )
        width = max(len(s.purpose.id) for s in rows)
        for status in rows:
            print(f"{status.purpose.id:<{width}}  {_(status.purpose.basis.label):<34}  {status.label}")
    if problems:
        from companion.cli._common import fail

        return fail(ledger.tamper_message(problems))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store, print_json
    from companion.privacy import ledger

    actions = {
        "grant": ledger.grant,
        "withdraw": ledger.withdraw,
        "object": ledger.object_to,
        "lift": ledger.lift_objection,
    }
    with open_store() as store:
        try:
            ledger.lookup(args.purpose)
            reset = False
            if ledger.verify(store):
                ledger.reconfirm_after_tampering(store, "cli")
                reset = True
            actions[args.decision](store, args.purpose, "cli")
            status = ledger.status(store, args.purpose)
        except ledger.PrivacyError as exc:
            raise CliError(str(exc)) from None
    if reset:
        print(
            _(
                "Your consent record had been altered outside Companion; every consent was reset and "
                "only this "
                "decision is now recorded. Grant the others again if you want them."
            ),
            file=sys.stderr,
        )
    if args.json:
        print_json(_status_json(status))
    else:
        print(f"{status.purpose.id}: {status.label}")
    return 0


def _restrict(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store
    from companion.privacy import ledger

    with open_store() as store:
        ledger.set_restricted(store, args.state == "on", "cli")
    if args.state == "on":
        print(_("Processing restricted: your data is kept, only storage and export are allowed."))
    else:
        print(_("Restriction lifted."))
    return 0


def _confirm(category: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    prompt = _("Type {word} to delete it for good: ").format(word=category)
    try:
        return input(prompt).strip() == category
    except (EOFError, KeyboardInterrupt):
        return False


def _erase(args: argparse.Namespace) -> int:
    from pathlib import Path

    from companion.cli._common import CliError, open_store
    from companion.privacy import erasure

    if not args.yes and not _confirm(args.category):
        raise CliError(
            _("Nothing was deleted; add --yes to confirm deleting {category}.").format(category=args.category)
        )
    store = open_store()
    try:
        when = store.clock.now().date().isoformat()
        notice = erasure.clinic_notice([args.category], when)
        notified = ""
        if args.notify_clinic:  # before an account deletion: the outbox lives in the store
            try:
                erasure.notify_clinic(store, notice, before_account_deletion=args.category == "all")
                notified = _("Your clinic will be told by message.")
            except erasure.ErasureError as exc:
                print(str(exc), file=sys.stderr)
                if not args.notice_file:
                    saved = erasure.save_text(
                        Path.cwd() / f"companion-deletion-notice-{args.category}.txt", notice
                    )
                    notified = _("The notice for your clinic was saved to {path}; send it yourself.").format(
                        path=saved
                    )
        if args.notice_file:
            erasure.save_text(Path(args.notice_file), notice)
        if args.category == "all":
            erasure.erase_account(store)
            print(_("Everything was deleted and the key destroyed; the data cannot be recovered."))
        else:
            result = erasure.erase_category(store, args.category)
            print(_("Deleted {rows} rows of {category}.").format(rows=result.total, category=args.category))
            if not result.scrubbed:
                print(
                    _(
                        "Another Companion has the data open, so old copies may remain in the database "
                        "journal until you close it and run this again."
                    ),
                    file=sys.stderr,
                )
        if notified:
            print(notified)
    except erasure.ErasureError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()
    return 0


def _audit(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json

    with open_store() as store:
        events = store.audit.events()
    if args.json:
        print_json(
            [
                {
                    "timestamp": e.timestamp.isoformat(),
                    "action": e.action,
                    "target": e.target,
                    "summary": e.summary,
                }
                for e in events
            ]
        )
        return 0
    from companion.text import plain

    if not events:
        print(_("Nothing has left this computer."))
    for event in events:
        print(
            plain(
                f"{event.timestamp.isoformat(timespec='seconds')}  {event.action}  {event.target}  "
                f"{event.summary}",
                single_line=True,
            )
        )
    return 0


def _retention(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json
    from companion.privacy import retention

    with open_store() as store:
        purged = retention.enforce(store) if args.run else []
        rules = [(rule, retention.next_purge(store, rule)) for rule in retention.RULES]
    if args.json:
        print_json(
            {
                "purged": {p.rule: p.deleted for p in purged},
                "rules": [
                    {"id": r.id, "keep": r.keep, "next_purge": n.isoformat() if n else None} for r, n in rules
                ],
            }
        )
        return 0
    for result in purged:
        print(_("Purged {count} from {rule}.").format(count=result.deleted, rule=result.rule))
    for rule, when in rules:
        nxt = when.date().isoformat() if when else "—"
        print(f"{_(rule.title)}: {_(rule.keep)}; " + _("next purge: {date}").format(date=nxt))
    return 0


def _request(args: argparse.Namespace) -> int:
    from pathlib import Path

    from companion.cli._common import CliError, open_store
    from companion.privacy import requests as dsr
    from companion.privacy.erasure import ErasureError, save_text

    with open_store() as store:
        profile = store.profiles.active()
        form = dsr.RequestForm(
            regime=dsr.Regime(args.regime),
            kind=args.kind,
            recipient=args.recipient
            if args.recipient is not None
            else (profile.clinic if profile else "") or "",
            name=args.name if args.name is not None else (profile.name if profile else ""),
            contact=args.contact if args.contact is not None else (profile.email if profile else "") or "",
            description=args.description,
            identity_document=args.identity_document,
            changes=args.changes,
            location_hints=args.location_hints,
        )
        try:
            text = dsr.draft(form, store.clock.now().date())
            request_id = dsr.save_draft(store, form, text)
            due = None
            if args.send:
                due = dsr.send_to_clinic(store, request_id)
            elif args.save:
                save_text(Path(args.save), text)
                due = dsr.mark_sent(store, request_id, "file")
        except dsr.RequestError as exc:
            raise CliError(str(exc)) from None
        except ErasureError as exc:
            raise CliError(str(exc)) from None
    sys.stdout.write(text)
    if due is not None:
        print(
            _("Request {id} recorded; the answer is due by {date}.").format(
                id=request_id, date=due.isoformat()
            ),
            file=sys.stderr,
        )
    return 0


def _requests(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json
    from companion.privacy import requests as dsr

    with open_store() as store:
        if args.answered is not None:
            dsr.mark_answered(store, args.answered)
        rows = dsr.all_requests(store)
        today = store.clock.now().date()
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "regime": r.regime,
                    "kind": r.kind,
                    "recipient": r.recipient,
                    "status": r.status,
                    "sent_at": r.sent_at,
                    "due_date": r.due_date,
                    "answered_at": r.answered_at,
                }
                for r in rows
            ]
        )
        return 0
    from companion.text import plain

    for r in rows:
        due = r.due_date or "—"
        late = (
            " " + _("(overdue)")
            if r.status == "sent" and r.due_date and r.due_date < today.isoformat()
            else ""
        )
        print(
            plain(
                f"{r.id}  {r.regime.upper()} {dsr.kind_label(r.regime, r.kind)}  {r.recipient}  {r.status}  "
                f"{due}{late}",
                single_line=True,
            )
        )
    return 0
