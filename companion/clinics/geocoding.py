"""Online geocoding, only when the user configured it in ``config.toml``::

    [geocoder]
    # offline (default) | nominatim | photon | nominatim-self-hosted | photon-self-hosted
    provider = "nominatim"
    # for the self-hosted providers (or to switch server without a software update)
    url = "https://nominatim.example.org"
    timeout = 8                   # seconds, kept within 5..10
    contact = "you@example.org"   # optional, added to the User-Agent as the Nominatim policy suggests

The public Nominatim usage policy (https://operations.osmfoundation.org/policies/nominatim/) asks for at most
one request per second for the whole application, an identifying User-Agent, caching, and no autocomplete:
Companion searches only when the user presses Enter, throttles every online geocoder to one request per second
per process, and the caller caches results in the store. Only the place text is sent, never what kind of
clinic is sought. All HTTP goes through httpx (``HttpxAdapter``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from companion import __version__
from companion.clinics.model import Location
from companion.i18n import _

PROVIDERS = ("offline", "nominatim", "photon", "nominatim-self-hosted", "photon-self-hosted")
DEFAULT_TIMEOUT = 8.0
MIN_INTERVAL_S = 1.0
USER_AGENT = f"Companion/{__version__} (weight-programme patient app; clinic finder)"


class GeocodeError(Exception):
    """Online geocoding failed; the message says why, for humans."""


@dataclass(frozen=True, slots=True)
class GeocoderConfig:
    provider: str = "offline"
    url: str = ""
    timeout: float = DEFAULT_TIMEOUT
    user_agent: str = USER_AGENT

    @property
    def online(self) -> bool:
        return self.provider != "offline"

    @property
    def kind(self) -> str:
        """``nominatim`` or ``photon`` (the wire format)."""
        return "photon" if self.provider.startswith("photon") else "nominatim"

    @property
    def target(self) -> str:
        """Where requests go (for the audit log): the host name only."""
        if self.url:
            return urlsplit(self.url).netloc or self.url
        return "photon.komoot.io" if self.kind == "photon" else "nominatim.openstreetmap.org"


def geocoder_config(home: Path) -> GeocoderConfig:
    """The ``[geocoder]`` section, validated; ``GeocodeError`` with a precise message when it is wrong."""
    from companion.config import ConfigError, section

    try:
        raw = section(home, "geocoder")
    except ConfigError as exc:
        raise GeocodeError(str(exc)) from None
    provider = str(raw.get("provider", "offline")).strip().lower() or "offline"
    if provider not in PROVIDERS:
        raise GeocodeError(
            _("Unknown geocoder provider {name!r} in config.toml; use one of: {choices}.").format(
                name=provider, choices=", ".join(PROVIDERS)
            )
        )
    url = str(raw.get("url", "")).strip().rstrip("/")
    if provider.endswith("self-hosted") and not url:
        raise GeocodeError(_("The {provider} geocoder needs a url in config.toml.").format(provider=provider))
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise GeocodeError(_("The geocoder url must start with http:// or https://."))
    try:
        timeout = float(raw.get("timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError):
        raise GeocodeError(_("The geocoder timeout in config.toml must be a number of seconds.")) from None
    timeout = min(max(timeout, 5.0), 10.0)
    agent = USER_AGENT
    contact = str(raw.get("contact", "")).strip()
    if contact:
        agent = f"{USER_AGENT[:-1]}; {contact})"
    return GeocoderConfig(provider, url, timeout, agent)


class Throttle:
    """At most one call per ``interval`` seconds across every thread of the process (blocking wait)."""

    def __init__(
        self,
        interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self) -> None:
        with self._lock:
            if self._last is not None:
                delay = self._last + self.interval - self._monotonic()
                if delay > 0:
                    self._sleep(delay)
            self._last = self._monotonic()


#: One throttle for the whole process: the policy's 1 request/second is per application.
THROTTLE = Throttle(MIN_INTERVAL_S)


class OnlineGeocoder:
    """geopy's Nominatim or Photon behind Companion's rules (throttle, timeout, own User-Agent, httpx)."""

    def __init__(
        self,
        config: GeocoderConfig,
        *,
        adapter_factory: Any = None,
        throttle: Throttle | None = None,
        timeout: float | None = None,
    ) -> None:
        from geopy.geocoders import Nominatim, Photon

        from companion.clinics.httpx_adapter import HttpxAdapter

        self.config = config
        self._throttle = throttle or THROTTLE
        kwargs: dict[str, Any] = {
            "timeout": timeout if timeout is not None else config.timeout,
            "adapter_factory": adapter_factory or HttpxAdapter,
        }
        if config.url:
            parts = urlsplit(config.url)
            kwargs["domain"] = parts.netloc + parts.path
            kwargs["scheme"] = parts.scheme
        self._geocoder: Any
        if config.kind == "photon":
            self._geocoder = Photon(user_agent=config.user_agent, **kwargs)
        else:
            self._geocoder = Nominatim(user_agent=config.user_agent, **kwargs)

    def search(self, text: str, *, limit: int = 5) -> list[Location]:
        """Candidates for the place ``text`` (only this text is sent); ``GeocodeError`` on failure."""
        from geopy import exc as geopy_exc

        self._throttle.wait()
        try:
            found = self._geocoder.geocode(text, exactly_one=False, limit=limit)
        except geopy_exc.GeocoderTimedOut:
            raise GeocodeError(
                _(
                    'The geocoder {host} did not answer in time; try again, or type a town or "lat, lon".'
                ).format(host=self.config.target)
            ) from None
        except geopy_exc.GeocoderRateLimited:
            raise GeocodeError(
                _("The geocoder {host} says too many requests; wait a minute and try again.").format(
                    host=self.config.target
                )
            ) from None
        except geopy_exc.GeocoderInsufficientPrivileges:
            raise GeocodeError(
                _("The geocoder {host} refused the request (HTTP 403); check the geocoder settings.").format(
                    host=self.config.target
                )
            ) from None
        except geopy_exc.GeocoderUnavailable:
            raise GeocodeError(
                _(
                    "Cannot reach the geocoder {host}; you seem to be offline. The offline town list still "
                    "works."
                ).format(host=self.config.target)
            ) from None
        except (geopy_exc.GeocoderParseError, ValueError, TypeError, KeyError, AttributeError, IndexError):
            # geopy parses the provider's JSON assuming its documented shape; anything else lands here.
            raise GeocodeError(
                _("The geocoder {host} sent an answer Companion cannot read.").format(host=self.config.target)
            ) from None
        except geopy_exc.GeopyError as exc:
            raise GeocodeError(
                _("The geocoder {host} failed: {error}").format(host=self.config.target, error=str(exc)[:200])
            ) from None
        results: list[Location] = []
        for item in found or []:
            raw = getattr(item, "raw", None)
            if self.config.kind == "nominatim" and not (
                isinstance(raw, dict) and "lat" in raw and "lon" in raw
            ):
                continue  # geopy fills in 0, 0 for a result without coordinates
            try:
                lat, lon = float(item.latitude), float(item.longitude)
            except (TypeError, ValueError):
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                continue
            results.append(Location(lat, lon, " ".join(str(item.address).split())[:200], self.config.kind))
        return results
