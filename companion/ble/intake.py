"""A complete scale reading becomes one stored measurement: validate, assign a profile, derive, de-duplicate.

No bleak here; the store is reached only through its repositories.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from companion.ble import bodycomp
from companion.ble.assembly import fingerprint
from companion.ble.protocols import Reading
from companion.domain.measurement import Measurement
from companion.domain.model import METRIC_INFO, InvalidMeasurement, Metric, Profile, Sex
from companion.i18n import _

if TYPE_CHECKING:
    from companion.store import Store

log = logging.getLogger("companion.ble")

#: Scale clocks that were never set show 1970 or 2000; such timestamps are replaced by the receive time.
_EARLIEST_PLAUSIBLE = datetime(2010, 1, 1)
#: Nearest-weight assignment ignores profiles whose last weight is further away than this fraction.
_ASSIGN_TOLERANCE = 0.12


class ReadingRejected(Exception):
    """A reading is impossible or cannot be assigned; ``reason`` is shown to the user and logged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Recorded:
    """What happened to one reading: stored (``measurement``), a duplicate, or refused (``message``)."""

    status: str  # stored | duplicate | rejected | not-allowed
    measurement: Measurement | None = None
    profile: Profile | None = None
    message: str = ""


def reading_time(reading: Reading, received_at: datetime) -> datetime:
    """The scale's naive local time made aware in the receiver's zone; implausible clocks -> receive time."""
    stamp = reading.timestamp
    if stamp is None or stamp < _EARLIEST_PLAUSIBLE:
        return received_at
    aware = stamp.replace(tzinfo=received_at.tzinfo)
    if aware > received_at + timedelta(days=1):
        return received_at
    return aware


def measurement_from_reading(
    reading: Reading,
    profile: Profile,
    received_at: datetime,
    device: str | None = None,
) -> Measurement:
    """Build the measurement; composition the scale did not send is derived (and flagged) when possible."""
    weight = reading.weight_kg
    if weight is None or weight < 2.0:
        raise ReadingRejected(_("The scale sent no usable weight."))
    at = reading_time(reading, received_at)
    derived: set[Metric] = set()
    values: dict[str, float | None] = {
        "body_fat_pct": reading.body_fat_pct,
        "muscle_mass_kg": reading.muscle_mass_kg,
        "bone_mass_kg": reading.bone_mass_kg,
        "bmr_kcal": reading.bmr_kcal,
        "visceral_fat": reading.visceral_fat,
        "bmi": reading.bmi,
        "body_water_pct": reading.body_water_pct,
    }
    if values["body_water_pct"] is None and reading.body_water_mass_kg is not None:
        # openScale stores water as a percentage of weight: mass / weight x 100 (measured, not derived).
        values["body_water_pct"] = round(reading.body_water_mass_kg / weight * 100, 1)
    age = profile.age_on(at.date())
    if profile.sex is not Sex.OTHER:
        inputs = bodycomp.BodyInputs(
            weight, profile.height_cm, age, profile.sex is Sex.MALE, reading.impedance_ohm
        )
        computed = bodycomp.derive(inputs)
        for metric, value in (
            (Metric.BMI, computed.bmi),
            (Metric.BMR, computed.bmr_kcal),
            (Metric.BODY_FAT, computed.body_fat_pct),
            (Metric.BODY_WATER, computed.body_water_pct),
            (Metric.BONE_MASS, computed.bone_mass_kg),
            (Metric.MUSCLE_MASS, computed.muscle_mass_kg),
            (Metric.VISCERAL_FAT, computed.visceral_fat),
        ):
            if values[metric.value] is None and value is not None:
                values[metric.value] = round(value, METRIC_INFO[metric].decimals + 1)
                derived.add(metric)
    elif values["bmi"] is None:
        values["bmi"] = round(bodycomp.bmi(weight, profile.height_cm), 2)
        derived.add(Metric.BMI)
    try:
        return Measurement(
            timestamp=at,
            source=f"ble:{reading.protocol}",
            weight_kg=weight,
            impedance_ohm=reading.impedance_ohm,
            derived=frozenset(derived),
            profile_id=profile.id,
            device=device,
            **values,  # type: ignore[arg-type]
        )
    except InvalidMeasurement as exc:
        raise ReadingRejected(
            _("The scale sent an impossible value: {detail}").format(detail=str(exc))
        ) from None


def choose_profile(store: Store, address: str, reading: Reading) -> Profile | None:
    """User index first (scale slot -> profile), else the profile whose recent weight is nearest."""
    from companion.store.ble import BleRepository

    profiles = store.profiles.all()
    if reading.user_index is not None:
        slot = BleRepository(store).slot_for_index(address, reading.user_index)
        if slot is not None:
            return store.profiles.get(slot.profile_id)
        for profile in profiles:
            if profile.scale_user_index == reading.user_index:
                return profile
    if len(profiles) <= 1:
        return profiles[0] if profiles else None
    weight = reading.weight_kg or 0.0
    best: tuple[float, Profile] | None = None
    for profile in profiles:
        assert profile.id is not None
        latest = store.measurements.latest(profile.id, 1)
        reference = latest[0].weight_kg if latest and latest[0].weight_kg else profile.start_weight_kg
        if reference is None:
            continue
        distance = abs(reference - weight) / reference
        if distance <= _ASSIGN_TOLERANCE and (best is None or distance < best[0]):
            best = (distance, profile)
    return best[1] if best is not None else store.profiles.active()


class Recorder:
    """Turns complete readings into stored measurements, once each."""

    def __init__(self, store: Store) -> None:
        from companion.store.ble import BleRepository

        self.store = store
        self.repo = BleRepository(store)

    def record(self, address: str, reading: Reading, received_at: datetime | None = None) -> Recorded:
        from companion.privacy.gate import ProcessingNotAllowed

        received = received_at or self.store.clock.now()
        key = fingerprint(reading, received)
        try:
            profile = choose_profile(self.store, address, reading)
            if profile is None:
                raise ReadingRejected(_("No profile to assign this reading to."))
            measurement = measurement_from_reading(reading, profile, received, device=address)
            measurement_id = self.repo.commit_reading(address, key, measurement)
        except ReadingRejected as exc:
            self.repo.log_decode_error(address, reading.protocol, b"", exc.reason)
            log.info("reading from %s rejected: %s", address, exc.reason)
            return Recorded("rejected", message=exc.reason)
        except ProcessingNotAllowed as exc:
            return Recorded("not-allowed", message=str(exc))
        if measurement_id is None:
            return Recorded("duplicate", profile=profile, message=_("Already stored."))
        stored = measurement.with_values(id=measurement_id)
        return Recorded("stored", measurement=stored, profile=profile)
