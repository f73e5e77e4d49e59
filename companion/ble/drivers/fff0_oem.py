"""Three small OEM protocols on the shared vendor service 0xFFF0 that send the scale's own body composition:
Excelvan CF369 ("Electronic Scale"), Digoo DG-SO38H ("Mengii") and Hesley ("YunChen"). One driver class each.

Facts from openScale ``ExcelvanCF36xHandler.kt``, ``DigooDGSO38HHandler.kt``, ``HesleyHandler.kt`` and ble-scale-sync
``src/scales/excelvan-cf369.ts``, ``digoo.ts``, ``hesley.ts`` with their tests (commits in
``shared/reference/ble_scales.md``); the code is written here. None of them has a published capture of a real
frame: the byte tests use the layouts of both projects' test suites, which agree.

- Excelvan CF369: write 0xFFF1 ``FE <user 1> <sex 1 m/0 f> <activity 0..2> <height cm> <age> <unit 1 kg> <xor 1..6>``,
  notify 0xFFF4 with 16-17-byte ``CF`` frames: weight BE / 10 at 4, fat BE / 10 at 6, bone / 10 at 8, muscle BE / 10
  at 9, visceral index at 11, water BE / 10 at 12 (fat 0xFFxx: no composition).
- Digoo DG-SO38H: write 0xFFF2 ``09 10 12 11 0D 01 <height> <age> <sex 0 m/1 f> <unit 1 kg> 00 x5 <sum of 3..14>``,
  notify 0xFFF1: ``[5]`` bit 0 stable, bit 1 composition present; weight BE / 100 at 3, fat BE / 10 at 6, visceral
  / 10 at 10, water BE / 10 at 11, muscle BE / 10 at 16, bone / 10 at 18.
- Hesley: write 0xFFF1 the fixed ``A5 01 2C AB 50 5A 29``, notify 0xFFF4 with 20-byte frames: weight BE / 100 at
  2, fat / 10 at 4, water / 10 at 8, muscle / 10 at 10, bone / 10 at 12 (all BE).
"""

from __future__ import annotations

from companion.ble.drivers._vendor import local_wall_clock, step_on
from companion.ble.drivers.base import (
    NAME,
    NO,
    Advert,
    Decoded,
    Driver,
    Gatt,
    Output,
    ProfileShared,
    Ready,
    Subscribe,
    Write,
    as_error,
)
from companion.ble.protocols._common import DecodeError, Reading, check_weight, xor_checksum

_OS = "oliexdev/openScale android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/"
_BSS = "KristianP26/ble-scale-sync src/scales/"


def _u16(data: bytes, pos: int) -> int:
    return (data[pos] << 8) | data[pos + 1]


def _composition(**values: float) -> dict[str, float]:
    limits = {"body_fat_pct": 80, "body_water_pct": 90, "muscle_pct": 90, "bone_mass_kg": 20, "visceral_fat": 60}
    return {k: v for k, v in values.items() if 0 < v < limits[k]}


def decode_excelvan(data: bytes) -> Reading:
    if len(data) not in (16, 17) or data[0] != 0xCF:
        raise DecodeError(f"Excelvan frame: expected 16-17 bytes starting CF, got {len(data)}")
    weight = check_weight(_u16(data, 4) / 10, "Excelvan weight")
    values: dict[str, object] = {"protocol": "excelvan-cf369", "weight_kg": weight, "unit": "kg", "stabilized": True}
    if data[6] != 0xFF:
        values.update(
            _composition(
                body_fat_pct=_u16(data, 6) / 10,
                bone_mass_kg=data[8] / 10,
                muscle_pct=_u16(data, 9) / 10,
                visceral_fat=float(data[11]),
                body_water_pct=_u16(data, 12) / 10,
            )
        )
    return Reading.make(**values)


def decode_digoo(data: bytes) -> Reading:
    if len(data) < 19:
        raise DecodeError(f"Digoo frame: truncated, need 19 bytes, got {len(data)}")
    weight = check_weight(_u16(data, 3) / 100, "Digoo weight")
    ctrl = data[5]
    values: dict[str, object] = {"protocol": "digoo", "weight_kg": weight, "unit": "kg", "stabilized": bool(ctrl & 1)}
    if ctrl & 2:
        values.update(
            _composition(
                body_fat_pct=_u16(data, 6) / 10,
                visceral_fat=data[10] / 10,
                body_water_pct=_u16(data, 11) / 10,
                muscle_pct=_u16(data, 16) / 10,
                bone_mass_kg=data[18] / 10,
            )
        )
    return Reading.make(**values)


