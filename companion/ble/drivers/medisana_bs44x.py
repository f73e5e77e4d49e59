"""Medisana BS410 / BS430 / BS440 / BS444 (Transtek-made; vendor service 0x78B2).

Weight indications on 0x8A21, composition on 0x8A22, an optional 0x8A82; the app writes ``02 <u32 LE time>`` to
0x8A81 to start. Weight frame: ``[1..2]`` u16 LE / 100 kg, ``[5..8]`` u32 LE time; composition frame: fat, water,
muscle (%) and bone (kg) as ``(u16 LE & 0x0FFF) / 10`` at 8, 10, 12, 14. Facts from openScale
``MedisanaBs44xHandler.kt`` and ble-scale-sync ``src/scales/medisana-bs44x.ts`` (commits in
``shared/reference/ble_scales.md``); the code is written here.

Where the sources disagree: ble-scale-sync listens to 0x8A21 only and tells weight from composition frames by
length (< 16 bytes weight); openScale subscribes both characteristics and publishes when the composition frame
arrives. We follow openScale (separate characteristics) and also accept a 16-byte composition frame on 0x8A21.
The clock epoch differs by model (openScale): BS430 (names ``0203B...``) count from 1970, BS440/BS444
(``013197``, ``013198``, ``0202B6``) from 2010-01-01; for other names the stamp nearest to now (within 90 days)
picks the epoch, as openScale does. A weight whose composition frame never comes is published alone after a few
seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.ble.drivers._vendor import local_wall_clock, step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    SERVICE,
    Advert,
    CancelTimer,
    Decoded,
    Driver,
    DriverConfig,
    Gatt,
    Output,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight

PROTOCOL = "medisana-bs44x"
CHAR_WEIGHT = "8a21"
CHAR_FEATURE = "8a22"
CHAR_CUSTOM = "8a82"
CHAR_COMMAND = "8a81"
EPOCH_2010 = 1262304000
_NAMES_2010 = ("013197", "013198", "0202B6")
_NAMES_UNIX = ("0203B",)
_NEAR = timedelta(days=90)
FEATURE_WAIT_S = 5.0


def epoch_for_name(name: str | None) -> int | None:
    n = (name or "").upper()
    if n.startswith(_NAMES_UNIX):
        return 0
    if n.startswith(_NAMES_2010):
        return EPOCH_2010
    return None


def encode_start(at: datetime, epoch: int) -> bytes:
    seconds = int(at.replace(tzinfo=UTC).timestamp()) - epoch
    return b"\x02" + (seconds & 0xFFFFFFFF).to_bytes(4, "little")


def decode_weight(data: bytes, epoch: int | None, now: datetime) -> Reading:
    if len(data) < 9:
        raise DecodeError(f"Medisana weight frame: truncated, need 9 bytes, got {len(data)}")
    weight = check_weight((data[1] | data[2] << 8) / 100, "Medisana weight frame")
    if weight == 0:
        raise DecodeError("Medisana weight frame: no weight")
    raw = int.from_bytes(data[5:9], "little")
    values: dict[str, object] = {"protocol": PROTOCOL, "weight_kg": weight, "unit": "kg", "stabilized": True}
    candidates = [epoch] if epoch is not None else [0, EPOCH_2010]
    for base in candidates:
        at = datetime.fromtimestamp(raw + base, UTC).replace(tzinfo=None)
        if epoch is not None or abs(at - now) <= _NEAR:
            values["timestamp"] = at
            break
    return Reading.make(**values)


def decode_feature(data: bytes) -> dict[str, float]:
    if len(data) < 16:
        raise DecodeError(f"Medisana composition frame: truncated, need 16 bytes, got {len(data)}")

    def tenth(pos: int) -> float:
        return ((data[pos] | data[pos + 1] << 8) & 0x0FFF) / 10

    fat, water, muscle, bone = tenth(8), tenth(10), tenth(12), tenth(14)
    out: dict[str, float] = {}
    if 0 < fat < 80:
        out["body_fat_pct"] = fat
    if 0 < water < 90:
        out["body_water_pct"] = water
    if 0 < muscle < 90:
        out["muscle_pct"] = muscle
    if 0 < bone < 20:
        out["bone_mass_kg"] = bone
    return out


class MedisanaBs44xDriver(Driver):
    id = PROTOCOL
    family = "Medisana BS4xx (Transtek 0x78B2)"
    devices = ("Medisana BS410", "Medisana BS430", "Medisana BS440", "Medisana BS444")
    measures = ("weight_kg", "body_fat_pct", "body_water_pct", "muscle_pct", "bone_mass_kg", "timestamp")
    handshake = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "MedisanaBs44xHandler.kt @f7a733b",
        "KristianP26/ble-scale-sync src/scales/medisana-bs44x.ts, tests/scales/medisana-bs44x.test.ts @3cce009",
    )
    names = _NAMES_2010 + _NAMES_UNIX
    services = ("78b2",)

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        self.epoch = epoch_for_name(config.name)
        self.pending: Reading | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        if advert.upper_name.startswith(cls.names):
            return NAME + 10
        return SERVICE if "78b2" in advert.service_uuids else NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source == "characteristic" and key == CHAR_WEIGHT and len(data) < 16:
            return decode_weight(data, 0, datetime.fromtimestamp(int.from_bytes(data[5:9], "little"), UTC))
        if source == "characteristic" and key in (CHAR_FEATURE, CHAR_WEIGHT):
            return Reading.make(protocol=PROTOCOL, **decode_feature(data))
        raise DecodeError("the Medisana driver decodes characteristics 8a21 and 8a22 only")

    def connected(self, gatt: Gatt) -> list[Output]:
        out: list[Output] = [Subscribe(CHAR_FEATURE), Subscribe(CHAR_WEIGHT)]
        if CHAR_CUSTOM in gatt.characteristics:
            out.append(Subscribe(CHAR_CUSTOM))
        start = encode_start(local_wall_clock(self.config), self.epoch or 0)
        return out + [Write(CHAR_COMMAND, start), Ready(), step_on()]

    def _flush(self, extra: dict[str, float] | None = None) -> list[Output]:
        pending, self.pending = self.pending, None
        if pending is None:
            return []
        return [CancelTimer("feature"), Reading.make(**{**pending.__dict__, **(extra or {})})]

    def timeout(self, name: str) -> list[Output]:
        return self._flush() if name == "feature" else []

    def disconnected(self) -> list[Output]:
        return self._flush()

    def notification(self, char: str, data: bytes) -> list[Output]:
        try:
            if char == CHAR_FEATURE or (char == CHAR_WEIGHT and len(data) >= 16):
                return self._flush(decode_feature(data))
            if char == CHAR_WEIGHT:
                earlier = self._flush()
                self.pending = decode_weight(data, self.epoch, local_wall_clock(self.config))
                return [*earlier, SetTimer(FEATURE_WAIT_S, "feature")]
        except DecodeError as exc:
            return [as_error(exc)]
        return []
