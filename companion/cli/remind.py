"""``companion remind``: show the reminders that are due (headless, for a systemd timer or cron), and
``companion remind list|add|remove|enable|disable`` to set them up."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("remind", help=_("show due reminders (for a timer or cron); set them up"))
    parser.add_argument("--no-desktop", action="store_true",
                        help=_("print the reminder with the terminal bell instead of a desktop notification"))
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_run)
    sub = parser.add_subparsers(dest="remind_command", metavar="ACTION")

    run = sub.add_parser("run", help=_("show due reminders (the default)"))
    run.add_argument("--no-desktop", action="store_true")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_run)

    show = sub.add_parser("list", help=_("your reminders"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_list)

    add = sub.add_parser("add", help=_("e.g. `remind add weigh-in 07:30 --days mon-fri`"))
    add.add_argument("kind", metavar="KIND", help="weigh-in | medication | water | measurement")
    add.add_argument("at", metavar="HH:MM")
    add.add_argument("--days", default="daily", metavar="DAYS", help=_("mon,wed,fri or mon-fri, daily, weekend"))
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add)

    for name, handler, text in (("remove", _remove, _("remove a reminder")),
                                ("enable", _enable, _("turn a reminder on")),
                                ("disable", _disable, _("turn a reminder off"))):
        p = sub.add_parser(name, help=text)
        p.add_argument("reminder_id", type=int, metavar="ID")
        p.set_defaults(handler=handler)


def reminder_json(reminder: Any) -> dict[str, Any]:
    from companion.programme.reminders import mask_text

    return {"id": reminder.id, "kind": reminder.kind.value, "at": reminder.at.strftime("%H:%M"),
            "days": mask_text(reminder.weekdays), "enabled": reminder.enabled}


def _run(args: argparse.Namespace) -> int:
    import sys

    from companion.cli._common import print_json
    from companion.cli._programme import opened, settings
    from companion.programme.notify import notify
    from companion.programme.service import run_reminders

    with opened() as (store, profile):
        if args.json:
            shown = run_reminders(store, profile, settings(store), store.clock.now(), lambda _t, _b: "json")
        else:
            desktop = not args.no_desktop
            shown = run_reminders(store, profile, settings(store), store.clock.now(),
                                  lambda title, body: notify(title, body, desktop=desktop, stream=sys.stdout))
    if args.json:
        print_json([{**reminder_json(s.reminder), "title": s.title, "message": s.body} for s in shown])
    return 0


def _list(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened
    from companion.programme.reminders import KIND_LABELS

    with opened() as (store, profile):
        assert profile.id is not None
        items = store.programme.reminders(profile.id)
    if args.json:
        print_json([reminder_json(r) for r in items])
    elif not items:
        print(_("No reminders yet; add one with `companion remind add weigh-in 07:30`."))
    else:
        for r in items:
            data = reminder_json(r)
            state = "" if r.enabled else "  (" + _("off") + ")"
            print(f"[{r.id}] {data['at']} {data['days']}: {_(KIND_LABELS[r.kind])}{state}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, refused
    from companion.programme.reminders import parse_kind, parse_time, parse_weekdays, weekday_mask

    with refused():
        kind = parse_kind(args.kind)
        at = parse_time(args.at)
        mask = weekday_mask(parse_weekdays(args.days))
    with opened() as (store, profile):
        assert profile.id is not None
        reminder = store.programme.add_reminder(profile.id, kind, at, mask)
    if args.json:
        print_json(reminder_json(reminder))
    else:
        print(_("Reminder {id} added.").format(id=reminder.id))
    return 0


def _change(reminder_id: int, action: str) -> int:
    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        assert profile.id is not None
        repo = store.programme
        done = (repo.remove_reminder(profile.id, reminder_id) if action == "remove"
                else repo.set_reminder_enabled(profile.id, reminder_id, action == "enable"))
    if not done:
        raise CliError(_("There is no reminder {id}.").format(id=reminder_id))
    print(_("Done."))
    return 0


def _remove(args: argparse.Namespace) -> int:
    return _change(args.reminder_id, "remove")


def _enable(args: argparse.Namespace) -> int:
    return _change(args.reminder_id, "enable")


def _disable(args: argparse.Namespace) -> int:
    return _change(args.reminder_id, "disable")
