"""Fixtures for the clinic finder: a consenting store, small directories, and a local geocoder server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def located_store(store, profile):  # type: ignore[no-untyped-def]
    """The root ``store`` with a profile and the location consent given."""
    store.consents.record("location", "grant", "1.0", "test")
    return store


def feature(fid: str, name: str | None, lon: Any, lat: Any, **props: Any) -> dict[str, Any]:
    properties = dict(props)
    if name is not None:
        properties["name"] = name
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "schema_version": 1,
        "generated": "2026-11-25T00:00:00Z",
        "attribution": ["test"],
        "features": list(features),
    }


@pytest.fixture
def write_geojson(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(data: Any, name: str = "clinics.geojson") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    return write


@dataclass
class GeoServer:
    """A geocoder on 127.0.0.1 speaking Nominatim's /search JSON and Photon's /api GeoJSON."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: place text → list of (lat, lon, label); unknown text → []
    places: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    status: int = 200
    delay_s: float = 0.0
    body: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


@pytest.fixture
def geo_server() -> Iterator[GeoServer]:
    state = GeoServer(
        places={
            "amsterdam": [(52.3730796, 4.8924534, "Amsterdam, Noord-Holland, Nederland")],
            "sheffield": [
                (53.3806626, -1.4702278, "Sheffield, England, United Kingdom"),
                (-41.3, 146.3, "Sheffield, Tasmania, Australia"),
            ],
        }
    )

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            state.requests.append(
                {
                    "path": parts.path,
                    "query": query,
                    "t": time.monotonic(),
                    "user_agent": self.headers.get("User-Agent", ""),
                }
            )
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.status != 200:
                self.send_response(state.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"error")
                return
            hits = state.places.get(query.get("q", "").strip().lower(), [])
            if state.body is not None:
                payload = state.body
            elif parts.path.endswith("/api"):  # Photon: GeoJSON FeatureCollection
                payload = json.dumps(
                    {
                        "type": "FeatureCollection",
                        "features": [
                            {
                                "type": "Feature",
                                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                "properties": {
                                    "name": label.split(",")[0],
                                    "country": label.split(",")[-1].strip(),
                                    "osm_id": 1,
                                    "osm_type": "R",
                                },
                            }
                            for lat, lon, label in hits
                        ],
                    }
                )
            else:  # Nominatim search API, format=json (nominatim.org/release-docs/latest/api/Search/)
                payload = json.dumps(
                    [
                        {
                            "place_id": 1000 + i,
                            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
                            "osm_type": "relation",
                            "osm_id": 47811,
                            "lat": str(lat),
                            "lon": str(lon),
                            "class": "boundary",
                            "type": "administrative",
                            "place_rank": 16,
                            "importance": 0.8,
                            "addresstype": "city",
                            "name": label.split(",")[0],
                            "display_name": label,
                            "boundingbox": [str(lat - 0.1), str(lat + 0.1), str(lon - 0.1), str(lon + 0.1)],
                        }
                        for i, (lat, lon, label) in enumerate(hits)
                    ]
                )
            data = payload.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")
