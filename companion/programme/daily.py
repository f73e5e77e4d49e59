"""Water and the diet stages after placement (pure).

The diet stages are the clinic's: ``[programme]`` in ``config.toml`` lists them with their length in days,
counted from the balloon placement day (day 1). Without that list Companion shows a common pattern (clear
liquids for 3 days, purées to day 10, soft food to day 17, then normal food) and says it is the default, so
the person checks it against what their clinic told them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from companion.i18n import N_, _
from companion.programme.errors import EntryError

WATER_RANGE_ML = (1, 5000)  # one entry
WATER_TARGET_RANGE_ML = (500, 6000)
DEFAULT_WATER_TARGET_ML = 2000
#: The amount one key (or ``companion log water`` without an amount) adds: a glass.
GLASS_ML = 250


class DailyError(EntryError):
    """A refused value (see ``EntryError``)."""


def parse_ml(text: str | int, field: str = "ml") -> int:
    """An amount in ml; ``"0.5 l"``/``"0,5l"`` and ``"250ml"`` are understood."""
    message = _("Enter the water in ml between 1 and 5000, for example 250.")
    raw = str(text).strip().lower().replace(",", ".").replace(" ", "")
    factor = 1.0
    if raw.endswith("ml"):
        raw = raw[:-2]
    elif raw.endswith("l"):
        raw, factor = raw[:-1], 1000.0
    try:
        value = float(raw) * factor
    except ValueError:
        raise DailyError(field, message) from None
    if value != value or not WATER_RANGE_ML[0] <= value <= WATER_RANGE_ML[1]:
        raise DailyError(field, message)
    return int(round(value))


def validate_target_ml(text: str | int) -> int:
    message = _("Enter a daily water target between 500 and 6000 ml.")
    try:
        value = parse_ml(text) if str(text).strip()[-1:].isalpha() else int(round(float(str(text).strip())))
    except (DailyError, ValueError, IndexError):
        raise DailyError("target", message) from None
    if not WATER_TARGET_RANGE_ML[0] <= value <= WATER_TARGET_RANGE_ML[1]:
        raise DailyError("target", message)
    return value


@dataclass(frozen=True, slots=True)
class DietStage:
    name: str  # the clinic's words (untrusted text when shown), or an untranslated default
    days: int | None  # None: the last stage, open-ended


DEFAULT_STAGES: tuple[DietStage, ...] = (
    DietStage(N_("Clear liquids"), 3), DietStage(N_("Purées"), 7), DietStage(N_("Soft food"), 7),
    DietStage(N_("Normal food, small portions"), None),
)


@dataclass(frozen=True, slots=True)
class DietPlan:
    stages: tuple[DietStage, ...]
    from_clinic: bool  # False: Companion's default pattern


@dataclass(frozen=True, slots=True)
class StageToday:
    stage: DietStage
    index: int
    day: int  # day of the programme (placement day = 1)
    day_in_stage: int
    stage_days: int | None
    next_stage: DietStage | None
    next_on: date | None
    from_clinic: bool

    def name(self) -> str:
        return self.stage.name if self.from_clinic else _(self.stage.name)


def parse_stages(raw: object) -> DietPlan:
    """The ``diet_stages`` list from config.toml (``[{name = "...", days = 3}, ...]``); the last one may leave
    ``days`` out. Anything malformed raises ``DailyError`` naming the entry."""
    if raw is None:
        return DietPlan(DEFAULT_STAGES, False)
    if not isinstance(raw, list) or not raw:
        raise DailyError("diet_stages", _("diet_stages in config.toml must be a list of stages."))
    stages: list[DietStage] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise DailyError("diet_stages", _("Diet stage {n} in config.toml needs a name.").format(n=index))
        days = item.get("days")
        last = index == len(raw)
        if days is None and not last:
            raise DailyError("diet_stages", _("Diet stage {n} in config.toml needs its number of days.").format(
                n=index))
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365):
            raise DailyError("diet_stages", _("Diet stage {n} in config.toml: days must be 1 to 365.").format(
                n=index))
        stages.append(DietStage(" ".join(item["name"].split())[:80], days))
    return DietPlan(tuple(stages), True)


def stage_on(plan: DietPlan, placement: date | None, today: date) -> StageToday | None:
    """Today's stage, ``None`` without a placement date, before placement, or after the last (finite) stage."""
    if placement is None or today < placement:
        return None
    day = (today - placement).days + 1
    start = 1
    for index, stage in enumerate(plan.stages):
        end = None if stage.days is None else start + stage.days - 1
        if end is None or day <= end:
            nxt = plan.stages[index + 1] if index + 1 < len(plan.stages) else None
            next_on = placement + timedelta(days=end) if end is not None and nxt is not None else None
            return StageToday(stage, index, day, day - start + 1, stage.days, nxt, next_on, plan.from_clinic)
        start = end + 1
    return None
