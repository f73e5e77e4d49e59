"""Download a clinic directory the user added by URL (a thin httpx adapter; the file is checked before
use)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from companion.clinics.directory import ClinicDirectory, DirectoryError, parse_directory_text
from companion.i18n import _

MAX_BYTES = 200 * 1024 * 1024


def download_directory(
    url: str, dest_dir: Path, *, timeout: float = 30.0, transport: object = None
) -> tuple[Path, ClinicDirectory]:
    """Fetch ``url``, check it is a usable directory, and keep a copy in ``dest_dir`` (atomic write)."""
    import httpx

    if not url.startswith(("https://", "http://")):
        raise DirectoryError(_("A directory URL must start with https:// or http://."))
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:  # type: ignore[arg-type]
            response = client.get(url, headers={"Accept": "application/geo+json, application/json"})
    except httpx.TimeoutException:
        raise DirectoryError(_("The download of {url} timed out.").format(url=url)) from None
    except httpx.HTTPError as exc:
        raise DirectoryError(_("Cannot download {url}: {error}").format(url=url, error=exc)) from None
    if response.status_code >= 400:
        raise DirectoryError(
            _("Cannot download {url}: HTTP {status}.").format(url=url, status=response.status_code)
        )
    body = response.content
    if len(body) > MAX_BYTES:
        raise DirectoryError(_("{url} is larger than 200 MB; not used.").format(url=url))
    directory = parse_directory_text(body, name=url)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"directory-{hashlib.sha256(url.encode()).hexdigest()[:12]}.geojson"
    fd, tmp = tempfile.mkstemp(dir=dest_dir, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, directory
