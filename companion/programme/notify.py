"""Showing a reminder outside the app: a desktop notification through desktop-notifier (maintained, one API
for the freedesktop D-Bus service, macOS and Windows), else the terminal bell and one line.

desktop-notifier is imported only when a notification is sent (it pulls in an async D-Bus client).
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

APP_NAME = "Companion"


def desktop_available() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def send_desktop(title: str, body: str) -> bool:
    """True when the desktop took the notification."""
    if not desktop_available():
        return False
    try:
        from desktop_notifier import DesktopNotifierSync
    except ImportError:
        return False
    try:
        DesktopNotifierSync(app_name=APP_NAME).send(title=title, message=body)
    except Exception:  # no notification service, refused, timed out: the terminal line is shown instead
        return False
    return True


def notify(title: str, body: str, *, desktop: bool = True, stream: TextIO | None = None) -> str:
    """Show one reminder; returns ``"desktop"`` or ``"terminal"`` (bell and one line on ``stream``)."""
    if desktop and send_desktop(title, body):
        return "desktop"
    out = stream if stream is not None else sys.stdout
    bell = "\a" if out.isatty() else ""
    out.write(f"{bell}{title}: {body}\n")
    out.flush()
    return "terminal"
