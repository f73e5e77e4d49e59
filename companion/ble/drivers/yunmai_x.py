"""Yunmai X (YMBS-M268): weigh-ins broadcast as manufacturer data, no connection (pure, sans-I/O).

Layout (oliexdev/openScale@f7a733b2 ``android_app/app/src/main/java/com/health/openscale/core/bluetooth/
scales/YunmaiXHandler.kt``, reverse-engineered from a YMBS-M268 capture; shared/reference/ble_scales.md
section 2). The 16-byte manufacturer AD structure starts with the scale's MAC byte-reversed, so the
"company id" that bleak splits off is the MAC's last two octets (LE) and the value seen here is 14 bytes:

* ``[0:4]`` MAC octets 4, 3, 2, 1 (display order reversed, continuing the company id);
* ``[4:7]`` signature ``0B 74 17``;
* ``[7]`` per-session byte (varies between weigh-ins; ignored);
* ``[8]`` state: 1 measuring, 2 weight stable, 3 final result with impedance;
* ``[9:11]`` weight u16 BE, 0.01 kg; ``[11:13]`` impedance u16 BE, ohm (0 until state 3);
* ``[13]`` XOR of ``[7:13]``.

The scale advertises no name, only the 16-bit service UUID 0x1320.
"""

from __future__ import annotations

from functools import lru_cache

from companion.ble.drivers.base import (
    CERTAIN,
    SERVICE,
    Advert,
    CancelTimer,
    Driver,
    DriverConfig,
    MalformedFrame,
    Output,
    Ready,
    SetTimer,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_impedance

PROTOCOL = "yunmai-x"
SERVICE_UUID = "1320"
SIGNATURE = b"\x0b\x74\x17"
STATE_LIVE, STATE_STABLE, STATE_FINAL = 1, 2, 3


def mac_company_id(address: str) -> int:
    """The company id bleak reports for this scale: its MAC's last two octets, little-endian."""
    octets = address.split(":")
    return int(octets[5], 16) | int(octets[4], 16) << 8


@lru_cache(maxsize=256)
def _echo(address: str) -> tuple[int, bytes] | None:
    """(company id, first four value bytes) that an advert of ``address`` must carry."""
    try:
        octets = bytes(int(p, 16) for p in address.split(":"))
    except ValueError:
        return None
    if len(octets) != 6:
        return None
    return octets[5] | octets[4] << 8, octets[3::-1]


def echoes_address(company_id: int, data: bytes, address: str) -> bool:
    """Whether the advert carries this device's MAC (a frame relayed from another address does not)."""
    echo = _echo(address)
    return echo is not None and company_id == echo[0] and data[:4] == echo[1]


def looks_like(data: bytes) -> bool:
    return len(data) == 14 and data[4:7] == SIGNATURE


def decode(data: bytes) -> Reading:
    """One manufacturer-data value (company id already split off)."""
    what = "Yunmai X advertisement"
    if len(data) != 14:
        raise DecodeError(f"{what}: expected 14 bytes, got {len(data)}")
    if data[4:7] != SIGNATURE:
        raise DecodeError(f"{what}: signature {data[4:7].hex()} is not 0b7417")
    check = 0
    for byte in data[7:13]:
        check ^= byte
    if check != data[13]:
        raise DecodeError(f"{what}: checksum mismatch")
    state = data[8]
    if state not in (STATE_LIVE, STATE_STABLE, STATE_FINAL):
        raise DecodeError(f"{what}: unknown state {state}")
    weight = (data[9] << 8 | data[10]) / 100  # at most 655.35 kg
    if weight > 500.0:
        raise DecodeError(f"{what}: impossible weight {weight:g} kg (0..500)")
    impedance = None
    raw_impedance = data[11] << 8 | data[12]
    if state == STATE_FINAL and raw_impedance:
        impedance = check_impedance(float(raw_impedance), what)
    return Reading.make(
        protocol=PROTOCOL,
        weight_kg=weight,
        unit="kg",
        stabilized=state != STATE_LIVE,
        impedance_ohm=impedance,
        multi_packet=True if state == STATE_STABLE else None,  # the final frame (with impedance) follows
    )


def encode(address: str, weight_kg: float, *, state: int, impedance_ohm: int = 0, session: int = 0x04) -> bytes:
    """The full 16-byte AD value (company id included), for tests and the emulated scale."""
    octets = bytes(int(p, 16) for p in address.split(":"))
    body = bytes([session, state]) + round(weight_kg * 100).to_bytes(2, "big") + impedance_ohm.to_bytes(2, "big")
    check = 0
    for byte in body:
        check ^= byte
    return octets[::-1] + SIGNATURE + body + bytes([check])


#: How long a stable weight waits for the final frame with impedance before it is published without it.
FINAL_WAIT_S = 8.0
SOURCES = (
    "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
    "YunmaiXHandler.kt @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4",
)


def _with(reading: Reading, **changes: object) -> Reading:
    """``dataclasses.replace`` without re-running ``__init__`` (10x faster on the advert path)."""
    values = dict(reading.__dict__)
    values.update(changes)
    return Reading.make(**values)


class YunmaiXDriver(Driver):
    """Yunmai X: live, stable and final frames; the final one (with impedance) is repeated for seconds."""

    id = PROTOCOL
    family = "Yunmai X"
    devices = ("Yunmai X (YMBS-M268)",)
    link = "broadcast"
    measures = ("weight_kg", "impedance_ohm")
    services = (SERVICE_UUID,)
    claims_any = True  # no name, and the company id is part of the MAC: only the layout tells
    emulated = True
    sources = SOURCES

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self._stable: Reading | None = None
        self._published = False
        self._seen_any = False

    @classmethod
    def claim(cls, advert: Advert) -> int:
        for company, data in advert.manufacturer_data.items():
            if looks_like(data) and (not advert.address or echoes_address(company, data, advert.address)):
                return CERTAIN
        return SERVICE if SERVICE_UUID in advert.service_uuids else 0

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Reading:
        from companion.ble.drivers.oem_broadcast import manufacturer_key

        manufacturer_key(source, key, cls.family)  # any company id: it is part of the scale's MAC
        return decode(data)

    def advert(self, advert: Advert) -> list[Output]:
        out: list[Output] = []
        for company, data in advert.manufacturer_data.items():
            if not looks_like(data):
                continue
            address = self.config.address or advert.address
            if address and not echoes_address(company, data, address):
                out.append(MalformedFrame("Yunmai X advertisement: carries another device's address"))
                continue
            try:
                reading = decode(data)
            except DecodeError as exc:
                out.append(as_error(exc))
                continue
            if self.config.mode == "pair" and not self._seen_any:
                self._seen_any = True
                out.append(Ready())
            if not reading.stabilized:  # live: a (new) weigh-in is settling
                self._published = False
                self._stable = None
                out.append(reading)
            elif reading.impedance_ohm is None and reading.multi_packet:  # stable, the final frame follows
                if not self._published and self._stable is None:
                    self._stable = _with(reading, multi_packet=None)
                    out += [_with(reading, stabilized=False, multi_packet=None), SetTimer(FINAL_WAIT_S, "final")]
            elif not self._published:  # final (repeated for seconds: publish once)
                self._published = True
                self._stable = None
                out += [CancelTimer("final"), _with(reading, multi_packet=None)]
        return out

    def timeout(self, name: str) -> list[Output]:
        if name != "final" or self._stable is None or self._published:
            return []
        stable, self._stable = self._stable, None
        self._published = True
        return [stable]
