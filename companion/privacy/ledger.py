"""The consent ledger as the user controls it: grant, withdraw, object, restrict; and tamper detection.

Decisions go to the append-only ``consent_event`` table (``store.consents``); each row is sealed by a hash
chain. ``verify`` recomputes the chain and reports, in plain words, any row changed, inserted or removed
outside
Companion, and any append-only trigger that was dropped.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from companion.i18n import _, current_language
from companion.privacy.notice import current, needs_reconsent
from companion.privacy.purposes import PURPOSES, LegalBasis, Purpose, find
from companion.store.consents import ConsentRecord, seal_digest
from companion.store.privacy import PrivacyRepo

if TYPE_CHECKING:
    from companion.store import Store

RESTRICTED_SETTING = "processing_restricted"


class PrivacyError(Exception):
    """A privacy action that cannot be done; ``str(error)`` is a one-line, human message."""


class UnknownPurpose(PrivacyError):
    def __init__(self, purpose_id: str) -> None:
        ids = ", ".join(p.id for p in PURPOSES)
        super().__init__(
            _("Unknown purpose {purpose}; known purposes: {ids}.").format(purpose=purpose_id, ids=ids)
        )


class NotApplicable(PrivacyError):
    """The control does not fit the purpose's legal basis (e.g. withdrawing a contract purpose)."""


def lookup(purpose_id: str) -> Purpose:
    item = find(purpose_id)
    if item is None:
        raise UnknownPurpose(purpose_id)
    return item


# ----- tamper detection -------------------------------------------------------------------------------
_VERIFIED: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int, int, str], list[str]]] = (
    weakref.WeakKeyDictionary()
)


def verify(store: Store) -> list[str]:
    """Problems with the ledger, as human sentences; empty when the ledger is intact.

    The gate calls this on every check; the result is reused until anything in the database changes.
    """
    repo = PrivacyRepo(store)
    marker = (*repo.change_marker(), current_language())
    cached = _VERIFIED.get(store)
    if cached is not None and cached[0] == marker:
        return list(cached[1])
    problems = _verify(repo)
    _VERIFIED[store] = ((*repo.change_marker(), current_language()), problems)
    return list(problems)


def _verify(repo: PrivacyRepo) -> list[str]:
    problems: list[str] = []
    missing = repo.missing_triggers()
    if missing:
        problems.append(_("The protection that keeps the consent record append-only was removed."))
    last_id, digest = repo.checkpoint_row()
    rows = repo.ledger_after(last_id)
    seals = repo.seals_after(last_id)
    for row in rows:
        digest = seal_digest(digest, row)
        seal = seals.pop(int(row[0]), None)
        if seal is None:
            problems.append(_("Consent record entry {id} was added outside Companion.").format(id=row[0]))
            break
        if seal != digest:
            problems.append(_("Consent record entry {id} was changed outside Companion.").format(id=row[0]))
            break
    else:
        for event_id in sorted(seals):
            problems.append(_("Consent record entry {id} was removed.").format(id=event_id))
            break
    return problems


def tamper_message(problems: list[str]) -> str:
    return _(
        "Your consent record was altered outside Companion ({detail}), so no consent in it can be relied on. "
        "Nothing that needs consent will run until you confirm your choices again on the Privacy screen "
        "(or with `companion privacy grant`)."
    ).format(detail=" ".join(problems).rstrip("."))


def reconfirm_after_tampering(store: Store, method: str) -> None:
    """Start afresh after tampering: withdraw every consent that looks given, then restart the chain.

    The old rows stay (the ledger never loses an entry); the user then grants again what they want.
    """
    repo = PrivacyRepo(store)
    with store.transaction():
        for item in PURPOSES:
            if item.needs_consent and store.consents.is_granted(item.id):
                store.consents.record(item.id, "withdraw", current().version, f"{method}:tamper-reset")
        last_id = repo.max_event_id()
        _, digest = repo.checkpoint_row()
        for row in repo.ledger_after(repo.checkpoint_row()[0]):
            digest = seal_digest(digest, row)
        repo.add_checkpoint(last_id, digest, "tamper-reset")


# ----- state -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PurposeStatus:
    purpose: Purpose
    state: str  # granted | withdrawn | not-given | needs-reconsent | objected | not-objected | contract
    since: datetime | None = None
    notice_version: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ("granted", "not-objected", "contract")

    @property
    def label(self) -> str:
        return {
            "granted": _("given"),
            "withdrawn": _("withdrawn"),
            "not-given": _("not given"),
            "needs-reconsent": _("ask again (notice changed)"),
            "objected": _("you objected"),
            "not-objected": _("allowed unless you object"),
            "contract": _("needed for the service"),
        }[self.state]


