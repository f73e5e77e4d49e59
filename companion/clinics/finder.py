"""The clinic finder as one service for the CLI and the TUI: where am I, which clinics are near, my clinic.

Every use of a location asks the privacy gate first (purpose ``location``). Online geocoding happens only when
``config.toml`` configures it, sends only the place text, is cached in the store, and is recorded in the audit
log; without a configured geocoder nothing leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.clinics.directory import (
    ClinicDirectory,
    DirectoryError,
    bundled_directory,
    load_directory,
    merge,
)
from companion.clinics.geo import CoordinateError, check_coordinates
from companion.clinics.geocoding import GeocodeError, GeocoderConfig, OnlineGeocoder, geocoder_config
from companion.clinics.model import Clinic, Location
from companion.clinics.search import Filters, SearchResult, nearest_clinics
from companion.clock import SYSTEM_CLOCK, Clock
from companion.i18n import _

if TYPE_CHECKING:
    from companion.store import Store
    from companion.store.clinics import ClinicSelection

PURPOSE = "location"
_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_COORDS = re.compile(rf"^\s*({_NUMBER})\s*°?\s*([NSns])?\s*[,;\s]\s*({_NUMBER})\s*°?\s*([EWOew])?\s*$")
_POSTCODE_LIKE = re.compile(r"\d")


class LocationError(ValueError):
    """The place could not be turned into coordinates (message for humans)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where the search is centred, the other candidates for an ambiguous name, and notes to show."""

    location: Location
    candidates: tuple[Location, ...] = ()
    notes: tuple[str, ...] = ()


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"52.37, 4.89"``, ``"52.37 4.89"``, ``"52.37N 4.89E"`` → (lat, lon); None if it is not coordinates.

    ``CoordinateError`` when it is coordinates but impossible ones (latitude 95...).
    """
    match = _COORDS.match(text)
    if not match:
        return None
    lat = float(match[1].replace(",", "."))
    lon = float(match[3].replace(",", "."))
    if match[2] and match[2].upper() == "S":
        lat = -abs(lat)
    if match[4] and match[4].upper() == "W":
        lon = -abs(lon)
    return check_coordinates(lat, lon)


def _normalise_query(text: str) -> str:
    return " ".join(text.casefold().split())


