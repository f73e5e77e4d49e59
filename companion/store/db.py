"""The encrypted SQLite store: one SQLCipher file per data directory. Only this package runs SQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.clock import SYSTEM_CLOCK, Clock
from companion.store.errors import (
    CorruptDatabase,
    DataDirUnwritable,
    ForeignDatabase,
    NewerSchema,
    NoStore,
    StoreExists,
)
from companion.store.migrations import all_migrations, latest_version

if TYPE_CHECKING:
    from companion.store.audit import AuditLog
    from companion.store.consents import ConsentLedger
    from companion.store.measurements import Measurements
    from companion.store.programme import Programme

DB_FILE = "companion.db"

_driver: Any = None


def _sqlite() -> Any:
    """The SQLCipher build of the sqlite3 module (a self-contained wheel), loaded when a database is first
    opened: its extension takes about 6 ms to load, and ``companion --demo`` draws its first frame before it
    opens the database. Also ``db.sqlite``, ``db.DatabaseError`` and ``db.IntegrityError`` (``__getattr__``)."""
    global _driver
    if _driver is None:
        try:
            from sqlcipher3 import dbapi2 as driver
        except ImportError:  # pragma: no cover - the dependency is required; kept importable for tooling
            import sqlite3 as driver
        # Binding a None parameter: the module finds no adapter registered for NoneType and then probes the
        # protocol and the value for ``__adapt__`` / ``__conform__``, two AttributeErrors raised and cleared per
        # NULL. Measured: 200,000 rows of 8 NULLs took 5.5 s with sqlcipher3 against 0.34 s for ints. An adapter
        # that returns its argument (None, bound as NULL) makes it one dict hit: 0.85 s. ``{}.get`` does, in C.
        driver.register_adapter(type(None), {}.get)
        _driver = driver
    return _driver


def __getattr__(name: str) -> Any:
    if name == "sqlite":
        return _sqlite()
    if name in ("DatabaseError", "IntegrityError"):
        return getattr(_sqlite(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _passphrase_from_env(passphrase: str | None) -> str | None:
    return passphrase if passphrase else (os.environ.get("COMPANION_PASSPHRASE") or None)


def check_writable_location(home: Path) -> None:
    """Raise ``DataDirUnwritable`` unless ``home`` is (or could be created as) a writable directory.

    Creates nothing: used before onboarding so that an unusable data directory is reported at once.
    """
    probe = home
    while not probe.exists():
        if probe.parent == probe:
            raise DataDirUnwritable(home)
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise DataDirUnwritable(home)


def _ensure_writable_dir(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        raise DataDirUnwritable(home) from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise DataDirUnwritable(home)


class Store:
    """An open, unlocked, migrated database.

    Use ``Store.create`` / ``Store.open`` / ``Store.create_ephemeral``.
    """

    def __init__(self, home: Path, connection: Any, clock: Clock, *, ephemeral: bool = False) -> None:
        self.home = home
        self.path = home / DB_FILE
        self._conn = connection
        self._lock = threading.RLock()
        self.clock = clock
        self.ephemeral = ephemeral
        self._depth = 0
        from companion.store.profiles import Profiles
        from companion.store.settings import Settings

        self.settings = Settings(self)
        self.profiles = Profiles(self)

    # These repositories are loaded when first used (none is needed to show the first screen).
    @cached_property
    def measurements(self) -> Measurements:
        from companion.store.measurements import Measurements

        return Measurements(self)

    @cached_property
    def programme(self) -> Programme:
        from companion.store.programme import Programme

        return Programme(self)

    @cached_property
    def consents(self) -> ConsentLedger:
        from companion.store.consents import ConsentLedger

        return ConsentLedger(self)

    @cached_property
    def audit(self) -> AuditLog:
        from companion.store.audit import AuditLog

        return AuditLog(self)

    # ----- opening -------------------------------------------------------------------------------------
    @staticmethod
    def exists(home: Path) -> bool:
        return (home / DB_FILE).exists() or (home / "key.json").exists()

    @classmethod
    def create(cls, home: Path, *, passphrase: str | None = None, clock: Clock = SYSTEM_CLOCK) -> Store:
        """Create a new encrypted store in ``home`` (which must not hold one yet)."""
        _ensure_writable_dir(home)
        if cls.exists(home):
            raise StoreExists(home)
        from companion.store.keys import KeyVault

        vault = KeyVault(home)
        dek = vault.create(_passphrase_from_env(passphrase))
        try:
            return cls._connect(home, dek, clock, new=True)
        except BaseException:
            vault.destroy()
            (home / DB_FILE).unlink(missing_ok=True)
            raise

    @classmethod
    def create_ephemeral(cls, home: Path, *, clock: Clock = SYSTEM_CLOCK, key: bytes | None = None) -> Store:
        """A store whose key lives only in memory (demo mode): no keyring, no passphrase, gone on exit."""
        if key is None:
            import secrets

            key = secrets.token_bytes(32)
        _ensure_writable_dir(home)
        return cls._connect(home, key, clock, new=True, ephemeral=True)

    @classmethod
    def open_ephemeral(cls, home: Path, key: bytes, *, clock: Clock = SYSTEM_CLOCK) -> Store:
        """Open an ephemeral store made by another process of this app, which handed over its in-memory key."""
        return cls._connect(home, key, clock, new=False, ephemeral=True)

    @classmethod
    def open(cls, home: Path, *, passphrase: str | None = None, clock: Clock = SYSTEM_CLOCK) -> Store:
        """Unlock and open the store in ``home``; migrates an older schema forward."""
        from companion.store.keys import KeyVault

        db = home / DB_FILE
        vault = KeyVault(home)
        if not db.exists() and not vault.exists():
            raise NoStore()
        if not vault.exists():
            raise ForeignDatabase(db)
        if not db.exists():
            raise CorruptDatabase(db)
        if not os.access(home, os.W_OK | os.X_OK):
            raise DataDirUnwritable(home)
        dek = vault.unlock(_passphrase_from_env(passphrase))
        return cls._connect(home, dek, clock, new=False)

    @classmethod
    def _connect(cls, home: Path, dek: bytes, clock: Clock, *, new: bool, ephemeral: bool = False) -> Store:
        path = home / DB_FILE
        if new and not path.exists():
            try:
                path.touch(mode=0o600)
            except OSError:
                raise DataDirUnwritable(home) from None
        try:
            conn = _sqlite().connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        except _sqlite().Error:
            raise DataDirUnwritable(home) from None
        try:
            conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
            try:
                conn.execute("PRAGMA cipher_log_level = NONE")
            except _sqlite().Error:
                pass
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            except _sqlite().DatabaseError:
                raise CorruptDatabase(path) from None
            head = latest_version()
            if version > head:
                raise NewerSchema(version, head)
            if not new and version == 0:
                raise CorruptDatabase(path)
            # Durable stores: WAL with synchronous=NORMAL (a commit survives a crash of the app; fsync at
            # checkpoints). An ephemeral (demo) store is thrown away anyway: no fsync at all.
            conn.execute(f"PRAGMA synchronous = {'OFF' if ephemeral else 'NORMAL'}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            store = cls(home, conn, clock, ephemeral=ephemeral)
            store.migrate()
            return store
        except BaseException:
            conn.close()
            raise

    # ----- schema --------------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int | None = None) -> int:
        """Apply every migration newer than the file's version (up to ``target``), one transaction each."""
        current = self.schema_version()
        if current >= (latest_version() if target is None else target):
            return current  # up to date: the migration scripts are not even read
        for migration in all_migrations():
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(migration.sql):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {migration.version}")
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            current = migration.version
        return current

    # ----- the key ---------------------------------------------------------------------------------------
    def key_mode(self) -> str | None:
        """``"keyring"`` or ``"passphrase"``; ``None`` for an ephemeral (demo) store, key in memory."""
        if self.ephemeral:
            return None
        from companion.store.keys import KeyVault

        return KeyVault(self.home).info().mode

    def change_passphrase(self, current: str | None, new: str | None) -> None:
        """Protect the database key with ``new`` (``None``: move it into the OS keyring instead).

        ``current`` must unlock the key as it is kept now (ignored in keyring mode). The database itself is
        not rewritten: only the wrapping of its key changes, atomically (key file replaced in one rename).
        """
        from companion.i18n import _
        from companion.store.errors import StoreError

        if self.ephemeral:
            raise StoreError(_("Demo data has no passphrase; nothing was changed."))
        from companion.store.keys import KeyVault

        vault = KeyVault(self.home)
        dek = vault.unlock(current)
        vault.change_passphrase(dek, new)

    # ----- transactions and queries (for the repositories in this package) -----------------------------
    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """``with store.transaction() as cur:``: one atomic write; nests (inner blocks join the outer one)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outer:
                    self._conn.execute("COMMIT")

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Any = ()) -> Any:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it (after deletions, so nothing lingers there)."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def vacuum(self) -> None:
        with self._lock:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                except _sqlite().Error:
                    pass
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (``sqlite3.complete_statement`` aware, triggers included)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if _sqlite().complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
