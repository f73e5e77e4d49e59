"""``companion photos import|list|show|share|delete``: progress photos (optional, off by default; turn them on
with ``[programme] photos = true`` in config.toml). Photos live only inside the encrypted store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("photos", help=_("progress photos, kept encrypted (off unless turned on)"))
    sub = parser.add_subparsers(dest="photos_command", metavar="ACTION", required=True)
    add = sub.add_parser("import", help=_("add a photo from a file (JPEG, PNG, WebP, TIFF)"))
    add.add_argument("path", type=Path)
    add.add_argument("--when", metavar="YYYY-MM-DD[THH:MM]")
    add.add_argument("--note", default="")
    add.add_argument("--share", action="store_true", help=_("include it when sharing with your care team"))
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_import)
    listing = sub.add_parser("list", help=_("your photos by date"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    show = sub.add_parser("show", help=_("write a photo to a file you choose (that copy is not encrypted)"))
    show.add_argument("photo_id", type=int, metavar="ID")
    show.add_argument("--output", required=True, type=Path, metavar="PATH")
    show.set_defaults(handler=_show)
    share = sub.add_parser("share", help=_("include a photo when sharing with your care team, or not"))
    share.add_argument("photo_id", type=int, metavar="ID")
    share.add_argument("state", choices=["on", "off"])
    share.set_defaults(handler=_share)
    delete = sub.add_parser("delete", help=_("delete a photo"))
    delete.add_argument("photo_id", type=int, metavar="ID")
    delete.set_defaults(handler=_delete)


def _require_enabled(store: Any) -> None:
    from companion.cli._common import CliError
    from companion.config import ConfigError, section
    from companion.programme.photos import enabled

    try:
        settings = section(store.home, "programme")
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if not enabled(settings):
        raise CliError(_("Progress photos are off; turn them on with `photos = true` under [programme] in "
                         "{path}.").format(path=store.home / "config.toml"))


def photo_json(info: Any) -> dict[str, Any]:
    return {"id": info.id, "day": info.day.isoformat(), "when": info.when.isoformat(), "width": info.width,
            "height": info.height, "note": info.note, "shared": info.shared}


def _import(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, print_json
    from companion.cli._programme import opened, parse_when, refused
    from companion.programme.photos import prepare, read_file, validate_note

    with opened() as (store, profile), refused():
        _require_enabled(store)
        from companion.privacy import require

        require(store, "health-data")
        note = validate_note(args.note)
        when = parse_when(args.when, store.clock.now())
        prepared = prepare(read_file(args.path))
        assert profile.id is not None
        photo_id = store.programme.add_photo(profile.id, prepared, when, note, args.share)
        if photo_id is None:
            raise CliError(_("This photo is already in Companion; nothing was added."))
        info = next(p for p in store.programme.photos(profile.id) if p.id == photo_id)
    if args.json:
        print_json(photo_json(info))
    else:
        print(_("Photo {id} added ({w} x {h}), stored encrypted.").format(id=photo_id, w=info.width, h=info.height))
    return 0


def _list(args: argparse.Namespace) -> int:
    from companion.cli._common import print_json
    from companion.cli._programme import opened
    from companion.text import plain

    with opened() as (store, profile):
        assert profile.id is not None
        items = store.programme.photos(profile.id)
    if args.json:
        print_json([photo_json(i) for i in items])
    elif not items:
        print(_("No photos yet; add one with `companion photos import PATH`."))
    else:
        for i in items:
            shared = "  (" + _("shared") + ")" if i.shared else ""
            print(f"[{i.id}] {i.day.isoformat()}  {i.width}x{i.height}  {plain(i.note, single_line=True)}{shared}")
    return 0


def _show(args: argparse.Namespace) -> int:
    import os

    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        assert profile.id is not None
        data = store.programme.photo_image(profile.id, args.photo_id)
    if data is None:
        raise CliError(_("There is no photo {id}.").format(id=args.photo_id))
    target: Path = args.output
    if target.exists():
        raise CliError(_("{path} already exists; nothing was written.").format(path=target))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise CliError(_("Could not write {path}: {error}").format(path=target, error=exc.strerror)) from None
    print(_("Photo written to {path} (this copy is not encrypted).").format(path=target))
    return 0


def _share(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        assert profile.id is not None
        if not store.programme.set_photo_shared(profile.id, args.photo_id, args.state == "on"):
            raise CliError(_("There is no photo {id}.").format(id=args.photo_id))
    print(_("Done."))
    return 0


def _delete(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError
    from companion.cli._programme import opened

    with opened() as (store, profile):
        assert profile.id is not None
        if not store.programme.delete_photo(profile.id, args.photo_id):
            raise CliError(_("There is no photo {id}.").format(id=args.photo_id))
    print(_("Photo deleted."))
    return 0
