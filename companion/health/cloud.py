"""A seam for cloud health sources, and a client for the Google Health API (the Fitbit Web API's successor).

The Fitbit Web API was switched off in 2026 (dev.fitbit.com/legal/coming-soon); its successor, the Google
Health API (``https://health.googleapis.com/v4``, developers.google.com/health), is not onboarding new apps
yet. So Companion imports Takeout files today, and this adapter is ready for when the API opens:
``GET {base}/v4/users/me/dataTypes/{data-type}/dataPoints?page_size=..&filter=..&page_token=..``
answering ``{"dataPoints": [...], "nextPageToken": "..."}``, with HTTP 429 + ``Retry-After`` for the quota
(300 requests/user/minute) and 401 for an expired token.

Only this module (an HTTP adapter) imports httpx; tests run it against a local server on 127.0.0.1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from companion.i18n import _

GOOGLE_HEALTH_BASE = "https://health.googleapis.com"
DATA_TYPES = ("heart-rate", "steps", "sleep", "weight", "body-fat", "exercise")


class CloudSourceError(Exception):
    """A human message: the cloud source refused or failed."""


@dataclass(frozen=True, slots=True)
class DataPoint:
    data_type: str
    start: str  # RFC 3339 as sent by the service
    end: str | None
    value: dict[str, Any]


class CloudHealthSource(Protocol):
    """What an importer needs from a cloud source: data points of one type in a time range."""

    def data_points(self, data_type: str, start: datetime, end: datetime) -> Iterator[DataPoint]: ...


class GoogleHealthClient:
    """Pages through data points; ``token`` supplies a current OAuth access token (PKCE flow elsewhere)."""

    def __init__(
        self, token: Callable[[], str], *, base_url: str = GOOGLE_HEALTH_BASE, transport: Any = None,
        page_size: int = 1000, max_retries: int = 3, sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        import httpx

        self._token = token
        self._page_size = page_size
        self._max_retries = max_retries
        self._sleep = sleep
        self._client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GoogleHealthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def data_points(self, data_type: str, start: datetime, end: datetime) -> Iterator[DataPoint]:
        if data_type not in DATA_TYPES:
            raise CloudSourceError(_("Unknown data type: {kind}").format(kind=data_type))
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        params: dict[str, Any] = {
            "page_size": self._page_size,
            "filter": f'interval.start_time >= "{start.isoformat()}" AND interval.start_time < "{end.isoformat()}"',
        }
        while True:
            body = self._get(f"/v4/users/me/dataTypes/{data_type}/dataPoints", params)
            for point in body.get("dataPoints") or []:
                interval = point.get("interval") or {}
                yield DataPoint(data_type, str(interval.get("startTime") or point.get("startTime") or ""),
                                interval.get("endTime"), point)
            token = body.get("nextPageToken")
            if not token:
                return
            params["page_token"] = token

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        import httpx

        for attempt in range(self._max_retries + 1):
            try:
                response = self._client.get(path, params=params,
                                            headers={"Authorization": f"Bearer {self._token()}"})
            except httpx.HTTPError as error:
                raise CloudSourceError(_("Cannot reach the health service: {reason}").format(reason=error)) from None
            if response.status_code == 429 and attempt < self._max_retries:
                try:
                    wait = float(response.headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                self._sleep(min(max(wait, 0.0), 60.0))
                continue
            if response.status_code == 401:
                raise CloudSourceError(_("The health service no longer accepts the sign-in; sign in again."))
            if response.status_code == 410:
                raise CloudSourceError(_("This health service has been switched off."))
            if response.status_code == 429:
                raise CloudSourceError(_("The health service's rate limit was reached; try again later."))
            if response.status_code >= 400:
                raise CloudSourceError(_("The health service answered HTTP {status}.").format(
                    status=response.status_code))
            try:
                data = response.json()
            except ValueError:
                raise CloudSourceError(_("The health service sent something that is not JSON.")) from None
            if not isinstance(data, dict):
                raise CloudSourceError(_("The health service sent something that is not JSON."))
            return data
        raise CloudSourceError(_("The health service's rate limit was reached; try again later."))
