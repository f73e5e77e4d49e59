"""Emulated Bluetooth LE devices on Bumble (scales, a heart-rate strap) and a bleak backend for them.

``scanner_backend`` / ``client_backend`` are the bleak backend classes (``BleakScanner(backend=...)``,
``BleakClient(..., backend=...)``), resolved lazily so importing this package does not import Bumble.
"""

from __future__ import annotations

from typing import Any

__all__ = ["client_backend", "demo_bind_key", "scanner_backend"]


def demo_bind_key(address: str) -> bytes | None:
    """The bind key of an emulated encrypted scale (the demo pre-fills it), ``None`` for any other address."""
    from companion.ble.emulator.xiaomi_s400 import DEMO_BIND_KEY, S400_ADDRESS

    return DEMO_BIND_KEY if address.upper() == S400_ADDRESS else None


def __getattr__(name: str) -> Any:
    if name == "scanner_backend":
        from companion.ble.emulator.backend import BumbleScanner

        return BumbleScanner
    if name == "client_backend":
        from companion.ble.emulator.backend import BumbleClient

        return BumbleClient
    raise AttributeError(name)
