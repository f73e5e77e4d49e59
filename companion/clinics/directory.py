"""Clinic directories: a GeoJSON FeatureCollection (RFC 7946) of Point features, one per clinic.

Layout (``schema_version`` 1; foreign members are allowed by RFC 7946 §6.1)::

    {"type": "FeatureCollection", "schema_version": 1, "generated": "2026-11-25T00:00:00Z",
     "sample": false, "attribution": ["© OpenStreetMap contributors, ODbL 1.0"],
     "features": [{"type": "Feature", "id": "osm:node/123",
                   "geometry": {"type": "Point", "coordinates": [4.8952, 52.3702]},      # [lon, lat], WGS-84
                   "properties": {"name": "…", "addr": {"street", "city", "postcode", "country"},
                                  "phone", "email", "website", "opening_hours" (OSM syntax),
                                  "services": ["allurion_balloon", …], "languages": ["nl", "en"],
                                  "matrix_id": "@clinic:example.org", "source": "osm",
                                  "verified": "YYYY-MM-DD", "timezone": "Europe/Amsterdam"}}]}

Loading is forgiving feature by feature: a feature with bad coordinates, no name or a duplicate id is skipped
with a specific ``DirectoryProblem`` and the rest of the directory still loads. Only a file that is not JSON
or not a FeatureCollection at all raises ``DirectoryError``. Nothing is read at import time: the bundled
sample is loaded on first use (``bundled_directory()``) and its index is built on the first search.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.clinics.model import Address, Clinic
from companion.i18n import _
from companion.text import plain

if TYPE_CHECKING:
    from companion.clinics.index import GridIndex

SCHEMA_VERSION = 1
BUNDLED_FILE = "sample_clinics.geojson"
_MATRIX_ID = re.compile(r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:\d{1,5})?$")
_MAX_TEXT = 500


class DirectoryError(ValueError):
    """The file cannot be used as a directory at all (message is for humans)."""


@dataclass(frozen=True, slots=True)
class DirectoryProblem:
    """One feature that was skipped or repaired, and why."""

    position: int  # 0-based index in "features" (or "elements" for Overpass)
    ref: str  # the feature's id or name when it has one
    message: str

    def describe(self) -> str:
        where = _("feature {n}").format(n=self.position + 1)
        return f"{where} ({self.ref}): {self.message}" if self.ref else f"{where}: {self.message}"


@dataclass
class ClinicDirectory:
    """Clinics from one or more sources, with a lazily built spatial index."""

    clinics: list[Clinic]
    name: str = ""
    attribution: tuple[str, ...] = ()
    problems: list[DirectoryProblem] = field(default_factory=list)
    generated: str = ""
    sample: bool = False
    _index: GridIndex | None = field(default=None, init=False, repr=False)
    _by_id: dict[str, int] | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.clinics)

    @property
    def index(self) -> GridIndex:
        if self._index is None:
            from companion.clinics.index import GridIndex

            self._index = GridIndex([c.lat for c in self.clinics], [c.lon for c in self.clinics])
        return self._index

    def get(self, clinic_id: str) -> Clinic | None:
        if self._by_id is None:
            self._by_id = {c.id: i for i, c in enumerate(self.clinics)}
        found = self._by_id.get(clinic_id)
        return None if found is None else self.clinics[found]

    def services(self) -> list[str]:
        return sorted({s for c in self.clinics for s in c.services})

    def languages(self) -> list[str]:
        return sorted({lang for c in self.clinics for lang in c.languages})


# ----- parsing -----------------------------------------------------------------------------------------
def _text(value: Any, limit: int = _MAX_TEXT) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    return " ".join(plain(value).split())[:limit]  # escape sequences and control characters removed


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list):
        return ()
    out: list[str] = []
    for item in value:
        text = _text(item, 80)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _point(feature: dict[str, Any]) -> tuple[float, float] | str:
    """(lat, lon) or the reason it is unusable."""
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return _("no geometry")
    if geometry.get("type") != "Point":
        return _("geometry is {kind}, not a Point").format(kind=_text(geometry.get("type"), 40) or "?")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return _("coordinates must be [longitude, latitude]")
    lon, lat = coords[0], coords[1]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lon, lat)):
        return _("coordinates are not numbers")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return _("coordinates are not finite numbers")
    if not -90 <= lat <= 90:
        return _("latitude {lat} is outside -90..90 (are longitude and latitude swapped?)").format(
            lat=f"{lat:g}"
        )
    if not -180 <= lon <= 180:
        return _("longitude {lon} is outside -180..180").format(lon=f"{lon:g}")
    return float(lat), float(lon)


def _fallback_id(name: str, lat: float, lon: float) -> str:
    digest = hashlib.sha1(f"{name}|{lat:.5f}|{lon:.5f}".encode()).hexdigest()[:12]
    return f"anon:{digest}"


_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")


def _timezone(value: Any) -> str:
    """An IANA time zone name, or "" (checked for shape only; unknown zones fall back to local time)."""
    text = _text(value, 60)
    return text if _TZ_NAME.match(text) else ""


def clinic_from_feature(feature: Any, position: int) -> Clinic | DirectoryProblem:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return DirectoryProblem(position, "", _("not a GeoJSON Feature"))
    props = feature.get("properties")
    if not isinstance(props, dict):
        props = {}
    raw_id = feature.get("id", props.get("id"))
    ref = _text(raw_id, 120) or _text(props.get("name"), 120)
    name = _text(props.get("name"), 200)
    if not name:
        return DirectoryProblem(position, ref, _("no name"))
    point = _point(feature)
    if isinstance(point, str):
        return DirectoryProblem(position, ref, point)
    lat, lon = point
    raw_addr = props.get("addr")
    addr: dict[str, Any] = raw_addr if isinstance(raw_addr, dict) else {}
    matrix_id = _text(props.get("matrix_id"), 255)
    if matrix_id and not _MATRIX_ID.match(matrix_id):
        matrix_id = ""
    return Clinic(
        id=_text(raw_id, 120) or _fallback_id(name, lat, lon),
        name=name,
        lat=lat,
        lon=lon,
        address=Address(
            street=_text(addr.get("street")),
            city=_text(addr.get("city")),
            postcode=_text(addr.get("postcode"), 20),
            country=_text(addr.get("country"), 60),
        ),
        phone=_text(props.get("phone"), 60),
        email=_text(props.get("email"), 120),
        website=_text(props.get("website"), 300)
        if str(props.get("website", "")).startswith(("http://", "https://"))
        else "",
        opening_hours=_text(props.get("opening_hours"), 300),
        services=_str_list(props.get("services")),
        languages=tuple(lang.lower() for lang in _str_list(props.get("languages"))),
        matrix_id=matrix_id,
        source=_text(props.get("source"), 40),
        verified=_text(props.get("verified"), 20),
        timezone=_timezone(props.get("timezone")),
    )


def parse_directory(data: Any, *, name: str = "") -> ClinicDirectory:
    """A directory from parsed GeoJSON; ``DirectoryError`` only when it is not a FeatureCollection at all."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DirectoryError(
            _("{name} is not a GeoJSON FeatureCollection.").format(name=name or _("The file"))
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise DirectoryError(_("{name} has no list of features.").format(name=name or _("The file")))
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise DirectoryError(
            _(
                "{name} uses directory format {version}; this version of Companion reads format {known}."
            ).format(name=name or _("The file"), version=version, known=SCHEMA_VERSION)
        )
    sample = data.get("sample") is True
    clinics: list[Clinic] = []
    problems: list[DirectoryProblem] = []
    seen: set[str] = set()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects at once (a large directory): skip the repeated cyclic collections
    try:
        for position, feature in enumerate(features):
            item = clinic_from_feature(feature, position)
            if isinstance(item, DirectoryProblem):
                problems.append(item)
                continue
            if item.id in seen:
                problems.append(DirectoryProblem(position, item.id, _("duplicate id; the first one is kept")))
                continue
            seen.add(item.id)
            if sample:
                item = _as_sample(item)
            clinics.append(item)
    finally:
        if gc_was_enabled:
            gc.enable()
    attribution = data.get("attribution")
    return ClinicDirectory(
        clinics=clinics,
        name=name,
        attribution=_str_list(attribution) if isinstance(attribution, list) else (),
        problems=problems,
        generated=_text(data.get("generated"), 40),
        sample=sample,
    )


