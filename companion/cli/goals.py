"""``companion goals list|add|remove``: several goals at once (weight, %TBWL, body fat, waist), each with an
optional target date, and how each is going against the trend."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("goals", help=_("your goals with target dates, and how they are going"))
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_list)
    sub = parser.add_subparsers(dest="goals_command", metavar="ACTION")

    show = sub.add_parser("list", help=_("every goal with the needed and the actual weekly rate"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_list)

    add = sub.add_parser("add", help=_("add a goal, e.g. `goals add weight 85 --by 2027-06-01`"))
    add.add_argument("kind", metavar="KIND", help="weight | tbwl | body-fat | waist")
    add.add_argument("target", metavar="TARGET", help=_("kg (or your weight unit), %% or cm"))
    add.add_argument("--by", default="", metavar="YYYY-MM-DD", help=_("target date (optional)"))
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add)

    remove = sub.add_parser("remove", help=_("remove a goal by its id"))
    remove.add_argument("goal_id", type=int, metavar="ID")
    remove.set_defaults(handler=_remove)


def assessment_json(item: Any) -> dict[str, Any]:
    from companion.cli._programme import to_json

    data = to_json(item)
    data["goal"]["from_profile"] = item.goal.id is None
    return data  # type: ignore[no-any-return]


def assessment_line(item: Any, weight_unit: Any) -> str:
    from companion.domain.units import format_weight
    from companion.programme.goals import STATUS_LABELS, GoalKind

    goal = item.goal
    kind = GoalKind(goal.kind)
    mass = kind in (GoalKind.WEIGHT, GoalKind.TBWL)

    def rate(value: float | None) -> str:
        if value is None:
            return "—"
        if mass:
            return _("{amount}/week").format(amount=format_weight(value, weight_unit, decimals=2, signed=True))
        return _("{amount}/week").format(amount=f"{value:+.2f} {'%' if kind is GoalKind.BODY_FAT else 'cm'}")

    target = (format_weight(goal.target, weight_unit) if kind is GoalKind.WEIGHT
              else f"{goal.target:g} {kind.unit}")
    label = f"[{goal.id if goal.id is not None else _('profile')}] {_(kind.label)} {target}"
    if goal.target_date is not None:
        label += " " + _("by {day}").format(day=goal.target_date.isoformat())
    parts = [label + ":", _(STATUS_LABELS[item.status])]
    if item.needed_per_week is not None:
        parts.append(_("needed {rate}").format(rate=rate(item.needed_per_week)))
    parts.append(_("trend {rate}").format(rate=rate(item.actual_per_week)))
    if item.projected is not None and item.status.value != "reached":
        parts.append(_("projected {day}").format(day=item.projected.isoformat()))
    return "  ".join(parts)


def _list(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, refused
    from companion.programme.service import goal_assessments

    with opened() as (store, profile), refused():
        items = goal_assessments(store, profile, store.clock.now().date())
    if args.json:
        print_json([assessment_json(i) for i in items])
    elif not items:
        print(_("No goals yet; add one with `companion goals add weight 85 --by 2027-06-01`."))
    else:
        for item in items:
            print(assessment_line(item, profile.weight_unit))
    return 0


def _add(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, refused, to_json
    from companion.programme.service import add_goal

    with opened() as (store, profile), refused():
        goal = add_goal(store, profile, args.kind, args.target, args.by, store.clock.now().date())
    if args.json:
        print_json(to_json(goal))
    else:
        print(_("Goal {id} added.").format(id=goal.id))
    return 0


def _remove(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        if not store.programme.remove_goal(profile, args.goal_id):
            raise CliError(_("There is no goal {id}.").format(id=args.goal_id))
    print(_("Goal removed."))
    return 0
