"""Nearest clinics to a location: the grid index narrows the candidates, WGS-84 geodesics rank them.

The index ranks on the sphere; the sphere is within ``SPHERE_ERROR`` (1 %) of the ellipsoid, so every clinic
that could be among the k geodesically nearest lies within (1 + e)/(1 - e) times the k-th spherical distance.
Those candidates get an exact geodesic distance (Karney's algorithm, via geopy) and the final order comes from
it, so near-ties are ranked as the ellipsoid says, not the sphere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from companion.clinics.directory import ClinicDirectory
from companion.clinics.geo import SPHERE_ERROR, geodesic_km
from companion.clinics.hours import OpenState, open_state
from companion.clinics.model import Clinic

#: When nothing is inside the radius, this many of the nearest clinics are shown anyway.
NEAREST_FEW = 3


@dataclass(frozen=True, slots=True)
class Filters:
    service: str = ""
    language: str = ""
    open_now: bool = False
    max_km: float | None = None


@dataclass(frozen=True, slots=True)
class ClinicResult:
    clinic: Clinic
    distance_km: float  # WGS-84 geodesic
    within_radius: bool
    open_state: OpenState | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    lat: float
    lon: float
    results: tuple[ClinicResult, ...]
    filters: Filters
    in_radius: int  # how many of ``results`` are inside ``filters.max_km`` (all when there is no radius)
    searched: int = 0  # directory size
    notes: tuple[str, ...] = field(default=())

    @property
    def none_in_radius(self) -> bool:
        return self.filters.max_km is not None and self.in_radius == 0 and bool(self.results)


def _predicate(directory: ClinicDirectory, filters: Filters, now: datetime) -> Callable[[int], bool] | None:
    if not (filters.service or filters.language or filters.open_now):
        return None
    clinics = directory.clinics
    service, language = filters.service, filters.language.lower()

    def accept(index: int) -> bool:
        clinic = clinics[index]
        if service and service not in clinic.services:
            return False
        if language and language not in clinic.languages:
            return False
        if filters.open_now:
            state = open_state(clinic.opening_hours, clinic.local_time(now)) if clinic.opening_hours else None
            if state is None or not state.is_open:
                return False
        return True

    return accept


def nearest_clinics(
    directory: ClinicDirectory,
    lat: float,
    lon: float,
    *,
    now: datetime,
    limit: int = 10,
    filters: Filters | None = None,
    distance: Callable[[float, float, float, float], float] = geodesic_km,
) -> SearchResult:
    """Up to ``limit`` clinics nearest to (lat, lon) that pass ``filters``, by geodesic distance.

    With ``filters.max_km`` only those inside the radius are returned, unless none is: then the nearest few
    (``NEAREST_FEW``) are returned anyway, marked as outside.
    """
    filters = filters or Filters()
    limit = max(1, limit)
    accept = _predicate(directory, filters, now)
    index = directory.index
    first = index.nearest(lat, lon, limit, accept)
    if not first:
        return SearchResult(lat, lon, (), filters, 0, len(directory))
    reach = first[-1][0] * (1 + SPHERE_ERROR) / (1 - SPHERE_ERROR) + 1e-6
    candidates = index.within(lat, lon, reach, accept)
    measured = sorted(
        (distance(lat, lon, directory.clinics[i].lat, directory.clinics[i].lon), directory.clinics[i].id, i)
        for _km, i in candidates
    )[:limit]
    results: list[ClinicResult] = []
    for km, _cid, i in measured:
        clinic = directory.clinics[i]
        inside = filters.max_km is None or km <= filters.max_km
        state = open_state(clinic.opening_hours, clinic.local_time(now)) if clinic.opening_hours else None
        results.append(ClinicResult(clinic, km, inside, state))
    in_radius = sum(1 for r in results if r.within_radius)
    if filters.max_km is not None:
        results = [r for r in results if r.within_radius] if in_radius else results[:NEAREST_FEW]
    return SearchResult(lat, lon, tuple(results), filters, in_radius, len(directory))
