"""``companion profile init|show``: onboarding without the TUI, with the same validation."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("profile", help=_("create or show your profile"))
    sub = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    init = sub.add_parser("init", help=_("create the profile (onboarding for scripts)"))
    init.add_argument("--name", required=True)
    init.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")
    init.add_argument("--sex", required=True, choices=["female", "male", "other"])
    init.add_argument("--height-cm", required=True, metavar="N")
    init.add_argument("--language", choices=["en", "nl"], default=None)
    init.add_argument("--email", default="")
    init.add_argument("--phone", default="")
    init.add_argument("--placement-date", default="", metavar="YYYY-MM-DD")
    init.add_argument("--goal-weight-kg", default="")
    init.add_argument(
        "--consent", action="append", default=[], metavar="PURPOSE",
        help=_("grant an optional consent (repeatable), e.g. location"),
    )
    init.add_argument(
        "--no-health-consent", action="store_true",
        help=_("do not give explicit consent to process health data (nothing health-related is stored)"),
    )
    init.add_argument("--json", action="store_true")
    init.set_defaults(handler=_init)

    show = sub.add_parser("show", help=_("print the active profile"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _init(args: argparse.Namespace) -> int:
    from companion.cli._common import CliError, ask_passphrase, home, print_json
    from companion.clock import SYSTEM_CLOCK
    from companion.domain.validation import ValidationError
    from companion.onboarding import OnboardingAnswers, complete_onboarding, validate_profile_fields
    from companion.privacy.notice import CURRENT_NOTICE
    from companion.store import Store, keyring_usable

    today = SYSTEM_CLOCK.now().date()
    try:
        profile = validate_profile_fields(
            name=args.name, birth_date=args.birth_date, sex=args.sex, height=args.height_cm,
            language=args.language or "en", email=args.email, phone=args.phone,
            placement_date=args.placement_date, goal_weight=args.goal_weight_kg, today=today,
        )
    except ValidationError as exc:
        raise CliError(exc.message) from None
    where = home()
    if Store.exists(where):
        raise CliError(_("A profile already exists in {path}; nothing was changed.").format(path=where))
    passphrase = None if keyring_usable() else ask_passphrase(_("New passphrase for your data: "))
    if passphrase is None and not keyring_usable():
        raise CliError(_("A passphrase is needed to protect your data (no system keyring is available); "
                         "set COMPANION_PASSPHRASE or run this in a terminal. Nothing was stored."))
    answers = OnboardingAnswers(
        profile=profile,
        health_consent=not args.no_health_consent,
        optional_consents=frozenset(args.consent),
        notice_version=CURRENT_NOTICE.version,
        passphrase=passphrase,
        method="cli",
    )
    try:
        store = complete_onboarding(where, answers)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with store:
        saved = store.profiles.active()
    assert saved is not None
    if args.json:
        print_json(_profile_json(saved))
    else:
        print(_("Profile created for {name}.").format(name=saved.name))
    return 0


def _profile_json(profile: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(profile)
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
        elif hasattr(value, "value"):
            data[key] = value.value
    return data


def _show(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json, require_profile

    with open_store() as store:
        profile = require_profile(store)
    if args.json:
        print_json(_profile_json(profile))
    else:
        born = profile.birth_date.isoformat()
        print(f"{profile.name} ({profile.sex.value}, {born}, {profile.height_cm:g} cm)")
    return 0
