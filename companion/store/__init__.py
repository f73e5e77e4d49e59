"""The local store: one encrypted SQLite (SQLCipher) database under the data directory.

Only this package opens the database or runs SQL; everything else uses ``Store`` and its repositories.
"""

from companion.store.db import DB_FILE, Store
from companion.store.errors import (
    CorruptDatabase,
    CorruptKeyFile,
    DataDirUnwritable,
    ForeignDatabase,
    KeyMissing,
    KeyringUnavailable,
    NewerSchema,
    NoStore,
    PassphraseRequired,
    StoreError,
    StoreExists,
    WrongPassphrase,
)


def keyring_usable() -> bool:
    """Whether an OS keyring backend can hold the database key (``companion.store.keys``, loaded when asked)."""
    from companion.store.keys import keyring_usable as usable

    return usable()


__all__ = [
    "DB_FILE",
    "CorruptDatabase",
    "CorruptKeyFile",
    "DataDirUnwritable",
    "ForeignDatabase",
    "KeyMissing",
    "KeyringUnavailable",
    "NewerSchema",
    "NoStore",
    "PassphraseRequired",
    "Store",
    "StoreError",
    "StoreExists",
    "WrongPassphrase",
    "keyring_usable",
]
