"""Online geocoding through geopy + our httpx adapter against a local server speaking Nominatim/Photon
JSON."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import httpx
import pytest
from geopy.geocoders import Nominatim

from companion.clinics.finder import ClinicFinder, LocationError
from companion.clinics.geocoding import (
    USER_AGENT,
    GeocodeError,
    GeocoderConfig,
    OnlineGeocoder,
    Throttle,
    geocoder_config,
)
from companion.clinics.httpx_adapter import HttpxAdapter
from companion.clinics.search import Filters

from .conftest import GeoServer, write_config


def _nominatim(home: Path, server: GeoServer, extra: str = "") -> None:
    write_config(home, f'[geocoder]\nprovider = "nominatim-self-hosted"\nurl = "{server.url}"\n{extra}')


def test_adapter_through_geopy_adapter_factory(geo_server: GeoServer) -> None:
    geocoder = Nominatim(
        user_agent=USER_AGENT, domain=geo_server.host, scheme="http", adapter_factory=HttpxAdapter
    )
    found = geocoder.geocode("Amsterdam")
    assert found is not None and round(found.latitude, 3) == 52.373
    request = geo_server.requests[-1]
    assert request["path"] == "/search" and request["query"]["q"] == "Amsterdam"
    assert request["user_agent"] == USER_AGENT


def test_adapter_with_injected_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"lat": "1.5", "lon": "2.5", "display_name": "Somewhere"}])

    factory = functools.partial(HttpxAdapter, transport=httpx.MockTransport(handler))
    found = Nominatim(user_agent=USER_AGENT, adapter_factory=factory).geocode("x")
    assert found is not None and found.address == "Somewhere"


def test_config_validation(home: Path) -> None:
    assert not geocoder_config(home).online
    write_config(home, '[geocoder]\nprovider = "google"\n')
    with pytest.raises(GeocodeError, match="Unknown geocoder provider 'google'"):
        geocoder_config(home)
    write_config(home, '[geocoder]\nprovider = "nominatim-self-hosted"\n')
    with pytest.raises(GeocodeError, match="needs a url"):
        geocoder_config(home)
    write_config(home, '[geocoder]\nprovider = "photon"\ntimeout = 60\ncontact = "me@example.org"\n')
    config = geocoder_config(home)
    assert (
        config.timeout == 10.0
        and config.target == "photon.komoot.io"
        and "me@example.org" in config.user_agent
    )
    write_config(home, "[geocoder\n")
    with pytest.raises(GeocodeError, match="not valid TOML"):
        geocoder_config(home)


def test_online_search_cache_and_audit(home: Path, located_store, clock, geo_server: GeoServer) -> None:  # type: ignore[no-untyped-def]
    _nominatim(home, geo_server)
    finder = ClinicFinder(located_store, home, clock=clock)
    first = finder.locate("Sheffield")
    assert first.location.source == "nominatim" and first.location.label.startswith("Sheffield, England")
    assert len(first.candidates) == 2  # ambiguous names list the candidates
    assert len(geo_server.requests) == 1
    # Only the place text is sent: never what kind of clinic is sought.
    sent = geo_server.requests[0]["query"]
    assert sent["q"] == "Sheffield" and not any("balloon" in v or "clinic" in v for v in sent.values())
    again = finder.locate("  sheffield ")
    assert again.location == first.location and len(geo_server.requests) == 1  # cache hit, nothing sent
    assert any("cache" in note for note in again.notes)
    events = [e for e in located_store.audit.events() if e.action == "geocode"]
    assert len(events) == 1 and events[0].target == geo_server.host and "Sheffield" not in events[0].summary
    # The search itself runs locally with the filters (health data) never leaving the machine.
    finder.search(first.location, filters=Filters(service="allurion_balloon"))
    assert len(geo_server.requests) == 1


def test_rate_limit_one_request_per_second(home: Path, located_store, clock, geo_server: GeoServer) -> None:  # type: ignore[no-untyped-def]
    _nominatim(home, geo_server)
    finder = ClinicFinder(located_store, home, clock=clock)
    finder.locate("Amsterdam")
    finder.locate("Sheffield")
    with pytest.raises(LocationError):
        finder.locate("Nowhere Special At All")
    times = [r["t"] for r in geo_server.requests]
    assert len(times) == 3
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False))


def test_unknown_place_online(home: Path, located_store, clock, geo_server: GeoServer) -> None:  # type: ignore[no-untyped-def]
    _nominatim(home, geo_server)
    with pytest.raises(LocationError, match="does not know 'Qwertyuiop'"):
        ClinicFinder(located_store, home, clock=clock).locate("Qwertyuiop")


@pytest.mark.parametrize(
    ("status", "fragment"),
    [(429, "too many requests"), (403, "refused"), (500, "failed"), (503, "did not answer in time")],
)
def test_http_errors(geo_server: GeoServer, status: int, fragment: str) -> None:
    geo_server.status = status
    geocoder = OnlineGeocoder(GeocoderConfig("nominatim-self-hosted", geo_server.url), throttle=Throttle(0))
    with pytest.raises(GeocodeError, match=fragment):
        geocoder.search("Amsterdam")


def test_timeout_and_unreachable_and_garbage(geo_server: GeoServer) -> None:
    geo_server.delay_s = 1.0
    slow = OnlineGeocoder(
        GeocoderConfig("nominatim-self-hosted", geo_server.url), throttle=Throttle(0), timeout=0.2
    )
    started = time.monotonic()
    with pytest.raises(GeocodeError, match="did not answer in time"):
        slow.search("Amsterdam")
    assert time.monotonic() - started < 1.0
    geo_server.delay_s = 0
    geo_server.body = "<html>oops</html>"
    with pytest.raises(GeocodeError, match="cannot read"):
        OnlineGeocoder(GeocoderConfig("nominatim-self-hosted", geo_server.url), throttle=Throttle(0)).search(
            "x"
        )
    # Nothing listens on port 9 of 127.0.0.1 (discard); the connection is refused at once.
    closed = OnlineGeocoder(
        GeocoderConfig("nominatim-self-hosted", "http://127.0.0.1:9"), throttle=Throttle(0)
    )
    with pytest.raises(GeocodeError, match="Cannot reach"):
        closed.search("Amsterdam")


def test_geocoder_failure_falls_back_to_offline_list(
    home: Path, located_store, clock, geo_server: GeoServer
) -> None:  # type: ignore[no-untyped-def]
    geo_server.status = 503
    _nominatim(home, geo_server)
    finder = ClinicFinder(located_store, home, clock=clock)
    found = finder.locate("Utrecht")
    assert found.location.source == "gazetteer"
    assert any("did not answer" in n for n in found.notes) and any("offline list" in n for n in found.notes)
    with pytest.raises(LocationError, match="did not answer"):
        finder.locate("Qwertyuiop")
    assert len([e for e in located_store.audit.events() if e.action == "geocode"]) == 2


def test_photon(home: Path, located_store, clock, geo_server: GeoServer) -> None:  # type: ignore[no-untyped-def]
    write_config(home, f'[geocoder]\nprovider = "photon-self-hosted"\nurl = "{geo_server.url}"\n')
    found = ClinicFinder(located_store, home, clock=clock).locate("Amsterdam")
    assert found.location.source == "photon" and round(found.location.lat, 2) == 52.37
    assert geo_server.requests[-1]["path"] == "/api"


def test_throttle_waits_between_calls() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(1.0, monotonic=lambda: now[0], sleep=sleep)
    throttle.wait()
    now[0] += 0.25
    throttle.wait()
    throttle.wait()
    assert slept == [0.75, 1.0]


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("nominatim", '[{"lat": "x", "lon": "1"}]'),
        ("nominatim", "[1, 2]"),
        ("nominatim", '"text"'),
        ("photon", "[]"),
        ("photon", '{"features": [{"geometry": {}}]}'),
        ("photon", '{"features": 5}'),
    ],
)
def test_malformed_answers_are_reported_not_raised(geo_server: GeoServer, provider: str, body: str) -> None:
    geo_server.body = body
    geocoder = OnlineGeocoder(GeocoderConfig(f"{provider}-self-hosted", geo_server.url), throttle=Throttle(0))
    with pytest.raises(GeocodeError, match="cannot read"):
        geocoder.search("Amsterdam")


def test_results_without_coordinates_are_dropped(geo_server: GeoServer) -> None:
    geo_server.body = (
        '[{"display_name": "No coordinates"}, {"lat": "1.5", "lon": "2.5", "display_name": "Here"}]'
    )
    geocoder = OnlineGeocoder(GeocoderConfig("nominatim-self-hosted", geo_server.url), throttle=Throttle(0))
    assert [loc.label for loc in geocoder.search("x")] == ["Here"]