class ClinicFinder:
    def __init__(
        self,
        store: Store | None,
        home: Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        geocoder_factory: Callable[[GeocoderConfig], OnlineGeocoder] | None = None,
        directory_files: list[Path] | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.clock = clock
        self._geocoder_factory = geocoder_factory or OnlineGeocoder
        self._directory_files = directory_files
        self._directory: ClinicDirectory | None = None
        self.directory_notes: list[str] = []

    # ----- consent -------------------------------------------------------------------------------------
    def require_consent(self) -> None:
        """``ProcessingNotAllowed`` unless the location consent is given (no store: nothing is kept,
        allowed)."""
        if self.store is not None:
            from companion.privacy import require

            require(self.store, PURPOSE)

    # ----- directory -----------------------------------------------------------------------------------
    def directory(self) -> ClinicDirectory:
        """The bundled sample plus the user's directories (or only ``directory_files`` when given)."""
        if self._directory is None:
            parts: list[ClinicDirectory] = []
            notes: list[str] = []
            files = self._directory_files
            if files is None:
                parts.append(bundled_directory())
                files = self._user_directory_files()
            for path in files:
                try:
                    parts.append(load_directory(path))
                except DirectoryError as exc:
                    if self._directory_files is not None:
                        raise
                    notes.append(str(exc))
            self._directory = merge(parts, name=", ".join(p.name for p in parts if p.name))
            self.directory_notes = notes
        return self._directory

    def _user_directory_files(self) -> list[Path]:
        if self.store is None:
            return []
        from companion.store.clinics import ClinicRecords

        return [Path(src.copy or src.location) for src in ClinicRecords(self.store).directories()]

    # ----- where am I ----------------------------------------------------------------------------------
    def locate(self, text: str, *, prefer_country: str = "") -> Resolution:
        """Resolve a place name, address, postcode or "lat, lon" (``LocationError`` /
        ``ProcessingNotAllowed``)."""
        self.require_consent()
        text = " ".join(text.split())
        if not text:
            raise LocationError(_('Type a town, a postcode or an address, or "lat, lon".'))
        if len(text) > 200:
            raise LocationError(_("That place text is too long (200 characters at most)."))
        try:
            coords = parse_coordinates(text)
        except CoordinateError as exc:
            raise LocationError(str(exc)) from None
        if coords is not None:
            label = f"{coords[0]:.5f}, {coords[1]:.5f}"
            return self._remembered(Resolution(Location(coords[0], coords[1], label, "coordinates")))
        try:
            config = geocoder_config(self.home)
        except GeocodeError as exc:
            return self._offline(text, prefer_country, notes=(str(exc),))
        if config.online and self.store is not None:
            return self._online(text, config, prefer_country)
        return self._offline(text, prefer_country)

    def locate_coordinates(self, lat: float, lon: float) -> Location:
        self.require_consent()
        try:
            lat, lon = check_coordinates(lat, lon)
        except CoordinateError as exc:
            raise LocationError(str(exc)) from None
        return self._remembered(
            Resolution(Location(lat, lon, f"{lat:.5f}, {lon:.5f}", "coordinates"))
        ).location

    def _offline(self, text: str, prefer_country: str, notes: tuple[str, ...] = ()) -> Resolution:
        from companion.clinics.gazetteer import gazetteer

        places = gazetteer()
        found = places.lookup(text, prefer_country=prefer_country)
        parts = [p.strip() for p in text.split(",")]
        if not found and len(parts) > 1:
            # "Damrak 1, 1012 LG Amsterdam": try what follows each comma, then each last word group.
            for start in range(1, len(parts)):
                found = places.lookup(", ".join(parts[start:]), prefer_country=prefer_country)
                if found:
                    notes = (*notes, _("Matched the town only; the offline list has no street addresses."))
                    break
        if not found:
            if _POSTCODE_LIKE.search(text):
                raise LocationError(
                    _(
                        "{text!r} looks like a postcode or address; offline, Companion knows only towns. "
                        "Type the "
                        'town, "lat, lon", or configure an online geocoder in config.toml.'
                    ).format(text=text)
                )
            raise LocationError(
                _(
                    "No town called {text!r} in the offline list (towns of 15,000+ people). Try a larger "
                    "town "
                    'nearby, "lat, lon", or configure an online geocoder.'
                ).format(text=text)
            )
        candidates = tuple(
            Location(p.lat, p.lon, p.label(places), "gazetteer", p.country_code) for p in found[:10]
        )
        return self._remembered(Resolution(candidates[0], candidates, notes))

    def _online(self, text: str, config: GeocoderConfig, prefer_country: str) -> Resolution:
        from companion.store.clinics import ClinicRecords

        assert self.store is not None
        records = ClinicRecords(self.store)
        provider = f"{config.provider}|{config.target}"
        query = _normalise_query(text)
        cached = records.cached_geocode(provider, query)
        notes: tuple[str, ...] = ()
        if cached is None:
            geocoder = self._geocoder_factory(config)
            try:
                found = geocoder.search(text)
            except GeocodeError as exc:
                try:
                    offline = self._offline(text, prefer_country)
                except LocationError:
                    raise LocationError(str(exc)) from None
                return replace(offline, notes=(str(exc), _("Used the offline list of towns instead.")))
            finally:
                # The place text left the machine (even when the request failed): record that, not the text.
                self.store.audit.record(
                    "geocode", config.target, _("place search text for the clinic finder")
                )
            cached = [{"lat": loc.lat, "lon": loc.lon, "label": loc.label} for loc in found]
            records.cache_geocode(provider, query, cached)
        else:
            notes = (_("From the local cache; nothing was sent."),)
        candidates = tuple(
            Location(float(c["lat"]), float(c["lon"]), str(c["label"]), config.kind) for c in cached
        )
        if not candidates:
            raise LocationError(
                _(
                    "The geocoder {host} does not know {text!r}. Check the spelling or add the town or "
                    "country."
                ).format(host=config.target, text=text)
            )
        return self._remembered(Resolution(candidates[0], candidates, notes))

    def _remembered(self, resolution: Resolution) -> Resolution:
        if self.store is not None:
            from companion.store.clinics import ClinicRecords

            records = ClinicRecords(self.store)
            if records.remember_location():
                loc = resolution.location
                records.save_location(loc.lat, loc.lon, loc.label, loc.source)
        return resolution

    def saved_location(self) -> Location | None:
        """The remembered last location, if the user opted in and consent is still given."""
        if self.store is None:
            return None
        from companion.privacy import allowed
        from companion.store.clinics import ClinicRecords

        if not allowed(self.store, PURPOSE):
            return None
        records = ClinicRecords(self.store)
        saved = records.saved_location() if records.remember_location() else None
        return None if saved is None else Location(saved.lat, saved.lon, saved.label, "saved")

    # ----- nearest clinics -----------------------------------------------------------------------------
    def search(self, location: Location, *, filters: Filters | None = None, limit: int = 10) -> SearchResult:
        self.require_consent()
        result = nearest_clinics(
            self.directory(), location.lat, location.lon, now=self.clock.now(), limit=limit, filters=filters
        )
        return replace(result, notes=tuple(self.directory_notes))

    # ----- my clinic -----------------------------------------------------------------------------------
    def select(self, clinic: Clinic) -> ClinicSelection:
        """Make ``clinic`` the active profile's clinic (Profile.clinic = its name) and record the change."""
        from companion.clinics.directory import clinic_to_feature
        from companion.store.clinics import ClinicRecords

        if self.store is None:
            raise LocationError(_("No profile yet; run `companion` or `companion profile init` first."))
        profile = self.store.profiles.active()
        if profile is None or profile.id is None:
            raise LocationError(_("No profile yet; run `companion` or `companion profile init` first."))
        with self.store.transaction():
            self.store.profiles.update(replace(profile, clinic=clinic.name))
            return ClinicRecords(self.store).record_selection(
                profile.id, clinic.id, clinic.name, clinic.matrix_id, clinic_to_feature(clinic)
            )

    def add_directory(self, source: str) -> ClinicDirectory:
        """Add a directory file or http(s) URL for future searches (checked first; ``DirectoryError``)."""
        from companion.store.clinics import ClinicRecords

        if self.store is None:
            raise LocationError(_("No profile yet; run `companion` or `companion profile init` first."))
        source = source.strip()
        if source.startswith(("https://", "http://")):
            from companion.clinics.fetch import download_directory

            copy, directory = download_directory(source, self.home / "clinics")
            ClinicRecords(self.store).add_directory(source, "url", str(copy))
        else:
            path = Path(source).expanduser().resolve()
            directory = load_directory(path)
            ClinicRecords(self.store).add_directory(str(path), "file")
        self._directory = None  # the next search merges it in
        return directory

    def current(self) -> ClinicSelection | None:
        if self.store is None:
            return None
        from companion.store.clinics import ClinicRecords

        profile = self.store.profiles.active()
        if profile is None or profile.id is None:
            return None
        return ClinicRecords(self.store).current_selection(profile.id)


def result_json(result: Any) -> dict[str, Any]:
    """One search result as the CLI's JSON object (DESIGN.md: name, lat, lon, distance_km, address, ...)."""
    clinic: Clinic = result.clinic
    state = result.open_state
    return {
        "id": clinic.id,
        "name": clinic.name,
        "lat": clinic.lat,
        "lon": clinic.lon,
        "distance_km": round(result.distance_km, 3),
        "address": clinic.address.line(),
        "phone": clinic.phone,
        "email": clinic.email,
        "website": clinic.website,
        "opening_hours": clinic.opening_hours,
        "open_now": None if state is None else state.is_open,
        "services": list(clinic.services),
        "languages": list(clinic.languages),
        "matrix_id": clinic.matrix_id,
        "within_radius": result.within_radius,
        "osm_url": clinic.osm_url(),
        "sample": clinic.sample,
    }
