"""Form validation (pure): specific messages, the age gate, passphrase strength."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.domain.validation import (
    UnderAge,
    ValidationError,
    check_adult,
    parse_date,
    passphrase_strength,
    validate_email,
    validate_name,
    validate_phone,
)
from companion.onboarding import validate_profile_fields

TODAY = date(2026, 11, 25)


def test_age_gate_boundary() -> None:
    check_adult(date(2008, 11, 25), TODAY)  # 18 today
    with pytest.raises(UnderAge):
        check_adult(date(2008, 11, 26), TODAY)  # 18 tomorrow


@pytest.mark.parametrize("value", ["ann@example.org", "a.b+c@sub.example.co.uk", ""])
def test_valid_emails(value: str) -> None:
    assert validate_email(value) == (value or None)


@pytest.mark.parametrize(
    "value", ["ann", "ann@", "@example.org", "ann@example", "ann @example.org", "a@-x.org"]
)
def test_invalid_emails(value: str) -> None:
    with pytest.raises(ValidationError, match="not a valid e-mail address"):
        validate_email(value)


@pytest.mark.parametrize("value", ["+31 20 123 4567", "020-1234567", "(020) 123 45 67", ""])
def test_valid_phones(value: str) -> None:
    assert validate_phone(value) == (value or None)


@pytest.mark.parametrize(
    "value", ["123", "+31 20 123 4567 890 123", "call me", "++31201234567", "0612345678x"]
)
def test_invalid_phones(value: str) -> None:
    with pytest.raises(ValidationError, match="7 to 15 digits"):
        validate_phone(value)


def test_names() -> None:
    assert validate_name("  Ann   Example ") == "Ann Example"
    for bad, message in (("", "enter your name"), ("x" * 101, "too long"), ("Ann\x1b[31m", "control")):
        with pytest.raises(ValidationError, match=f"(?i){message}"):
            validate_name(bad)


@pytest.mark.parametrize(
    ("text", "day"),
    [("1980-04-23", date(1980, 4, 23)), ("23-04-1980", date(1980, 4, 23)), ("3/4/1980", date(1980, 4, 3))],
)
def test_dates(text: str, day: date) -> None:
    assert parse_date(text) == day


@given(st.text(max_size=20))
def test_date_parser_never_crashes(text: str) -> None:
    try:
        parse_date(text)
    except ValidationError as exc:
        assert exc.message.startswith("Enter a real date")


def test_profile_fields_report_the_first_bad_field() -> None:
    with pytest.raises(ValidationError) as info:
        validate_profile_fields(
            name="Ann", birth_date="1980-04-23", sex="female", height="168", today=TODAY, email="nope"
        )
    assert info.value.field == "email"
    with pytest.raises(ValidationError) as info:
        validate_profile_fields(
            name="Ann",
            birth_date="1980-04-23",
            sex="female",
            height="168",
            today=TODAY,
            placement_date="1970-01-01",
        )
    assert info.value.field == "placement_date"
    profile = validate_profile_fields(
        name="Ann",
        birth_date="1980-04-23",
        sex="Female",
        height="168",
        today=TODAY,
        goal_weight="80,5",
        language="xx",
    )
    assert profile.goal_weight_kg == 80.5 and profile.language == "en"


@pytest.mark.parametrize(
    ("passphrase", "score", "advice"),
    [
        ("", 0, "No passphrase."),
        ("abc", 0, "Too short"),
        ("abcdefgh1", 1, "Weak"),
        ("abcdefghijkl", 2, "Fair"),
        ("Abcdefghijk1!", 3, "Good."),
        ("Correct horse battery 9!", 4, "Strong."),
    ],
)
def test_passphrase_strength(passphrase: str, score: int, advice: str) -> None:
    got_score, got_advice = passphrase_strength(passphrase)
    assert got_score == score and got_advice.startswith(advice)
