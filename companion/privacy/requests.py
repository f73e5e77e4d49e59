"""Data-subject requests to a clinic or provider: drafts, sending, deadlines.

* GDPR (Regulation (EU) 2016/679): access (Art. 15), rectification (16), erasure (17), restriction (18),
  portability (20), objection (21). Art. 12(3): answer without undue delay and within **one month** of receipt
  (extendable by two months for complex requests, which the controller must say within the first month).
* Mexico, ARCO rights (acceso, rectificación, cancelación, oposición) under the LFPDPPP (DOF 20 March 2025).
  The request must contain (2010 law Art. 29, kept in the 2025 text): the holder's name and an address or
  other means to receive the answer; documents proving identity (or a representative's authority); a clear
  and precise description of the data concerned; anything that helps locate the data; for rectification, the
  changes asked for and supporting documents. The controller answers within **20 business days** (and makes a
  granted request effective within 15 more). Business days here are Monday to Friday; public holidays are not
  known to the app, so the due date may be a few days early, never late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from companion.i18n import N_, _
from companion.store.privacy import DataRequestRow, PrivacyRepo

if TYPE_CHECKING:
    from companion.store import Store


class Regime(StrEnum):
    GDPR = "gdpr"
    ARCO = "arco"


GDPR_KINDS: dict[str, tuple[str, str]] = {
    "access": (N_("Access to my data"), "15"),
    "rectification": (N_("Correction of my data"), "16"),
    "erasure": (N_("Erasure of my data"), "17"),
    "restriction": (N_("Restriction of processing"), "18"),
    "portability": (N_("A portable copy of my data"), "20"),
    "objection": (N_("Objection to processing"), "21"),
}
ARCO_KINDS: dict[str, tuple[str, str]] = {
    "access": (N_("Access (acceso)"), "acceso"),
    "rectification": (N_("Rectification (rectificación)"), "rectificación"),
    "cancellation": (N_("Cancellation (cancelación)"), "cancelación"),
    "opposition": (N_("Opposition (oposición)"), "oposición"),
}


class RequestError(ValueError):
    """A field is missing or wrong; ``field`` names it, ``str(error)`` says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RequestForm:
    regime: Regime
    kind: str
    recipient: str  # the clinic or provider
    name: str
    contact: str  # address, e-mail or other means to receive the answer
    description: str = ""  # the data concerned
    identity_document: str = ""  # ARCO: which document proves identity (attached separately)
    changes: str = ""  # rectification: what should change
    location_hints: str = ""  # ARCO: anything that helps find the data


def kinds(regime: Regime) -> dict[str, tuple[str, str]]:
    return GDPR_KINDS if regime is Regime.GDPR else ARCO_KINDS


def validate(form: RequestForm) -> None:
    if form.kind not in kinds(form.regime):
        raise RequestError("kind", _("Choose what you are asking for."))
    if not form.recipient.strip():
        raise RequestError("recipient", _("Say who the request is for (your clinic or provider)."))
    if not form.name.strip():
        raise RequestError("name", _("Your name is needed so they can find your data."))
    if not form.contact.strip():
        raise RequestError("contact", _("Give an address or e-mail where you want the answer."))
    if form.regime is Regime.ARCO:
        if not form.identity_document.strip():
            raise RequestError(
                "identity_document", _("An ARCO request must say which document proves your identity.")
            )
        if not form.description.strip():
            raise RequestError(
                "description", _("An ARCO request must describe clearly which data it is about.")
            )
    if form.kind == "rectification" and not form.changes.strip():
        raise RequestError("changes", _("Say what should be corrected, and how."))


def draft(form: RequestForm, today: date) -> str:
    """The request text. GDPR requests are written in the app's language; ARCO requests in Spanish, the
    language the Mexican controller must handle."""
    validate(form)
    if form.regime is Regime.ARCO:
        return _draft_arco(form, today)
    title, article = GDPR_KINDS[form.kind]
    lines = [
        _("To: {recipient}").format(recipient=form.recipient),
        _("Date: {date}").format(date=today.isoformat()),
        _("Subject: {title} (GDPR Article {article})").format(title=_(title), article=article),
        "",
        _(
            "I, {name}, make this request under Article {article} of the General Data Protection Regulation "
            "(EU) 2016/679."
        ).format(name=form.name, article=article),
    ]
    body = {
        "access": _(
            "Please confirm whether you process personal data about me and send me a copy of it, with "
            "the purposes, the recipients, how long you keep it and where it came from (Art. 15)."
        ),
        "rectification": _("Please correct the following personal data about me (Art. 16): {changes}"),
        "erasure": _(
            "Please erase the personal data you hold about me without undue delay (Art. 17) and tell "
            "anyone you disclosed it to (Art. 19)."
        ),
        "restriction": _(
            "Please restrict the processing of my personal data (Art. 18): keep it, but do not "
            "otherwise use it."
        ),
        "portability": _(
            "Please send me the personal data I provided to you in a structured, commonly used and "
            "machine-readable format (Art. 20)."
        ),
        "objection": _(
            "I object to the processing of my personal data based on your legitimate interests or the "
            "public interest (Art. 21)."
        ),
    }[form.kind]
    lines.append(body.format(changes=form.changes))
    if form.description.strip():
        lines.append(_("The data concerned: {description}").format(description=form.description))
    lines += [
        _("Please answer within one month of receiving this request (Art. 12(3)) at: {contact}").format(
            contact=form.contact
        ),
        "",
        form.name,
    ]
    return "\n".join(lines) + "\n"


