"""BLE fixtures: the Bumble emulated scales behind bleak (COMPANION_BLE=emulated), one virtual air per
test loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def emulated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COMPANION_BLE", "emulated")
    yield


@pytest.fixture
async def air(emulated):  # type: ignore[no-untyped-def]
    from companion.ble.emulator.air import get_air

    return await get_air().ready()


@pytest.fixture
def sig_scale(air):  # type: ignore[no-untyped-def]
    from companion.ble.emulator.scale import SIG_SCALE_ADDRESS

    return air.scales[SIG_SCALE_ADDRESS]


@pytest.fixture
def mi_scale(air):  # type: ignore[no-untyped-def]
    from companion.ble.emulator.scale import MI_SCALE_ADDRESS

    return air.scales[MI_SCALE_ADDRESS]
