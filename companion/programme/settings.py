"""The clinic's programme settings from ``config.toml`` (``[programme]``): diet stages, warning signs and the
default water target. A malformed section raises ``ProgrammeConfigError`` with one human line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.programme.checkin import DEFAULT_WARNING_SIGNS, CheckinError, WarningSign, parse_warning_signs
from companion.programme.daily import DEFAULT_WATER_TARGET_ML, DailyError, DietPlan, parse_stages, validate_target_ml


class ProgrammeConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ProgrammeSettings:
    diet: DietPlan
    warning_signs: tuple[WarningSign, ...] = DEFAULT_WARNING_SIGNS
    water_target_ml: int = DEFAULT_WATER_TARGET_ML


def load_settings(home: Path) -> ProgrammeSettings:
    from companion.config import ConfigError, section

    try:
        raw = section(home, "programme")
    except ConfigError as exc:
        raise ProgrammeConfigError(str(exc)) from None
    try:
        diet = parse_stages(raw.get("diet_stages"))
        signs = parse_warning_signs(raw.get("warning_signs"))
        water = raw.get("water_target_ml")
        target = DEFAULT_WATER_TARGET_ML if water is None else validate_target_ml(water)
    except (DailyError, CheckinError) as exc:
        raise ProgrammeConfigError(exc.message) from None
    return ProgrammeSettings(diet, signs, target)
