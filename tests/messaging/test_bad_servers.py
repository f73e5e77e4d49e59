"""Bad input from the network: garbage, huge answers, TLS errors, a room that turned encrypted.

A small local HTTP server on 127.0.0.1 speaks (or deliberately mis-speaks) the Client-Server API format.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from companion.messaging.client import MatrixClient, Tokens
from companion.messaging.errors import (
    BadResponse,
    HomeserverUnreachable,
    NotAHomeserver,
    TLSFailure,
)
from companion.messaging.outbox import queue_message
from companion.messaging.service import Messenger
from companion.store.messages import MatrixAccount, Messages

Route = Callable[[BaseHTTPRequestHandler], tuple[int, bytes, dict[str, str]]]


@pytest.fixture
def fake_server() -> Iterator[tuple[str, dict[str, Route]]]:
    routes: dict[str, Route] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            path = self.path.split("?")[0]
            route = routes.get(path) or next((r for p, r in routes.items() if p.endswith("*")
                                              and path.startswith(p[:-1])), None)
            if route is None:
                status, body, headers = 404, b'{"errcode":"M_UNRECOGNIZED","error":"no"}', {}
            else:
                status, body, headers = route(self)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


def ok(data: Any) -> Route:
    return lambda _h: (200, json.dumps(data).encode(), {"Content-Type": "application/json"})


def test_garbage_is_not_a_homeserver(fake_server) -> None:  # type: ignore[no-untyped-def]
    url, routes = fake_server
    routes["/_matrix/client/versions"] = lambda _h: (200, b"<html>hello</html>", {})
    with pytest.raises(NotAHomeserver):
        asyncio.run(MatrixClient.discover(url))
    routes["/_matrix/client/versions"] = ok({"versions": ["r0.6.1"]})
    with pytest.raises(NotAHomeserver, match="too old"):
        asyncio.run(MatrixClient.discover(url))
    routes["/_matrix/client/versions"] = ok(["not", "an", "object"])
    with pytest.raises(NotAHomeserver):
        asyncio.run(MatrixClient.discover(url))


def test_well_known_points_to_the_real_base_url(fake_server) -> None:  # type: ignore[no-untyped-def]
    url, routes = fake_server
    routes["/.well-known/matrix/client"] = ok({"m.homeserver": {"base_url": url + "/"}})
    routes["/_matrix/client/versions"] = ok({"versions": ["v1.11", "v1.12"]})
    assert asyncio.run(MatrixClient.discover(url.replace("http://", "http://"))) == url


def test_huge_answer_is_refused(fake_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import companion.messaging.client as client_module

    url, routes = fake_server
    routes["/_matrix/client/v3/account/whoami"] = lambda _h: (200, b'{"x":"' + b"a" * 3_000_000 + b'"}', {})
    monkeypatch.setattr(client_module, "MAX_JSON_BYTES", 1_000_000)

    async def call() -> None:
        async with MatrixClient(url, tokens=Tokens("t", None, None)) as c:
            await c.request("GET", "/_matrix/client/v3/account/whoami",
                            max_bytes=client_module.MAX_JSON_BYTES)

    with pytest.raises(BadResponse, match="more than"):
        asyncio.run(call())


def test_tls_error_and_unreachable(fake_server) -> None:  # type: ignore[no-untyped-def]
    url, _routes = fake_server
    with pytest.raises(TLSFailure):
        asyncio.run(MatrixClient.discover(url.replace("http://", "https://")))
    from companion.messaging.devserver import free_port

    with pytest.raises(HomeserverUnreachable):
        asyncio.run(MatrixClient.discover(f"http://127.0.0.1:{free_port()}"))


def test_5xx_keeps_the_message_queued(fake_server, store) -> None:  # type: ignore[no-untyped-def]
    url, routes = fake_server
    _account(store, url)
    routes["/_matrix/client/v3/rooms/*"] = lambda _h: (502, b"Bad Gateway", {})
    txn = queue_message(store, "keep me")

    async def scenario() -> None:
        async with Messenger(store) as m:
            report = await m.send_pending()
            assert report.sent == 0 and report.waiting == 1

    asyncio.run(scenario())
    item = Messages(store).outbox()[0]
    assert item.txn_id == txn and item.attempts == 1 and item.next_attempt_ms > 0
    assert Messages(store).by_txn(txn).status == "pending"  # type: ignore[union-attr]


def _account(store, url: str) -> None:  # type: ignore[no-untyped-def]
    repo = Messages(store)
    repo.save_account(MatrixAccount(url, "@me:hs", "DEV", "@clinic:hs", "store", "tok", None, None), 0)
    repo.upsert_room("!r:hs", 0, clinic_mxid="@clinic:hs", membership="join")


def test_room_that_turned_encrypted_shows_a_warning_not_a_crash(fake_server, store) -> None:  # type: ignore[no-untyped-def]
    """Encryption is supported now (issue #18): an undecryptable event becomes a plain warning in the
    conversation, and a message that cannot be encrypted (this server has no key endpoints) fails plainly."""
    url, routes = fake_server
    _account(store, url)
    routes["/_matrix/client/v3/user/%40me%3Ahs/filter"] = ok({"filter_id": "f1"})
    routes["/_matrix/client/v3/sync"] = ok({"next_batch": "s2", "rooms": {"join": {"!r:hs": {"timeline": {
        "events": [{"type": "m.room.encryption", "state_key": "", "sender": "@clinic:hs", "event_id": "$x",
                    "origin_server_ts": 1, "content": {"algorithm": "m.megolm.v1.aes-sha2"}},
                   {"type": "m.room.encrypted", "sender": "@clinic:hs", "event_id": "$y",
                    "origin_server_ts": 2, "content": {"ciphertext": "..."}}]}}}}})
    txn = queue_message(store, "cannot be encrypted here")

    async def scenario() -> None:
        async with Messenger(store) as m:
            await m.sync_once()
            sent = await m.send_pending()
            assert sent.failed == 1

    asyncio.run(scenario())
    repo = Messages(store)
    warning = [m for m in repo.all() if m.event_id == "$y"]
    assert warning and "encryption Companion does not know" in warning[0].body
    row = repo.by_txn(txn)
    assert row is not None and row.status == "failed" and row.error
    assert repo.next_batch() == "s2"
    assert repo.room("!r:hs").encrypted  # type: ignore[union-attr]


def test_forgotten_filter_is_recreated(fake_server, store) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.errors import MatrixError

    url, routes = fake_server
    _account(store, url)
    Messages(store).set_filter_id("gone")
    gone = b'{"errcode":"M_NOT_FOUND","error":"No such filter"}'
    routes["/_matrix/client/v3/sync"] = lambda _h: (404, gone, {})
    routes["/_matrix/client/v3/user/%40me%3Ahs/filter"] = ok({"filter_id": "f2"})

    async def scenario() -> None:
        async with Messenger(store) as m:
            with pytest.raises(MatrixError):
                await m.sync_once()
            assert Messages(store).filter_id() is None
            routes["/_matrix/client/v3/sync"] = ok({"next_batch": "s9"})
            await m.sync_once()

    asyncio.run(scenario())
    assert Messages(store).filter_id() == "f2" and Messages(store).next_batch() == "s9"
