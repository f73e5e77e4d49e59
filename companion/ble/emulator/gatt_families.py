"""The emulated vendor-protocol GATT scales (one module each), added to the demo air by ``populate``."""

from __future__ import annotations

from companion.ble.emulator.air import VirtualAir


def populate(air: VirtualAir) -> None:
    """A Sanitas SBF70, a Yunmai Mini, a Renpho ES-26BB-B, a Eufy P2 Pro, a Robi S9 and a Eufy C1 (1byone)."""
    from companion.ble.emulator.beurer_legacy import SanitasScale
    from companion.ble.emulator.eufy_p2 import EufyP2Scale
    from companion.ble.emulator.onebyone import EufyC1Scale
    from companion.ble.emulator.renpho_1a10 import RenphoEs26bbScale
    from companion.ble.emulator.robi_s9 import RobiS9Scale
    from companion.ble.emulator.yunmai import YunmaiScale

    SanitasScale(air)
    YunmaiScale(air)
    RenphoEs26bbScale(air)
    EufyP2Scale(air)
    RobiS9Scale(air)
    EufyC1Scale(air)