def _as_sample(clinic: Clinic) -> Clinic:
    from dataclasses import replace

    return replace(clinic, sample=True)


def parse_directory_text(text: str | bytes, *, name: str = "") -> ClinicDirectory:
    try:
        data = json.loads(text)
    except UnicodeDecodeError:
        raise DirectoryError(_("{name} is not UTF-8 text.").format(name=name or _("The file"))) from None
    except json.JSONDecodeError as exc:
        raise DirectoryError(
            _("{name} is not valid JSON (line {line}, column {column}: {error}).").format(
                name=name or _("The file"), line=exc.lineno, column=exc.colno, error=exc.msg
            )
        ) from None
    except RecursionError:
        raise DirectoryError(
            _("{name} is nested too deeply to be a directory.").format(name=name or _("The file"))
        ) from None
    return parse_directory(data, name=name)


def load_directory(path: Path) -> ClinicDirectory:
    """Read a directory file; ``DirectoryError`` with a human message when it cannot be used."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DirectoryError(_("No such file: {path}").format(path=path)) from None
    except IsADirectoryError:
        raise DirectoryError(_("{path} is a folder, not a directory file.").format(path=path)) from None
    except OSError as exc:
        raise DirectoryError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from None
    return parse_directory_text(raw, name=Path(path).name)


@functools.cache
def bundled_directory() -> ClinicDirectory:
    """The SAMPLE directory shipped inside the package (read on first use, then cached)."""
    from importlib import resources

    raw = (resources.files("companion.clinics") / "data" / BUNDLED_FILE).read_bytes()
    return parse_directory_text(raw, name=_("sample directory"))


def merge(directories: Iterable[ClinicDirectory], name: str = "") -> ClinicDirectory:
    """One directory from several; a later source's clinic replaces an earlier one with the same id."""
    by_id: dict[str, Clinic] = {}
    attribution: list[str] = []
    problems: list[DirectoryProblem] = []
    sample = False
    for directory in directories:
        for clinic in directory.clinics:
            by_id[clinic.id] = clinic
        attribution.extend(a for a in directory.attribution if a not in attribution)
        problems.extend(directory.problems)
        sample = sample or directory.sample
    merged = ClinicDirectory(
        list(by_id.values()), name=name, attribution=tuple(attribution), problems=problems
    )
    merged.sample = sample
    return merged


