"""A small Matrix Client-Server API client over httpx (spec v1.11+; no SDK, no end-to-end encryption).

Only the endpoints Companion needs (https://spec.matrix.org/v1.19/client-server-api/): discovery, password
login with refresh tokens, whoami, logout, filter + ``/sync``, ``/messages``, send with a transaction id,
receipts, read markers, typing, room state, authenticated media, and the room/admin calls of the clinic kit.

Token handling: on ``401 M_UNKNOWN_TOKEN`` with ``soft_logout: true`` (an expired refreshable token) the
client
refreshes once (one refresh at a time, the new pair handed to ``on_tokens`` before use), and if that fails,
logs in again with the same ``device_id`` when it has a password source. ``soft_logout: false`` raises
``SessionEnded``. Every response body is size-capped and must be a JSON object.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from companion.messaging.errors import (
    BadResponse,
    HomeserverUnreachable,
    LoginFailed,
    MatrixError,
    NotAHomeserver,
    PasswordNeeded,
    SessionEnded,
    TLSFailure,
)

#: No JSON answer we expect is anywhere near this (a 1000-event /messages page is ~1 MB).
MAX_JSON_BYTES = 32 * 1024 * 1024
CLIENT = "/_matrix/client/v3"
MEDIA_V1 = "/_matrix/client/v1/media"
DEVICE_NAME = "Companion"


def q(value: str) -> str:
    """Percent-encode one path segment (room ids contain ``!`` and ``:``, event ids ``$``)."""
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at_ms: int | None  # wall-clock (server time) when the access token expires


@dataclass(frozen=True, slots=True)
class LoginResult:
    user_id: str
    device_id: str
    tokens: Tokens


def _now_ms() -> int:
    return int(time.time() * 1000)


def tokens_from(body: dict[str, Any], previous_refresh: str | None = None) -> Tokens:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise BadResponse("no access_token")
    refresh = body.get("refresh_token", previous_refresh)
    expires = body.get("expires_in_ms")
    expires_at = _now_ms() + int(expires) if isinstance(expires, int) and expires > 0 else None
    return Tokens(access, refresh if isinstance(refresh, str) else None, expires_at)


def parse_retry_after(headers: httpx.Headers, body: dict[str, Any]) -> float | None:
    """Seconds to wait: the ``Retry-After`` header (RFC 9110 §10.2.3, seconds or an HTTP date) wins over the
    deprecated ``retry_after_ms`` field (spec v1.10+)."""
    header = headers.get("retry-after")
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header)
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    value = body.get("retry_after_ms")
    if isinstance(value, int | float) and value >= 0:
        return float(value) / 1000
    return None


def normalise_homeserver(url: str) -> str:
    text = url.strip().rstrip("/")
    if not text:
        raise NotAHomeserver(url)
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotAHomeserver(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


class MatrixClient:
    """One homeserver, optionally one logged-in device. Async; share one instance per event loop."""

    def __init__(
        self,
        homeserver: str,
        *,
        tokens: Tokens | None = None,
        user_id: str | None = None,
        device_id: str | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        password: Callable[[], Awaitable[str | None]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        verify: bool | str = True,
    ) -> None:
        self.homeserver = normalise_homeserver(homeserver)
        self.tokens = tokens
        self.user_id = user_id
        self.device_id = device_id
        self._on_tokens = on_tokens
        self._password = password
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.homeserver,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=10.0),
            verify=verify,
            follow_redirects=False,
            headers={"User-Agent": "Companion"},
        )
        self._refresh_lock: asyncio.Lock | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> MatrixClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ----- transport -----------------------------------------------------------------------------------
    async def _send_raw(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        timeout: float | None = None,
        max_bytes: int = MAX_JSON_BYTES,
    ) -> tuple[httpx.Response, bytes]:
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        request = self._http.build_request(
            method,
            path,
            params=params,
            json=json_body,
            content=content,
            headers=hdrs,
            timeout=httpx.Timeout(timeout, connect=10.0) if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.ConnectError as exc:
            if "SSL" in repr(exc) or "certificate" in str(exc).lower():
                raise TLSFailure(self.homeserver) from None
            raise HomeserverUnreachable(self.homeserver) from None
        except httpx.TimeoutException:
            raise HomeserverUnreachable(self.homeserver, "(timed out)") from None
        except httpx.TransportError as exc:
            raise HomeserverUnreachable(self.homeserver, f"({type(exc).__name__})") from None
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # decoded: the cap also stops compression bombs
                size += len(chunk)
                if size > max_bytes:
                    raise BadResponse(f"more than {max_bytes // (1024 * 1024)} MB")
                chunks.append(chunk)
        except httpx.TransportError:
            raise HomeserverUnreachable(self.homeserver, "(connection dropped)") from None
        except httpx.DecodingError:
            raise BadResponse("undecodable body") from None
        finally:
            await response.aclose()
        raw = b"".join(chunks)
        return response, raw

    @staticmethod
    def _json(response: httpx.Response, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw) if raw else {}
        except (ValueError, UnicodeDecodeError):
            if response.status_code >= 400:
                raise MatrixError(response.status_code, f"HTTP_{response.status_code}", "") from None
            raise BadResponse(f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict):
            raise BadResponse("JSON that is not an object")
        return body

    @classmethod
    def _raise_for(cls, response: httpx.Response, body: dict[str, Any]) -> None:
        if response.status_code < 400:
            return
        errcode = body.get("errcode")
        error = body.get("error")
        raise MatrixError(
            response.status_code,
            errcode if isinstance(errcode, str) else f"HTTP_{response.status_code}",
            error[:500] if isinstance(error, str) else "",
            soft_logout=body.get("soft_logout") is True,
            retry_after_s=parse_retry_after(response.headers, body) if response.status_code == 429 else None,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        timeout: float | None = None,
        raw: bool = False,
        max_bytes: int = MAX_JSON_BYTES,
    ) -> Any:
        """One call; JSON object back (or ``(response, bytes)`` with ``raw``). Handles expired tokens once."""
        for attempt in range(2):
            token = None
            if auth:
                if self.tokens is None:
                    raise PasswordNeeded()
                await self._maybe_refresh_early()
                token = self.tokens.access_token
            response, data = await self._send_raw(
                method,
                path,
                params=params,
                json_body=json_body,
                content=content,
                headers=headers,
                token=token,
                timeout=timeout,
                max_bytes=max_bytes,
            )
            if raw and response.status_code < 400:
                return response, data
            body = self._json(response, data)
            try:
                self._raise_for(response, body)
            except MatrixError as exc:
                if auth and attempt == 0 and exc.status == 401 and exc.errcode == "M_UNKNOWN_TOKEN":
                    if not exc.soft_logout:
                        raise SessionEnded() from None
                    await self._recover(token)
                    continue
                raise
            return body
        raise SessionEnded()  # pragma: no cover - the loop returns or raises

    # ----- session -------------------------------------------------------------------------------------
    def _lock(self) -> asyncio.Lock:
        if self._refresh_lock is None:
            self._refresh_lock = asyncio.Lock()
        return self._refresh_lock

    async def _maybe_refresh_early(self) -> None:
        tokens = self.tokens
        if tokens is None or tokens.expires_at_ms is None or tokens.refresh_token is None:
            return
        if _now_ms() < tokens.expires_at_ms - 1500:
            return
        await self._recover(tokens.access_token)

    async def _recover(self, failed_token: str | None) -> None:
        """Refresh (one at a time), else re-login with the same device id, else ``PasswordNeeded``."""
        async with self._lock():
            if self.tokens is not None and self.tokens.access_token != failed_token:
                return  # another caller refreshed while we waited
            refresh = self.tokens.refresh_token if self.tokens else None
            if refresh:
                try:
                    body = await self._unauthenticated(
                        "POST", f"{CLIENT}/refresh", {"refresh_token": refresh}
                    )
                except MatrixError:
                    body = None
                if body is not None:
                    self._set_tokens(tokens_from(body, refresh))
                    return
            if self._password is not None and self.user_id:
                password = await self._password()
                if password:
                    result = await self.login(self.user_id, password, device_id=self.device_id)
                    self._set_tokens(result.tokens)
                    return
            raise PasswordNeeded()

    def _set_tokens(self, tokens: Tokens) -> None:
        if self._on_tokens is not None:
            self._on_tokens(tokens)  # persisted before the new pair is ever used
        self.tokens = tokens

    async def _unauthenticated(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        return await self.request(method, path, json_body=body, auth=False)  # type: ignore[no-any-return]

    # ----- discovery and login -------------------------------------------------------------------------
    async def versions(self) -> list[str]:
        try:
            body = await self._unauthenticated("GET", "/_matrix/client/versions")
        except (BadResponse, MatrixError):
            raise NotAHomeserver(self.homeserver) from None
        versions = body.get("versions")
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise NotAHomeserver(self.homeserver)
        return versions

    @classmethod
    async def discover(
        cls, address: str, *, transport: httpx.AsyncBaseTransport | None = None, verify: bool | str = True
    ) -> str:
        """The client base URL for ``address`` (a URL or server name): ``.well-known`` first, then
        ``/versions``.

        Spec: "Server discovery" (GET /.well-known/matrix/client, m.homeserver.base_url)."""
        base = normalise_homeserver(address)
        async with cls(base, transport=transport, verify=verify) as probe:
            try:
                response, raw = await probe._send_raw(
                    "GET", "/.well-known/matrix/client", max_bytes=64 * 1024
                )
                if response.status_code == 200:
                    data = json.loads(raw)
                    found = data.get("m.homeserver", {}).get("base_url") if isinstance(data, dict) else None
                    if isinstance(found, str) and found.strip():
                        base = normalise_homeserver(found)
            except (BadResponse, ValueError, UnicodeDecodeError, AttributeError):
                pass
        async with cls(base, transport=transport, verify=verify) as client:
            versions = await client.versions()
        if not any(v >= "v1.11" for v in versions if v.startswith("v1.")):
            from companion.i18n import _

            raise NotAHomeserver(base, _("It is too old (Matrix v1.11 or newer is needed)."))
        return base

    async def login(self, user: str, password: str, *, device_id: str | None = None) -> LoginResult:
        payload: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
            "initial_device_display_name": DEVICE_NAME,
            "refresh_token": True,
        }
        if device_id:
            payload["device_id"] = device_id
        try:
            body = await self._unauthenticated("POST", f"{CLIENT}/login", payload)
        except MatrixError as exc:
            if exc.errcode == "M_FORBIDDEN":
                from companion.i18n import _

                raise LoginFailed(_("Wrong user name or password.")) from None
            raise
        user_id, device = body.get("user_id"), body.get("device_id")
        if not isinstance(user_id, str) or not isinstance(device, str):
            raise BadResponse("login without user_id/device_id")
        self.user_id, self.device_id = user_id, device
        tokens = tokens_from(body)
        self.tokens = tokens
        return LoginResult(user_id, device, tokens)

    async def register_with_token(self, user: str, password: str, token: str) -> LoginResult:
        """Register with a one-time registration token (spec v1.2 ``m.login.registration_token``).

        User-interactive auth: the first call answers 401 with a ``session`` and the stages to complete;
        each stage is sent with that session until the server answers 200 (login data)."""
        from companion.i18n import _

        payload: dict[str, Any] = {
            "username": user.lstrip("@").split(":")[0],
            "password": password,
            "initial_device_display_name": DEVICE_NAME,
            "refresh_token": True,
        }
        session: str | None = None
        for _step in range(4):
            response, raw = await self._send_raw("POST", f"{CLIENT}/register", json_body=payload)
            body = self._json(response, raw)
            if response.status_code == 200:
                break
            if response.status_code != 401 or "session" not in body:
                if body.get("errcode") == "M_USER_IN_USE":
                    raise LoginFailed(_("That user name is already taken."))
                if body.get("errcode") in ("M_FORBIDDEN", "M_UNAUTHORIZED"):
                    raise LoginFailed(_("The registration token is not valid (used up or expired)."))
                self._raise_for(response, body)
                raise BadResponse(f"register answered HTTP {response.status_code}")
            if body.get("errcode") in ("M_FORBIDDEN", "M_UNAUTHORIZED"):
                raise LoginFailed(_("The registration token is not valid (used up or expired)."))
            session = str(body["session"])
            done = set(body.get("completed") or [])
            if "m.login.registration_token" not in done:
                payload["auth"] = {"type": "m.login.registration_token", "token": token, "session": session}
            else:
                payload["auth"] = {"type": "m.login.dummy", "session": session}
        else:
            raise BadResponse("registration did not finish")
        user_id, device = body.get("user_id"), body.get("device_id")
        if not isinstance(user_id, str) or not isinstance(device, str):
            raise BadResponse("register without user_id/device_id")
        self.user_id, self.device_id = user_id, device
        tokens = tokens_from(body)
        self.tokens = tokens
        return LoginResult(user_id, device, tokens)

    async def whoami(self) -> dict[str, Any]:
        return await self.request("GET", f"{CLIENT}/account/whoami")  # type: ignore[no-any-return]

    async def logout(self) -> None:
        await self.request("POST", f"{CLIENT}/logout", json_body={})
        self.tokens = None

    # ----- rooms, sync, history ------------------------------------------------------------------------
    async def create_filter(self, definition: dict[str, Any]) -> str:
        assert self.user_id
        body = await self.request("POST", f"{CLIENT}/user/{q(self.user_id)}/filter", json_body=definition)
        filter_id = body.get("filter_id")
        if not isinstance(filter_id, str):
            raise BadResponse("no filter_id")
        return filter_id

    async def sync(self, *, since: str | None, filter_id: str | None, timeout_ms: int) -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": str(timeout_ms), "set_presence": "offline"}
        if since:
            params["since"] = since
        if filter_id:
            params["filter"] = filter_id
        return await self.request(  # type: ignore[no-any-return]
            "GET", f"{CLIENT}/sync", params=params, timeout=timeout_ms / 1000 + self._timeout
        )

    async def messages(
        self, room_id: str, *, start: str | None, limit: int = 100, direction: str = "b"
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"dir": direction, "limit": str(limit)}
        if start:
            params["from"] = start
        return await self.request(  # type: ignore[no-any-return]
            "GET", f"{CLIENT}/rooms/{q(room_id)}/messages", params=params
        )

    async def join(self, room_id: str) -> str:
        body = await self.request("POST", f"{CLIENT}/join/{q(room_id)}", json_body={})
        return str(body.get("room_id", room_id))

    async def leave(self, room_id: str) -> None:
        await self.request("POST", f"{CLIENT}/rooms/{q(room_id)}/leave", json_body={})

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.request("POST", f"{CLIENT}/rooms/{q(room_id)}/invite", json_body={"user_id": user_id})

    async def create_room(self, payload: dict[str, Any]) -> str:
        body = await self.request("POST", f"{CLIENT}/createRoom", json_body=payload)
        room_id = body.get("room_id")
        if not isinstance(room_id, str):
            raise BadResponse("createRoom without room_id")
        return room_id

    async def send(
        self, room_id: str, txn_id: str, content: dict[str, Any], event_type: str = "m.room.message"
    ) -> str:
        """``PUT /rooms/{id}/send/{type}/{txnId}``: the same txnId from the same device returns the same
        event."""
        body = await self.request(
            "PUT", f"{CLIENT}/rooms/{q(room_id)}/send/{q(event_type)}/{q(txn_id)}", json_body=content
        )
        event_id = body.get("event_id")
        if not isinstance(event_id, str):
            raise BadResponse("send without event_id")
        return event_id

    async def state(self, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any]:
        return await self.request(  # type: ignore[no-any-return]
            "GET", f"{CLIENT}/rooms/{q(room_id)}/state/{q(event_type)}/{q(state_key)}"
        )

    async def put_state(
        self, room_id: str, event_type: str, content: dict[str, Any], state_key: str = ""
    ) -> str:
        body = await self.request(
            "PUT", f"{CLIENT}/rooms/{q(room_id)}/state/{q(event_type)}/{q(state_key)}", json_body=content
        )
        return str(body.get("event_id", ""))

    async def put_account_data(self, event_type: str, content: dict[str, Any]) -> None:
        assert self.user_id
        await self.request(
            "PUT", f"{CLIENT}/user/{q(self.user_id)}/account_data/{q(event_type)}", json_body=content
        )

    async def receipt(self, room_id: str, event_id: str, receipt_type: str = "m.read") -> None:
        await self.request(
            "POST", f"{CLIENT}/rooms/{q(room_id)}/receipt/{q(receipt_type)}/{q(event_id)}", json_body={}
        )

    async def read_markers(self, room_id: str, event_id: str) -> None:
        await self.request(
            "POST",
            f"{CLIENT}/rooms/{q(room_id)}/read_markers",
            json_body={"m.fully_read": event_id, "m.read": event_id},
        )

    async def typing(self, room_id: str, typing: bool, timeout_ms: int = 10_000) -> None:
        assert self.user_id
        body: dict[str, Any] = {"typing": typing}
        if typing:
            body["timeout"] = timeout_ms
        await self.request("PUT", f"{CLIENT}/rooms/{q(room_id)}/typing/{q(self.user_id)}", json_body=body)

    # ----- media (authenticated, spec v1.11) -----------------------------------------------------------
    async def media_config(self) -> dict[str, Any]:
        return await self.request("GET", f"{MEDIA_V1}/config")  # type: ignore[no-any-return]

    async def upload(self, data: bytes, filename: str, content_type: str) -> str:
        body = await self.request(
            "POST",
            "/_matrix/media/v3/upload",
            params={"filename": filename},
            content=data,
            headers={"Content-Type": content_type},
            timeout=120.0,
        )
        uri = body.get("content_uri")
        if not isinstance(uri, str) or not uri.startswith("mxc://"):
            raise BadResponse("upload without content_uri")
        return uri

    async def download(self, mxc_uri: str, *, max_bytes: int) -> tuple[bytes, str | None]:
        server, media_id = parse_mxc(mxc_uri)
        response, data = await self.request(
            "GET",
            f"{MEDIA_V1}/download/{q(server)}/{q(media_id)}",
            raw=True,
            timeout=120.0,
            max_bytes=max_bytes,
        )
        return data, response.headers.get("content-type")


def parse_mxc(uri: str) -> tuple[str, str]:
    """``mxc://server/media_id`` → (server, media_id); ``BadResponse`` for anything else."""
    if not isinstance(uri, str) or not uri.startswith("mxc://"):
        raise BadResponse("not an mxc:// URI")
    rest = uri[len("mxc://") :]
    server, _sep, media_id = rest.partition("/")
    if not server or not media_id or "/" in media_id or not all(c.isalnum() or c in "-_" for c in media_id):
        raise BadResponse("malformed mxc:// URI")
    return server, media_id
