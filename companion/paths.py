"""Where Companion keeps its files (contract: COMPANION_HOME, else the platform's user data dir)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "companion"


def data_dir() -> Path:
    """The data directory: ``COMPANION_HOME`` if set, else platformdirs' user data dir."""
    env = os.environ.get("COMPANION_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))
