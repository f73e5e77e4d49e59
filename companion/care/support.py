"""Support requests: describe a problem, optionally with a diagnostics bundle, to the clinic's or provider's
support account; a local record of each contact and its answers is kept in the store.

Where it goes (``[support]`` in ``config.toml``)::

    [support]
    matrix_id = "@support:clinic.example"   # the support account on Matrix
    email = "support@clinic.example"        # optional: where to send a saved request

Companion's messaging talks to one account, the clinic's (it only joins the room the clinic invited the
patient to). So a request goes as a message in the clinic conversation when the support account *is* the
clinic's account (or none is configured and messaging is set up). For any other support account it is saved
as a text file under ``<data dir>/support/`` for the person to send themselves, and Companion says so.

The diagnostics bundle (only with the ``diagnostics`` consent) has the app and platform versions and the
reasons of the last scale packets that could not be read; never readings, names, addresses or messages.
It is shown to the person before anything is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.i18n import _
from companion.text import plain

if TYPE_CHECKING:
    from companion.store import Store
    from companion.store.support import SupportRequest

MAX_TEXT = 8000
RECENT_ERRORS = 10


class SupportError(ValueError):
    """Nothing was sent or saved; ``str(exc)`` says why."""


@dataclass(frozen=True)
class Destination:
    """Where a request goes: ``channel`` "message" (clinic conversation) or "file"; ``address`` to show."""

    channel: str
    address: str
    email: str = ""


@dataclass(frozen=True)
class SentRequest:
    id: int
    destination: Destination
    file: Path | None  # the saved request (channel "file")
    txn_id: str | None  # the outbox entry (channel "message")


def support_config(home: Path) -> dict[str, str]:
    """``[support]`` of config.toml: ``matrix_id`` and ``email`` as plain strings (missing: "")."""
    from companion.config import section

    raw = section(home, "support")
    return {key: plain(str(raw.get(key, "")), single_line=True, max_length=200).strip()
            for key in ("matrix_id", "email")}


def destination(store: Store) -> Destination:
    from companion.care.clinic_report import clinic_account

    config = support_config(store.home)
    clinic = clinic_account(store)
    wanted = config["matrix_id"]
    if clinic is not None and (not wanted or wanted == clinic):
        return Destination("message", clinic, config["email"])
    address = wanted or config["email"] or _("your clinic or provider")
    return Destination("file", address, config["email"])


def diagnostics_bundle(store: Store) -> dict[str, Any]:
    """What a diagnostics bundle contains (needs the ``diagnostics`` consent): versions and recent errors."""
    import platform
    import sys
    from importlib import metadata

    from companion import __version__
    from companion.i18n import current_language
    from companion.privacy import require
    from companion.store.ble import BleRepository

    require(store, "diagnostics")

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    errors = [{"time": e.timestamp.isoformat(timespec="seconds"), "source": plain(e.source, single_line=True),
               "reason": plain(e.reason, single_line=True, max_length=300)}
              for e in BleRepository(store).decode_errors(RECENT_ERRORS)]
    return {
        "app_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "textual": version("textual"),
        "bleak": version("bleak"),
        "schema_version": store.schema_version(),
        "language": current_language(),
        "recent_errors": errors,
    }


def bundle_text(bundle: dict[str, Any]) -> str:
    """The bundle as the person sees it (and as it is sent): indented JSON."""
    return json.dumps(bundle, indent=2, ensure_ascii=False, sort_keys=False)


def compose(text: str, diagnostics: str | None, when: str) -> str:
    lines = [_("Support request from Companion ({when})").format(when=when), "", text.strip()]
    if diagnostics is not None:
        lines += ["", _("Diagnostics (shown to me and confirmed before sending):"), diagnostics]
    return "\n".join(lines) + "\n"


def send(store: Store, text: str, *, diagnostics: str | None = None) -> SentRequest:
    """Send (or save) a request; ``diagnostics`` is the bundle text the person saw and confirmed."""
    from companion.privacy import require

    body = plain(text or "", max_length=MAX_TEXT).strip()
    if not body:
        raise SupportError(_("Describe the problem first."))
    require(store, "support")
    if diagnostics is not None:
        require(store, "diagnostics")
    from companion.store.support import SupportRepo

    repo = SupportRepo(store)
    where = destination(store)
    now = store.clock.now()
    message = compose(body, diagnostics, now.strftime("%Y-%m-%d %H:%M"))
    if where.channel == "message":
        from companion.messaging.outbox import InvalidMessage, queue_message

        try:
            txn = queue_message(store, message)
        except InvalidMessage as exc:
            raise SupportError(str(exc)) from None
        request_id = repo.add(recipient=where.address, body=body, diagnostics=diagnostics, channel="message")
        store.audit.record("message-sent", where.address,
                           "support request" + (" with diagnostics" if diagnostics else ""))
        return SentRequest(request_id, where, None, txn)
    request_id = repo.add(recipient=where.address, body=body, diagnostics=diagnostics, channel="file")
    folder = store.home / "support"
    path = folder / f"support-request-{request_id}-{now.strftime('%Y-%m-%d')}.txt"
    heading = _("To: {address}").format(address=where.address) + "\n"
    from companion.privacy.erasure import ErasureError, save_text

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        save_text(path, heading + message)
    except (OSError, ErasureError) as exc:
        repo.delete(request_id)  # nothing was saved: no record of a contact that did not happen
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SupportError(_("Cannot save {path}: {error}").format(path=path, error=reason)) from None
    repo.set_file(request_id, str(path))
    return SentRequest(request_id, where, path, None)


def record_answer(store: Store, request_id: int, text: str) -> None:
    from companion.store.support import SupportRepo

    body = plain(text or "", max_length=MAX_TEXT).strip()
    if not body:
        raise SupportError(_("The answer is empty."))
    if not SupportRepo(store).add_answer(request_id, body):
        raise SupportError(_("There is no support request {id}.").format(id=request_id))


def requests(store: Store) -> list[SupportRequest]:
    from companion.store.support import SupportRepo

    return SupportRepo(store).all()


def outcome_text(sent: SentRequest) -> str:
    """What the person is told after sending."""
    if sent.destination.channel == "message":
        return _("Support request {id} queued for {address} in your clinic conversation.").format(
            id=sent.id, address=sent.destination.address)
    return _("Companion can only message your clinic's account, so support request {id} was saved to {path}: "
             "please send it to {address}.").format(id=sent.id, path=sent.file, address=sent.destination.address)
