"""``companion log measurement|medication|water|symptom|note``: the programme's day-to-day entries.

Same checks as the Programme screen: a refused value exits 1 with one line on stderr and stores nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    from companion.programme.body import SITES

    parser = subparsers.add_parser("log", help=_("log a body measurement, a dose, water, a check-in or a note"))
    sub = parser.add_subparsers(dest="log_command", metavar="WHAT", required=True)

    m = sub.add_parser("measurement", help=_("body (tape) measurements, e.g. --waist-cm 92 --hips-cm 104"))
    for site in SITES:
        m.add_argument(f"--{site.option}-cm", dest=f"{site.value}_cm", metavar="CM")
        m.add_argument(f"--{site.option}-in", dest=f"{site.value}_in", metavar="IN")
    m.add_argument("--copy-previous", action="store_true",
                   help=_("take the sites you leave out from your previous measurement"))
    m.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    m.add_argument("--note", default="")
    m.add_argument("--json", action="store_true")
    m.set_defaults(handler=_measurement)

    d = sub.add_parser("medication", help=_("a dose taken or skipped, with injection site and side effects"))
    d.add_argument("--medicine", default="", metavar="NAME")
    d.add_argument("--plan", type=int, metavar="ID", help=_("a medicine from `companion programme medicines`"))
    d.add_argument("--dose", default="", metavar="AMOUNT", help=_("with its unit, e.g. '0.25 mg'"))
    d.add_argument("--route", default="", metavar="ROUTE")
    d.add_argument("--site", default="", metavar="SITE", help=_("injection site, or 'next' for the suggested one"))
    d.add_argument("--skipped", action="store_true")
    d.add_argument("--side-effect", action="append", default=[], metavar="EFFECT[:SEVERITY]")
    d.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    d.add_argument("--note", default="")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=_medication)

    w = sub.add_parser("water", help=_("water drunk (default one glass, 250 ml)"))
    w.add_argument("amount", nargs="?", default="250", metavar="ML")
    w.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    w.add_argument("--json", action="store_true")
    w.set_defaults(handler=_water)

    s = sub.add_parser("symptom", help=_("the daily check-in: symptoms 0-3, energy and mood 1-5"))
    for name in ("nausea", "vomiting", "reflux", "pain", "energy", "mood"):
        s.add_argument(f"--{name}", metavar="N")
    s.add_argument("--note", default="")
    s.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_symptom)

    n = sub.add_parser("note", help=_("a free note on your timeline"))
    n.add_argument("text")
    n.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    n.add_argument("--json", action="store_true")
    n.set_defaults(handler=_note)


def body_lines(summary: Any) -> list[str]:
    from companion.programme.body import WAIST_RISK_LABELS

    lines = [", ".join(f"{_(site.label)} {value:g} cm" + (" (" + _("copied") + ")" if site in summary.copied else "")
                       for site, value in summary.values.items())]
    if summary.whr is not None:
        cut = (_("cut-off {cutoff:.2f}: {verdict}").format(
            cutoff=summary.whr.cutoff, verdict=_("at or above") if summary.whr.above else _("below"))
            if summary.whr.cutoff is not None else _("no sex-specific cut-off"))
        lines.append(_("Waist-to-hip ratio {value:.2f} ({cut}; {source})").format(
            value=summary.whr.value, cut=cut, source=_(summary.whr.source)))
    if summary.whtr is not None:
        lines.append(_("Waist-to-height ratio {value:.2f} (cut-off 0.50: {verdict}; {source})").format(
            value=summary.whtr.value, verdict=_("at or above") if summary.whtr.above else _("below"),
            source=_(summary.whtr.source)))
    if summary.waist_risk is not None:
        lines.append(_("Waist: {risk}").format(risk=_(WAIST_RISK_LABELS[summary.waist_risk])))
    return lines


def _measurement(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, print_json
    from companion.cli._programme import opened, parse_when, refused, to_json
    from companion.programme.body import SITES, LengthUnit
    from companion.programme.service import record_measurement

    cm = {s: getattr(args, f"{s.value}_cm") for s in SITES}
    inches = {s: getattr(args, f"{s.value}_in") for s in SITES}
    if any(v is not None for v in cm.values()) and any(v is not None for v in inches.values()):
        raise CliError(_("Use either cm or in for one entry, not both."))
    unit = LengthUnit.IN if any(v is not None for v in inches.values()) else LengthUnit.CM
    raw = inches if unit is LengthUnit.IN else cm
    with opened() as (store, profile), refused():
        when = parse_when(args.when, store.clock.now())
        summary = record_measurement(store, profile, raw, unit, copy_previous=args.copy_previous, when=when,
                                     note=args.note)
    if args.json:
        print_json(to_json(summary))
    else:
        print("\n".join(body_lines(summary)))
    return 0


def _medication(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, parse_when, refused, to_json
    from companion.programme.medication import SITE_LABELS
    from companion.programme.service import record_dose

    with opened() as (store, profile), refused():
        when = parse_when(args.when, store.clock.now())
        record = record_dose(store, profile, medicine=args.medicine, dose=args.dose, route=args.route,
                             site=args.site, skipped=args.skipped, side_effects=args.side_effect,
                             plan_id=args.plan, when=when, note=args.note)
    if args.json:
        print_json(to_json(record))
        return 0
    dose = f" {record.dose:g} {record.unit}" if record.dose is not None else ""
    status = _("skipped") if record.status == "skipped" else _("taken")
    site = f" · {_(SITE_LABELS[record.site])}" if record.site else ""
    print(f"{record.medicine}{dose}: {status}{site}")
    if record.next_site is not None:
        print(_("Next suggested injection site: {site}").format(site=_(SITE_LABELS[record.next_site])))
    return 0


def _water(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, parse_when, refused, settings
    from companion.programme.service import record_water

    with opened() as (store, profile), refused():
        when = parse_when(args.when, store.clock.now())
        total = record_water(store, profile, args.amount, when)
        assert profile.id is not None
        target = store.programme.water_target(profile.id, settings(store).water_target_ml)
    if args.json:
        print_json({"day": when.date().isoformat(), "total_ml": total, "target_ml": target})
    else:
        print(_("Water today: {total} of {target} ml").format(total=total, target=target))
    return 0


def _symptom(args: argparse.Namespace) -> int:
    import sys

    from companion.cli._common import print_json
    from companion.cli._programme import opened, parse_when, refused, settings
    from companion.programme.checkin import FIELDS
    from companion.programme.service import record_checkin

    values = {f: getattr(args, f) for f in FIELDS}
    with opened() as (store, profile), refused():
        when = parse_when(args.when, store.clock.now())
        hint = record_checkin(store, profile, settings(store), values, args.note, when)
    if args.json:
        print_json({"day": when.date().isoformat(), "saved": True, "hint": hint})
    else:
        print(_("Check-in saved."))
        if hint:
            print(hint, file=sys.stdout)
    return 0


def _note(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened, parse_when, refused
    from companion.programme.service import record_note

    with opened() as (store, profile), refused():
        when = parse_when(args.when, store.clock.now())
        note_id = record_note(store, profile, args.text, when)
    if args.json:
        print_json({"id": note_id, "when": when.isoformat()})
    else:
        print(_("Note saved."))
    return 0
