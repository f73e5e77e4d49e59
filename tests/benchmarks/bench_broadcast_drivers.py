"""Broadcast-family decoding throughput (run: ``python tests/benchmarks/bench_broadcast_drivers.py``).

Packets per second through each broadcast driver's ``advert()`` (the event the executor calls for every
advertisement of a listened-to scale: decode, validate, de-duplicate), target >= 200,000/s in CPython, and
the Xiaomi S400's AES-CCM decryption on its own (``mibeacon.decode_frame``), reported separately. Every
packet is distinct (weights vary, S400 counters increase) so de-duplication never short-circuits the decode.
Medians of 7 repeats; not a timed test.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.ciphers.aead import AESCCM  # noqa: E402

from companion.ble.drivers import eufy_c20, mibeacon, oem_broadcast, okok, yunmai_x  # noqa: E402
from companion.ble.drivers.base import Advert, Driver, DriverConfig  # noqa: E402

N = 4000
S400_ADDRESS = "8C:D0:B2:F6:BE:EF"
KEY = bytes.fromhex("0728974d657a4b60964c1b1677f35f7c")


def s400_frames(n: int) -> list[bytes]:
    cipher = AESCCM(KEY, tag_length=4)
    mac = bytes.fromhex(S400_ADDRESS.replace(":", ""))[::-1]
    out = []
    for i in range(n):
        counter = (0x100 + i).to_bytes(4, "little")
        header = bytes([0x48, 0x59, 0xD5, 0x3B, counter[0]])
        packed = (600 + i % 800) | (20 << 11) | (5000 << 18)
        obj = b"\x16\x6e\x09\x01" + packed.to_bytes(4, "little") + bytes(4)
        sealed = cipher.encrypt(mac + header[2:5] + counter[1:], obj, b"\x11")
        out.append(header + sealed[:-4] + counter[1:] + sealed[-4:])
    return out


def weights(i: int) -> float:
    return 50.0 + (i % 500) / 10


def adverts() -> dict[str, tuple[type[Driver], str, list[Advert]]]:
    ym_address = "C0:FF:EE:12:34:56"
    return {
        "xiaomi-s400": (
            mibeacon.XiaomiS400Driver,
            S400_ADDRESS,
            [Advert.of(service_data={"fe95": f}, address=S400_ADDRESS) for f in s400_frames(N)],
        ),
        "yunmai-x": (
            yunmai_x.YunmaiXDriver,
            ym_address,
            [
                Advert.of(
                    manufacturer_data={0x3456: yunmai_x.encode(ym_address, weights(i), state=1 + i % 3)[2:]},
                    address=ym_address,
                )
                for i in range(N)
            ],
        ),
        "eufy-c20": (
            eufy_c20.EufyC20Driver,
            "",
            [
                Advert.of(
                    manufacturer_data={
                        eufy_c20.COMPANY_ID: eufy_c20.encode(weights(i), impedance_ohm=500.0, heart_rate_bpm=70)
                    }
                )
                for i in range(N)
            ],
        ),
        "okok": (
            okok.OkOkDriver,
            "",
            [
                Advert.of(
                    manufacturer_data={okok.COMPANY_V20: okok.encode_v20(weights(i), final=True, impedance_ohm=500.0)}
                )
                for i in range(N)
            ],
        ),
        "qn-broadcast": (
            oem_broadcast.QnBroadcastDriver,
            "",
            [
                Advert.of(
                    manufacturer_data={0xFFFF: oem_broadcast.encode_qn("AA:BB:CC:DD:EE:FF", weights(i), stable=True)}
                )
                for i in range(N)
            ],
        ),
    }


def rate(run: Callable[[], None], packets: int) -> float:
    times = []
    for _ in range(7):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return packets / statistics.median(times)


def main() -> None:
    now = datetime(2026, 1, 1).astimezone()
    print(f"{'driver':<16} {'packets/s (median of 7)':>24}")
    for name, (cls, address, items) in adverts().items():
        config = DriverConfig(now=now, address=address, bind_key=KEY if cls.needs_key else None)

        def run(cls: type[Driver] = cls, config: DriverConfig = config, items: list[Advert] = items) -> None:
            driver = cls(config)
            advert = driver.advert
            for item in items:
                advert(item)

        print(f"{name:<16} {rate(run, len(items)):>24,.0f}")
    frames = s400_frames(N)
    decode = mibeacon.decode_frame

    def decrypt() -> None:
        for frame in frames:
            decode(frame, S400_ADDRESS, KEY)

    print(f"{'S400 decrypt':<16} {rate(decrypt, len(frames)):>24,.0f}  (mibeacon.decode_frame: AES-CCM alone)")
    # Reference on the same machine at the same moment: today's Mi Scale 2 decoder (a bare function, no driver).
    from companion.ble.protocols import xiaomi

    packets = [xiaomi.encode_mi_scale_v2(weights(i), stabilized=True, impedance_ohm=500) for i in range(N)]
    mi = xiaomi.decode_mi_scale_v2

    def reference() -> None:
        for packet in packets:
            mi(packet)

    print(f"{'(mi-scale-2 fn)':<16} {rate(reference, len(packets)):>24,.0f}  (reference: bare decoder function)")


if __name__ == "__main__":
    main()
