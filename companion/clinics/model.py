"""What the clinic finder talks about: clinics, places and search results (pure dataclasses, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from companion.i18n import N_

#: Known service ids and their (untranslated) labels; directories may use others, shown as they are.
SERVICES: dict[str, str] = {
    "allurion_balloon": N_("Allurion gastric balloon"),
    "gastric_balloon": N_("Gastric balloon"),
    "bariatric_surgery": N_("Bariatric surgery"),
    "weight_management": N_("Weight management"),
    "dietitian": N_("Dietitian"),
    "psychology": N_("Psychological support"),
    "endoscopy": N_("Endoscopy"),
    "general_practice": N_("General practice"),
}

#: Languages clinics commonly list (ISO 639-1 code → endonym).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
}


def service_label(service_id: str) -> str:
    from companion.i18n import _

    label = SERVICES.get(service_id)
    return _(label) if label else service_id.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""

    def line(self) -> str:
        town = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.street, town, self.country) if part)


@dataclass(frozen=True, slots=True)
class Clinic:
    """One entry of a clinic directory. ``id`` is stable across directory refreshes (e.g.
    ``osm:node/123``)."""

    id: str
    name: str
    lat: float
    lon: float
    address: Address = field(default_factory=Address)
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""
    services: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    matrix_id: str = ""
    source: str = ""
    verified: str = ""
    sample: bool = False
    timezone: str = ""  # IANA name (e.g. Europe/Amsterdam); "" means: the user's own time zone

    def local_time(self, now: datetime) -> datetime:
        """``now`` on the clinic's clock (for "open now"); unchanged without a known time zone."""
        if not self.timezone:
            return now
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return now.astimezone(ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            return now

    def osm_url(self) -> str:
        from companion.clinics.geo import osm_url

        return osm_url(self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class Location:
    """Where the user is searching from. ``source``: coordinates, gazetteer, nominatim, photon, saved."""

    lat: float
    lon: float
    label: str
    source: str
    country_code: str = ""