# ----- writing -----------------------------------------------------------------------------------------
def clinic_to_feature(clinic: Clinic) -> dict[str, Any]:
    props: dict[str, Any] = {"name": clinic.name}
    addr = {
        k: getattr(clinic.address, k)
        for k in ("street", "city", "postcode", "country")
        if getattr(clinic.address, k)
    }
    if addr:
        props["addr"] = addr
    for key in ("phone", "email", "website", "opening_hours", "matrix_id", "source", "verified", "timezone"):
        value = getattr(clinic, key)
        if value:
            props[key] = value
    if clinic.services:
        props["services"] = list(clinic.services)
    if clinic.languages:
        props["languages"] = list(clinic.languages)
    return {
        "type": "Feature",
        "id": clinic.id,
        "geometry": {"type": "Point", "coordinates": [round(clinic.lon, 7), round(clinic.lat, 7)]},
        "properties": props,
    }


def directory_to_geojson(
    clinics: Iterable[Clinic], *, generated: str, attribution: Iterable[str] = (), sample: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "FeatureCollection",
        "schema_version": SCHEMA_VERSION,
        "generated": generated,
        "attribution": list(attribution),
    }
    if sample:
        data["sample"] = True
    data["features"] = [clinic_to_feature(c) for c in clinics]
    return data
