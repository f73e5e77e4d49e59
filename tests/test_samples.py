"""Samples store: duplicates skipped, rollups consistent with the raw data, chart series from the right level."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.privacy.gate import ProcessingNotAllowed
from companion.store.samples import LEVELS, RAW, Samples

BASE = 1_767_225_600  # 2026-01-01T00:00:00Z


def _rollup_rows(store, profile_id, level):  # type: ignore[no-untyped-def]
    return store.query(
        "SELECT bucket, n, total, low, high FROM sample_rollup WHERE profile_id = ? AND kind = 'heart_rate' "
        "AND level = ? ORDER BY bucket", (profile_id, level))


def _expected(points: dict[int, float], level: int) -> list[tuple[int, int, float, float, float]]:
    buckets: dict[int, list[float]] = {}
    for ts, value in points.items():
        buckets.setdefault(ts - ts % level, []).append(value)
    return [(b, len(v), sum(v), min(v), max(v)) for b, v in sorted(buckets.items())]


def test_rollups_match_raw_and_duplicates_are_skipped(store, profile) -> None:  # type: ignore[no-untyped-def]
    samples = Samples(store)
    rng = random.Random(3)
    points = [(BASE + i * 7, 50 + rng.random() * 100) for i in range(20_000)]
    assert samples.add_many(profile.id, "heart_rate", "strap", points) == 20_000
    # Re-importing overlapping data adds nothing and leaves rollups unchanged.
    assert samples.add_many(profile.id, "heart_rate", "strap", points[5_000:12_000]) == 0
    expected_points = dict(points)
    for level in LEVELS:
        got = _rollup_rows(store, profile.id, level)
        want = _expected(expected_points, level)
        assert [(b, n) for b, n, *_ in got] == [(b, n) for b, n, *_ in want]
        for (_, _, total, low, high), (_, _, etotal, elow, ehigh) in zip(got, want, strict=True):
            assert total == pytest.approx(etotal)
            assert (low, high) == (elow, ehigh)


def test_same_second_other_source_is_kept(store, profile) -> None:  # type: ignore[no-untyped-def]
    samples = Samples(store)
    assert samples.add_many(profile.id, "heart_rate", "a", [(BASE, 60.0)]) == 1
    assert samples.add_many(profile.id, "heart_rate", "b", [(BASE, 62.0)]) == 1
    assert samples.count(profile.id, "heart_rate") == 2


def test_series_picks_raw_then_rollups(store, profile) -> None:  # type: ignore[no-untyped-def]
    samples = Samples(store)
    samples.add_many(profile.id, "heart_rate", "strap", [(BASE + i, 60.0 + (i % 30)) for i in range(3 * 86400)])
    short = samples.series(profile.id, "heart_rate", BASE, BASE + 600, max_points=1000)
    assert short.level == RAW and len(short) == 600
    day = samples.series(profile.id, "heart_rate", BASE, BASE + 86400, max_points=2000)
    assert day.level == 60 and len(day) == 1440
    assert min(day.low) == 60.0 and max(day.high) == 89.0  # extremes survive aggregation
    whole = samples.series(profile.id, "heart_rate", BASE, BASE + 3 * 86400, max_points=100)
    assert whole.level == 3600 and len(whole) == 72
    assert sum(whole.n) == 3 * 86400


def test_samples_need_health_consent(store, profile) -> None:  # type: ignore[no-untyped-def]
    store.consents.record("health-data", "withdraw", "1.0", "test")
    with pytest.raises(ProcessingNotAllowed):
        Samples(store).add_many(profile.id, "heart_rate", "strap", [(BASE, 60.0)])
    assert store.query_one("SELECT count(*) FROM sample")[0] == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5 * 86400), st.floats(30, 220)), max_size=300))
def test_rollups_property(tmp_path_factory, points) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from companion.domain import Profile, Sex
    from companion.store import Store

    home = tmp_path_factory.mktemp("samples")
    with Store.create(home, passphrase="property test passphrase") as store:
        store.consents.record("health-data", "grant", "1.0", "test")
        profile = store.profiles.add(Profile("P", Sex.OTHER, date(1990, 1, 1), 170.0))
        samples = Samples(store)
        half = len(points) // 2
        samples.add_many(profile.id, "heart_rate", "x", [(BASE + t, v) for t, v in points[:half]])
        samples.add_many(profile.id, "heart_rate", "x", [(BASE + t, v) for t, v in points[half:]])
        stored = dict(store.query("SELECT ts, value FROM sample"))
        for level in LEVELS:
            got = [(b, n) for b, n, *_ in _rollup_rows(store, profile.id, level)]
            assert got == [(b, n) for b, n, *_ in _expected(stored, level)]
