"""Video-consult links: find them, show their real host, check the clinic's allowlist, open only on request.

A terminal cannot carry the call itself; the consult runs in the browser (in Germany a KBV-certified video
provider, joinable without an account, Anlage 31b BMV-Ä). Staff either paste a meeting link or their tooling
sets a structured field next to ``body``: ``"org.companion.consult": {"url": "https://...", "starts_at":
ms}``.
The host shown is the URL's real host (IDNA/punycode form, so look-alike Unicode cannot pass as another
domain), never link text. Only ``https`` links on the allowlist may be opened.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import webbrowser
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from companion.i18n import _
from companion.text import plain

CONSULT_FIELD = "org.companion.consult"
_URL = re.compile(r"https://[^\s<>\"'`\]\)]+", re.IGNORECASE)
MEETING_HINTS = (
    "meet",
    "jitsi",
    "video",
    "call",
    "consult",
    "room",
    "sprechstunde",
    "webex",
    "zoom",
    "teams",
)
MAX_URL = 2000


def real_host(url: str) -> str | None:
    """The host the browser would contact, in ASCII (punycode) form; None when the URL has none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _looks_like_meeting(url: str) -> bool:
    lowered = url.lower()
    return any(hint in lowered for hint in MEETING_HINTS)


def consult_link(content: dict[str, Any]) -> str | None:
    """The meeting URL in a message content: the structured field first, else a meeting-like https link."""
    field = content.get(CONSULT_FIELD)
    if isinstance(field, dict):
        url = field.get("url")
        if isinstance(url, str) and url.lower().startswith("https://") and len(url) <= MAX_URL:
            cleaned = plain(url, single_line=True)
            if real_host(cleaned):
                return cleaned
    body = content.get("body")
    if not isinstance(body, str):
        return None
    for match in _URL.finditer(plain(body)[:20_000]):
        url = match.group(0).rstrip(".,;:!?")
        if len(url) <= MAX_URL and real_host(url) and _looks_like_meeting(url):
            return url
    return None


def host_allowed(host: str, allowlist: list[str] | tuple[str, ...]) -> bool:
    """Exact host or a subdomain of an allowlisted domain (``meet.example.org`` allows
    ``x.meet.example.org``)."""
    host = host.lower().rstrip(".")
    for entry in allowlist:
        allowed = entry.strip().lower().rstrip(".")
        try:
            allowed = allowed.encode("idna").decode("ascii")
        except UnicodeError:
            continue
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


@dataclass(frozen=True, slots=True)
class ConsultLink:
    url: str
    host: str
    allowed: bool

    def describe(self) -> str:
        if self.allowed:
            return _("Video consult at {host}").format(host=self.host)
        return _("Link to {host}, which is NOT on your clinic's list of video services").format(
            host=self.host
        )


def inspect(url: str, allowlist: list[str] | tuple[str, ...]) -> ConsultLink | None:
    host = real_host(url)
    if host is None:
        return None
    return ConsultLink(url, host, url.lower().startswith("https://") and host_allowed(host, allowlist))


def browser_available() -> bool:
    """False over SSH or without a display: then the URL is printed instead of opening a browser."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    if (
        sys.platform.startswith("linux")
        and shutil.which("xdg-open") is None
        and not os.environ.get("BROWSER")
    ):
        return False
    return True


def open_consult(link: ConsultLink, *, confirmed: bool) -> str:
    """Open the browser (only when ``confirmed`` and allowed) or return the URL to print. Never auto-opens."""
    if not link.allowed:
        return _("Not opened: {host} is not one of your clinic's video services. The link was: {url}").format(
            host=link.host, url=link.url
        )
    if not confirmed:
        return _("Not opened. The link was: {url}").format(url=link.url)
    if browser_available():
        try:
            if webbrowser.open(link.url, new=2):
                return _("Opened {host} in your browser.").format(host=link.host)
        except webbrowser.Error:
            pass
    return _("Open this link in a browser: {url}").format(url=link.url)
