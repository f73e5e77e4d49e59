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
