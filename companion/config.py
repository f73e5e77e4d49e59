"""User configuration: ``config.toml`` in the data directory (optional; every key has a safe default).

Sections are owned by capabilities, e.g.::

    [geocoder]            # clinic finder: offline unless configured
    provider = "nominatim"          # offline | nominatim | photon | nominatim-self-hosted
    url = "https://nominatim.example.org"

    [display]
    weight_unit = "kg"

Secrets never go here (they live in the OS keyring or the encrypted store).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from companion.i18n import _

CONFIG_FILE = "config.toml"


class ConfigError(ValueError):
    pass


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def load_config(home: Path) -> dict[str, Any]:
    """The parsed config, ``{}`` when there is none; ``ConfigError`` (a human message) when malformed."""
    path = config_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path} is not valid TOML: {error}").format(path=path, error=exc)) from None


def section(home: Path, name: str) -> dict[str, Any]:
    value = load_config(home).get(name, {})
    return value if isinstance(value, dict) else {}
