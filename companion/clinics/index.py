"""Nearest-neighbour search on the sphere: a pure-Python latitude/longitude grid with an exact cut-off.

Points live in cells of a grid whose rows are ``c`` degrees of latitude and whose columns get wider towards
the poles (each row has about ``360·cos φ / c`` columns), so cells hold a similar number of points everywhere
and a polar query does not scan thousands of tiny cells. Inside a cell a point is kept as a 3-D unit vector:
the chord between unit vectors is monotone in the angle between them, so comparing squared chords ranks
exactly like the great-circle distance without any trigonometry in the inner loop.

A query looks at every cell that meets the bounding box of a spherical cap of angular radius ρ around the
query (Matuschek, "Finding Points Within a Distance of a Latitude/Longitude Using Bounding Coordinates":
latitudes φ ± ρ; longitudes λ ± asin(sin ρ / cos φ), or all longitudes when the cap contains a pole). Every
point within ρ is then guaranteed to have been seen, so once the k-th best candidate is within ρ the answer is
exact; otherwise ρ grows (to the k-th candidate's distance, or doubles) and only cells not yet seen are
scanned.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Callable, Sequence

from companion.clinics.geo import EARTH_RADIUS_KM

_D2R = math.pi / 180.0
#: Aim for about this many points per cell (the reference measured 10-50 as the sweet spot).
POINTS_PER_CELL = 16


Cell = tuple[list[int], list[float], list[float], list[float]]  # ids and unit vectors x, y, z
#: A cell holding more points than this (a city in a clustered directory) gets its own finer sub-grid.
SPLIT_AT = 256


class _SubGrid:
    """A finer m×m grid inside one crowded cell (built on first use)."""

    __slots__ = ("cells", "dlat", "dlon", "lat_s", "m")

    def __init__(self, lat_s: float, dlat: float, dlon: float, m: int) -> None:
        self.lat_s, self.dlat, self.dlon, self.m = lat_s, dlat, dlon, m
        self.cells: dict[int, Cell] = {}


class GridIndex:
    """k-nearest and within-radius queries over fixed points; build once, query many times."""

    def __init__(
        self, lats: Sequence[float], lons: Sequence[float], *, cell_deg: float | None = None
    ) -> None:
        n = len(lats)
        if len(lons) != n:
            raise ValueError("lats and lons differ in length")
        self.size = n
        if cell_deg is None:
            # The sphere is ~41,253 square degrees: a cell of this size holds ~POINTS_PER_CELL uniform points.
            cell_deg = math.sqrt(41_253.0 * POINTS_PER_CELL / max(n, 1))
        cell_deg = min(max(cell_deg, 0.05), 30.0)
        self._nrows = nrows = max(1, math.ceil(180.0 / cell_deg))
        self._row_deg = row_deg = 180.0 / nrows
        ncols: list[int] = []
        row_start: list[int] = []
        start = 0
        full = max(1, math.ceil(360.0 / row_deg))
        for i in range(nrows):
            south, north = -90.0 + i * row_deg, -90.0 + (i + 1) * row_deg
            widest = 0.0 if south < 0 < north else min(abs(south), abs(north))  # edge nearest the equator
            count = max(1, min(full, math.ceil(full * math.cos(widest * _D2R))))
            ncols.append(count)
            row_start.append(start)
            start += count
        self._ncols = ncols
        self._row_start = row_start
        self._cells: dict[int, Cell] = {}
        self._subgrids: dict[int, _SubGrid] = {}
        self._lats = lats
        self._lons = lons
        gc_was_enabled = gc.isenabled()
        gc.disable()  # a million small lists: the cyclic collector would re-scan them again and again
        try:
            self._members = self._build(lats, lons)
        finally:
            if gc_was_enabled:
                gc.enable()

    # ----- building ------------------------------------------------------------------------------------
    def _build(self, lats: Sequence[float], lons: Sequence[float]) -> dict[int, list[int]]:
        # Only the cell membership is computed here; unit vectors are computed per cell on first use, which
        # keeps the build of a million points well under the 2 s budget.
        nrows, ncols, row_start = self._nrows, self._ncols, self._row_start
        inv_row = 1.0 / self._row_deg
        last = nrows - 1
        rows = [min(int((lat + 90.0) * inv_row), last) for lat in lats]
        keys = [
            row_start[i] + int((lon + 180.0) * ncols[i] / 360.0) % ncols[i]
            for i, lon in zip(rows, lons, strict=True)
        ]
        members: dict[int, list[int]] = {}
        for idx, key in enumerate(keys):
            bucket = members.get(key)
            if bucket is None:
                members[key] = [idx]
            else:
                bucket.append(idx)
        return members

    def _vectors(self, ids: list[int]) -> Cell:
        lats, lons = self._lats, self._lons
        cos, sin = math.cos, math.sin
        xs: list[float] = []
        ys: list[float] = []
        zs: list[float] = []
        for idx in ids:
            phi, lam = lats[idx] * _D2R, lons[idx] * _D2R
            cp = cos(phi)
            xs.append(cp * cos(lam))
            ys.append(cp * sin(lam))
            zs.append(sin(phi))
        return ids, xs, ys, zs

    def _cell(self, key: int) -> Cell | None:
        cell = self._cells.get(key)
        if cell is None:
            ids = self._members.get(key)
            if ids is None:
                return None
            cell = self._cells[key] = self._vectors(ids)
        return cell

    def _subgrid(self, key: int, row: int, col: int) -> _SubGrid:
        sub = self._subgrids.get(key)
        if sub is None:
            ids = self._members[key]
            m = max(2, math.ceil(math.sqrt(len(ids) / 4)))
            width = 360.0 / self._ncols[row]
            lat_s = -90.0 + row * self._row_deg
            lon_w = -180.0 + col * width
            sub = _SubGrid(lat_s, self._row_deg / m, width / m, m)
            groups: dict[int, list[int]] = {}
            last = m - 1
            for idx in ids:
                si = min(last, max(0, int((self._lats[idx] - lat_s) / sub.dlat)))
                # (lon + 180) % 360 puts longitude 180 with -180, as the cell keys do
                sj = min(last, max(0, int((((self._lons[idx] + 180.0) % 360.0) - 180.0 - lon_w) / sub.dlon)))
                groups.setdefault(si * m + sj, []).append(idx)
            sub.cells = {sk: self._vectors(group) for sk, group in groups.items()}
            self._subgrids[key] = sub
        return sub

    # ----- queries -------------------------------------------------------------------------------------
    @staticmethod
    def _box(lat: float, lon: float, rho: float) -> tuple[float, float, float, float, bool]:
        """The bounding box (degrees) of the cap of angular radius ``rho`` (radians); longitudes unwrapped."""
        phi = lat * _D2R
        lat_min, lat_max = phi - rho, phi + rho
        full_lon = lat_max >= math.pi / 2 or lat_min <= -math.pi / 2 or rho >= math.pi / 2
        lon_lo = lon_hi = 0.0
        if not full_lon:
            ratio = math.sin(rho) / math.cos(phi)
            if ratio >= 1.0:
                full_lon = True
            else:
                d_lon = math.asin(ratio) / _D2R
                lon_lo, lon_hi = lon - d_lon, lon + d_lon
        return max(lat_min / _D2R, -90.0), min(lat_max / _D2R, 90.0), lon_lo, lon_hi, full_lon

    def _scan(
        self,
        box: tuple[float, float, float, float, bool],
        seen: set[object],
        q: tuple[float, float, float],
        accept: Callable[[int], bool] | None,
        out: list[tuple[float, int]],
    ) -> None:
        lat_lo, lat_hi, lon_lo, lon_hi, full_lon = box
        row_deg = self._row_deg
        i0 = max(0, int((lat_lo + 90.0) / row_deg))
        i1 = min(self._nrows - 1, int((lat_hi + 90.0) / row_deg))
        members = self._members
        for i in range(i0, i1 + 1):
            nc, base = self._ncols[i], self._row_start[i]
            whole_row = full_lon
            if not whole_row:
                j0 = math.floor((lon_lo + 180.0) * nc / 360.0)
                j1 = math.floor((lon_hi + 180.0) * nc / 360.0)
                whole_row = j1 - j0 + 1 >= nc
            columns = range(nc) if whole_row else range(j0, j1 + 1)
            for j in columns:
                key = base + j % nc
                ids = members.get(key)
                if ids is None:
                    continue
                if len(ids) <= SPLIT_AT:
                    if key not in seen:
                        seen.add(key)
                        _scan_cell(self._cell(key), q, accept, out)  # type: ignore[arg-type]
                    continue
                sub = self._subgrid(key, i, j % nc)
                last = sub.m - 1
                si0 = min(last, max(0, int((lat_lo - sub.lat_s) / sub.dlat)))
                si1 = min(last, max(0, int((lat_hi - sub.lat_s) / sub.dlat)))
                if whole_row:
                    sj0, sj1 = 0, last
                else:
                    lon_w = -180.0 + j * (360.0 / nc)  # unwrapped, like lon_lo/lon_hi
                    sj0 = min(last, max(0, math.floor((lon_lo - lon_w) / sub.dlon)))
                    sj1 = min(last, max(0, math.floor((lon_hi - lon_w) / sub.dlon)))
                for si in range(si0, si1 + 1):
                    for sj in range(sj0, sj1 + 1):
                        sk = si * sub.m + sj
                        cell = sub.cells.get(sk)
                        if cell is not None and (key, sk) not in seen:
                            seen.add((key, sk))
                            _scan_cell(cell, q, accept, out)

    @staticmethod
    def _angle(chord2: float) -> float:
        return 2.0 * math.asin(min(1.0, math.sqrt(chord2) / 2.0))

    def _local_count(self, lat: float, lon: float) -> int:
        i = min(int((lat + 90.0) / self._row_deg), self._nrows - 1)
        nc = self._ncols[i]
        ids = self._members.get(self._row_start[i] + int((lon + 180.0) * nc / 360.0) % nc)
        return len(ids) if ids else 0

    def nearest(
        self, lat: float, lon: float, k: int, accept: Callable[[int], bool] | None = None
    ) -> list[tuple[float, int]]:
        """The ``k`` nearest accepted points as ``(great-circle km, index)``, nearest first (fewer if fewer
        exist)."""
        if k <= 0 or self.size == 0:
            return []
        q = _unit(lat, lon)
        local = self._local_count(lat, lon)
        if local > k:
            # A crowded cell: a radius expected to hold about k of its points.
            rho = max(self._row_deg * _D2R * math.sqrt(k / local) * 0.7, 1e-7)
        else:
            # The radius expected to hold k uniform points (cap area 2π(1-cos ρ) ≈ πρ² = 4πk/n).
            rho = max(math.sqrt(4.0 * k / self.size), self._row_deg * _D2R * 0.5)
        seen: set[object] = set()
        found: list[tuple[float, int]] = []
        while True:
            self._scan(self._box(lat, lon, rho), seen, q, accept, found)
            if len(found) >= k:
                best = heapq.nsmallest(k, found)
                kth = self._angle(best[-1][0])
                if kth <= rho:
                    return [(self._angle(c2) * EARTH_RADIUS_KM, idx) for c2, idx in best]
                rho = kth  # every point within the k-th candidate's distance is found by one more scan
            elif rho >= math.pi:
                return [(self._angle(c2) * EARTH_RADIUS_KM, idx) for c2, idx in sorted(found)]
            else:
                rho = min(math.pi, rho * 2.0)

    def within(
        self, lat: float, lon: float, km: float, accept: Callable[[int], bool] | None = None
    ) -> list[tuple[float, int]]:
        """Every accepted point within ``km`` (great circle), nearest first."""
        rho = min(math.pi, km / EARTH_RADIUS_KM)
        found: list[tuple[float, int]] = []
        self._scan(self._box(lat, lon, rho), set(), _unit(lat, lon), accept, found)
        result = [(self._angle(c2) * EARTH_RADIUS_KM, idx) for c2, idx in found]
        return sorted(item for item in result if item[0] <= km)


def _scan_cell(
    cell: Cell,
    q: tuple[float, float, float],
    accept: Callable[[int], bool] | None,
    out: list[tuple[float, int]],
) -> None:
    xq, yq, zq = q
    ids, xs, ys, zs = cell
    if accept is None:
        for idx, x, y, z in zip(ids, xs, ys, zs, strict=True):
            dx, dy, dz = x - xq, y - yq, z - zq
            out.append((dx * dx + dy * dy + dz * dz, idx))
    else:
        for idx, x, y, z in zip(ids, xs, ys, zs, strict=True):
            if accept(idx):
                dx, dy, dz = x - xq, y - yq, z - zq
                out.append((dx * dx + dy * dy + dz * dz, idx))


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = lat * _D2R, lon * _D2R
    cp = math.cos(phi)
    return cp * math.cos(lam), cp * math.sin(lam), math.sin(phi)


def brute_force_nearest(
    lats: Sequence[float], lons: Sequence[float], lat: float, lon: float, k: int
) -> list[tuple[float, int]]:
    """The baseline: haversine to every point, then the k smallest (for tests and benchmarks)."""
    from companion.clinics.geo import haversine_km

    return heapq.nsmallest(
        k, ((haversine_km(lat, lon, a, b), i) for i, (a, b) in enumerate(zip(lats, lons, strict=True)))
    )