def status(store: Store, purpose_id: str) -> PurposeStatus:
    item = lookup(purpose_id)
    if item.basis is LegalBasis.CONTRACT:
        return PurposeStatus(item, "contract")
    if item.needs_consent:
        latest = store.consents.latest(item.id)
        if latest is None:
            return PurposeStatus(item, "not-given")
        if latest.decision == "grant" and needs_reconsent(store, item.id):
            return PurposeStatus(item, "needs-reconsent", latest.timestamp, latest.notice_version)
        state = "granted" if latest.decision == "grant" else "withdrawn"
        return PurposeStatus(item, state, latest.timestamp, latest.notice_version)
    records = [r for r in store.consents.history(item.id) if r.decision in ("object", "lift-objection")]
    if records and records[-1].decision == "object":
        return PurposeStatus(item, "objected", records[-1].timestamp, records[-1].notice_version)
    last = records[-1] if records else None
    return PurposeStatus(
        item, "not-objected", last.timestamp if last else None, last.notice_version if last else None
    )


def statuses(store: Store) -> list[PurposeStatus]:
    return [status(store, item.id) for item in PURPOSES]


# ----- decisions ---------------------------------------------------------------------------------------
def _contract_explanation(item: Purpose) -> str:
    return _(
        "\u201c{purpose}\u201d is needed to provide the service you asked for (legal basis: contract), "
        "so there is "
        "no consent to withdraw. To stop it, delete your account: Privacy screen, \u201cDelete "
        "everything\u201d, or "
        "`companion privacy erase all`."
    ).format(purpose=_(item.title))


def grant(store: Store, purpose_id: str, method: str = "cli") -> ConsentRecord:
    item = lookup(purpose_id)
    if item.basis is LegalBasis.CONTRACT:
        raise NotApplicable(_contract_explanation(item))
    if not item.needs_consent:
        if status(store, purpose_id).state == "objected":
            return lift_objection(store, purpose_id, method)
        raise NotApplicable(
            _(
                "\u201c{purpose}\u201d does not rest on consent ({basis}); you can object to it instead."
            ).format(purpose=_(item.title), basis=_(item.basis.label))
        )
    return store.consents.record(item.id, "grant", current().version, method)


def withdraw(store: Store, purpose_id: str, method: str = "cli") -> ConsentRecord:
    item = lookup(purpose_id)
    if item.basis is LegalBasis.CONTRACT:
        raise NotApplicable(_contract_explanation(item))
    if not item.needs_consent:
        return object_to(store, purpose_id, method)
    return store.consents.record(item.id, "withdraw", current().version, method)


def object_to(store: Store, purpose_id: str, method: str = "cli") -> ConsentRecord:
    item = lookup(purpose_id)
    if item.basis is LegalBasis.CONTRACT:
        raise NotApplicable(_contract_explanation(item))
    if item.needs_consent:  # objecting to a consent purpose means withdrawing the consent
        return store.consents.record(item.id, "withdraw", current().version, method)
    return store.consents.record(item.id, "object", current().version, method)


def lift_objection(store: Store, purpose_id: str, method: str = "cli") -> ConsentRecord:
    item = lookup(purpose_id)
    if not item.objectable:
        raise NotApplicable(
            _("There is no objection to lift for \u201c{purpose}\u201d.").format(purpose=_(item.title))
        )
    return store.consents.record(item.id, "lift-objection", current().version, method)


def toggle(store: Store, purpose_id: str, method: str = "tui") -> ConsentRecord:
    """The one-key control: consent given <-> withdrawn; objection made <-> lifted; contract: explained."""
    state = status(store, purpose_id).state
    if state == "granted":
        return withdraw(store, purpose_id, method)
    if state in ("withdrawn", "not-given", "needs-reconsent"):
        return grant(store, purpose_id, method)
    if state == "objected":
        return lift_objection(store, purpose_id, method)
    if state == "not-objected":
        return object_to(store, purpose_id, method)
    raise NotApplicable(_contract_explanation(lookup(purpose_id)))


# ----- restriction (GDPR Art. 18) ----------------------------------------------------------------------
def is_restricted(store: Store) -> bool:
    return bool(store.settings.get(RESTRICTED_SETTING, False))


def set_restricted(store: Store, restricted: bool, method: str = "cli") -> None:
    with store.transaction():
        store.settings.set(RESTRICTED_SETTING, bool(restricted))
        PrivacyRepo(store).record_restriction(bool(restricted), method)
