"""Distances on the Earth (pure ``math``; geopy is imported only for the exact geodesic of the rows shown).

- Ranking uses the haversine on a sphere of the IUGG mean radius R1 = 6371.0088 km (Moritz 1980, "Geodetic
  Reference System 1980"): h = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2), d = 2R·asin(√h). h is monotone in d.
- What is shown is the geodesic on the WGS-84 ellipsoid (Karney 2013, "Algorithms for geodesics", through
  ``geopy.distance.geodesic``). The sphere differs from the ellipsoid by well under 1 % (the meridian radius
  of curvature ranges from b²/a ≈ 6335.4 km to a²/b ≈ 6399.6 km), which ``SPHERE_ERROR`` bounds with a margin.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
#: Upper bound of |spherical - geodesic| / geodesic for the mean-radius sphere (measured max 0.56 %).
SPHERE_ERROR = 0.01


class CoordinateError(ValueError):
    """Latitude/longitude outside the valid range or not a number (message is for humans)."""


def check_coordinates(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) as floats with longitude normalised to [-180, 180); ``CoordinateError`` when impossible."""
    from companion.i18n import _

    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise CoordinateError(_("Coordinates must be numbers.")) from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise CoordinateError(_("Coordinates must be finite numbers."))
    if not -90.0 <= lat_f <= 90.0:
        raise CoordinateError(_("Latitude {lat} is outside -90..90.").format(lat=f"{lat_f:g}"))
    if not -180.0 <= lon_f <= 180.0:
        raise CoordinateError(_("Longitude {lon} is outside -180..180.").format(lon=f"{lon_f:g}"))
    return lat_f, normalize_lon(lon_f)


def normalize_lon(lon: float) -> float:
    """Longitude in [-180, 180) (unchanged, bit for bit, when it already is)."""
    if -180.0 <= lon < 180.0:
        return lon
    value = math.fmod(lon + 180.0, 360.0)
    if value < 0:
        value += 360.0
    return value - 180.0


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    cos_phi = math.cos(phi)
    return cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def chord_to_km(chord: float) -> float:
    """Great-circle distance for a chord between two unit vectors (the chord is monotone in the angle)."""
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2))


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Exact WGS-84 geodesic distance (Karney's algorithm via geopy)."""
    from geopy.distance import geodesic

    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def osm_url(lat: float, lon: float, zoom: int = 17) -> str:
    """An openstreetmap.org link with a marker (https://wiki.openstreetmap.org/wiki/Browsing#Adding_a_marker)."""
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map={zoom}/{lat:.6f}/{lon:.6f}"


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870 ``geo:`` URI."""
    return f"geo:{lat:.6f},{lon:.6f}"
