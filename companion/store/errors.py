"""Errors opening or using the local store. Each message is for people: say what happened and what to do."""

from __future__ import annotations

from companion.i18n import _


class StoreError(Exception):
    """Base class; ``str(error)`` is a one-line, human message."""


class DataDirUnwritable(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _("The data directory {path} cannot be written to; check its permissions.").format(path=path)
        )


class ForeignDatabase(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _(
                "{path} is not a Companion database (or its key file is missing); it was left untouched."
            ).format(path=path)
        )


class CorruptDatabase(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _("The database {path} is damaged or not a Companion database; it was left untouched.").format(
                path=path
            )
        )


class CorruptKeyFile(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(_("The key file {path} is damaged; nothing was changed.").format(path=path))


class WrongPassphrase(StoreError):
    def __init__(self) -> None:
        super().__init__(_("Wrong passphrase; nothing was changed."))


class PassphraseRequired(StoreError):
    def __init__(self) -> None:
        super().__init__(
            _("A passphrase is needed to unlock your data (no system keyring is available); "
              "set COMPANION_PASSPHRASE or run Companion in a terminal.")
        )


class KeyringUnavailable(StoreError):
    def __init__(self, detail: str = "") -> None:
        message = _("The system keyring that holds your database key cannot be reached; nothing was changed.")
        super().__init__(f"{message} ({detail})" if detail else message)


class KeyMissing(StoreError):
    def __init__(self) -> None:
        super().__init__(_("The database key is not in the system keyring; your data cannot be unlocked."))


class NewerSchema(StoreError):
    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            _("This data was written by a newer Companion (schema {found}, this version knows {supported}); "
              "update Companion. Nothing was changed.").format(found=found, supported=supported)
        )


class NoStore(StoreError):
    def __init__(self) -> None:
        super().__init__(_("No Companion data here yet; run `companion` or `companion profile init` first."))


class StoreExists(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(_("Companion data already exists in {path}; nothing was changed.").format(path=path))
