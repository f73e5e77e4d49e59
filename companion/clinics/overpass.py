"""Overpass API JSON → Companion's clinic directory (a maintainer's tool, never run by a patient's app).

Input is the JSON an Overpass query such as the one below returns (``out center tags`` gives ways and
relations a centre point; https://dev.overpass-api.de/overpass-doc/en/ ,
https://overpass-api.de/output_formats.html)::

    [out:json][timeout:60];
    ( nwr["amenity"="clinic"](area); nwr["healthcare"="clinic"](area);
      nwr["healthcare:speciality"~"bariatric|obesity",i](area); );
    out center tags;

Tags used (https://wiki.openstreetmap.org/wiki/Key:healthcare , Key:healthcare:speciality, Key:opening_hours):
``name``, ``addr:*``, ``phone``/``contact:phone``, ``email``/``contact:email``,
``website``/``contact:website``, ``opening_hours``, ``healthcare:speciality`` (semicolon separated),
``language:XX=yes``, ``contact:matrix``. The result is a derived database of OpenStreetMap data and carries
its ODbL attribution.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from companion.clinics.directory import DirectoryError, DirectoryProblem, directory_to_geojson
from companion.clinics.model import Address, Clinic
from companion.i18n import _
from companion.text import plain

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"

#: healthcare:speciality values (and name keywords) → Companion service ids. There is no documented bariatric
#: speciality value, so weight-related words are matched too.
_SPECIALITY_SERVICES: dict[str, str] = {
    "bariatric": "bariatric_surgery",
    "bariatric_surgery": "bariatric_surgery",
    "obesity": "weight_management",
    "weight_loss": "weight_management",
    "nutrition": "dietitian",
    "dietetics": "dietitian",
    "psychiatry": "psychology",
    "psychotherapist": "psychology",
    "gastroenterology": "endoscopy",
    "general": "general_practice",
}
_NAME_SERVICES = (
    (re.compile(r"allurion", re.I), "allurion_balloon"),
    (re.compile(r"(gastric|maag)\s*ballo", re.I), "gastric_balloon"),
    (re.compile(r"bariatri", re.I), "bariatric_surgery"),
    (re.compile(r"weight\s*loss|obesi|overgewicht|obesitas", re.I), "weight_management"),
)


@dataclass
class OverpassImport:
    geojson: dict[str, Any]
    imported: int
    problems: list[DirectoryProblem] = field(default_factory=list)


def _tag(tags: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = tags.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(plain(value).split())[:300]
    return ""


def _services(tags: dict[str, Any], name: str) -> tuple[str, ...]:
    found: list[str] = []
    for value in _tag(tags, "healthcare:speciality").lower().split(";"):
        service = _SPECIALITY_SERVICES.get(value.strip())
        if service and service not in found:
            found.append(service)
    for pattern, service in _NAME_SERVICES:
        if pattern.search(name) and service not in found:
            found.append(service)
    return tuple(found)


def _element_point(element: dict[str, Any]) -> tuple[float, float] | None:
    source = element if "lat" in element else element.get("center")
    if not isinstance(source, dict):
        return None
    lat, lon = source.get("lat"), source.get("lon")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def clinic_from_element(element: Any, position: int) -> Clinic | DirectoryProblem:
    if not isinstance(element, dict):
        return DirectoryProblem(position, "", _("not an OSM element"))
    kind, osm_id = element.get("type"), element.get("id")
    if kind not in ("node", "way", "relation") or isinstance(osm_id, bool) or not isinstance(osm_id, int):
        return DirectoryProblem(position, "", _("no OSM type and id"))
    ref = f"osm:{kind}/{osm_id}"
    raw_tags = element.get("tags")
    tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
    name = _tag(tags, "name", "official_name", "brand")
    if not name:
        return DirectoryProblem(position, ref, _("no name tag"))
    point = _element_point(element)
    if point is None:
        return DirectoryProblem(
            position, ref, _("no valid coordinates (for ways and relations use `out center`)")
        )
    street = " ".join(p for p in (_tag(tags, "addr:street"), _tag(tags, "addr:housenumber")) if p)
    languages = tuple(
        key.split(":", 1)[1]
        for key, value in sorted(tags.items())
        if isinstance(key, str) and re.fullmatch(r"language:[a-z]{2}", key) and value == "yes"
    )
    matrix = _tag(tags, "contact:matrix")
    website = _tag(tags, "website", "contact:website")
    return Clinic(
        id=ref,
        name=name,
        lat=point[0],
        lon=point[1],
        address=Address(
            street=street,
            city=_tag(tags, "addr:city", "addr:place"),
            postcode=_tag(tags, "addr:postcode"),
            country=_tag(tags, "addr:country"),
        ),
        phone=_tag(tags, "phone", "contact:phone"),
        email=_tag(tags, "email", "contact:email"),
        website=website if website.startswith(("http://", "https://")) else "",
        opening_hours=_tag(tags, "opening_hours"),
        services=_services(tags, name),
        languages=languages,
        matrix_id=matrix if matrix.startswith("@") else "",
        source="osm",
    )


def import_overpass(data: Any, *, generated: str) -> OverpassImport:
    """Convert parsed Overpass JSON; bad elements are skipped with a specific problem each."""
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise DirectoryError(_('This is not Overpass JSON: there is no list of "elements".'))
    clinics: list[Clinic] = []
    problems: list[DirectoryProblem] = []
    seen: set[str] = set()
    for position, element in enumerate(data["elements"]):
        item = clinic_from_element(element, position)
        if isinstance(item, DirectoryProblem):
            problems.append(item)
        elif item.id in seen:
            problems.append(
                DirectoryProblem(position, item.id, _("duplicate element; the first one is kept"))
            )
        else:
            seen.add(item.id)
            clinics.append(item)
    raw_osm3s = data.get("osm3s")
    osm3s: dict[str, Any] = raw_osm3s if isinstance(raw_osm3s, dict) else {}
    attribution = [OSM_ATTRIBUTION]
    base = osm3s.get("timestamp_osm_base")
    if isinstance(base, str) and base:
        attribution.append(f"OpenStreetMap data as of {base[:40]}")
    geojson = directory_to_geojson(clinics, generated=generated, attribution=attribution)
    return OverpassImport(geojson, len(clinics), problems)


def import_overpass_text(text: str | bytes, *, generated: str) -> OverpassImport:
    head = text[:200].decode("utf-8", "replace") if isinstance(text, bytes) else text[:200]
    if head.lstrip().startswith("<"):
        raise DirectoryError(
            _(
                "This is HTML or XML, not Overpass JSON (an Overpass error page, or a query without "
                "[out:json]?)."
            )
        )
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, RecursionError):
        raise DirectoryError(_("This is not UTF-8 JSON text.")) from None
    except json.JSONDecodeError as exc:
        raise DirectoryError(
            _("This is not valid JSON (line {line}, column {column}: {error}).").format(
                line=exc.lineno, column=exc.colno, error=exc.msg
            )
        ) from None
    return import_overpass(data, generated=generated)
