"""Forward-only schema migrations: ``NNNN_name.sql`` files, applied in order, each in one transaction.

Add a file with the next free number; never edit a released one. ``PRAGMA user_version`` holds the schema
version. ``tests/test_migrations.py`` migrates a database from every older version to the newest.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

_NAME = re.compile(r"(\d{4})_(\w+)\.sql")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


def _scripts() -> list[tuple[int, str, str]]:
    """(version, name, file name) of every script, oldest first. Opening a store only needs these (the
    newest version), not the scripts' text, nor ``importlib.resources``: the package is a directory."""
    found = sorted(
        (int(match[1]), match[2], entry)
        for entry in os.listdir(os.path.dirname(__file__))
        if (match := _NAME.fullmatch(entry))
    )
    versions = [version for version, _name, _file in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def all_migrations() -> list[Migration]:
    from importlib import resources

    folder = resources.files(__name__)
    return [Migration(version, name, (folder / entry).read_text(encoding="utf-8"))
            for version, name, entry in _scripts()]


def latest_version() -> int:
    scripts = _scripts()
    return scripts[-1][0] if scripts else 0
