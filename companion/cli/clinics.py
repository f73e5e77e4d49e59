"""``companion clinics near|select|show|remember|directories|import-overpass``: the clinic finder from a
shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.i18n import _

if TYPE_CHECKING:
    from companion.clinics.finder import ClinicFinder
    from companion.store import Store

_MAX_PROBLEMS_SHOWN = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("clinics", help=_("find clinics near a place and choose your clinic"))
    sub = parser.add_subparsers(dest="clinics_command", metavar="ACTION", required=True)

    near = sub.add_parser("near", help=_("clinics nearest to a place or to coordinates, by distance"))
    where = near.add_mutually_exclusive_group(required=True)
    where.add_argument("--place", metavar="TEXT", help=_('a town, postcode, address or "lat, lon"'))
    where.add_argument("--lat", type=float, metavar="LAT", help=_("latitude in degrees (with --lon)"))
    near.add_argument("--lon", type=float, metavar="LON", help=_("longitude in degrees (with --lat)"))
    near.add_argument("--limit", type=int, default=10, metavar="N", help=_("how many clinics (default 10)"))
    near.add_argument("--directory", type=Path, metavar="FILE", help=_("search this GeoJSON directory only"))
    near.add_argument("--service", default="", help=_("only clinics offering this service id"))
    near.add_argument("--language", default="", help=_("only clinics speaking this language (e.g. nl)"))
    near.add_argument("--open-now", action="store_true", help=_("only clinics open now"))
    near.add_argument(
        "--max-km",
        type=float,
        default=None,
        metavar="KM",
        help=_("search radius; the nearest few are shown when none is inside"),
    )
    near.add_argument("--json", action="store_true")
    near.set_defaults(handler=_near)

    select = sub.add_parser("select", help=_("make a clinic your clinic (by its id from `clinics near`)"))
    select.add_argument("clinic_id", metavar="CLINIC_ID")
    select.add_argument("--directory", type=Path, metavar="FILE")
    select.add_argument("--json", action="store_true")
    select.set_defaults(handler=_select)

    show = sub.add_parser("show", help=_("show your clinic and when you chose it"))
    show.add_argument("--history", action="store_true", help=_("every change, newest first"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    remember = sub.add_parser(
        "remember", help=_("keep (on) or forget (off) the last location you searched from")
    )
    remember.add_argument("state", choices=["on", "off"])
    remember.set_defaults(handler=_remember)

    dirs = sub.add_parser("directories", help=_("clinic directories you added (files or URLs)"))
    dirs_sub = dirs.add_subparsers(dest="directories_command", metavar="ACTION", required=True)
    dirs_list = dirs_sub.add_parser("list", help=_("list added directories"))
    dirs_list.add_argument("--json", action="store_true")
    dirs_list.set_defaults(handler=_dirs_list)
    dirs_add = dirs_sub.add_parser("add", help=_("add a GeoJSON directory file or https URL"))
    dirs_add.add_argument("source", metavar="PATH_OR_URL")
    dirs_add.set_defaults(handler=_dirs_add)
    dirs_remove = dirs_sub.add_parser("remove", help=_("remove an added directory by its number"))
    dirs_remove.add_argument("directory_id", type=int, metavar="ID")
    dirs_remove.set_defaults(handler=_dirs_remove)

    imp = sub.add_parser(
        "import-overpass", help=_("maintainers: convert Overpass API JSON into a clinic directory (ODbL)")
    )
    imp.add_argument("input", type=Path, metavar="IN.json")
    imp.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.geojson")
    imp.set_defaults(handler=_import_overpass)


# ----- helpers -----------------------------------------------------------------------------------------
def _warn(message: str) -> None:
    from companion.text import plain

    print(f"companion: {plain(message, single_line=True)}", file=sys.stderr)


def _open_store_if_any() -> Store | None:
    """The user's store when there is one (its location consent then applies); None on a fresh machine."""
    from companion.cli._common import home, open_store
    from companion.store import Store

    return open_store() if Store.exists(home()) else None


