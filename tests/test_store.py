"""The encrypted store: round trips, encryption at rest, passphrases, the keyring mode, bulk inserts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.domain import Metric, Profile, Sex
from companion.domain.measurement import Measurement
from companion.domain.units import HeightUnit, WeightUnit
from companion.privacy import ProcessingNotAllowed
from companion.store import (
    DB_FILE,
    KeyringUnavailable,
    PassphraseRequired,
    Store,
    StoreError,
    WrongPassphrase,
)
from companion.store.keys import KEY_FILE, KEYRING_SERVICE, KeyVault
from tests.conftest import TEST_PASSPHRASE

MARKER = "Zebra-Marker-7f3a9c"


def test_profile_round_trip(store: Store) -> None:
    original = Profile(
        name="Ann Example",
        sex=Sex.FEMALE,
        birth_date=date(1980, 4, 23),
        height_cm=168.5,
        language="nl",
        placement_date=date(2026, 1, 10),
        placement_place="Amsterdam",
        removal_date=date(2026, 7, 10),
        clinic="Kliniek Noord",
        phone="+31 20 123 4567",
        email="ann@example.org",
        goal_weight_kg=80.0,
        start_weight_kg=101.3,
        weight_unit=WeightUnit.ST_LB,
        height_unit=HeightUnit.FT_IN,
        scale_user_index=2,
    )
    saved = store.profiles.add(original)
    assert saved.id is not None
    assert store.profiles.get(saved.id) == saved
    assert store.profiles.active() == saved
    changed = _replace(saved, name="Ann Changed", email=None, weight_unit=WeightUnit.LB)
    store.profiles.update(changed)
    assert store.profiles.get(saved.id) == changed


def _replace(profile: Profile, **changes: object) -> Profile:
    from dataclasses import replace

    return replace(profile, **changes)  # type: ignore[arg-type]


def test_measurement_round_trip_keeps_values_flags_and_offsets(store: Store, profile: Profile) -> None:
    zones = [
        timezone(timedelta(hours=h, minutes=m)) for h, m in ((0, 0), (1, 0), (-5, 0), (5, 30), (-9, -30))
    ]
    originals = []
    for i, tz in enumerate(zones):
        originals.append(
            Measurement(
                timestamp=datetime(2026, 3, 1 + i, 7, 15, 42, tzinfo=tz),
                source="ble:sig-bcs",
                weight_kg=90.25 - i,
                body_fat_pct=33.1,
                body_water_pct=48.2,
                bone_mass_kg=3.1,
                muscle_mass_kg=55.4,
                bmi=31.9,
                bmr_kcal=1720.0,
                visceral_fat=11.0,
                impedance_ohm=512.5,
                derived=frozenset({Metric.BMI, Metric.BMR}) if i % 2 else frozenset(),
                device="AA:BB:CC:DD:EE:FF",
                note=f"note {i}",
            )
        )
    for m in originals:
        assert store.measurements.add(m, profile.id) is not None
    assert profile.id is not None
    loaded = store.measurements.page(profile.id, newest_first=False)
    assert len(loaded) == len(originals)
    for before, after in zip(originals, loaded, strict=True):
        assert after.timestamp == before.timestamp
        assert after.timestamp.utcoffset() == before.timestamp.utcoffset()
        assert after.derived == before.derived
        for metric in Metric:
            assert after.value(metric) == before.value(metric)
        assert (after.impedance_ohm, after.device, after.note, after.source) == (
            before.impedance_ohm,
            before.device,
            before.note,
            before.source,
        )
    # the same reading again is skipped, not duplicated
    assert store.measurements.add(originals[0], profile.id) is None
    assert store.measurements.add_many(originals, profile.id) == 0


def test_partial_measurement_round_trip(store: Store, profile: Profile) -> None:
    m = Measurement(timestamp=datetime(2026, 3, 1, 7, 0, tzinfo=UTC), source="manual", weight_kg=88.0)
    mid = store.measurements.add(m, profile.id)
    assert mid is not None
    got = store.measurements.get(mid)
    assert (
        got is not None and got.weight_kg == 88.0 and got.body_fat_pct is None and got.derived == frozenset()
    )


def test_health_data_needs_explicit_consent(home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    with Store.create(home, passphrase=TEST_PASSPHRASE, clock=clock) as store:
        p = store.profiles.add(Profile("B", Sex.MALE, date(1970, 1, 1), 180.0))
        m = Measurement(timestamp=datetime(2026, 3, 1, tzinfo=UTC), source="manual", weight_kg=90.0)
        with pytest.raises(ProcessingNotAllowed):
            store.measurements.add(m, p.id)
        assert store.measurements.count() == 0


def test_settings_and_transactions_roll_back(store: Store) -> None:
    store.settings.set("a", {"x": [1, 2]})
    assert store.settings.get("a") == {"x": [1, 2]}
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.settings.set("a", 5)
            store.settings.set("b", 6)
            raise RuntimeError("boom")
    assert store.settings.get("a") == {"x": [1, 2]} and store.settings.get("b") is None


def test_store_pragmas(store: Store) -> None:
    assert store.query_one("PRAGMA journal_mode")[0] == "wal"
    assert store.query_one("PRAGMA foreign_keys")[0] == 1


def test_encrypted_at_rest(home: Path, clock, profile: Profile, store: Store) -> None:  # type: ignore[no-untyped-def]
    store.profiles.update(_replace(profile, name=MARKER, clinic=MARKER))
    store.measurements.add(
        Measurement(timestamp=datetime(2026, 3, 1, tzinfo=UTC), source="manual", weight_kg=90.0, note=MARKER),
        profile.id,
    )
    store.checkpoint()
    store.close()
    for path in home.iterdir():
        if path.is_file():
            data = path.read_bytes()
            assert MARKER.encode() not in data, path.name
            assert MARKER.encode("utf-16-le") not in data, path.name
            assert not data.startswith(b"SQLite format 3"), path.name
            assert TEST_PASSPHRASE.encode() not in data, path.name
    key = json.loads((home / KEY_FILE).read_text())
    assert key["mode"] == "passphrase" and "wrapped" in key and "dek" not in key
    # ...and a plain SQLite library cannot read it.
    import sqlite3

    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(home / DB_FILE).execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_passphrase_is_refused_without_touching_anything(
    onboarded: Path,
    digest,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    before = digest(onboarded)
    monkeypatch.delenv("COMPANION_PASSPHRASE")
    with pytest.raises(WrongPassphrase):
        Store.open(onboarded, passphrase="not the passphrase")
    with pytest.raises(PassphraseRequired):
        Store.open(onboarded)
    assert digest(onboarded) == before
    Store.open(onboarded, passphrase=TEST_PASSPHRASE).close()


def test_change_passphrase(onboarded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPANION_PASSPHRASE")
    with Store.open(onboarded, passphrase=TEST_PASSPHRASE) as store:
        with pytest.raises(WrongPassphrase):
            store.change_passphrase("wrong", "new passphrase 5678")
        store.change_passphrase(TEST_PASSPHRASE, "new passphrase 5678")
        assert store.key_mode() == "passphrase"
    with pytest.raises(WrongPassphrase):
        Store.open(onboarded, passphrase=TEST_PASSPHRASE)
    with Store.open(onboarded, passphrase="new passphrase 5678") as store:
        assert store.profiles.active() is not None
        with pytest.raises(PassphraseRequired):  # no keyring: the passphrase cannot be removed
            store.change_passphrase("new passphrase 5678", None)
    Store.open(onboarded, passphrase="new passphrase 5678").close()


def test_keyring_mode(home: Path, clock, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    with Store.create(home, clock=clock) as store:
        assert store.key_mode() == "keyring"
        store.settings.set("x", 1)
    info = KeyVault(home).info()
    secret = memory_keyring.get_password(KEYRING_SERVICE, f"database-key:{info.key_id}")
    assert secret is not None and len(bytes.fromhex(secret)) == 32
    assert secret.encode() not in (home / KEY_FILE).read_bytes()
    with Store.open(home, clock=clock) as store:
        assert store.settings.get("x") == 1
        # keyring -> passphrase -> keyring: the old entries are forgotten each time
        store.change_passphrase(None, "a long passphrase 99")
        assert memory_keyring.secrets == {}
    with Store.open(home, passphrase="a long passphrase 99", clock=clock) as store:
        store.change_passphrase("a long passphrase 99", None)
        assert len(memory_keyring.secrets) == 1
    with Store.open(home, clock=clock) as store:
        assert store.settings.get("x") == 1
    # destroying the key shreds it from the keyring too
    KeyVault(home).destroy()
    assert memory_keyring.secrets == {}


def test_keyring_mode_without_backend_is_refused(home: Path, clock, memory_keyring, digest) -> None:  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backends import fail

    Store.create(home, clock=clock).close()
    before = digest(home)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable):
        Store.open(home, clock=clock)
    assert digest(home) == before


def test_create_refuses_existing(onboarded: Path) -> None:
    with pytest.raises(StoreError):
        Store.create(onboarded, passphrase=TEST_PASSPHRASE)


def test_bulk_insert_and_series(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    start = datetime(2016, 1, 1, 7, tzinfo=timezone(timedelta(hours=1)))
    rows = [
        Measurement(
            timestamp=start + timedelta(hours=6 * i),
            source="import:csv",
            weight_kg=100 - i / 1000,
            body_fat_pct=30.0,
        )
        for i in range(20_000)
    ]
    assert store.measurements.add_many(rows, profile.id) == 20_000
    assert store.measurements.count(profile.id) == 20_000
    ts, values = store.measurements.series(
        profile.id, Metric.WEIGHT, datetime(2017, 1, 1, tzinfo=UTC), datetime(2018, 1, 1, tzinfo=UTC)
    )
    assert len(ts) == 365 * 4 and ts == sorted(ts) and values[0] > values[-1]


def test_bulk_insert_skips_duplicates_inside_and_across_statements(store: Store, profile: Profile) -> None:
    """Bulk inserts send many rows per statement: a duplicate skips itself only, wherever it falls, and every
    other row comes back exactly (NULLs, offsets, a zone whose offset changes, derived flags, notes)."""
    from zoneinfo import ZoneInfo

    assert profile.id is not None
    amsterdam = ZoneInfo("Europe/Amsterdam")
    start = datetime(2026, 3, 1, 7, tzinfo=amsterdam)  # crosses the switch to summer time
    rows = [
        Measurement(
            timestamp=start + timedelta(days=i) if i % 3 else (start + timedelta(days=i)).astimezone(
                timezone(timedelta(hours=-5))),
            source="import:csv" if i % 5 else "ble:sig-bcs",
            weight_kg=90 - i / 100,
            body_fat_pct=None if i % 2 else 30.0,
            impedance_ohm=500.0 if i % 7 == 0 else None,
            derived=frozenset({Metric.BMI}) if i % 4 == 0 else frozenset(),
            bmi=30.0 if i % 4 == 0 else None,
            device=None if i % 6 else "AA:BB",
            note=None if i % 9 else f"note {i}",
        )
        for i in range(150)
    ]
    assert store.measurements.add_many(rows[:40], profile.id) == 40
    # 40 already stored, 30 repeated inside this call (one statement holds 64 rows), 110 new
    again = rows[10:150] + rows[100:130]
    assert store.measurements.add_many(again, profile.id) == 110
    stored = store.measurements.page(profile.id, limit=500, newest_first=False)
    assert len(stored) == 150
    for got, want in zip(stored, rows, strict=True):
        assert got.timestamp == want.timestamp and got.timestamp.utcoffset() == want.timestamp.utcoffset()
        assert (got.source, got.weight_kg, got.body_fat_pct, got.impedance_ohm, got.bmi, got.derived,
                got.device, got.note) == (want.source, want.weight_kg, want.body_fat_pct, want.impedance_ohm,
                                          want.bmi, want.derived, want.device, want.note)


def test_add_columns_checks_every_value_and_stores_nothing_on_error(store: Store, profile: Profile) -> None:
    from companion.domain import InvalidMeasurement

    assert profile.id is not None
    ts = [1_767_250_800 + i * 86_400 for i in range(3)]
    with pytest.raises(InvalidMeasurement):
        store.measurements.add_columns(profile.id, source="import:csv", timestamps=ts,
                                       values={Metric.WEIGHT: [90.0, -1.0, 91.0]})
    with pytest.raises(InvalidMeasurement):
        store.measurements.add_columns(profile.id, source="import:csv", timestamps=ts,
                                       values={Metric.WEIGHT: [90.0, float("nan"), 91.0]})
    with pytest.raises(InvalidMeasurement):
        store.measurements.add_columns(profile.id, source="import:csv", timestamps=ts,
                                       values={Metric.WEIGHT: [90.0, 91.0]})
    assert store.measurements.count() == 0
    added = store.measurements.add_columns(
        profile.id, source="import:csv", timestamps=ts, tz_offset_min=60,
        values={Metric.WEIGHT: [90.0, None, 91.0], Metric.BMI: [31.0, 31.1, 31.2]},
        derived=frozenset({Metric.BMI}),
    )
    assert added == 3
    first = store.measurements.page(profile.id, newest_first=False)[0]
    assert first.weight_kg == 90.0 and first.bmi == 31.0 and first.derived == frozenset({Metric.BMI})
    assert first.timestamp.utcoffset() == timedelta(hours=1) and int(first.timestamp.timestamp()) == ts[0]


def test_demo_data_is_consistent(home: Path) -> None:
    from companion.demo import create_demo_store, generate

    today = date(2026, 11, 25)
    with create_demo_store(home / "demo", years=1, today=today) as demo:
        profile = demo.profiles.active()
        assert profile is not None and profile.id is not None
        stored = demo.measurements.page(profile.id, limit=1000, newest_first=False)
        generated = generate(profile, int(365.25), today)
        assert [m.timestamp for m in stored] == [m.timestamp for m in generated]
        assert [m.weight_kg for m in stored] == [m.weight_kg for m in generated]
        latest = stored[-1]
        assert latest.timestamp.date() == today
        for m in stored:  # the eight metrics agree with each other
            assert m.bmi == pytest.approx(m.weight_kg / 1.68**2, abs=0.06)  # type: ignore[operator]
            assert m.muscle_mass_kg + m.bone_mass_kg == pytest.approx(  # type: ignore[operator]
                m.weight_kg * (1 - m.body_fat_pct / 100), abs=0.15)  # type: ignore[operator]
            assert m.derived == frozenset({Metric.BMI, Metric.BMR})


def test_demo_has_no_weigh_in_in_the_future() -> None:
    """Just after midnight today's morning weigh-in has not happened: the demo stops at the cut-off (the
    simulated weigh-in must be the newest one), and a day in the past is generated whole."""
    from datetime import date, datetime

    from companion.demo import DEMO_TZ, demo_profile, generate_columns

    today = date(2026, 12, 6)
    profile = demo_profile(today)
    whole = generate_columns(profile, 60, today)
    assert datetime.fromtimestamp(whole.timestamps[-1], DEMO_TZ).date() == today  # today's, at about 07:30
    just_after_midnight = int(datetime(2026, 12, 6, 0, 22, tzinfo=DEMO_TZ).timestamp())
    cut = generate_columns(profile, 60, today, not_after=just_after_midnight)
    assert cut.timestamps and max(cut.timestamps) <= just_after_midnight
    assert cut.timestamps == whole.timestamps[: len(cut.timestamps)]  # the same data, only the future left out
    assert all(len(column) == len(cut.timestamps) for column in cut.values.values())
    assert len(cut.impedance) == len(cut.timestamps)


def test_settings_round_trip_every_json_value(store: Store) -> None:
    """Whole numbers are read without the json module (the active profile's id at start-up): same results."""
    values: list[object] = [7, 0, -3, 12345678901234567890, "42", "007", "²", 1.5, True, False, None, [1, "a"],
                            {"k": 2}]
    for index, value in enumerate(values):
        store.settings.set(f"test.{index}", value)
    read = [store.settings.get(f"test.{index}") for index in range(len(values))]
    assert [(type(v), v) for v in read] == [(type(v), v) for v in values]
    assert store.settings.get("test.missing", "fallback") == "fallback"


@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    offset=st.one_of(
        st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: timedelta(minutes=m)),
        st.integers(min_value=-86399, max_value=86399).map(lambda s: timedelta(seconds=s)),  # odd, but legal
    ),
)
def test_row_timestamp_is_the_unix_second_for_any_fixed_offset(moment: datetime, offset: timedelta) -> None:
    """``to_row`` computes Unix seconds from the fields for fixed offsets (the bulk-import hot path): the same
    second as ``int(ts.timestamp())``, before and after the offset is cached, before 1970 too."""
    from companion.store.measurements import to_row

    ts = moment.replace(tzinfo=timezone(offset))
    m = Measurement(timestamp=ts, source="manual", weight_kg=80.0)
    assert to_row(m, 1)[1] == to_row(m, 1)[1] == int(ts.timestamp())
