"""Key/value settings kept inside the encrypted store (values are JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from companion.store.db import Store


class Settings:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str, default: Any = None) -> Any:
        row = self._store.query_one("SELECT value FROM setting WHERE key = ?", (key,))
        if row is None:
            return default
        text = row[0]
        if text.isascii() and text.isdigit():  # a whole number (the active profile's id, read at every start)
            return int(text)
        import json  # loaded when first needed: reading the json module costs more than starting the app needs

        return json.loads(text)

    def set(self, key: str, value: Any) -> None:
        import json

        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO setting(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def delete(self, key: str) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM setting WHERE key = ?", (key,))
