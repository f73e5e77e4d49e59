"""Shared CLI plumbing: errors, JSON output, opening the store."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.i18n import _

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.store import Store


class CliError(Exception):
    """A runtime failure: printed as one line on stderr; exit code ``code`` (1 unless told)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> int:
    line = " ".join(str(message).split())
    print(f"companion: {line}", file=sys.stderr)
    return code


def print_json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")


def home() -> Path:
    from companion.paths import data_dir

    return data_dir()


def ask_passphrase(prompt: str) -> str | None:
    """The passphrase from COMPANION_PASSPHRASE, else asked on the terminal (None when there is none)."""
    env = os.environ.get("COMPANION_PASSPHRASE")
    if env:
        return env
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            return getpass.getpass(prompt) or None
        except (EOFError, KeyboardInterrupt):
            return None
    return None


def open_store() -> Store:
    """Open the user's store or fail with one clear line."""
    from companion.store import Store
    from companion.store.keys import KeyVault

    where = home()
    if not Store.exists(where):
        raise CliError(_("No Companion data here yet; run `companion` or `companion profile init` first."))
    passphrase = None
    try:
        if KeyVault(where).info().mode == "passphrase":
            passphrase = ask_passphrase(_("Passphrase: "))
    except Exception:
        pass  # Store.open reports the precise problem
    return Store.open(where, passphrase=passphrase)


def require_profile(store: Store) -> Profile:
    profile = store.profiles.active()
    if profile is None:
        raise CliError(_("No profile yet; run `companion` or `companion profile init` first."))
    return profile
