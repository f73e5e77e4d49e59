"""Decoding throughput of the vendor GATT family drivers (target >= 200,000 packets/s per driver in CPython).

Run: ``python tests/benchmarks/bench_gatt_families.py`` (a script, not a timed test). For each driver it feeds one
published frame repeatedly through the driver's stateless ``decode`` (the frame decoder) and through a live
session's ``notification`` (decoder plus the session's bookkeeping), and prints the median of 15 rounds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from companion.ble.drivers import (
    beurer_legacy,
    eufy_p2,
    inlife,
    lefu_ac02,
    medisana_bs44x,
    onebyone,
    renpho_1a10,
    robi_s9,
    yunmai,
)
from companion.ble.drivers.base import Driver, DriverConfig

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _yunmai_frame() -> bytes:
    body = bytearray(19)
    body[0], body[1], body[2], body[3] = 0x0D, 0x1E, 20, 0x02
    body[9:13] = (1).to_bytes(4, "big")
    body[13:15] = (8000).to_bytes(2, "big")
    body[15:17] = (500).to_bytes(2, "big")
    x = 0
    for b in body[1:]:
        x ^= b
    return bytes(body) + bytes((x,))


def _inlife_frame() -> bytes:
    raw = bytearray(14)
    raw[0], raw[1], raw[13] = 0x02, 0xDD, 0xAA
    raw[2:8] = (800).to_bytes(2, "big") + (500).to_bytes(4, "big")
    raw[11] = 0x80
    x = 0
    for b in raw[1:12]:
        x ^= b
    raw[12] = x
    return bytes(raw)


# (driver class, characteristic, frame, session setup) -- frames from the published captures in tests/ble/test_driver_*.
CASES: dict[str, tuple[type[Driver], str, bytes]] = {
    "beurer-sanitas-legacy": (beurer_legacy.BeurerSanitasLegacyDriver, "ffe1", bytes.fromhex("e75801085e")),
    "eufy-p2": (eufy_p2.EufyP2Driver, "fff2", bytes.fromhex("cf0e00cf5c1260221113f10000000030")),
    "inlife": (inlife.InlifeDriver, "fff1", _inlife_frame()),
    "lefu-ac02": (lefu_ac02.LefuAc02Driver, "ffb2", bytes.fromhex("ac0203490000ca16")),
    "medisana-bs44x": (medisana_bs44x.MedisanaBs44xDriver, "8a22", bytes(8) + bytes.fromhex("e100260290012300")),
    "onebyone": (onebyone.OneByoneDriver, "fff4", bytes.fromhex("cf8813401f0000000000")),
    "renpho-1a10": (renpho_1a10.Renpho1A10Driver, "2a10", bytes.fromhex("55aa240006011100002553b3")),
    "robi-s9": (robi_s9.RobiS9Driver, "ffb3", bytes.fromhex("030800a300012dc2000000000000000000000013")),
    "yunmai": (yunmai.YunmaiDriver, "ffe4", _yunmai_frame()),
}


def rate(call: Callable[[], object], n: int = 2000, rounds: int = 15) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            call()
        samples.append(n / (time.perf_counter() - start))
    return statistics.median(samples)


def main() -> None:
    from companion.ble.protocols import qn

    frame = qn.encode_weight_frame(80.0, stable=True, impedance_ohm=500)
    baseline = rate(lambda: qn.decode_weight_frame(frame))
    print(f"baseline: the existing QN decoder (companion.ble.protocols.qn), same run: {baseline:,.0f}/s")
    print(f"{'driver':24} {'decode/s':>12} {'x QN':>6} {'session/s':>12}")
    for name, (cls, char, frame) in CASES.items():
        cls.decode("characteristic", char, frame)  # must decode (raises otherwise)
        decode = rate(lambda cls=cls, char=char, frame=frame: cls.decode("characteristic", char, frame))
        driver = cls(DriverConfig(now=NOW, name=None, address="CF:E6:03:1D:09:F7"))
        if isinstance(driver, eufy_p2.EufyP2Driver):
            driver.ready = True  # weight frames count only after the handshake
        session = rate(lambda driver=driver, char=char, frame=frame: driver.notification(char, frame))
        print(f"{name:24} {decode:12,.0f} {decode / baseline:6.2f} {session:12,.0f}")


if __name__ == "__main__":
    main()
