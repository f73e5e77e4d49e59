"""Processing purposes as data: id, legal basis, data categories (the table the notice and the Privacy
screen show).

Fixed ids (DESIGN.md): health-data, location, diagnostics, research, share-clinic, share-family; the others
follow the same kebab-case form. The legal basis decides the control the user gets (GDPR Art. 6 and 9):

* consent: grant / withdraw (Art. 7(3): withdrawing is as easy as giving);
* legitimate interest and public interest: object (Art. 21);
* contract: explained, with the way out (delete the account).
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

    @property
    def label(self) -> str:
        return BASIS_LABELS[self]


BASIS_LABELS: dict[LegalBasis, str] = {
    LegalBasis.CONTRACT: N_("Contract"),
    LegalBasis.LEGITIMATE_INTEREST: N_("Legitimate interest"),
    LegalBasis.PUBLIC_INTEREST: N_("Public interest in public health"),
    LegalBasis.CONSENT: N_("Consent"),
}

#: Data categories a purpose can touch (id -> untranslated label).
DATA_CATEGORIES: dict[str, str] = {
    "account": N_("account"),
    "profile": N_("profile"),
    "contact": N_("contact details"),
    "measurements": N_("measurements"),
    "health-data": N_("health data"),
    "messages": N_("messages"),
    "location": N_("location"),
    "devices": N_("device identifiers"),
    "usage": N_("app usage"),
    "diagnostics": N_("diagnostic logs"),
}


@dataclass(frozen=True, slots=True)
class Purpose:
    id: str
    title: str  # untranslated; translate with _() at display time
    basis: LegalBasis
    categories: tuple[str, ...]  # labels (untranslated); see ``category_ids`` for the ids
    explicit: bool = False  # explicit consent for special-category (health) data, GDPR Art. 9(2)(a)
    category_ids: tuple[str, ...] = ()

    @property
    def needs_consent(self) -> bool:
        return self.basis is LegalBasis.CONSENT

    @property
    def objectable(self) -> bool:
        return self.basis in (LegalBasis.LEGITIMATE_INTEREST, LegalBasis.PUBLIC_INTEREST)


def _p(pid: str, title: str, basis: LegalBasis, cats: tuple[str, ...], explicit: bool = False) -> Purpose:
    return Purpose(pid, title, basis, tuple(DATA_CATEGORIES[c] for c in cats), explicit, cats)


C, LI, PI, CO = (
    LegalBasis.CONTRACT,
    LegalBasis.LEGITIMATE_INTEREST,
    LegalBasis.PUBLIC_INTEREST,
    LegalBasis.CONSENT,
)

#: Every purpose the privacy notice names, in the notice's order.
PURPOSES: tuple[Purpose, ...] = (
    _p("provide-service", N_("Providing the service"), C, ("account", "profile", "contact")),
    _p(
        "health-data",
        N_("Processing your health data (weight, body composition, activity)"),
        CO,
        ("measurements", "health-data"),
        explicit=True,
    ),
    _p(
        "inform-changes",
        N_("Informing you about changes to the app and this notice"),
        C,
        ("account", "contact"),
    ),
    _p(
        "share-clinic",
        N_("Sharing with your clinic and care providers"),
        CO,
        ("measurements", "health-data", "messages", "profile"),
    ),
    _p("share-family", N_("Sharing with family and friends"), CO, ("measurements", "profile")),
    _p(
        "care-coordination",
        N_("Care coordination with your clinic"),
        PI,
        ("profile", "measurements", "messages"),
    ),
    _p("support", N_("Support when you ask for help"), C, ("account", "contact", "messages")),
    _p("product-analytics", N_("Product analytics and surveys"), CO, ("usage",)),
    _p("understand-use", N_("Understanding how the app is used"), LI, ("usage",)),
    _p("vouchers", N_("Vouchers and discounts"), CO, ("contact", "account")),
    _p("location", N_("Finding clinics nearby"), CO, ("location",)),
    _p("sync-devices", N_("Syncing the scale and trackers"), C, ("measurements", "devices")),
    _p("diagnostics", N_("Troubleshooting (diagnostic logs)"), CO, ("diagnostics", "devices")),
    _p("statistics", N_("Statistics (aggregated, no names)"), LI, ("measurements", "usage")),
    _p("research", N_("Scientific research"), CO, ("measurements", "health-data", "profile")),
    _p("security", N_("Security of your account and data"), LI, ("account", "devices", "usage")),
    _p("measure-campaigns", N_("Measuring campaigns"), LI, ("usage",)),
    _p("technical-problems", N_("Solving technical problems"), LI, ("devices", "diagnostics")),
)

OPTIONAL_CONSENTS: tuple[str, ...] = ("location", "share-clinic", "share-family", "diagnostics", "research")

#: Every purpose that needs consent, health data first.
CONSENT_PURPOSES: tuple[str, ...] = tuple(p.id for p in PURPOSES if p.needs_consent)


def purpose(purpose_id: str) -> Purpose:
    for item in PURPOSES:
        if item.id == purpose_id:
            return item
    raise KeyError(purpose_id)


def find(purpose_id: str) -> Purpose | None:
    try:
        return purpose(purpose_id)
    except KeyError:
        return None
