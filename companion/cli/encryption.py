"""``companion encryption status|backup create|backup restore``: end-to-end encryption for the clinic
conversation (this device's keys, the devices that can read along, the key backup)."""

from __future__ import annotations

import argparse
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("encryption", help=_("end-to-end encryption of your clinic conversation"))
    sub = parser.add_subparsers(dest="encryption_command", metavar="ACTION", required=True)
    status = sub.add_parser("status", help=_("this device's key and the devices that can read your messages"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
    verify = sub.add_parser("verify", help=_("verify a device of your clinic's staff by comparing emoji"))
    verify.add_argument("user", metavar="USER", help=_("the staff member's account, e.g. @nurse:example.org"))
    verify.add_argument("device", metavar="DEVICE", help=_("their device id (see `companion encryption status`)"))
    verify.add_argument("--timeout", type=float, default=120.0, metavar="S")
    verify.set_defaults(handler=_verify)
    backup = sub.add_parser("backup", help=_("a key backup so a new device can read your history"))
    backup_sub = backup.add_subparsers(dest="backup_command", metavar="ACTION", required=True)
    create = backup_sub.add_parser("create", help=_("create a key backup and show its recovery key once"))
    create.set_defaults(handler=_backup_create)
    restore = backup_sub.add_parser(
        "restore", help=_("read your history on this device (recovery key asked, or COMPANION_RECOVERY_KEY)")
    )
    restore.set_defaults(handler=_backup_restore)


def _run(coro: Any) -> Any:
    import asyncio

    from companion.cli._common import CliError
    from companion.messaging.crypto.backup import BackupError
    from companion.messaging.errors import MessagingError

    try:
        return asyncio.run(coro)
    except (MessagingError, BackupError) as exc:
        raise CliError(str(exc)) from None


def _status(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store, print_json
    from companion.messaging.service import Messenger

    with open_store() as store:
        messenger = Messenger(store)
        try:
            engine = messenger.e2ee()
            account = engine.repo.account()
            devices = [d for d in engine.repo.all_devices() if not d.deleted]
            info = {
                "user_id": engine.user_id,
                "device_id": engine.machine.device_id,
                "ed25519": engine.machine.ed25519,
                "backup_version": account.backup_version if account else None,
                "devices": [
                    {"user_id": d.user_id, "device_id": d.device_id, "ed25519": d.ed25519, "trust": d.trust}
                    for d in devices
                ],
            }
        finally:
            _run(messenger.aclose())
    if args.json:
        print_json(info)
        return 0
    print(_("This device: {device} ({user})").format(device=info["device_id"], user=info["user_id"]))
    print(_("Its fingerprint (Ed25519): {key}").format(key=_grouped(str(info["ed25519"]))))
    print(
        _("Key backup: version {version}").format(version=info["backup_version"])
        if info["backup_version"]
        else _("Key backup: none (companion encryption backup create)")
    )
    labels = {"verified": _("verified"), "unverified": _("NOT verified"), "blocked": _("blocked (keys changed)")}
    for d in info["devices"]:
        print(f"  {d['user_id']} {d['device_id']}  {_grouped(d['ed25519'])}  {labels.get(d['trust'], d['trust'])}")
    return 0


def _grouped(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _backup_create(args: argparse.Namespace) -> int:
    from companion.cli._common import open_store
    from companion.messaging.crypto.backup import KeyBackup
    from companion.messaging.service import Messenger

    with open_store() as store:

        async def create() -> str:
            async with Messenger(store) as m:
                await m.e2ee().ensure_uploaded()
                _backup, key = await KeyBackup.create(m.e2ee())
                return key

        key = _run(create())
    print(_("Recovery key (write it down and keep it safe; it is shown only this once):"))
    print(key)
    return 0


def _backup_restore(args: argparse.Namespace) -> int:
    import os
    import sys

    from companion.cli._common import CliError, open_store
    from companion.messaging.crypto.backup import restore
    from companion.messaging.service import Messenger

    key = os.environ.get("COMPANION_RECOVERY_KEY")
    if not key and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        key = getpass.getpass(_("Recovery key: "))
    if not key:
        raise CliError(_("No recovery key: type it when asked, or set COMPANION_RECOVERY_KEY."))
    with open_store() as store:

        async def run() -> Any:
            async with Messenger(store) as m:
                await m.sync_once()
                return await restore(m.e2ee(), key)

        report = _run(run())
    print(_("Restored {n} message key(s) from the backup.").format(n=report.imported))
    if report.damaged:
        print(
            _("Warning: {n} entry(ies) in the backup were damaged and skipped.").format(n=report.damaged),
            file=sys.stderr,
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    import sys

    from companion.cli._common import CliError, open_store
    from companion.messaging.crypto.sas import SasVerification
    from companion.messaging.service import Messenger

    if sys.stdin is None or not sys.stdin.isatty():
        raise CliError(_("Verification needs you at the terminal to compare the emoji."))
    with open_store() as store:

        async def run() -> bool:
            import asyncio

            async with Messenger(store) as m:
                engine = m.e2ee()
                await engine.query([args.user])
                device = engine.repo.device(args.user, args.device)
                if device is None or device.deleted:
                    raise CliError(_("No device {device} of {user} is known.").format(
                        device=args.device, user=args.user))
                verification = SasVerification(engine, device)
                await verification.start()
                print(_("Accept the verification on the other device…"))
                loop = asyncio.get_running_loop()
                end = loop.time() + args.timeout
                while verification.emoji is None and verification.failure is None and loop.time() < end:
                    await m.sync_once(timeout_ms=2000)
                if verification.emoji is None:
                    raise CliError(verification.failure or _("The other device did not answer in time."))
                print(_("Compare these emoji with the other screen:"))
                print("  ".join(f"{e} {name}" for e, name in verification.emoji))  # spec names (English)
                answer = input(_("Do they match exactly? [y/N] ")).strip().lower()
                if answer not in ("y", "yes", "j", "ja"):
                    await verification.cancel("m.mismatched_sas", "The emoji did not match")
                    raise CliError(_("Not verified: the emoji did not match."))
                await verification.confirm()
                while not verification.verified and verification.failure is None and loop.time() < end:
                    await m.sync_once(timeout_ms=2000)
                if not verification.verified:
                    raise CliError(verification.failure or _("The other device did not confirm in time."))
                return True

        _run(run())
    print(_("Device {device} of {user} is verified.").format(device=args.device, user=args.user))
    return 0
