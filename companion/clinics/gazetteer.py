"""The offline gazetteer: towns of 15,000+ people with their coordinates, shipped inside the package.

Data: GeoNames (https://www.geonames.org/), licensed CC BY 4.0; generated at development time by
``tests/clinics/make_gazetteer.py``. Loaded on first use (about a third of a second), never at import time.
Ambiguous names ("Sheffield": GB, US, AU...) return every candidate, the most populous first, preferring the
user's own country; "Town, Country" (a country code or name, or a US state) narrows the choice.
"""

from __future__ import annotations

import functools
import gzip
import unicodedata
from dataclasses import dataclass
from importlib import resources

ATTRIBUTION = "Place names: GeoNames (www.geonames.org), CC BY 4.0"


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country_code: str
    admin1: str
    lat: float
    lon: float
    population: int

    def label(self, gazetteer: Gazetteer | None = None) -> str:
        country = gazetteer.country_name(self.country_code) if gazetteer else self.country_code
        if self.country_code == "US" and self.admin1:
            return f"{self.name}, {self.admin1}, {country}"
        return f"{self.name}, {country}"


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "Den Haag" == "den-haag" == "DEN HAAG"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() else " " for ch in stripped.casefold())
    return " ".join(cleaned.replace("ß", "ss").split())


class Gazetteer:
    def __init__(self, places: list[Place], regions: dict[str, str]) -> None:
        self.places = places
        self._regions = regions
        self._by_name: dict[str, list[int]] = {}
        self._qualifiers: dict[str, str] = {}
        for key, name in regions.items():
            self._qualifiers[fold(name)] = key

    def _add(self, name: str, index: int) -> None:
        bucket = self._by_name.setdefault(fold(name), [])
        if index not in bucket:
            bucket.append(index)

    def country_name(self, code: str) -> str:
        return self._regions.get(code, code)

    def lookup(self, text: str, *, prefer_country: str = "") -> list[Place]:
        """Candidates for ``text`` ("Town" or "Town, Country/State"), best first; [] when unknown."""
        name, _sep, qualifier = text.partition(",")
        found = [self.places[i] for i in self._by_name.get(fold(name), [])]
        if qualifier.strip():
            wanted = self._resolve_qualifier(qualifier)
            found = [
                p
                for p in found
                if p.country_code in wanted or f"US.{p.admin1}" in wanted and p.country_code == "US"
            ]
        prefer = prefer_country.upper()
        return sorted(found, key=lambda p: (p.country_code != prefer, -p.population))

    def _resolve_qualifier(self, qualifier: str) -> set[str]:
        """Country codes and ``US.XX`` state keys a qualifier may mean ("IL": Israel or Illinois)."""
        key = fold(qualifier)
        wanted: set[str] = set()
        if len(key) == 2:
            upper = key.upper()
            wanted.update(code for code in (upper, f"US.{upper}") if code in self._regions)
        found = self._qualifiers.get(key) or _ALIASES.get(key)
        if found is not None:
            wanted.add(found)
        return wanted


_ALIASES = {
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "usa": "US",
    "united states of america": "US",
    "holland": "NL",
    "netherlands": "NL",
    "nederland": "NL",
    "deutschland": "DE",
    "belgie": "BE",
    "belgique": "BE",
}


def _read(name: str) -> bytes:
    return (resources.files("companion.clinics") / "data" / name).read_bytes()


@functools.cache
def gazetteer() -> Gazetteer:
    """The bundled gazetteer (loaded once, on first use)."""
    regions: dict[str, str] = {}
    for line in _read("regions.tsv").decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _tab, name = line.partition("\t")
            regions[code] = name
    places: list[Place] = []
    text = gzip.decompress(_read("gazetteer.tsv.gz")).decode("utf-8")
    result = Gazetteer(places, regions)
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, cc, admin1, lat, lon, pop, alts = line.split("\t")
        index = len(places)
        places.append(Place(name, cc, admin1, float(lat), float(lon), int(pop)))
        result._add(name, index)
        if alts:
            for alt in alts.split("|"):
                result._add(alt, index)
    return result
