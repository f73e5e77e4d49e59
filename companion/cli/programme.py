"""``companion programme show|timeline|medicines|water-target|suggestions``: today's programme at a glance
(diet stage, water, medicines due, the next injection site, goals, the clinic hint) and its set-up."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("programme", help=_("today's programme: diet stage, water, medicines, goals"))
    sub = parser.add_subparsers(dest="programme_command", metavar="ACTION", required=True)

    show = sub.add_parser("show", help=_("today at a glance"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    timeline = sub.add_parser("timeline", help=_("check-ins, notes, doses and measurements, newest first"))
    timeline.add_argument("--days", type=int, default=14, metavar="N")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(handler=_timeline)

    meds = sub.add_parser("medicines", help=_("the medicines you take on a schedule"))
    meds_sub = meds.add_subparsers(dest="medicines_command", metavar="ACTION", required=True)
    listing = meds_sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_medicines)
    add = meds_sub.add_parser("add", help=_("e.g. `medicines add semaglutide --dose '0.25 mg' --weekly mon`"))
    add.add_argument("medicine", metavar="NAME")
    add.add_argument("--dose", required=True, metavar="AMOUNT")
    add.add_argument("--route", default="", metavar="ROUTE")
    group = add.add_mutually_exclusive_group()
    group.add_argument("--daily", action="store_const", const="daily", dest="schedule")
    group.add_argument("--weekly", metavar="WEEKDAY")
    group.add_argument("--as-needed", action="store_const", const="as-needed", dest="schedule")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_medicine_add, schedule=None)
    stop = meds_sub.add_parser("stop", help=_("stop a medicine (its log stays)"))
    stop.add_argument("plan_id", type=int, metavar="ID")
    stop.set_defaults(handler=_medicine_stop)

    water = sub.add_parser("water-target", help=_("your daily water target in ml"))
    water.add_argument("ml", metavar="ML")
    water.set_defaults(handler=_water_target)

    suggest = sub.add_parser("suggestions", help=_("medicines Companion suggests (GLP-1, balloon programme)"))
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(handler=_suggestions)


def today_json(today: Any) -> dict[str, Any]:
    from companion.cli._programme import to_json
    from companion.cli.goals import assessment_json
    from companion.cli.remind import reminder_json

    stage = None
    now = today.stage
    if now is not None:
        following = None
        if now.next_stage is not None:
            following = now.next_stage.name if now.from_clinic else _(now.next_stage.name)
        stage = {"name": now.name(), "day": now.day, "day_in_stage": now.day_in_stage, "stage_days": now.stage_days,
                 "from_clinic": now.from_clinic, "next_stage": following,
                 "next_on": now.next_on.isoformat() if now.next_on else None}
    return {
        "day": today.day.isoformat(), "diet_stage": stage, "water_ml": today.water_ml,
        "water_target_ml": today.water_target_ml,
        "next_injection_site": today.next_site.value if today.next_site else None,
        "due_medicines": to_json(today.due_medicines), "doses_today": to_json(today.doses_today),
        "goals": [assessment_json(g) for g in today.goals], "clinic_hint": today.hint,
        "latest_body": to_json(today.latest_body), "reminders": [reminder_json(r) for r in today.reminders],
    }


def today_lines(today: Any, profile: Any) -> list[str]:
    from companion.cli.goals import assessment_line
    from companion.programme.medication import SITE_LABELS

    lines = []
    if today.stage is not None:
        stage = today.stage
        text = _("Diet stage: {stage} (day {day} of the programme)").format(stage=stage.name(), day=stage.day)
        if stage.next_on is not None and stage.next_stage is not None:
            nxt = stage.next_stage.name if stage.from_clinic else _(stage.next_stage.name)
            text += "; " + _("{next} from {day}").format(next=nxt, day=stage.next_on.isoformat())
        if not stage.from_clinic:
            text += " " + _("(Companion's default stages: check them with your clinic)")
        lines.append(text)
    lines.append(_("Water today: {total} of {target} ml").format(total=today.water_ml, target=today.water_target_ml))
    for plan in today.due_medicines:
        taken = any(d.plan_id == plan.id or d.medicine.lower() == plan.medicine.lower() for d in today.doses_today)
        lines.append(_("Medicine due: {name} {dose:g} {unit}{done}").format(
            name=plan.medicine, dose=plan.dose, unit=plan.dose_unit, done=" ✓" if taken else ""))
    if today.next_site is not None:
        lines.append(_("Next suggested injection site: {site}").format(site=_(SITE_LABELS[today.next_site])))
    lines += [assessment_line(g, profile.weight_unit) for g in today.goals]
    if today.hint:
        lines.append(today.hint)
    return lines


def _show(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, refused, settings
    from companion.programme.service import today_overview

    with opened() as (store, profile), refused():
        today = today_overview(store, profile, settings(store), store.clock.now())
    if args.json:
        print_json(today_json(today))
    else:
        from companion.text import plain

        print("\n".join(plain(line) for line in today_lines(today, profile)))
    return 0


def _timeline(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from companion.cli._common import CliError, print_json
    from companion.cli._programme import opened
    from companion.text import plain

    if not 1 <= args.days <= 3660:
        raise CliError(_("--days must be between 1 and 3660."))
    with opened() as (store, profile):
        assert profile.id is not None
        today = store.clock.now().date()
        items = store.programme.timeline(profile.id, today - timedelta(days=args.days - 1), today)
    if args.json:
        print_json([{"when": i.when.isoformat(), "kind": i.kind, "text": i.text} for i in items])
    else:
        for item in items:
            print(f"{item.when.strftime('%Y-%m-%d %H:%M')}  {item.kind:<11} {plain(item.text)}")
    return 0


def _medicines(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, to_json
    from companion.programme.medication import SCHEDULE_LABELS
    from companion.programme.reminders import WEEKDAY_NAMES

    with opened() as (store, profile):
        assert profile.id is not None
        plans = store.programme.plans(profile.id)
    if args.json:
        print_json(to_json(plans))
    elif not plans:
        print(_("No medicines yet; add one with `companion programme medicines add NAME --dose '0.25 mg'`."))
    else:
        for p in plans:
            day = f" ({WEEKDAY_NAMES[p.weekday]})" if p.weekday is not None else ""
            print(f"[{p.id}] {p.medicine} {p.dose:g} {p.dose_unit}, {p.route}, {_(SCHEDULE_LABELS[p.schedule])}{day}")
    return 0


def _medicine_add(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, refused, to_json
    from companion.programme.service import add_plan

    schedule = "weekly" if args.weekly else (args.schedule or "daily")
    with opened() as (store, profile), refused():
        plan = add_plan(store, profile, medicine=args.medicine, dose=args.dose, route=args.route, schedule=schedule,
                        weekday=args.weekly or "")
    if args.json:
        print_json(to_json(plan))
    else:
        print(_("Medicine {id} added.").format(id=plan.id))
    return 0


def _medicine_stop(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        assert profile.id is not None
        if not store.programme.stop_plan(profile.id, args.plan_id):
            raise CliError(_("There is no medicine {id}.").format(id=args.plan_id))
    print(_("Medicine stopped; its log stays."))
    return 0


def _water_target(args: argparse.Namespace) -> int:
    from companion.cli._programme import opened, refused
    from companion.programme.daily import validate_target_ml

    with refused():
        target = validate_target_ml(args.ml)
    with opened() as (store, profile):
        assert profile.id is not None
        store.programme.set_water_target(profile.id, target)
    print(_("Daily water target: {target} ml").format(target=target))
    return 0


def _suggestions(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.programme.medication import SUGGESTIONS

    if args.json:
        print_json([{"name": s.name, "group": s.group, "route": s.route.value, "unit": s.unit,
                     "schedule": s.schedule.value} for s in SUGGESTIONS])
    else:
        for s in SUGGESTIONS:
            print(f"{s.name}: {_(s.group)}, {s.route.value}")
    return 0
