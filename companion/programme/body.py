"""Body (tape) measurements: the sites, their plausible ranges, units, and the waist ratios with their
published cut-offs (pure).

Cut-offs, as the dashboard and ``companion log measurement`` state them:

* Waist circumference and waist-to-hip ratio: WHO, *Waist circumference and waist-hip ratio: report of a WHO
  expert consultation*, Geneva, 8-11 December 2008 (published 2011), table 4.1 (Europid cut-offs it lists):
  waist > 94 cm (men) / > 80 cm (women) increased risk of metabolic complications, > 102 cm / > 88 cm
  substantially increased; waist-to-hip ratio >= 0.90 (men) / >= 0.85 (women) substantially increased.
* Waist-to-height ratio: 0.5 as the boundary for increased cardiometabolic risk in adults of both sexes
  (Ashwell M, Gunn P, Gibson S, Obes Rev 2012;13:275-86; "keep your waist to less than half your height",
  Ashwell & Hsieh, Int J Food Sci Nutr 2005;56:303-7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from companion.i18n import N_, _
from companion.programme.errors import EntryError

CM_PER_INCH = 2.54


class LengthUnit(StrEnum):
    CM = "cm"
    IN = "in"


class Site(StrEnum):
    """Where the tape goes (values are the store's column names without ``_cm``)."""

    WAIST = "waist"
    HIPS = "hips"
    CHEST = "chest"
    NECK = "neck"
    UPPER_ARM_L = "upper_arm_l"
    UPPER_ARM_R = "upper_arm_r"
    THIGH_L = "thigh_l"
    THIGH_R = "thigh_r"

    @property
    def column(self) -> str:
        return f"{self.value}_cm"

    @property
    def label(self) -> str:
        return SITE_LABELS[self]

    @property
    def option(self) -> str:
        """The CLI option without ``--`` and unit: ``waist``, ``upper-arm-left``..."""
        return SITE_OPTIONS[self]


SITES: tuple[Site, ...] = tuple(Site)
SITE_LABELS: dict[Site, str] = {
    Site.WAIST: N_("Waist"), Site.HIPS: N_("Hips"), Site.CHEST: N_("Chest"), Site.NECK: N_("Neck"),
    Site.UPPER_ARM_L: N_("Upper arm (left)"), Site.UPPER_ARM_R: N_("Upper arm (right)"),
    Site.THIGH_L: N_("Thigh (left)"), Site.THIGH_R: N_("Thigh (right)"),
}
SITE_OPTIONS: dict[Site, str] = {
    Site.WAIST: "waist", Site.HIPS: "hips", Site.CHEST: "chest", Site.NECK: "neck",
    Site.UPPER_ARM_L: "upper-arm-left", Site.UPPER_ARM_R: "upper-arm-right",
    Site.THIGH_L: "thigh-left", Site.THIGH_R: "thigh-right",
}
#: Plausible adult circumferences in cm (wider than any published adult range; a tape reading outside is a typo).
SITE_RANGES_CM: dict[Site, tuple[float, float]] = {
    Site.WAIST: (40.0, 250.0), Site.HIPS: (50.0, 250.0), Site.CHEST: (50.0, 250.0), Site.NECK: (20.0, 80.0),
    Site.UPPER_ARM_L: (10.0, 90.0), Site.UPPER_ARM_R: (10.0, 90.0),
    Site.THIGH_L: (20.0, 130.0), Site.THIGH_R: (20.0, 130.0),
}


class MeasurementError(EntryError):
    """A refused value; ``field`` names the site (or ``"unit"``), ``message`` says why, for people."""


def to_cm(value: float, unit: LengthUnit) -> float:
    return value * CM_PER_INCH if LengthUnit(unit) is LengthUnit.IN else value


def from_cm(value_cm: float, unit: LengthUnit) -> float:
    return value_cm / CM_PER_INCH if LengthUnit(unit) is LengthUnit.IN else value_cm


def parse_unit(text: str) -> LengthUnit:
    try:
        return LengthUnit(text.strip().lower())
    except ValueError:
        raise MeasurementError("unit", _("Choose cm or in.")) from None


def validate_site(site: Site, text: str | float, unit: LengthUnit = LengthUnit.CM) -> float:
    """The value in cm (rounded to 0.1), or ``MeasurementError`` with a message that names the site and range."""
    site = Site(site)
    low, high = SITE_RANGES_CM[site]
    unit = LengthUnit(unit)
    if unit is LengthUnit.IN:
        message = _("{site}: enter between {low:.0f} and {high:.0f} in.").format(
            site=_(site.label), low=low / CM_PER_INCH, high=high / CM_PER_INCH)
    else:
        message = _("{site}: enter between {low:.0f} and {high:.0f} cm.").format(
            site=_(site.label), low=low, high=high)
    try:
        value = float(text.strip().replace(",", ".")) if isinstance(text, str) else float(text)
    except ValueError:
        raise MeasurementError(site.value, message) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise MeasurementError(site.value, message)
    cm = round(to_cm(value, unit), 1)  # a tape reads to a millimetre; an inch value at a bound stays in range
    if not low <= cm <= high:
        raise MeasurementError(site.value, message)
    return cm


def validate_sites(values: Mapping[Site, str | float | None], unit: LengthUnit = LengthUnit.CM) -> dict[Site, float]:
    """Every given site in cm; empty values are left out; at least one site is needed."""
    out: dict[Site, float] = {}
    for site, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        out[Site(site)] = validate_site(site, raw, unit)
    if not out:
        raise MeasurementError("waist", _("Enter at least one measurement, for example the waist."))
    return out


# ----- ratios and cut-offs -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RatioReading:
    """A ratio, the cut-off it is compared with, whether it is at or above it, and where the cut-off comes from."""

    key: str  # "whr" | "whtr"
    value: float
    cutoff: float | None  # None: no sex-specific cut-off for this person (sex "other")
    above: bool | None
    source: str  # untranslated citation


WHO_2008 = N_("WHO expert consultation on waist circumference and waist-hip ratio, 2008")
ASHWELL = N_("Ashwell et al., Obes Rev 2012;13:275-86 (waist less than half your height)")
#: Waist-to-hip ratio at or above which the WHO 2008 report finds a substantially increased risk.
WHR_CUTOFF = {"male": 0.90, "female": 0.85}
WHTR_CUTOFF = 0.5
#: Waist (cm) above which the risk is increased / substantially increased (WHO 2008, Europid cut-offs).
WAIST_CUTOFFS_CM = {"male": (94.0, 102.0), "female": (80.0, 88.0)}


def waist_to_hip(waist_cm: float, hips_cm: float, sex: str) -> RatioReading | None:
    if waist_cm <= 0 or hips_cm <= 0:
        return None
    value = waist_cm / hips_cm
    cutoff = WHR_CUTOFF.get(str(sex))
    return RatioReading("whr", value, cutoff, None if cutoff is None else round(value, 2) >= cutoff, WHO_2008)


def waist_to_height(waist_cm: float, height_cm: float) -> RatioReading | None:
    if waist_cm <= 0 or height_cm <= 0:
        return None
    value = waist_cm / height_cm
    return RatioReading("whtr", value, WHTR_CUTOFF, round(value, 2) >= WHTR_CUTOFF, ASHWELL)


def waist_risk(waist_cm: float, sex: str) -> str | None:
    """``"normal"``, ``"increased"`` or ``"substantially-increased"`` (WHO 2008); ``None`` without cut-offs."""
    cutoffs = WAIST_CUTOFFS_CM.get(str(sex))
    if cutoffs is None:
        return None
    if waist_cm > cutoffs[1]:
        return "substantially-increased"
    if waist_cm > cutoffs[0]:
        return "increased"
    return "normal"


WAIST_RISK_LABELS = {
    "normal": N_("below the WHO cut-off"),
    "increased": N_("above the WHO cut-off (increased risk)"),
    "substantially-increased": N_("above the WHO cut-off (substantially increased risk)"),
}