def _finder(store: Store | None, directory: Path | None) -> ClinicFinder:
    from companion.cli._common import home
    from companion.clinics.finder import ClinicFinder

    return ClinicFinder(store, home(), directory_files=[directory] if directory is not None else None)


def _report_problems(finder: ClinicFinder) -> None:
    directory = finder.directory()
    for note in finder.directory_notes:
        _warn(note)
    if directory.problems:
        _warn(_("{count} entries of the directory were skipped:").format(count=len(directory.problems)))
        for problem in directory.problems[:_MAX_PROBLEMS_SHOWN]:
            _warn("  " + problem.describe())


# ----- near --------------------------------------------------------------------------------------------
def _near(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, print_json
    from companion.clinics.directory import DirectoryError
    from companion.clinics.finder import LocationError, result_json
    from companion.clinics.search import Filters
    from companion.privacy import ProcessingNotAllowed

    if (args.lat is None) != (args.lon is None):
        print(_("companion clinics near: --lat and --lon go together"), file=sys.stderr)
        return 2
    if args.limit < 1:
        print(_("companion clinics near: --limit must be at least 1"), file=sys.stderr)
        return 2
    if args.max_km is not None and not args.max_km > 0:
        print(_("companion clinics near: --max-km must be more than 0"), file=sys.stderr)
        return 2
    store = _open_store_if_any()
    try:
        finder = _finder(store, args.directory)
        try:
            if args.place is not None:
                resolution = finder.locate(args.place)
                location = resolution.location
                for note in resolution.notes:
                    _warn(note)
                others = [c.label for c in resolution.candidates[1:4]]
                if others:
                    _warn(
                        _("Using {place}; also matching: {others}").format(
                            place=location.label, others="; ".join(others)
                        )
                    )
            else:
                location = finder.locate_coordinates(args.lat, args.lon)
            finder.directory()
            filters = Filters(args.service, args.language, args.open_now, args.max_km)
            result = finder.search(location, filters=filters, limit=args.limit)
        except (LocationError, DirectoryError, ProcessingNotAllowed) as exc:
            raise CliError(str(exc)) from None
        _report_problems(finder)
    finally:
        if store is not None:
            store.close()
    if result.none_in_radius:
        _warn(_("No clinic within {km:g} km; the nearest are shown.").format(km=args.max_km))
    if args.json:
        print_json([result_json(r) for r in result.results])
        return 0
    _print_table(location.label, result, finder.clock.now())
    return 0


def _print_table(label: str, result: Any, now: Any) -> None:
    from companion.i18n import ngettext
    from companion.text import plain

    count = len(result.results)
    print(
        ngettext("{n} clinic nearest to {place}", "{n} clinics nearest to {place}", count).format(
            n=count, place=plain(label, single_line=True)
        )
    )
    if not count:
        print(_("No clinic matches; try fewer filters."))
        return
    for number, item in enumerate(result.results, start=1):
        clinic = item.clinic
        hours = (
            item.open_state.describe(clinic.local_time(now))
            if item.open_state
            else plain(clinic.opening_hours, single_line=True)
        )
        print(
            f"{number:>2}. {item.distance_km:8.1f} km  {plain(clinic.name, single_line=True, max_length=60)}"
            f"  [{plain(clinic.id, single_line=True)}]"
        )
        details = "  ".join(
            plain(part, single_line=True) for part in (clinic.address.line(), clinic.phone, hours) if part
        )
        if details:
            print(f"               {details}")
    if any(r.clinic.sample for r in result.results):
        print(_("(SAMPLE DATA: these are fictional clinics.)"))


# ----- my clinic ---------------------------------------------------------------------------------------
def _select(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store, print_json, require_profile
    from companion.clinics.directory import DirectoryError

    with open_store() as store:
        require_profile(store)
        finder = _finder(store, args.directory)
        try:
            clinic = finder.directory().get(args.clinic_id)
        except DirectoryError as exc:
            raise CliError(str(exc)) from None
        if clinic is None:
            raise CliError(
                _("No clinic with id {id!r} in the directory; `companion clinics near` shows ids.").format(
                    id=args.clinic_id
                )
            )
        selection = finder.select(clinic)
    if args.json:
        print_json(_selection_json(selection))
    else:
        print(_("Your clinic is now {name}.").format(name=selection.name))
    return 0


def _selection_json(selection: Any) -> dict[str, Any]:
    return {
        "clinic_id": selection.clinic_id,
        "name": selection.name,
        "matrix_id": selection.matrix_id,
        "selected_at": selection.selected_at.isoformat(),
    }


def _show(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json, require_profile
    from companion.store.clinics import ClinicRecords

    with open_store() as store:
        profile = require_profile(store)
        assert profile.id is not None
        records = ClinicRecords(store)
        items = (
            records.selections(profile.id)
            if args.history
            else [s for s in [records.current_selection(profile.id)] if s is not None]
        )
    if args.json:
        print_json(
            [_selection_json(s) for s in items]
            if args.history
            else (_selection_json(items[0]) if items else None)
        )
        return 0
    if not items:
        print(_("No clinic chosen yet; find one with `companion clinics near`."))
    for item in items:
        print(
            f"{item.selected_at:%Y-%m-%d %H:%M}  {item.name}"
            + (f"  ({item.matrix_id})" if item.matrix_id else "")
        )
    return 0


def _remember(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store
    from companion.store.clinics import ClinicRecords

    with open_store() as store:
        ClinicRecords(store).set_remember_location(args.state == "on")
    print(
        _("The last location is kept.")
        if args.state == "on"
        else _("The last location is forgotten and not kept.")
    )
    return 0


# ----- directories -------------------------------------------------------------------------------------
def _dirs_list(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json
    from companion.store.clinics import ClinicRecords

    with open_store() as store:
        items = ClinicRecords(store).directories()
    if args.json:
        print_json(
            [
                {"id": d.id, "location": d.location, "kind": d.kind, "added_at": d.added_at.isoformat()}
                for d in items
            ]
        )
    else:
        print(_("Always included: the bundled SAMPLE directory."))
        for d in items:
            print(f"{d.id:>3}  {d.kind:<4}  {d.location}")
    return 0


def _dirs_add(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store
    from companion.clinics.directory import DirectoryError

    source: str = args.source
    with open_store() as store:
        try:
            directory = _finder(store, None).add_directory(source)
        except DirectoryError as exc:
            raise CliError(str(exc)) from None
    print(_("Added {count} clinics from {source}.").format(count=len(directory), source=source))
    if directory.problems:
        _warn(
            _("{count} entries were skipped, e.g. {problem}").format(
                count=len(directory.problems), problem=directory.problems[0].describe()
            )
        )
    return 0


def _dirs_remove(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, open_store
    from companion.store.clinics import ClinicRecords

    with open_store() as store:
        if not ClinicRecords(store).remove_directory(args.directory_id):
            raise CliError(_("No added directory number {id}.").format(id=args.directory_id))
    print(_("Removed."))
    return 0


# ----- maintainers -------------------------------------------------------------------------------------
def _import_overpass(args: argparse.Namespace) -> int:
    import json
    import os
    import tempfile
    from datetime import UTC, datetime

    from companion.cli._common import CliError
    from companion.clinics.directory import DirectoryError
    from companion.clinics.overpass import import_overpass_text

    try:
        raw = args.input.read_bytes()
    except OSError as exc:
        raise CliError(_("Cannot read {path}: {error}").format(path=args.input, error=exc.strerror)) from None
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        result = import_overpass_text(raw, generated=generated)
    except DirectoryError as exc:
        raise CliError(f"{args.input}: {exc}") from None
    output: Path = args.output
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=output.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(result.geojson, out, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, output)
    except OSError as exc:
        raise CliError(_("Cannot write {path}: {error}").format(path=output, error=exc.strerror)) from None
    print(
        _("{count} clinics written to {path} (© OpenStreetMap contributors, ODbL).").format(
            count=result.imported, path=output
        ),
        file=sys.stderr,
    )
    if result.problems:
        _warn(_("{count} elements were skipped:").format(count=len(result.problems)))
        for problem in result.problems[:_MAX_PROBLEMS_SHOWN]:
            _warn("  " + problem.describe())
    return 0
