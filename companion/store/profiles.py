"""Profiles (one per person using the scale) and which one is active."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from companion.domain.model import Profile, Sex
from companion.domain.units import HeightUnit, WeightUnit

if TYPE_CHECKING:
    from companion.store.db import Store

_COLUMNS = (
    "name", "sex", "birth_date", "height_cm", "language", "placement_date", "placement_place", "removal_date",
    "clinic", "phone", "email", "goal_weight_kg", "start_weight_kg", "weight_unit", "height_unit",
    "scale_user_index",
)
_SELECT = f"SELECT id, {', '.join(_COLUMNS)} FROM profile"


def _to_row(profile: Profile) -> tuple[Any, ...]:
    values: list[Any] = []
    for column in _COLUMNS:
        value = getattr(profile, column)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, (Sex, WeightUnit, HeightUnit)):
            value = value.value
        values.append(value)
    return tuple(values)


def _from_row(row: Any) -> Profile:
    data = dict(zip(("id", *_COLUMNS), row, strict=True))
    for key in ("birth_date", "placement_date", "removal_date"):
        if data[key]:
            data[key] = date.fromisoformat(data[key])
    data["sex"] = Sex(data["sex"])
    data["weight_unit"] = WeightUnit(data["weight_unit"])
    data["height_unit"] = HeightUnit(data["height_unit"])
    return Profile(**data)


class Profiles:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, profile: Profile) -> Profile:
        with self._store.transaction() as db:
            cur = db.execute(
                f"INSERT INTO profile ({', '.join(_COLUMNS)}, created_at) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))}, ?)",
                (*_to_row(profile), self._store.clock.now().isoformat()),
            )
            created = replace(profile, id=int(cur.lastrowid))
            if self._store.settings.get("active_profile") is None:
                self._store.settings.set("active_profile", created.id)
        return created

    def update(self, profile: Profile) -> None:
        if profile.id is None:
            raise ValueError("profile has no id")
        with self._store.transaction() as db:
            db.execute(
                f"UPDATE profile SET {', '.join(c + ' = ?' for c in _COLUMNS)} WHERE id = ?",
                (*_to_row(profile), profile.id),
            )

    def get(self, profile_id: int) -> Profile | None:
        row = self._store.query_one(f"{_SELECT} WHERE id = ?", (profile_id,))
        return None if row is None else _from_row(row)

    def all(self) -> list[Profile]:
        return [_from_row(r) for r in self._store.query(f"{_SELECT} ORDER BY id")]

    def delete(self, profile_id: int) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM profile WHERE id = ?", (profile_id,))
            if self._store.settings.get("active_profile") == profile_id:
                row = db.execute("SELECT id FROM profile ORDER BY id LIMIT 1").fetchone()
                self._store.settings.set("active_profile", row[0] if row else None)

    def active(self) -> Profile | None:
        active_id = self._store.settings.get("active_profile")
        if active_id is not None:
            found = self.get(int(active_id))
            if found is not None:
                return found
        profiles = self.all()
        return profiles[0] if profiles else None

    def set_active(self, profile_id: int) -> None:
        if self.get(profile_id) is None:
            raise ValueError(f"no profile {profile_id}")
        self._store.settings.set("active_profile", profile_id)
