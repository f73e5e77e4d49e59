"""Forward-only schema migrations: ``NNNN_name.sql`` files, applied in order, each in one transaction.

Add a file with the next free number; never edit a released one. ``PRAGMA user_version`` holds the schema
version. ``tests/test_migrations.py`` migrates a database from every older version to the newest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def all_migrations() -> list[Migration]:
    found: list[Migration] = []
    for item in resources.files(__name__).iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if match:
            found.append(Migration(int(match[1]), match[2], item.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def latest_version() -> int:
    migrations = all_migrations()
    return migrations[-1].version if migrations else 0
