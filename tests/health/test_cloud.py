"""The Google Health API adapter against a local HTTP server on 127.0.0.1 speaking its documented shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from companion.health.cloud import CloudSourceError, GoogleHealthClient


class _Handler(BaseHTTPRequestHandler):
    script: list[tuple[int, dict[str, str], object]] = []
    seen: list[tuple[str, dict[str, list[str]], str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        self.seen.append((url.path, parse_qs(url.query), self.headers.get("Authorization", "")))
        status, headers, body = self.script.pop(0)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)


def _point(i: int) -> dict:  # type: ignore[type-arg]
    return {"interval": {"startTime": f"2026-01-01T08:00:{i:02d}Z", "endTime": f"2026-01-01T08:00:{i:02d}Z"},
            "heartRate": {"beatsPerMinute": 60 + i}}


def test_pages_and_rate_limit(server: str) -> None:
    waits: list[float] = []
    _Handler.script = [
        (200, {}, {"dataPoints": [_point(0), _point(1)], "nextPageToken": "p2"}),
        (429, {"Retry-After": "2"}, {"error": {"code": 429}}),
        (200, {}, {"dataPoints": [_point(2)]}),
    ]
    with GoogleHealthClient(lambda: "tok", base_url=server, sleep=waits.append) as client:
        points = list(client.data_points("heart-rate", START, END))
    assert [p.value["heartRate"]["beatsPerMinute"] for p in points] == [60, 61, 62]
    assert waits == [2.0]
    path, query, auth = _Handler.seen[0]
    assert path == "/v4/users/me/dataTypes/heart-rate/dataPoints" and auth == "Bearer tok"
    assert "interval.start_time" in query["filter"][0] and query["page_size"] == ["1000"]
    assert _Handler.seen[-1][1]["page_token"] == ["p2"]


@pytest.mark.parametrize(("status", "message"), [(401, "sign in again"), (410, "switched off"),
                                                 (500, "HTTP 500")])
def test_errors_are_human(server: str, status: int, message: str) -> None:
    _Handler.script = [(status, {}, {"error": {}})]
    with GoogleHealthClient(lambda: "tok", base_url=server) as client, pytest.raises(CloudSourceError, match=message):
        list(client.data_points("steps", START, END))


def test_not_json_and_unreachable(server: str) -> None:
    _Handler.script = [(200, {}, b"<html>")]
    with GoogleHealthClient(lambda: "t", base_url=server) as client, pytest.raises(CloudSourceError, match="not JSON"):
        list(client.data_points("sleep", START, END))
    with GoogleHealthClient(lambda: "t", base_url="http://127.0.0.1:9", timeout=2) as client, \
            pytest.raises(CloudSourceError, match="Cannot reach"):
        list(client.data_points("sleep", START, END))
    with GoogleHealthClient(lambda: "t", base_url=server) as client, pytest.raises(CloudSourceError):
        list(client.data_points("mood", START, END))
