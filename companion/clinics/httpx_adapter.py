"""A synchronous geopy adapter on httpx, so every HTTP request Companion makes goes through httpx.

geopy 2.5 ships urllib, requests and aiohttp adapters but none for httpx (geopy issue #544, PR #579 still
open). This implements ``geopy.adapters.BaseSyncAdapter``: ``get_text``/``get_json`` raise
``AdapterHTTPError`` for an HTTP status >= 400 (geopy maps it to ``GeocoderRateLimited``,
``GeocoderInsufficientPrivileges``...), ``GeocoderTimedOut`` on a timeout, ``GeocoderUnavailable`` when the
host cannot be reached and ``GeocoderParseError`` for a body that is not JSON. Pass it as
``adapter_factory=HttpxAdapter``; tests may pass ``functools.partial(HttpxAdapter, transport=...)``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderParseError, GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable


class HttpxAdapter(BaseSyncAdapter):  # type: ignore[misc]
    def __init__(
        self,
        *,
        proxies: dict[str, str] | None = None,
        ssl_context: Any = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        proxy = None
        if proxies:
            proxy = proxies.get("https") or proxies.get("http")
        verify: Any = ssl_context if ssl_context is not None else True
        self._client = httpx.Client(
            transport=transport,
            proxy=proxy if transport is None else None,
            verify=verify,
            follow_redirects=True,
            trust_env=False,
        )

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        text = self.get_text(url, timeout=timeout, headers=headers)
        try:
            return json.loads(text)
        except ValueError:
            raise GeocoderParseError(
                f"Could not parse the geocoder's response as JSON: {text[:80]!r}"
            ) from None

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        try:
            response = self._client.get(url, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise GeocoderTimedOut("Service timed out") from None
        except (httpx.ConnectError, httpx.NetworkError, httpx.ProxyError, httpx.UnsupportedProtocol) as exc:
            raise GeocoderUnavailable(f"Service not available: {exc}") from None
        except httpx.HTTPError as exc:
            raise GeocoderServiceError(str(exc)) from None
        if response.status_code >= 400:
            raise AdapterHTTPError(
                f"Non-successful status code {response.status_code}",
                status_code=response.status_code,
                headers=response.headers,
                text=response.text[:2000],
            )
        return response.text

    def close(self) -> None:
        self._client.close()

    def __exit__(self, *exc: object) -> None:
        self.close()
