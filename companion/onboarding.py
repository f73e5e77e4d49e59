"""Onboarding as a service (used by the TUI wizard and ``companion profile init``).

Answers are collected in memory and written in one go at the end: the store is built in a staging folder
inside the data directory and moved into place only when complete, so quitting halfway leaves nothing.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from companion.clock import SYSTEM_CLOCK, Clock
from companion.domain.model import Profile
from companion.domain.units import HeightUnit, WeightUnit
from companion.domain.validation import (
    ValidationError,
    check_adult,
    validate_birth_date,
    validate_email,
    validate_height,
    validate_name,
    validate_optional_date,
    validate_phone,
    validate_sex,
    validate_weight,
)
from companion.i18n import _
from companion.privacy.purposes import OPTIONAL_CONSENTS

STAGING_PREFIX = ".onboarding-"


@dataclass(frozen=True)
class OnboardingAnswers:
    profile: Profile
    health_consent: bool
    optional_consents: frozenset[str]
    notice_version: str
    passphrase: str | None = None
    method: str = "onboarding"


def validate_profile_fields(
    *,
    name: str,
    birth_date: str,
    sex: str,
    height: str,
    today: date,
    language: str = "en",
    email: str = "",
    phone: str = "",
    placement_date: str = "",
    placement_place: str = "",
    clinic: str = "",
    goal_weight: str = "",
    weight_unit: WeightUnit = WeightUnit.KG,
    height_unit: HeightUnit = HeightUnit.CM,
) -> Profile:
    """Validate every field; raises ``ValidationError`` (with the field) for the first bad one."""
    born = validate_birth_date(birth_date, today)
    check_adult(born, today)
    placement = validate_optional_date(placement_date, "placement_date")
    if placement is not None and placement > today:
        raise ValidationError("placement_date", _("The placement date cannot be in the future."))
    if placement is not None and placement < born:
        raise ValidationError("placement_date", _("The placement date is before the date of birth."))
    return Profile(
        name=validate_name(name),
        sex=validate_sex(sex),
        birth_date=born,
        height_cm=validate_height(height, height_unit),
        language=language if language in ("en", "nl") else "en",
        placement_date=placement,
        placement_place=placement_place.strip() or None,
        clinic=clinic.strip() or None,
        phone=validate_phone(phone),
        email=validate_email(email),
        goal_weight_kg=(
            validate_weight(goal_weight, weight_unit, "goal_weight") if goal_weight.strip() else None
        ),
        weight_unit=weight_unit,
        height_unit=height_unit,
    )


def clean_staging(home: Path) -> None:
    """Remove what an interrupted onboarding left behind."""
    if home.is_dir():
        for leftover in home.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(leftover, ignore_errors=True)


def complete_onboarding(home: Path, answers: OnboardingAnswers, clock: Clock = SYSTEM_CLOCK):  # type: ignore[no-untyped-def]
    """Create the store with the profile and consents; returns the open ``Store``."""
    from companion.store import Store
    from companion.store.db import DB_FILE
    from companion.store.errors import DataDirUnwritable, StoreExists
    from companion.store.keys import KEY_FILE

    unknown = set(answers.optional_consents) - set(OPTIONAL_CONSENTS)
    if unknown:
        raise ValueError(_("Unknown consent purpose: {purpose}").format(purpose=", ".join(sorted(unknown))))
    check_adult(answers.profile.birth_date, clock.now().date())
    if Store.exists(home):
        raise StoreExists(home)
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        raise DataDirUnwritable(home) from None
    clean_staging(home)
    staging = home / f"{STAGING_PREFIX}{secrets.token_hex(4)}"
    try:
        store = Store.create(staging, passphrase=answers.passphrase, clock=clock)
        try:
            with store.transaction():
                store.profiles.add(answers.profile)
                if answers.health_consent:
                    store.consents.record("health-data", "grant", answers.notice_version, answers.method)
                for purpose in sorted(answers.optional_consents):
                    store.consents.record(purpose, "grant", answers.notice_version, answers.method)
                store.settings.set("notice_version_seen", answers.notice_version)
                store.settings.set("language", answers.profile.language)
        finally:
            store.close()
        (staging / DB_FILE).replace(home / DB_FILE)
        (staging / KEY_FILE).replace(home / KEY_FILE)  # last: its presence marks a complete store
    except BaseException:
        from companion.store.keys import KeyVault

        if not (home / KEY_FILE).exists():
            KeyVault(staging).destroy()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return Store.open(home, passphrase=answers.passphrase, clock=clock)
