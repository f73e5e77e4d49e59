"""Clinic finder records: geocoder cache, the opted-in last location, "my clinic" and its history,
directories."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from companion.store.db import Store

#: Setting key: keep the last search location (opt-in, default off).
REMEMBER_LOCATION = "clinics.remember_location"
GEOCODE_CACHE_DAYS = 90


@dataclass(frozen=True, slots=True)
class SavedLocation:
    lat: float
    lon: float
    label: str
    source: str
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class ClinicSelection:
    """One entry of the "my clinic" history. ``clinic_id == ""`` means the choice was cleared."""

    profile_id: int
    clinic_id: str
    name: str
    matrix_id: str
    details: dict[str, Any]
    selected_at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DirectorySource:
    id: int
    location: str
    kind: str  # file | url
    copy: str
    added_at: datetime


class ClinicRecords:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ----- geocoder cache ------------------------------------------------------------------------------
    def cached_geocode(self, provider: str, query: str) -> list[dict[str, Any]] | None:
        row = self._store.query_one(
            "SELECT results, fetched_at FROM geocode_cache WHERE provider = ? AND query = ?",
            (provider, query),
        )
        if row is None:
            return None
        if datetime.fromisoformat(row[1]) < self._store.clock.now() - timedelta(days=GEOCODE_CACHE_DAYS):
            return None
        value = json.loads(row[0])
        return value if isinstance(value, list) else None

    def cache_geocode(self, provider: str, query: str, results: list[dict[str, Any]]) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO geocode_cache (provider, query, results, fetched_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(provider, query) DO UPDATE SET results = excluded.results, fetched_at = "
                "excluded.fetched_at",
                (provider, query, json.dumps(results), self._store.clock.now().isoformat()),
            )

    # ----- last location (opt-in) ----------------------------------------------------------------------
    def remember_location(self) -> bool:
        return bool(self._store.settings.get(REMEMBER_LOCATION, False))

    def set_remember_location(self, remember: bool) -> None:
        with self._store.transaction():
            self._store.settings.set(REMEMBER_LOCATION, bool(remember))
            if not remember:
                self.forget_location()

    def save_location(self, lat: float, lon: float, label: str, source: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO saved_location (id, lat, lon, label, source, saved_at) VALUES (1, ?, ?, ?, ?, "
                "?) "
                "ON CONFLICT(id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, label = "
                "excluded.label, "
                "source = excluded.source, saved_at = excluded.saved_at",
                (lat, lon, label, source, self._store.clock.now().isoformat()),
            )

    def saved_location(self) -> SavedLocation | None:
        row = self._store.query_one(
            "SELECT lat, lon, label, source, saved_at FROM saved_location WHERE id = 1"
        )
        return (
            None
            if row is None
            else SavedLocation(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]))
        )

    def forget_location(self) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM saved_location")

    # ----- my clinic -----------------------------------------------------------------------------------
    def record_selection(
        self, profile_id: int, clinic_id: str, name: str, matrix_id: str, details: dict[str, Any]
    ) -> ClinicSelection:
        now = self._store.clock.now()
        with self._store.transaction() as db:
            cur = db.execute(
                "INSERT INTO clinic_selection (profile_id, clinic_id, name, matrix_id, details, selected_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    profile_id,
                    clinic_id,
                    name,
                    matrix_id,
                    json.dumps(details, ensure_ascii=False),
                    now.isoformat(),
                ),
            )
        return ClinicSelection(profile_id, clinic_id, name, matrix_id, details, now, int(cur.lastrowid))

    def selections(self, profile_id: int) -> list[ClinicSelection]:
        """The history, newest first."""
        rows = self._store.query(
            "SELECT id, profile_id, clinic_id, name, matrix_id, details, selected_at FROM clinic_selection "
            "WHERE profile_id = ? ORDER BY id DESC",
            (profile_id,),
        )
        return [
            ClinicSelection(r[1], r[2], r[3], r[4], json.loads(r[5]), datetime.fromisoformat(r[6]), r[0])
            for r in rows
        ]

    def current_selection(self, profile_id: int) -> ClinicSelection | None:
        """The clinic chosen now (None when none was chosen or the choice was cleared)."""
        history = self.selections(profile_id)
        if not history or not history[0].clinic_id:
            return None
        return history[0]

    # ----- directories the user added ------------------------------------------------------------------
    def add_directory(self, location: str, kind: str, copy: str = "") -> DirectorySource:
        now = self._store.clock.now()
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO clinic_directory (location, kind, copy, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(location) DO UPDATE SET copy = excluded.copy, added_at = excluded.added_at",
                (location, kind, copy, now.isoformat()),
            )
            row = db.execute("SELECT id FROM clinic_directory WHERE location = ?", (location,)).fetchone()
        return DirectorySource(int(row[0]), location, kind, copy, now)

    def directories(self) -> list[DirectorySource]:
        rows = self._store.query(
            "SELECT id, location, kind, copy, added_at FROM clinic_directory ORDER BY id"
        )
        return [DirectorySource(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    def remove_directory(self, directory_id: int) -> bool:
        with self._store.transaction() as db:
            cur = db.execute("DELETE FROM clinic_directory WHERE id = ?", (directory_id,))
        return bool(cur.rowcount)
