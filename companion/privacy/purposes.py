"""Processing purposes as data: id, legal basis, data categories (shown on the Privacy screen).

Fixed ids (DESIGN.md): health-data, location, diagnostics, research, share-clinic, share-family.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from companion.i18n import N_


class LegalBasis(StrEnum):
    CONTRACT = "contract"
    LEGITIMATE_INTEREST = "legitimate-interest"
    PUBLIC_INTEREST = "public-interest-health"
    CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class Purpose:
    id: str
    title: str  # untranslated; translate with _() at display time
    basis: LegalBasis
    categories: tuple[str, ...]
    explicit: bool = False  # explicit consent for special-category (health) data

    @property
    def needs_consent(self) -> bool:
        return self.basis is LegalBasis.CONSENT


PURPOSES: tuple[Purpose, ...] = (
    Purpose("provide-service", N_("Providing the service"), LegalBasis.CONTRACT,
            (N_("account"), N_("profile"))),
    Purpose("health-data", N_("Processing your health data (weight, body composition, activity)"),
            LegalBasis.CONSENT, (N_("measurements"), N_("health data")), explicit=True),
    Purpose("sync-devices", N_("Syncing the scale and trackers"), LegalBasis.CONTRACT,
            (N_("measurements"), N_("device identifiers"))),
    Purpose("location", N_("Finding clinics nearby"), LegalBasis.CONSENT, (N_("location"),)),
    Purpose("share-clinic", N_("Sharing with your clinic and care providers"), LegalBasis.CONSENT,
            (N_("measurements"), N_("messages"), N_("profile"))),
    Purpose("share-family", N_("Sharing with family and friends"), LegalBasis.CONSENT, (N_("measurements"),)),
    Purpose("diagnostics", N_("Troubleshooting and technical problems (diagnostic logs)"), LegalBasis.CONSENT,
            (N_("diagnostics"),)),
    Purpose("research", N_("Scientific research"), LegalBasis.CONSENT, (N_("measurements"), N_("profile"))),
)

OPTIONAL_CONSENTS: tuple[str, ...] = ("location", "share-clinic", "share-family", "diagnostics", "research")


def purpose(purpose_id: str) -> Purpose:
    for item in PURPOSES:
        if item.id == purpose_id:
            return item
    raise KeyError(purpose_id)
