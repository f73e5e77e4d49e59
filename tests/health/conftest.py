"""Fixtures for the health-data tests: generated export files in real formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from generate import sample_export, write_apple_zip, write_takeout  # noqa: E402


@pytest.fixture
def pid(profile) -> int:  # type: ignore[no-untyped-def]
    assert profile.id is not None
    return int(profile.id)


@pytest.fixture
def apple_xml(tmp_path: Path) -> Path:
    path = tmp_path / "export.xml"
    path.write_text(sample_export(), encoding="utf-8")
    return path


@pytest.fixture
def apple_zip(tmp_path: Path) -> Path:
    return write_apple_zip(tmp_path / "export.zip", sample_export())


@pytest.fixture
def takeout(tmp_path: Path) -> Path:
    return write_takeout(tmp_path / "takeout")


@pytest.fixture
async def strap(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The emulated Bumble heart-rate strap on the shared virtual air, streaming fast (tests)."""
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    from companion.ble.emulator.air import get_air
    from companion.ble.emulator.strap import HR_STRAP_ADDRESS

    air = await get_air().ready()
    device = air.scales[HR_STRAP_ADDRESS]
    device.interval_s = 0.02
    return device


def backends() -> tuple[Any, Any]:
    """bleak's scanner and client backends of the emulator (what the live tab uses)."""
    from companion.tui.widgets.health_live import ble_backends

    scanner, client = ble_backends()
    assert scanner is not None and client is not None, "the emulator exposes scanner_backend/client_backend"
    return scanner, client
