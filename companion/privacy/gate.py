"""The gate every feature asks before it processes personal data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.i18n import _
from companion.privacy.purposes import LegalBasis, purpose

if TYPE_CHECKING:
    from companion.store import Store

RESTRICTED_SETTING = "processing_restricted"


class ProcessingNotAllowed(Exception):
    """The user has not allowed this processing (no consent, an objection, or restriction)."""

    def __init__(self, purpose_id: str, message: str) -> None:
        super().__init__(message)
        self.purpose_id = purpose_id


def is_restricted(store: Store) -> bool:
    return bool(store.settings.get(RESTRICTED_SETTING, False))


def allowed(store: Store, purpose_id: str) -> bool:
    try:
        require(store, purpose_id)
    except ProcessingNotAllowed:
        return False
    return True


def require(store: Store, purpose_id: str) -> None:
    """Raise ``ProcessingNotAllowed`` unless ``purpose_id`` may be processed right now."""
    item = purpose(purpose_id)
    if is_restricted(store):
        raise ProcessingNotAllowed(
            purpose_id, _("Processing is restricted at your request; only storage and export are allowed.")
        )
    if item.basis is LegalBasis.CONSENT and not store.consents.is_granted(purpose_id):
        raise ProcessingNotAllowed(
            purpose_id,
            _("This needs your consent for: {purpose}. You can give it on the Privacy screen.").format(
                purpose=_(item.title)
            ),
        )
    if item.basis is LegalBasis.LEGITIMATE_INTEREST and store.consents.is_objected(purpose_id):
        raise ProcessingNotAllowed(
            purpose_id, _("You objected to: {purpose}.").format(purpose=_(item.title))
        )


def require_health_consent(store: Store) -> None:
    """Health data is stored only with the explicit ``health-data`` consent (restriction allows storage)."""
    if not store.consents.is_granted("health-data"):
        raise ProcessingNotAllowed(
            "health-data",
            _("Health data is not stored without your explicit consent; "
              "you can give it on the Privacy screen."),
        )
