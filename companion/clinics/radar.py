"""A small offline "radar" instead of a map: you at the centre, the clinics as numbers, a ring at the radius.

Pure text: positions are projected equirectangularly around the user (x = Δλ·cos φ, y = Δφ, in km), which is
accurate enough at clinic-finding distances; terminal cells are about twice as tall as wide, so one column is
half a row's distance. Clinics beyond the edge are pinned to the border in their direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from companion.clinics.geo import EARTH_RADIUS_KM

YOU = "@"
RING = "·"


@dataclass(frozen=True, slots=True)
class RadarMark:
    number: int
    row: int
    col: int
    outside: bool  # pinned to the border


@dataclass(frozen=True, slots=True)
class Radar:
    lines: tuple[str, ...]
    marks: tuple[RadarMark, ...]
    scale_km: float  # distance from the centre to the ring (the left/right edge)
    centre: tuple[int, int]


def _offset_km(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    d_lon = (lon - lon0 + 540.0) % 360.0 - 180.0  # across the antimeridian the short way
    x = math.radians(d_lon) * math.cos(math.radians(lat0)) * EARTH_RADIUS_KM
    y = math.radians(lat - lat0) * EARTH_RADIUS_KM
    return x, y


def _symbol(number: int) -> str:
    return str(number) if number < 10 else chr(ord("A") + number - 10) if number < 36 else "+"


def _free_cell(grid: list[list[str]], row: int, col: int) -> tuple[int, int]:
    """The nearest cell that holds neither the user nor another clinic (so no number hides another)."""
    height, width = len(grid), len(grid[0])
    for reach in range(0, 3):
        for d_row in range(-reach, reach + 1):
            for d_col in (0, 1, -1, 2, -2):
                r, c = row + d_row, col + d_col
                if 0 <= r < height and 0 <= c < width and (grid[r][c] in (" ", RING)):
                    return r, c
    return row, col


def build_radar(
    lat: float,
    lon: float,
    points: list[tuple[float, float]],
    *,
    radius_km: float | None,
    width: int = 25,
    height: int = 11,
) -> Radar:
    """Radar lines for ``points`` (lat, lon) numbered 1, 2, ... in the given order."""
    width = max(width | 1, 7)
    height = max(height | 1, 5)
    cx, cy = width // 2, height // 2
    offsets = [_offset_km(lat, lon, p_lat, p_lon) for p_lat, p_lon in points]
    farthest = max((math.hypot(x, y) for x, y in offsets), default=0.0)
    scale = radius_km if radius_km else farthest
    if not scale or scale <= 0:
        scale = 1.0
    grid = [[" "] * width for _row in range(height)]
    # The ring: where the radius falls (x spans cx columns, y spans cy rows for the same distance).
    for step in range(360):
        angle = math.radians(step)
        col = round(cx + math.cos(angle) * cx)
        row = round(cy - math.sin(angle) * cy)
        if 0 <= row < height and 0 <= col < width:
            grid[row][col] = RING
    grid[0][cx] = "N"
    grid[cy][cx] = YOU
    marks: list[RadarMark] = []
    for number, (x, y) in enumerate(offsets, start=1):
        fx, fy = x / scale * cx, y / scale * cy
        outside = abs(fx) > cx or abs(fy) > cy
        if outside:
            factor = max(abs(fx) / cx, abs(fy) / cy)
            fx, fy = fx / factor, fy / factor
        row, col = _free_cell(grid, round(cy - fy), round(cx + fx))
        grid[row][col] = _symbol(number)
        marks.append(RadarMark(number, row, col, outside))
    return Radar(tuple("".join(r) for r in grid), tuple(marks), scale, (cy, cx))
