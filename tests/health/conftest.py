"""Fixtures for the health-data tests: generated export files in real formats."""

from __future__ import annotations

import sys
from pathlib import Path

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
