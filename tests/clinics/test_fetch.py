"""Adding a directory by URL: downloaded over loopback, checked, kept as a local copy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from companion.cli import main
from companion.clinics.directory import DirectoryError
from companion.clinics.fetch import download_directory

from .conftest import collection, feature

FILES = {
    "/good.geojson": json.dumps(collection(feature("web:1", "Web Clinic", 4.9, 52.37))).encode(),
    "/bad.geojson": b"<html>not found page</html>",
}


@pytest.fixture
def file_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            body = FILES.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_directory(file_server: str, tmp_path: Path) -> None:
    copy, directory = download_directory(f"{file_server}/good.geojson", tmp_path / "clinics")
    assert copy.exists() and [c.name for c in directory.clinics] == ["Web Clinic"]
    with pytest.raises(DirectoryError, match="HTTP 404"):
        download_directory(f"{file_server}/missing.geojson", tmp_path / "clinics")
    with pytest.raises(DirectoryError, match="not valid JSON"):
        download_directory(f"{file_server}/bad.geojson", tmp_path / "clinics")
    with pytest.raises(DirectoryError, match="must start with https"):
        download_directory("ftp://example.org/x", tmp_path)
    with pytest.raises(DirectoryError, match="Cannot download"):
        download_directory("http://127.0.0.1:9/x.geojson", tmp_path)
    assert sorted(p.name for p in (tmp_path / "clinics").iterdir()) == [copy.name]  # nothing half-written


def test_cli_adds_a_url_directory(file_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "profile",
                "init",
                "--name",
                "Ann",
                "--birth-date",
                "1980-01-01",
                "--sex",
                "female",
                "--height-cm",
                "170",
                "--consent",
                "location",
            ]
        )
        == 0
    )
    assert main(["clinics", "directories", "add", f"{file_server}/good.geojson"]) == 0
    capsys.readouterr()
    assert main(["clinics", "near", "--lat", "52.37", "--lon", "4.9", "--limit", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Web Clinic"
