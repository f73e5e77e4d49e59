"""``companion clinic provision``: run by clinic staff to set up a patient's account and locked-down room."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("clinic", help=_("tools for clinic staff"))
    sub = parser.add_subparsers(dest="clinic_command", metavar="ACTION", required=True)
    provision = sub.add_parser(
        "provision", help=_("create or reuse a patient's account and their room with the clinic")
    )
    provision.add_argument("--homeserver", required=True, metavar="URL")
    provision.add_argument(
        "--admin-token",
        required=True,
        metavar="TOKEN",
        help=_("access token of the clinic's service account (a homeserver admin)"),
    )
    provision.add_argument("--patient", required=True, metavar="USER")
    provision.add_argument(
        "--registration-token", action="store_true",
        help=_("for a new patient, issue a one-time registration token instead of setting a password"),
    )
    provision.add_argument(
        "--room-version", default=None, metavar="VERSION",
        help=_("room version for a new room (default: [messaging] room_version in config.toml, else 11, which "
               "matrix-commander and Element handle)"),
    )
    provision.add_argument(
        "--no-encryption", action="store_true",
        help=_("create the room without end-to-end encryption (the server's operator can then read it), for a "
               "patient whose app cannot read encrypted rooms; an existing encrypted room is then replaced"),
    )
    provision.add_argument("--json", action="store_true")
    provision.set_defaults(handler=_provision)


def _provision(args: argparse.Namespace) -> int:
    import asyncio

    from companion.cli._common import CliError, home, print_json
    from companion.config import section
    from companion.messaging.errors import MessagingError
    from companion.messaging.provision import DEFAULT_ROOM_VERSION, provision_patient

    configured = section(home(), "messaging").get("room_version")
    version = args.room_version or (str(configured) if configured else DEFAULT_ROOM_VERSION)
    try:
        result = asyncio.run(provision_patient(
            args.homeserver, args.admin_token, args.patient, registration_token=args.registration_token,
            room_version=version, encrypted=not args.no_encryption))
    except MessagingError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print_json(result.as_json())
    else:
        print(result.instructions())
    return 0
