"""The grid index and the search against brute force: random directories, poles, the antimeridian."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.clinics.directory import ClinicDirectory
from companion.clinics.geo import geodesic_km, haversine_km
from companion.clinics.index import SPLIT_AT, GridIndex, brute_force_nearest
from companion.clinics.model import Clinic
from companion.clinics.search import Filters, nearest_clinics

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False, exclude_max=True)
points = st.lists(st.tuples(lats, lons), min_size=1, max_size=120)


def _distances(found: list[tuple[float, int]]) -> list[float]:
    return [round(km, 6) for km, _i in found]


@settings(max_examples=150, deadline=None)
@given(points, lats, lons, st.integers(min_value=1, max_value=12), st.sampled_from([None, 0.5, 5.0, 30.0]))
def test_grid_matches_brute_force(pts, lat, lon, k, cell) -> None:  # type: ignore[no-untyped-def]
    la, lo = [p[0] for p in pts], [p[1] for p in pts]
    index = GridIndex(la, lo, cell_deg=cell)
    # Compare distances (ties may be ordered differently); the k-th distance must agree exactly.
    assert _distances(index.nearest(lat, lon, k)) == _distances(brute_force_nearest(la, lo, lat, lon, k))


@settings(max_examples=60, deadline=None)
@given(points, lats, lons, st.floats(min_value=0.0, max_value=25_000.0))
def test_within_matches_brute_force(pts, lat, lon, km) -> None:  # type: ignore[no-untyped-def]
    la, lo = [p[0] for p in pts], [p[1] for p in pts]
    got = sorted(i for _d, i in GridIndex(la, lo).within(lat, lon, km))
    want = sorted(i for i, (a, b) in enumerate(pts) if haversine_km(lat, lon, a, b) <= km)
    # Points within float noise of the boundary may go either way.
    edge = {i for i, (a, b) in enumerate(pts) if abs(haversine_km(lat, lon, a, b) - km) < 1e-6}
    assert set(got) ^ set(want) <= edge


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (90.0, 0.0),
        (-90.0, 123.0),
        (89.999, -179.999),
        (0.0, 180.0),
        (0.0, -180.0),
        (-16.0, 179.9),
        (65.0, -179.99),
    ],
)
def test_poles_and_antimeridian(lat: float, lon: float) -> None:
    rng = random.Random(5)
    la = [math.degrees(math.asin(rng.uniform(-1, 1))) for _ in range(5000)]
    lo = [rng.uniform(-180, 180) for _ in range(5000)]
    la += [89.9, -89.95, 10.0, 10.0]
    lo += [170.0, -10.0, 179.99, -179.99]
    index = GridIndex(la, lo)
    assert _distances(index.nearest(lat, lon, 10)) == _distances(brute_force_nearest(la, lo, lat, lon, 10))


def test_nearest_across_the_antimeridian_is_short() -> None:
    index = GridIndex([10.0, 10.0, 0.0], [179.99, 120.0, 0.0])
    (km, i), *_ = index.nearest(10.0, -179.99, 1)
    assert i == 0 and km < 3


def test_empty_and_zero_k() -> None:
    assert GridIndex([], []).nearest(0, 0, 3) == []
    assert GridIndex([1.0], [1.0]).nearest(0, 0, 0) == []
    assert len(GridIndex([1.0], [1.0]).nearest(0, 0, 5)) == 1


def test_filter_predicate_is_honoured() -> None:
    la, lo = [0.0, 0.1, 0.2, 50.0], [0.0, 0.1, 0.2, 50.0]
    found = GridIndex(la, lo).nearest(0, 0, 2, accept=lambda i: i >= 2)
    assert [i for _d, i in found] == [2, 3]


def _directory(pts: list[tuple[float, float]]) -> ClinicDirectory:
    return ClinicDirectory([Clinic(f"c{i}", f"Clinic {i}", a, b) for i, (a, b) in enumerate(pts)])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(lats, lons), min_size=1, max_size=60),
    lats,
    lons,
    st.integers(min_value=1, max_value=6),
)
def test_search_ranks_by_exact_geodesic(pts, lat, lon, k) -> None:  # type: ignore[no-untyped-def]
    """The final order is the WGS-84 geodesic order of brute force over the whole directory."""
    result = nearest_clinics(_directory(pts), lat, lon, now=NOW, limit=k)
    want = sorted(geodesic_km(lat, lon, a, b) for a, b in pts)[:k]
    assert [round(r.distance_km, 6) for r in result.results] == [round(d, 6) for d in want]


def test_search_radius_shows_nearest_few_when_none_inside() -> None:
    directory = _directory([(52.0, 5.0), (53.0, 6.0), (40.0, -3.0), (48.0, 2.0)])
    result = nearest_clinics(directory, 0.0, 0.0, now=NOW, limit=10, filters=Filters(max_km=25))
    assert result.none_in_radius
    assert len(result.results) == 3
    assert all(not r.within_radius for r in result.results)
    inside = nearest_clinics(directory, 52.0, 5.01, now=NOW, limit=10, filters=Filters(max_km=25))
    assert [r.clinic.id for r in inside.results] == ["c0"] and not inside.none_in_radius


def test_service_language_and_open_now_filters() -> None:
    clinics = [
        Clinic(
            "a", "A", 52.0, 5.0, services=("dietitian",), languages=("nl",), opening_hours="Mo-Fr 09:00-17:00"
        ),
        Clinic(
            "b",
            "B",
            52.1,
            5.0,
            services=("allurion_balloon",),
            languages=("en",),
            opening_hours="Sa 09:00-12:00",
        ),
        Clinic(
            "c",
            "C",
            52.2,
            5.0,
            services=("allurion_balloon",),
            languages=("nl", "en"),
            opening_hours="Mo-Fr 09:00-17:00",
        ),
    ]
    directory = ClinicDirectory(clinics)
    ids = lambda f: [r.clinic.id for r in nearest_clinics(directory, 52.0, 5.0, now=NOW, filters=f).results]  # noqa: E731
    assert ids(Filters(service="allurion_balloon")) == ["b", "c"]
    assert ids(Filters(language="NL")) == ["a", "c"]
    assert ids(Filters(service="allurion_balloon", open_now=True)) == ["c"]  # Wednesday 11:00
    assert ids(Filters(service="psychology")) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(lats, lons), min_size=1, max_size=3),
    st.floats(min_value=0.001, max_value=3.0),
    lats,
    lons,
    st.integers(min_value=1, max_value=15),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_crowded_cells_use_exact_subgrids(centres, spread, lat, lon, k, seed) -> None:  # type: ignore[no-untyped-def]
    """Clustered data (cities): cells over SPLIT_AT points get a finer sub-grid; results stay exact."""
    rng = random.Random(seed)
    la: list[float] = []
    lo: list[float] = []
    for c_lat, c_lon in centres:
        for _ in range(1000):
            la.append(max(-90.0, min(90.0, c_lat + rng.gauss(0, spread))))
            lo.append((c_lon + rng.gauss(0, spread) + 180.0) % 360.0 - 180.0)
    index = GridIndex(la, lo, cell_deg=20.0)
    near_centre = (centres[0][0], centres[0][1])
    for q_lat, q_lon in ((lat, lon), near_centre):
        assert _distances(index.nearest(q_lat, q_lon, k)) == _distances(
            brute_force_nearest(la, lo, q_lat, q_lon, k)
        )
    if max(len(m) for m in index._members.values()) > SPLIT_AT:
        assert index._subgrids  # the crowded path was exercised
    got = sorted(i for _d, i in index.within(near_centre[0], near_centre[1], 50.0))
    want = sorted(
        i for i, (a, b) in enumerate(zip(la, lo, strict=True)) if haversine_km(*near_centre, a, b) <= 50.0
    )
    assert got == want


def test_city_cluster_goes_through_a_subgrid() -> None:
    rng = random.Random(11)
    la = [52.37 + rng.gauss(0, 0.05) for _ in range(3000)] + [-33.0, 10.0]
    lo = [4.89 + rng.gauss(0, 0.05) for _ in range(3000)] + [151.0, 179.99]
    index = GridIndex(la, lo, cell_deg=10.0)
    for q in ((52.37, 4.89), (52.5, 5.2), (52.0, 4.0), (10.0, -179.99), (-40.0, 150.0)):
        assert _distances(index.nearest(*q, 12)) == _distances(brute_force_nearest(la, lo, *q, 12))
    assert index._subgrids


def test_longitude_180_is_longitude_minus_180_in_crowded_cells() -> None:
    la = [0.0] * 300 + [0.0]
    lo = [-179.9] * 300 + [180.0]
    index = GridIndex(la, lo, cell_deg=10.0)
    ((km, idx),) = index.nearest(0.0, -180.0, 1)
    assert idx == 300 and km < 1e-6
    assert [i for _km, i in index.within(0.0, -180.0, 1.0)] == [300]
