"""FitTrack Dara 2.0 (eLink / Icomon platform): the "AC 02" 8-byte frames of the Lefu family on the shared service
0xFFB0, with its own set-up writes and a body-composition dump.

Facts from openScale ``FitTrackDaraHandler.kt`` and ``FitTrackDaraHandlerTest.kt`` (reverse-engineered from an HCI
capture; commit in ``shared/reference/ble_scales.md``); the code is written here. Frames ``AC 02 b2 b3 b4 b5 <chan>
<sum of 2..6>``; chan 0xCC command, 0xCE live weight, 0xCA settled weight (b2 b3 BE, tenths of the display unit),
0xCB the dump: ``AC 02 FE <index> <hi> <lo> CB`` pairs (0 weight, 2 fat %, 4 visceral index, 5 lean kg, 7 bone kg,
8 water %, 10 protein %; tenths except the visceral index), then a 20-byte ``AC 02 FF ...`` and a 20-byte
``01 00 ...`` that ends it. The app writes on FFB1 (no response): ``F7 00 00 00``, ``FA 00 00 00``, the user
``FB <sex 1 m/2 f> <age> <height cm>``, the date ``FD <yy> <mm> <dd>``, the time ``FC <h> <m> <s>`` and the unit
``FE 06 <0 kg> 00``, each as a CC frame. The vendor's AE/AD challenge is not replayed (openScale: dynamic, and
weights stream without it). A settled weight whose dump never comes is published alone after 10 s (openScale's
grace period).
"""

from __future__ import annotations

from companion.ble.drivers._vendor import local_wall_clock, step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    CancelTimer,
    Decoded,
    Driver,
    Gatt,
    Output,
    ProfileShared,
    Ready,
    SetTimer,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.drivers.lefu_ac02 import checksum
from companion.ble.protocols._common import DecodeError, Reading, check_weight

PROTOCOL = "fittrack-dara"
CHAR_WRITE = "ffb1"
CHAR_NOTIFY = "ffb2"
CHAN_CMD, CHAN_LIVE, CHAN_STABLE, CHAN_DUMP = 0xCC, 0xCE, 0xCA, 0xCB
DUMP_GRACE_S = 10.0
#: dump index -> (Reading field, divisor)
_DUMP = {
    0: ("weight_kg", 10),
    2: ("body_fat_pct", 10),
    4: ("visceral_fat", 1),
    5: ("fat_free_mass_kg", 10),
    7: ("bone_mass_kg", 10),
    8: ("body_water_pct", 10),
}


def command(b2: int, b3: int = 0, b4: int = 0, b5: int = 0) -> bytes:
    body = bytearray((0xAC, 0x02, b2 & 0xFF, b3 & 0xFF, b4 & 0xFF, b5 & 0xFF, CHAN_CMD, 0))
    body[7] = checksum(bytes(body))
    return bytes(body)


class FitTrackDaraDriver(Driver):
    id = PROTOCOL
    family = "FitTrack Dara (AC02 with dump)"
    devices = ("FitTrack Dara 2.0",)
    measures = ("weight_kg", "body_fat_pct", "body_water_pct", "bone_mass_kg", "fat_free_mass_kg", "visceral_fat")
    handshake = True
    needs_profile = True
    sources = (
        "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
        "FitTrackDaraHandler.kt, src/test/.../FitTrackDaraHandlerTest.kt @f7a733b",
    )
    names = ("FITTRACK",)

    settled: float | None = None
    dump: dict[str, float] | None = None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        return NAME + 10 if advert.upper_name.startswith("FITTRACK") else NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != CHAR_NOTIFY:
            raise DecodeError("the FitTrack Dara driver decodes characteristic ffb2 only")
        chan, value = parse(data)
        if chan not in (CHAN_LIVE, CHAN_STABLE) or value is None:
            raise DecodeError("FitTrack Dara: only weight frames decode on their own")
        return Reading.make(protocol=PROTOCOL, weight_kg=value, unit="kg", stabilized=chan == CHAN_STABLE)

    def connected(self, gatt: Gatt) -> list[Output]:
        now = local_wall_clock(self.config)
        frames = [command(0xF7), command(0xFA)]
        out: list[Output] = [Subscribe(CHAR_NOTIFY)]
        profile = self.config.profile
        if profile is not None:
            sex = 1 if profile.sex == "male" else 2
            frames.append(command(0xFB, sex, profile.age_on(now.date()), round(profile.height_cm)))
            out.append(ProfileShared("height, age, sex"))
        frames += [
            command(0xFD, now.year - 2000, now.month, now.day),
            command(0xFC, now.hour, now.minute, now.second),
            command(0xFE, 6, 0, 0),  # transmit in kg
        ]
        return [*out, *(Write(CHAR_WRITE, f, with_response=False) for f in frames), Ready(), step_on()]

    def _publish(self) -> list[Output]:
        weight = (self.dump or {}).get("weight_kg") or self.settled
        if weight is None:
            return []
        values: dict[str, object] = {**(self.dump or {}), "weight_kg": weight}
        self.settled, self.dump = None, None
        return [CancelTimer("dump"), Reading.make(protocol=PROTOCOL, unit="kg", stabilized=True, **values)]

    def timeout(self, name: str) -> list[Output]:
        return self._publish() if name == "dump" else []

    def disconnected(self) -> list[Output]:
        return self._publish()

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != CHAR_NOTIFY:
            return []
        if len(data) >= 20 and data[0] == 0x01 and data[1] == 0x00:
            return self._publish()  # the dump's last fragment
        if len(data) >= 20 and data[:3] == b"\xac\x02\xff":
            return []  # packed repeat of the index frames
        try:
            chan, value = parse(data)
        except DecodeError as exc:
            return [as_error(exc)]
        if chan in (CHAN_LIVE, CHAN_STABLE) and value is not None:
            out: list[Output] = [
                Reading.make(protocol=PROTOCOL, weight_kg=value, unit="kg", stabilized=False),
            ]
            if chan == CHAN_STABLE and self.settled is None:
                self.settled = value
                out.append(SetTimer(DUMP_GRACE_S, "dump"))
            return out
        if chan == CHAN_DUMP and data[2] == 0xFE:
            field = _DUMP.get(data[3])
            if field is not None:
                name, divisor = field
                self.dump = self.dump or {}
                self.dump[name] = ((data[4] << 8) | data[5]) / divisor
        return []


def parse(data: bytes) -> tuple[int, float | None]:
    """(channel, kg for weight frames) of an 8-byte frame."""
    if len(data) != 8 or data[0] != 0xAC or data[1] != 0x02:
        raise DecodeError(f"FitTrack Dara frame: expected 8 bytes starting AC 02, got {len(data)}")
    if checksum(data) != data[7]:
        raise DecodeError("FitTrack Dara frame: checksum mismatch")
    chan = data[6]
    if chan in (CHAN_LIVE, CHAN_STABLE):
        deci = (data[2] << 8) | data[3]
        if deci == 0:
            return chan, None  # idle frame
        return chan, check_weight(deci / 10, "FitTrack Dara weight")
    if chan in (CHAN_CMD, CHAN_DUMP):
        return chan, None
    raise DecodeError(f"FitTrack Dara frame: unexpected opcode (channel 0x{chan:02x})")
