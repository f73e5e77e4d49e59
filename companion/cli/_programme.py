"""Shared plumbing of the programme commands (``log``, ``goals``, ``remind``, ``programme``, ``photos``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from companion.cli._common import CliError
from companion.i18n import _

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.programme.settings import ProgrammeSettings
    from companion.store import Store


@contextmanager
def refused() -> Iterator[None]:
    """Validation errors of ``companion.programme`` (and a missing consent) become one line and exit 1."""
    from companion.privacy.gate import ProcessingNotAllowed

    try:
        yield
    except ProcessingNotAllowed as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        message = getattr(exc, "message", None)
        if message is None:
            raise
        raise CliError(message) from None


@contextmanager
def opened() -> Iterator[tuple[Store, Profile]]:
    from companion.cli._common import open_store, require_profile

    with open_store() as store:
        yield store, require_profile(store)


def settings(store: Store) -> ProgrammeSettings:
    from companion.programme.settings import ProgrammeConfigError, load_settings

    try:
        return load_settings(store.home)
    except ProgrammeConfigError as exc:
        raise CliError(str(exc)) from None


def parse_when(text: str | None, now: datetime) -> datetime:
    """``--when``: ISO date or date and time (local), at most a day ahead; default now."""
    if not text:
        return now
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(_("Enter the time as YYYY-MM-DD or YYYY-MM-DDTHH:MM.")) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo)
    if len(text.strip()) == 10:
        value = value.replace(hour=12)
    if value > now.replace(hour=23, minute=59, second=59):
        raise CliError(_("That time is in the future; nothing was stored."))
    return value


def to_json(value: Any) -> Any:
    """Dataclasses, enums, dates and dicts keyed by enums as plain JSON values."""
    from dataclasses import fields, is_dataclass
    from datetime import date, time
    from enum import Enum

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, Enum) else k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [to_json(v) for v in value]
    return value
