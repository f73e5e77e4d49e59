"""Deletion that really deletes (GDPR Art. 17; reference 5.4).

* By category (``measurements``, ``health-data``, ``messages``, ``location``, ``diagnostics``): every row
of the
  category's tables (``store.categories``; tables not installed are skipped) in one transaction. Every
  connection runs with ``secure_delete`` on, so freed pages are overwritten; then the WAL is checkpointed and
  truncated (with secure_delete alone the old page images would linger in the WAL) and the file is rebuilt
  with VACUUM.
* The whole account (``all``): the database key is destroyed first (crypto-shredding: the keyring entry
and the
  wrapped key in ``key.json``), so any copy of the encrypted file left on disk, in a snapshot or a backup is
  unreadable; then the files are removed.

Art. 19: the user is offered a message telling the clinic which data was deleted (``notify_clinic``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from companion.i18n import N_, _
from companion.store.categories import CATEGORY_TABLES
from companion.store.privacy import PrivacyRepo

if TYPE_CHECKING:
    from companion.store import Store

ERASE_CATEGORIES: tuple[str, ...] = (
    "measurements",
    "health-data",
    "messages",
    "location",
    "diagnostics",
    "all",
)
CATEGORY_LABELS: dict[str, str] = {
    "measurements": N_("Measurements (weigh-ins)"),
    "health-data": N_("Health data: imported (heart rate, steps, sleep), medication, water, check-ins, notes, "
                      "reminders, photos"),
    "messages": N_("Messages with your clinic"),
    "location": N_("Location"),
    "diagnostics": N_("Diagnostic logs"),
    "all": N_("Everything: your account, all data and the key"),
}
#: Files and folders of the data directory that Companion writes (removed with the account).
ACCOUNT_FILES = (
    "companion.db",
    "companion.db-wal",
    "companion.db-shm",
    "companion.db-journal",
    "key.json",
    "key.json.tmp",
    "config.toml",
)


class ErasureError(Exception):
    """``str(error)`` is a one-line human message."""


@dataclass
class ErasureResult:
    category: str
    rows: dict[str, int] = field(default_factory=dict)
    scrubbed: bool = True  # False: another Companion kept the file busy; run again after closing it

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def check_category(category: str) -> str:
    if category not in ERASE_CATEGORIES:
        raise ErasureError(
            _("Unknown category {category}; choose one of {choices}.").format(
                category=category, choices=", ".join(ERASE_CATEGORIES)
            )
        )
    return category


def erase_category(store: Store, category: str) -> ErasureResult:
    """Delete every row of one category and scrub the file; the ledger and audit log stay."""
    check_category(category)
    if category == "all":
        raise ErasureError(_("Use erase_account to delete everything."))
    repo = PrivacyRepo(store)
    tables = repo.existing(CATEGORY_TABLES.get(category, ()))
    if category == "messages":
        _forget_matrix_session(store)
    if "ble_device" in tables:
        _forget_scale_keys(store)
    with store.transaction():
        rows = repo.delete_tables(tables)
        repo.record_erasure(category, sum(rows.values()))
    return ErasureResult(category, rows, scrubbed=repo.scrub())


def erase_account(store: Store) -> None:
    """Destroy the key (crypto-shredding), then remove the data directory's files. Closes ``store``."""
    from companion.store.keys import KeyVault

    home = store.home
    ephemeral = store.ephemeral
    try:
        _forget_matrix_session(store)
        _forget_scale_keys(store)
        repo = PrivacyRepo(store)
        tables = [t for names in CATEGORY_TABLES.values() for t in repo.existing(names)]
        with store.transaction():
            repo.delete_tables(tables)
        repo.scrub()
    finally:
        store.close()
    if not ephemeral:
        KeyVault(home).destroy()
    remove_files(home, keep_folder=ephemeral)  # the demo's temporary folder is removed by its owner


def _forget_matrix_session(store: Store) -> None:
    """The Matrix tokens may live in the OS keyring, outside the database: remove them too."""
    try:
        from companion.messaging.session import forget_local_session
    except ImportError:
        return
    try:
        forget_local_session(store)
    except Exception:  # no account, or the keyring is unreachable: the rows below still go
        pass


def _forget_scale_keys(store: Store) -> None:
    """Bind keys of encrypted scales may live in the OS keyring, outside the database: remove them too."""
    try:
        from companion.ble.keys import forget_all_keys

        forget_all_keys(store)
    except Exception:  # the keyring is unreachable: the rows below still go
        pass


def remove_files(home: Path, *, keep_folder: bool = False) -> None:
    """Remove what Companion keeps in ``home``. The whole folder goes when it is Companion's own; a
    folder that
    is someone's home or a filesystem root keeps everything but Companion's files."""
    resolved = home.resolve()
    protected = resolved == Path.home().resolve() or resolved.parent == resolved
    for name in ACCOUNT_FILES:
        target = home / name
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            shutil.rmtree(target, ignore_errors=True)
    if protected or not home.exists():
        return
    for item in home.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
    if keep_folder:
        return
    try:
        home.rmdir()
    except OSError:
        pass


# ----- telling the clinic (Art. 19) ----------------------------------------------------------------------
def clinic_notice(categories: list[str], when: str) -> str:
    labels = ", ".join(_(CATEGORY_LABELS[c]).lower() for c in categories)
    return _(
        "Data deletion notice: on {when} I deleted the following data from my Companion app: {labels}. "
        "Under GDPR Art. 17 and 19 (or the right of cancellation under Mexican law), please delete any copy "
        "you received from me through Companion, or tell me why you must keep it."
    ).format(when=when, labels=labels)


def notify_clinic(store: Store, text: str, *, before_account_deletion: bool = False) -> str:
    """Queue ``text`` for the clinic through the messaging outbox; returns "queued".

    Raises ``ErasureError`` when messaging is not available (not installed or not set up); the caller then
    offers to save the text as a file instead.
    """
    try:
        from companion.messaging import outbox  # type: ignore[attr-defined]
    except ImportError:
        raise ErasureError(
            _("Messaging with your clinic is not set up; save the notice as a file instead.")
        ) from None
    if not PrivacyRepo(store).table_exists("message") and not PrivacyRepo(store).table_exists("outbox"):
        raise ErasureError(_("Messaging with your clinic is not set up; save the notice as a file instead."))
    if before_account_deletion and not callable(getattr(outbox, "flush", None)):
        # The outbox lives in the store that is about to be destroyed: a queued message would never leave.
        raise ErasureError(
            _("The message cannot be sent before your data is deleted; save the notice as a file instead.")
        )
    try:
        outbox.queue_message(store, text)
    except Exception as exc:  # the messaging capability reports its own problems in words
        raise ErasureError(
            _("The notice could not be queued for your clinic: {error}").format(error=exc)
        ) from None
    flush = getattr(outbox, "flush", None)
    if callable(flush):
        try:
            flush(store)
        except Exception:
            pass  # stays in the outbox; sent on the next sync
    return "queued"


def save_text(path: Path, text: str) -> Path:
    """Save a notice or request as a UTF-8 text file (temp name, then rename)."""
    import os
    import secrets

    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
    try:
        tmp.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ErasureError(
            _("Could not save {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    return path
