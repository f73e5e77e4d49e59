"""Garmin FIT weight files (file type ``weight``, ``weight_scale`` messages) for manual upload to Garmin Connect.

Encoded with Garmin's official ``garmin-fit-sdk`` (FIT Profile 21.x): it applies each field's scale
(weight kg x100, percent_fat x100, percent_hydration x100, bone_mass/muscle_mass kg x100, basal_met kcal/day
x4, bmi x10) and converts Python datetimes to FIT's 1989-12-31 epoch, the trap other writers fall into.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from companion.domain.measurement import Measurement

# FIT manufacturer "development" (255) is what Garmin's SDK examples use for non-Garmin writers.
MANUFACTURER = "development"


def encode_weight_fit(measurements: Iterable[Measurement], created: datetime) -> tuple[bytes, int]:
    """A complete FIT weight file; returns (bytes, number of weigh-ins). Weigh-ins without a weight are left out."""
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    encoder = Encoder()
    encoder.on_mesg(mesg["FILE_ID"], {
        "type": "weight", "manufacturer": MANUFACTURER, "product": 0, "serial_number": 1,
        "time_created": created,
    })
    count = 0
    for m in sorted(measurements, key=lambda m: m.timestamp):
        if m.weight_kg is None:
            continue
        fields: dict[str, object] = {"timestamp": m.timestamp, "weight": round(m.weight_kg, 2)}
        if m.body_fat_pct is not None:
            fields["percent_fat"] = round(m.body_fat_pct, 2)
        if m.body_water_pct is not None:
            fields["percent_hydration"] = round(m.body_water_pct, 2)
        if m.bone_mass_kg is not None:
            fields["bone_mass"] = round(m.bone_mass_kg, 2)
        if m.muscle_mass_kg is not None:
            fields["muscle_mass"] = round(m.muscle_mass_kg, 2)
        if m.bmr_kcal is not None:
            fields["basal_met"] = round(m.bmr_kcal, 2)
        if m.visceral_fat is not None:
            fields["visceral_fat_rating"] = int(round(m.visceral_fat))
        if m.bmi is not None:
            fields["bmi"] = round(m.bmi, 1)
        encoder.on_mesg(mesg["WEIGHT_SCALE"], fields)
        count += 1
    return bytes(encoder.close()), count
