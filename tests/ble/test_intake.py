"""Profile assignment and replay de-duplication on a real (encrypted) store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from companion.ble.intake import Recorder, choose_profile
from companion.ble.protocols import Reading
from companion.domain.measurement import Measurement
from companion.domain.model import Profile, Sex
from companion.store.ble import BleRepository

ADDRESS = "C0:5C:A1:E0:00:09"


def _weigh(store, profile, kg: float) -> None:  # type: ignore[no-untyped-def]
    store.measurements.add(
        Measurement(datetime(2026, 11, 1, 7, tzinfo=UTC), "manual", weight_kg=kg), profile.id
    )


def test_user_index_slot_then_nearest_weight(store, profile) -> None:  # type: ignore[no-untyped-def]
    partner = store.profiles.add(Profile("Bo", Sex.MALE, date(1978, 2, 2), 185.0))
    _weigh(store, profile, 70.0)
    _weigh(store, partner, 101.0)
    repo = BleRepository(store)
    repo.remember(ADDRESS, "Scale", "sig", "gatt")
    repo.set_slot(ADDRESS, 3, 1234, partner.id)
    assert choose_profile(store, ADDRESS, Reading("sig-wss", weight_kg=71.0, user_index=3)).id == partner.id
    assert choose_profile(store, ADDRESS, Reading("mi-scale-2", weight_kg=99.2)).id == partner.id
    assert choose_profile(store, ADDRESS, Reading("mi-scale-2", weight_kg=69.1)).id == profile.id
    # Far from everyone: the active profile (the person using the app), never a random neighbour.
    assert choose_profile(store, ADDRESS, Reading("mi-scale-2", weight_kg=40.0)).id == profile.id


def test_replayed_reading_is_stored_once_even_days_later(store, profile, clock) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(store)
    reading = Reading(
        "mi-scale-2", weight_kg=72.4, impedance_ohm=510.0, timestamp=datetime(2026, 11, 25, 7, 12)
    )
    first = recorder.record(ADDRESS, reading, datetime(2026, 11, 25, 7, 12, 30, tzinfo=UTC))
    again = recorder.record(ADDRESS, reading, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert first.status == "stored" and again.status == "duplicate"
    assert store.measurements.count(profile.id) == 1
    later = recorder.record(
        ADDRESS,
        Reading("mi-scale-2", weight_kg=72.1, timestamp=datetime(2026, 11, 26, 7)),
        datetime(2026, 11, 26, 7, 0, 5, tzinfo=UTC) + timedelta(seconds=1),
    )
    assert later.status == "stored" and store.measurements.count(profile.id) == 2


def test_nothing_is_stored_without_health_consent(store, profile) -> None:  # type: ignore[no-untyped-def]
    store.consents.record("health-data", "withdraw", "1.0", "test")
    outcome = Recorder(store).record(ADDRESS, Reading("qn", weight_kg=80.0, stabilized=True))
    assert outcome.status == "not-allowed" and store.measurements.count() == 0
    assert not BleRepository(store).seen(ADDRESS, "anything")