def decode_hesley(data: bytes) -> Reading:
    if len(data) < 14:
        raise DecodeError(f"Hesley frame: truncated, need 14 bytes, got {len(data)}")
    weight = check_weight(_u16(data, 2) / 100, "Hesley weight")
    values: dict[str, object] = {"protocol": "hesley", "weight_kg": weight, "unit": "kg", "stabilized": True}
    values.update(
        _composition(
            body_fat_pct=_u16(data, 4) / 10,
            body_water_pct=_u16(data, 8) / 10,
            muscle_pct=_u16(data, 10) / 10,
            bone_mass_kg=_u16(data, 12) / 10,
        )
    )
    return Reading.make(**values)


class _Fff0Oem(Driver):
    notify_char = ""
    write_char = ""
    exact_name = ""
    measures = ("weight_kg", "body_fat_pct", "body_water_pct", "muscle_pct", "bone_mass_kg")
    handshake = True

    @staticmethod
    def parse(data: bytes) -> Reading:  # pragma: no cover - overridden
        raise DecodeError("no decoder")

    def start(self) -> list[Output]:
        """The profile frame, for the scales that take one (only with the profile the health-data consent gives)."""
        values = self._profile_bytes()
        frame = None if values is None else self.profile_frame(*values)
        return [] if frame is None else [Write(self.write_char, frame), ProfileShared("height, age, sex")]

    def profile_frame(self, height: int, age: int, male: bool) -> bytes | None:
        return None

    @classmethod
    def claim(cls, advert: Advert) -> int:
        return NAME + 10 if advert.upper_name == cls.exact_name else NO

    @classmethod
    def decode(cls, source: str, key: str, data: bytes) -> Decoded:
        if source != "characteristic" or key != cls.notify_char:
            raise DecodeError(f"the {cls.id} driver decodes characteristic {cls.notify_char} only")
        return cls.parse(data)

    def connected(self, gatt: Gatt) -> list[Output]:
        return [Subscribe(self.notify_char), *self.start(), Ready(), step_on()]

    def notification(self, char: str, data: bytes) -> list[Output]:
        if char != self.notify_char:
            return []
        try:
            return [self.parse(data)]
        except DecodeError as exc:
            return [as_error(exc)]

    def _profile_bytes(self) -> tuple[int, int, bool] | None:
        p = self.config.profile
        if p is None:
            return None
        return round(p.height_cm) & 0xFF, p.age_on(local_wall_clock(self.config).date()) & 0xFF, p.sex == "male"


class ExcelvanCf369Driver(_Fff0Oem):
    id = "excelvan-cf369"
    family = "Excelvan CF369"
    devices = ('Excelvan CF369 ("Electronic Scale")',)
    needs_profile = True
    sources = (_OS + "ExcelvanCF36xHandler.kt @f7a733b", _BSS + "excelvan-cf369.ts @3cce009")
    names = ("ELECTRONIC SCALE",)
    exact_name = "ELECTRONIC SCALE"
    notify_char, write_char = "fff4", "fff1"
    parse = staticmethod(decode_excelvan)

    def profile_frame(self, height: int, age: int, male: bool) -> bytes:
        activity = min(max((self.config.profile.activity_level or 1) - 1, 0), 2) if self.config.profile else 0
        body = bytes((0xFE, 0x01, 1 if male else 0, activity, height, age, 0x01))
        return body + bytes((xor_checksum(body[1:]),))


class DigooDriver(_Fff0Oem):
    id = "digoo"
    family = "Digoo DG-SO38H"
    devices = ('Digoo DG-SO38H ("Mengii")',)
    needs_profile = True
    sources = (_OS + "DigooDGSO38HHandler.kt @f7a733b", _BSS + "digoo.ts @3cce009")
    names = ("MENGII",)
    exact_name = "MENGII"
    notify_char, write_char = "fff1", "fff2"
    parse = staticmethod(decode_digoo)

    def profile_frame(self, height: int, age: int, male: bool) -> bytes:
        body = bytearray((0x09, 0x10, 0x12, 0x11, 0x0D, 0x01, height, age, 0 if male else 1, 0x01, 0, 0, 0, 0, 0, 0))
        body[15] = sum(body[3:15]) & 0xFF
        return bytes(body)


class HesleyDriver(_Fff0Oem):
    id = "hesley"
    family = "Hesley (YunChen)"
    devices = ('Hesley body-fat scale ("YunChen")',)
    sources = (_OS + "HesleyHandler.kt @f7a733b", _BSS + "hesley.ts @3cce009")
    names = ("YUNCHEN",)
    exact_name = "YUNCHEN"
    notify_char, write_char = "fff4", "fff1"
    parse = staticmethod(decode_hesley)
    MAGIC = bytes.fromhex("a5012cab505a29")

    def start(self) -> list[Output]:
        return [Write(self.write_char, self.MAGIC)]
