"""Clinic-side provisioning: the patient's account and their locked-down room.

Run by clinic staff with the clinic service account's access token (a Synapse admin). The room is created by
the clinic, not the patient: with room version 12 a patient-created ``trusted_private_chat`` would make the
clinic an additional creator and the patient all-powerful. Here the clinic is the creator, the preset is
``private_chat``, ``m.room.retention`` (two years, milliseconds; MSC1763) is in the initial state, and power
levels keep retention, encryption, power levels and all other state at 100 (the patient has 0).

The room is end-to-end encrypted from its creation (``m.room.encryption`` in the initial state, Megolm), and
carries ``org.companion.conversation`` (state, only staff may set it) naming the patient, so the patient's
client knows which room is the clinic conversation without guessing from activity. An existing room is
reused, encrypted or not. Only with ``encrypted=False`` (``--no-encryption``: a patient whose app cannot read
encrypted rooms) is an encrypted room not reused: a new plain room is created and the old one gets an
``m.room.tombstone`` pointing to it (spec "Room upgrades"), which every Matrix client understands as "this
conversation moved".

Room version: 11 by default (``--room-version``). Synapse's default, 12, has room ids without a server name
(MSC4291), which matrix-nio 0.26 (matrix-commander 8.0.6) cannot handle, and clinics use those clients.

Synapse admin API: PUT /_synapse/admin/v2/users/{user_id} (create or modify account),
POST /_synapse/admin/v1/registration_tokens/new (one-time token). Client API: capabilities, createRoom,
m.direct, room state.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from companion.i18n import _
from companion.messaging.client import CLIENT, MatrixClient, Tokens, q
from companion.messaging.errors import LoginFailed, MatrixError, MessagingError
from companion.messaging.events import CONVERSATION_STATE

TWO_YEARS_MS = 63_072_000_000  # 730 days
#: The clinic's clients (matrix-nio 0.26 / matrix-commander 8.0.6, Element) all handle version 11.
DEFAULT_ROOM_VERSION = "11"


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    homeserver: str
    clinic_mxid: str
    patient_mxid: str
    room_id: str
    created_account: bool
    password: str | None = None
    registration_token: str | None = None
    reused_room: bool = False
    replaced_room: str | None = None  # an encrypted room this plain one replaces (``encrypted=False``)

    def instructions(self) -> str:
        lines = [
            _("Patient account: {mxid}").format(mxid=self.patient_mxid),
            _("Homeserver: {url}").format(url=self.homeserver),
            _("Clinic account (give this to the patient): {mxid}").format(mxid=self.clinic_mxid),
            _("Room: {room}").format(room=self.room_id),
        ]
        if self.password:
            lines.append(_("Initial password: {password}").format(password=self.password))
        elif self.registration_token:
            lines.append(_("One-time registration token: {token}").format(token=self.registration_token))
        else:
            lines.append(_("The account already existed; its password was not changed."))
        if self.replaced_room:
            lines.append(
                _("The previous room {room} is end-to-end encrypted, which this patient's room must not be; it "
                  "was marked as replaced by the new room.").format(room=self.replaced_room)
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "homeserver": self.homeserver,
            "clinic": self.clinic_mxid,
            "patient": self.patient_mxid,
            "room_id": self.room_id,
            "created_account": self.created_account,
            "password": self.password,
            "registration_token": self.registration_token,
            "reused_room": self.reused_room,
            "replaced_room": self.replaced_room,
        }


def room_payload(
    patient: str,
    clinic: str,
    retention_ms: int = TWO_YEARS_MS,
    room_version: str = DEFAULT_ROOM_VERSION,
    *,
    encrypted: bool = True,
) -> dict[str, Any]:
    """The ``createRoom`` body for a patient's clinic room: end-to-end encrypted (Megolm) by default, so
    only the patient's and the staff's devices can read it; retention and power levels stay locked."""
    locked = {
        "m.room.retention": 100,
        "m.room.power_levels": 100,
        "m.room.encryption": 100,
        "m.room.history_visibility": 100,
        "m.room.join_rules": 100,
        "m.room.tombstone": 100,
        "m.room.server_acl": 100,
        "m.room.name": 50,
        "m.room.topic": 50,
        "m.room.avatar": 50,
    }
    return {
        "preset": "private_chat",
        "room_version": room_version,
        "is_direct": True,
        "invite": [patient],
        "name": _("Your clinic"),
        "initial_state": [
            {"type": "m.room.retention", "state_key": "", "content": {"max_lifetime": retention_ms}},
            {"type": CONVERSATION_STATE, "state_key": "", "content": {"patient": patient}},
            {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
            *(
                [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
                if encrypted
                else []
            ),
        ],
        "power_level_content_override": {
            "users_default": 0,
            "events_default": 0,
            "state_default": 100,
            "invite": 100,
            "kick": 100,
            "ban": 100,
            "redact": 100,
            "events": locked,
        },
    }


def _patient_mxid(patient: str, clinic_mxid: str) -> str:
    patient = patient.strip()
    if not patient:
        raise LoginFailed(_("No patient user name given."))
    if patient.startswith("@") and ":" in patient:
        return patient
    server = clinic_mxid.split(":", 1)[1]
    return f"@{patient.lstrip('@').lower()}:{server}"


async def provision_patient(
    homeserver: str,
    admin_token: str,
    patient: str,
    *,
    retention_ms: int = TWO_YEARS_MS,
    transport: httpx.AsyncBaseTransport | None = None,
    registration_token: bool = False,
    token_valid_days: int = 14,
    room_version: str = DEFAULT_ROOM_VERSION,
    encrypted: bool = True,
) -> ProvisionResult:
    """Create or reuse the patient's account (or, with ``registration_token``, a one-time token the patient
    registers with themselves, so the clinic never knows their password) and their room; idempotent.

    A new room is end-to-end encrypted unless ``encrypted`` is False. An existing room is reused unless it was
    replaced (tombstoned), encrypted or not; with ``encrypted=False`` (a patient whose app cannot read
    encrypted rooms) an encrypted one is replaced by a new plain room instead."""
    async with MatrixClient(
        homeserver, tokens=Tokens(admin_token, None, None), transport=transport
    ) as clinic:
        who = await clinic.whoami()
        clinic_mxid = str(who.get("user_id"))
        clinic.user_id = clinic_mxid
        mxid = _patient_mxid(patient, clinic_mxid)
        exists = True
        try:
            await clinic.request("GET", f"/_synapse/admin/v2/users/{q(mxid)}")
        except MatrixError as exc:
            if exc.status != 404:
                raise
            exists = False
        password = token = None
        created = False
        if not exists and registration_token:
            import time

            expiry = int(time.time() * 1000) + token_valid_days * 24 * 3600 * 1000
            body = await clinic.request(
                "POST", "/_synapse/admin/v1/registration_tokens/new",
                json_body={"uses_allowed": 1, "expiry_time": expiry},
            )
            token = str(body.get("token") or "")
            if not token:
                raise MatrixError(500, "M_UNKNOWN", "no registration token in the answer")
        elif not exists:
            password = secrets.token_urlsafe(12)
            await clinic.request(
                "PUT",
                f"/_synapse/admin/v2/users/{q(mxid)}",
                json_body={"password": password, "admin": False, "deactivated": False},
            )
            created = True
        room_id, reused, replaced = await _room_for(
            clinic, clinic_mxid, mxid, retention_ms, room_version, encrypted
        )
        return ProvisionResult(
            clinic.homeserver, clinic_mxid, mxid, room_id, created, password, token, reused, replaced
        )


class UnsupportedRoomVersion(MessagingError):
    pass


async def _check_room_version(clinic: MatrixClient, version: str) -> None:
    """Spec "Capabilities negotiation": ``m.room_versions.available`` lists what the server can create."""
    try:
        body = await clinic.request("GET", f"{CLIENT}/capabilities")
    except MatrixError:
        return  # an older server without the endpoint: createRoom will say it
    versions = body.get("capabilities", {}).get("m.room_versions", {}).get("available")
    if isinstance(versions, dict) and versions and version not in versions:
        raise UnsupportedRoomVersion(
            _("The homeserver cannot create rooms of version {version} (it offers {offered}).").format(
                version=version, offered=", ".join(sorted(map(str, versions)))
            )
        )


async def _state_or_none(clinic: MatrixClient, room_id: str, event_type: str) -> dict[str, Any] | None:
    try:
        return await clinic.state(room_id, event_type)
    except MatrixError as exc:
        if exc.status == 404:
            return None
        raise


async def _room_for(
    clinic: MatrixClient,
    clinic_mxid: str,
    patient: str,
    retention_ms: int,
    room_version: str,
    encrypted: bool,
) -> tuple[str, bool, str | None]:
    try:
        direct = await clinic.request("GET", f"{CLIENT}/user/{q(clinic_mxid)}/account_data/m.direct")
    except MatrixError as exc:
        if exc.status != 404:
            raise
        direct = {}
    unusable: list[str] = []
    for room_id in direct.get(patient, []) if isinstance(direct.get(patient), list) else []:
        try:
            members = await clinic.request("GET", f"{CLIENT}/rooms/{q(room_id)}/joined_members")
            state = await clinic.state(room_id, "m.room.member", patient)
        except MatrixError:
            continue
        if clinic_mxid not in (members.get("joined") or {}) or state.get("membership") not in ("invite", "join"):
            continue
        if await _state_or_none(clinic, room_id, "m.room.tombstone") is not None:
            continue  # replaced already
        if not encrypted and await _state_or_none(clinic, room_id, "m.room.encryption") is not None:
            unusable.append(room_id)  # the patient needs a plain room (a client without E2EE)
            continue
        if await _state_or_none(clinic, room_id, CONVERSATION_STATE) is None:
            # A room provisioned before the mark existed: mark it now so the patient's client can tell.
            await clinic.put_state(room_id, CONVERSATION_STATE, {"patient": patient})
        return room_id, True, None
    await _check_room_version(clinic, room_version)
    room_id = await clinic.create_room(
        room_payload(patient, clinic_mxid, retention_ms, room_version, encrypted=encrypted)
    )
    rooms = direct.get(patient) if isinstance(direct.get(patient), list) else []
    direct[patient] = [*rooms, room_id]
    await clinic.put_account_data("m.direct", direct)
    for old in unusable:
        await clinic.put_state(old, "m.room.tombstone", {
            "body": _("This conversation continues in a new room."), "replacement_room": room_id})
    return room_id, False, unusable[-1] if unusable else None