def _draft_arco(form: RequestForm, today: date) -> str:
    right = ARCO_KINDS[form.kind][1]
    lines = [
        f"Para: {form.recipient}",
        f"Fecha: {today.isoformat()}",
        f"Asunto: Solicitud de ejercicio del derecho de {right} (derechos ARCO)",
        "",
        f"Yo, {form.name}, con fundamento en la Ley Federal de Protección de Datos Personales en Posesión de "
        f"los Particulares, solicito ejercer mi derecho de {right} respecto de mis datos personales.",
        f"Medio para comunicar la respuesta: {form.contact}",
        f"Documento que acredita mi identidad (se adjunta copia): {form.identity_document}",
        f"Descripción clara y precisa de los datos personales: {form.description}",
    ]
    if form.location_hints.strip():
        lines.append(f"Elementos que facilitan la localización de los datos: {form.location_hints}")
    if form.kind == "rectification":
        lines.append(
            f"Modificaciones solicitadas (se adjunta documentación que las sustenta): {form.changes}"
        )
    lines += [
        "Solicito una respuesta dentro del plazo de 20 días hábiles contados desde la recepción de esta "
        "solicitud.",
        "",
        form.name,
    ]
    return "\n".join(lines) + "\n"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_business_days(day: date, count: int) -> date:
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def due_date(regime: Regime, sent: date) -> date:
    """GDPR: one month after receipt (the same day next month, or its last day). ARCO: 20 business days."""
    return add_months(sent, 1) if regime is Regime.GDPR else add_business_days(sent, 20)


# ----- keeping track -------------------------------------------------------------------------------------
def save_draft(store: Store, form: RequestForm, text: str) -> int:
    validate(form)
    return PrivacyRepo(store).add_request(form.regime.value, form.kind, form.recipient, text)


def mark_sent(store: Store, request_id: int, channel: str) -> date:
    """Record that the request left (``channel``: "message" or "file") and compute its deadline."""
    repo = PrivacyRepo(store)
    row = repo.request(request_id)
    if row is None:
        raise RequestError("id", _("There is no request {id}.").format(id=request_id))
    today = store.clock.now().date()
    due = due_date(Regime(row.regime), today)
    repo.mark_request_sent(request_id, today.isoformat(), channel, due.isoformat())
    return due


def send_to_clinic(store: Store, request_id: int) -> date:
    """Send the request as a message to the clinic (messaging outbox) and start its deadline.

    Raises ``companion.privacy.erasure.ErasureError`` when messaging is unavailable (offer a text file)."""
    from companion.privacy.erasure import notify_clinic

    row = PrivacyRepo(store).request(request_id)
    if row is None:
        raise RequestError("id", _("There is no request {id}.").format(id=request_id))
    notify_clinic(store, row.body)
    store.audit.record(
        "message-sent",
        row.recipient,
        _("Data-subject request ({regime}, {kind})").format(regime=row.regime.upper(), kind=row.kind),
    )
    return mark_sent(store, request_id, "message")


def mark_answered(store: Store, request_id: int) -> None:
    PrivacyRepo(store).mark_request_answered(request_id, store.clock.now().date().isoformat())


@dataclass(frozen=True)
class OpenRequest:
    row: DataRequestRow
    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def open_requests(store: Store) -> list[OpenRequest]:
    """Sent, unanswered requests with their deadline, soonest first (for the dashboard and the Privacy
    screen)."""
    today = store.clock.now().date()
    found = []
    for row in PrivacyRepo(store).requests():
        if row.status == "sent" and row.due_date:
            due = date.fromisoformat(row.due_date)
            found.append(OpenRequest(row, due, (due - today).days))
    return sorted(found, key=lambda r: r.due)


def open_count(store: Store) -> int:
    """How many sent requests still wait for an answer (the dashboard's inbox line)."""
    return len(open_requests(store))


def all_requests(store: Store) -> list[DataRequestRow]:
    return PrivacyRepo(store).requests()


def get_request(store: Store, request_id: int) -> DataRequestRow | None:
    return PrivacyRepo(store).request(request_id)


def kind_label(regime: str, kind: str) -> str:
    table = GDPR_KINDS if regime == Regime.GDPR.value else ARCO_KINDS
    return _(table[kind][0]) if kind in table else kind


def parent_removal_help() -> str:
    """For a parent who finds a child's data: how to have it removed (the app refuses under-18s)."""
    return _(
        "Companion is for adults only. If a child's data is on this computer, open Privacy and choose "
        "\u201cDelete everything\u201d (or run `companion privacy erase all --yes`), or delete the data "
        "folder. "
        "To have a clinic remove a child's data, send it an erasure request (GDPR Art. 17) or a cancellation "
        "request (ARCO) from the Requests tab."
    )


__all__ = [
    "ARCO_KINDS",
    "GDPR_KINDS",
    "OpenRequest",
    "Regime",
    "RequestError",
    "RequestForm",
    "add_business_days",
    "add_months",
    "all_requests",
    "draft",
    "due_date",
    "get_request",
    "kind_label",
    "mark_answered",
    "mark_sent",
    "open_requests",
    "parent_removal_help",
    "save_draft",
    "send_to_clinic",
    "validate",
]
