"""The opening-hours subset: open now, next change, and anything else falling back to the raw text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.clinics.hours import open_state, parse

WED_11 = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("hours", "now", "is_open", "change"),
    [
        ("Mo-Fr 08:00-17:30", WED_11, True, "2026-11-25 17:30"),
        ("Mo-Fr 08:00-12:00,13:00-17:00", WED_11.replace(hour=12, minute=30), False, "2026-11-25 13:00"),
        ("Mo-Fr 08:00-17:00; We off", WED_11, False, "2026-11-26 08:00"),
        ("Mo,We 09:00-10:00", WED_11, False, "2026-11-30 09:00"),
        ("Sa-Mo 10:00-14:00", WED_11, False, "2026-11-28 10:00"),
        ("Tu 22:00-02:00", WED_11.replace(hour=1), True, "2026-11-25 02:00"),
        ("24/7", WED_11, True, None),
        ("off", WED_11, False, None),
        ("09:00-17:00", WED_11, True, "2026-11-25 17:00"),
        ("Mo-Fr 09:00-17:00; PH off", WED_11, True, "2026-11-25 17:00"),
        ("Mo-Su 00:00-24:00", WED_11, True, None),
        ("Mo-Fr 08:00-24:00; Sa-Su 00:00-24:00", WED_11, True, "2026-11-26 00:00"),
    ],
)
def test_open_state(hours: str, now: datetime, is_open: bool, change: str | None) -> None:
    state = open_state(hours, now)
    assert state is not None
    assert state.is_open is is_open
    assert (state.change.strftime("%Y-%m-%d %H:%M") if state.change else None) == change


@pytest.mark.parametrize(
    "hours",
    [
        "Jan-Mar Mo 09:00-12:00",
        "Mo-Fr sunrise-sunset",
        "Mo 25:00-26:00",
        "Mo 09:00-17:00 || by appointment",
        "by appointment",
        "Mo-Fr 09:00-",
        "",
        "Mo 09:60-10:00",
    ],
)
def test_unsupported_syntax_gives_none(hours: str) -> None:
    assert parse(hours) is None
    assert open_state(hours, WED_11) is None


def test_describe() -> None:
    state = open_state("Mo-Fr 08:00-17:30", WED_11)
    assert state is not None and state.describe(WED_11) == "Open now · closes 17:30"
    closed = open_state("Mo 09:00-10:00", WED_11)
    assert closed is not None and closed.describe(WED_11) == "Closed · opens Mon 09:00"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="MoTuWeThFrSaSu0123456789:-,; offPH24/7", max_size=60), st.integers(0, 10_079))
def test_parser_never_crashes(text: str, minute: int) -> None:
    from datetime import timedelta

    now = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=minute)
    state = open_state(text, now)
    if state is not None and state.change is not None:
        assert state.change > now


days = st.sampled_from(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"])
times = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@settings(max_examples=300, deadline=None)
@given(days, days, times, times, st.integers(0, 10_079))
def test_generated_rules_agree_with_a_direct_check(d1, d2, t1, t2, minute) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    names = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    if t1 == t2:
        return
    text = f"{d1}-{d2} {t1[0]:02d}:{t1[1]:02d}-{t2[0]:02d}:{t2[1]:02d}"
    now = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=minute)  # Monday 00:00 + minute
    state = open_state(text, now)
    assert state is not None
    selected = []
    i = names.index(d1)
    while True:
        selected.append(i)
        if i == names.index(d2):
            break
        i = (i + 1) % 7
    start, end = t1[0] * 60 + t1[1], t2[0] * 60 + t2[1]
    if end <= start:
        end += 1440
    m = now.weekday() * 1440 + now.hour * 60 + now.minute
    week = 7 * 1440
    expected = any(
        (day * 1440 + start) <= m + shift < (day * 1440 + end) for day in selected for shift in (0, week)
    )
    assert state.is_open is expected


def test_open_now_uses_the_clinics_time_zone() -> None:
    from companion.clinics.model import Clinic

    sydney = Clinic(
        "s", "Sydney", -33.87, 151.21, opening_hours="Mo-Fr 08:00-17:00", timezone="Australia/Sydney"
    )
    floating = Clinic("f", "Local", -33.87, 151.21, opening_hours="Mo-Fr 08:00-17:00")
    broken = Clinic("b", "Broken", -33.87, 151.21, opening_hours="Mo-Fr 08:00-17:00", timezone="Mars/Olympus")
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 12:00 in Sydney (AEDT), 01:00 UTC
    assert open_state(sydney.opening_hours, sydney.local_time(now)).is_open  # type: ignore[union-attr]
    assert not open_state(floating.opening_hours, floating.local_time(now)).is_open  # type: ignore[union-attr]
    assert broken.local_time(now) == now
