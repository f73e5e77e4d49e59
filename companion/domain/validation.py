"""Validation of what people type into forms (pure). Each failure carries a specific, translatable message."""

from __future__ import annotations

import re
from datetime import date

from companion.domain.model import Sex
from companion.domain.units import (
    INCH_PER_FOOT,
    HeightUnit,
    WeightUnit,
    ft_in_to_cm,
    st_lb_to_kg,
    weight_to_kg,
)
from companion.i18n import _

MINIMUM_AGE = 18
HEIGHT_RANGE_CM = (50.0, 272.0)
WEIGHT_RANGE_KG = (20.0, 500.0)
NAME_MAX = 100

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


class ValidationError(ValueError):
    """Form input that cannot be accepted; ``str(error)`` is the message to show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnderAge(ValidationError):
    """The age gate refused: the person is younger than ``MINIMUM_AGE``."""


def validate_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise ValidationError("name", _("Please enter your name."))
    if len(name) > NAME_MAX:
        raise ValidationError("name", _("The name is too long (at most 100 characters)."))
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise ValidationError("name", _("The name contains control characters."))
    return name


def parse_date(text: str, field: str = "date") -> date:
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value)  # DD-MM-YYYY, as written in NL/EU
    if match:
        try:
            return date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    raise ValidationError(field, _("Enter a real date as YYYY-MM-DD, for example 1980-04-23."))


def validate_birth_date(text: str, today: date) -> date:
    born = parse_date(text, "birth_date")
    if born > today:
        raise ValidationError("birth_date", _("The date of birth cannot be in the future."))
    if born.year < today.year - 130:
        raise ValidationError("birth_date", _("Please check the year of birth."))
    return born


def age_on(born: date, day: date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def check_adult(born: date, today: date) -> None:
    """The age gate: Companion is for adults only."""
    if age_on(born, today) < MINIMUM_AGE:
        raise UnderAge("birth_date", _("Companion is for adults (18 or older). Nothing has been stored."))


def validate_sex(text: str) -> Sex:
    try:
        return Sex(text.strip().lower())
    except ValueError:
        raise ValidationError("sex", _("Choose female, male or other.")) from None


def _number(text: str, field: str, message: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValidationError(field, message) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(field, message)
    return value


def validate_height(text: str, unit: HeightUnit = HeightUnit.CM) -> float:
    """Height in cm from ``"172"`` (cm) or ``"5 8"`` / ``5'8"`` (ft in)."""
    message = _("Enter your height in centimetres between 50 and 272, for example 172.")
    if unit is HeightUnit.FT_IN:
        parts = re.findall(r"\d+(?:[.,]\d+)?", text)
        if not parts or len(parts) > 2:
            raise ValidationError("height", _("Enter your height in feet and inches, for example 5 8."))
        message = _("Enter your height in feet and inches, for example 5 8.")
        feet = _number(parts[0], "height", message)
        inches = _number(parts[1], "height", message) if len(parts) == 2 else 0.0
        if inches >= INCH_PER_FOOT:
            raise ValidationError("height", message)
        cm = ft_in_to_cm(feet, inches)
    else:
        cm = _number(text, "height", message)
    if not (HEIGHT_RANGE_CM[0] <= cm <= HEIGHT_RANGE_CM[1]):
        raise ValidationError("height", message)
    return round(cm, 1)


def validate_weight(text: str, unit: WeightUnit = WeightUnit.KG, field: str = "weight") -> float:
    message = _("Enter a weight between 20 and 500 kg (44 to 1100 lb).")
    if unit is WeightUnit.ST_LB:
        parts = re.findall(r"\d+(?:[.,]\d+)?", text)
        if not parts or len(parts) > 2:
            raise ValidationError(field, message)
        pounds = _number(parts[1], field, message) if len(parts) > 1 else 0.0
        kg = st_lb_to_kg(_number(parts[0], field, message), pounds)
    else:
        kg = weight_to_kg(_number(text, field, message), unit)
    if not (WEIGHT_RANGE_KG[0] <= kg <= WEIGHT_RANGE_KG[1]):
        raise ValidationError(field, message)
    return kg


def validate_email(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValidationError("email", _("This is not a valid e-mail address, for example name@example.org."))
    return value


def validate_phone(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not (7 <= len(digits) <= 15) or value.count("+") > 1:
        raise ValidationError(
            "phone", _("Enter a phone number of 7 to 15 digits, for example +31 20 123 4567.")
        )
    return value


def validate_optional_date(text: str, field: str) -> date | None:
    return parse_date(text, field) if text.strip() else None


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """Score 0-4 and a short, translatable piece of advice."""
    if not passphrase:
        return 0, _("No passphrase.")
    classes = sum(
        bool(re.search(p, passphrase)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    length = len(passphrase)
    score = 0
    if length >= 8:
        score += 1
    if length >= 12:
        score += 1
    if length >= 16:
        score += 1
    if classes >= 3:
        score += 1
    score = min(score, 4)
    if length < 8:
        return 0, _("Too short: use at least 12 characters.")
    if length < 12:
        return score, _("Weak: use at least 12 characters, or a few random words.")
    if classes < 3 and length < 16:
        return score, _("Fair: mix letters, digits and symbols, or make it longer.")
    if score >= 4:
        return score, _("Strong.")
    return score, _("Good.")


MIN_PASSPHRASE_LENGTH = 8
