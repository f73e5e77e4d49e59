"""Pure parsing of ``/sync`` and ``/messages`` answers into messages, edits and redactions (no I/O).

Every string from the server is untrusted, and is kept exactly as the server sent it (bounded by the
protocol's own limits: an event is at most 65,536 bytes, a user id 255; lone surrogates, which no valid JSON
text of Unicode carries, become U+FFFD). It is made safe where it is shown (``companion.text.visible``), so
``--json`` and exports carry what the clinic sent. HTML ``formatted_body`` is ignored: the plain ``body`` is
always shown, so an anchor's text can never disguise where a link goes. Malformed events are skipped, never
fatal.

Spec (v1.19): "Syncing" (GET /sync), "Room events" (m.room.message msgtypes m.text, m.notice, m.emote,
m.file), "Event replacements" (m.replace with m.new_content; only the original's sender may edit; servers
bundle the latest edit in ``unsigned.m.relations.m.replace``), "Redactions" (``redacts`` at the top level
before room version 11, in ``content`` from 11), "Receipts" (m.receipt), "Room state" (m.room.encryption,
m.room.name, m.room.member, m.room.create, m.room.tombstone), MSC1763 (m.room.retention, milliseconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from companion.messaging.video import consult_link
from companion.store.messages import IncomingMessage
from companion.text import plain

#: Spec "Size limits": the complete event is at most 65,536 bytes, so no real body is longer.
MAX_EVENT_BYTES = 65_536
MAX_NAME_CHARS = 255  # user ids are at most 255 bytes (spec "User identifiers"); room names have no limit
MAX_FILENAME_CHARS = 120
TEXT_TYPES = ("m.text", "m.notice", "m.emote")
#: Our own transaction id, also inside the content: after a logout and login (a new device, whose sync
#: carries no ``unsigned.transaction_id`` for the old device's events) it still identifies what we sent.
TXN_FIELD = "org.companion.txn_id"
#: The clinic's mark on the conversation room it provisioned for this patient (state, power level 100).
CONVERSATION_STATE = "org.companion.conversation"
_SURROGATE = re.compile("[\ud800-\udfff]")


def bounded(value: object, max_bytes: int = MAX_EVENT_BYTES) -> str:
    """A string as received, cut only at the protocol's limit (on a character boundary); not a string: ""."""
    if not isinstance(value, str):
        return ""
    text = _SURROGATE.sub("\ufffd", value)
    if len(text) * 4 > max_bytes:
        data = text.encode("utf-8")
        if len(data) > max_bytes:
            text = data[:max_bytes].decode("utf-8", "ignore")
    return text


def clean_body(value: object) -> str:
    """A message body as the server sent it, bounded by the event size limit (shown via ``visible``)."""
    return bounded(value)


def clean_name(value: object, limit: int = MAX_NAME_CHARS) -> str:
    """A name (sender, room name, mimetype) as received, capped at ``limit`` characters."""
    text = bounded(value, 4 * limit)
    return text[:limit]


def safe_filename(value: object) -> str:
    """Basename only, no leading dots, no path separators or controls; ``file`` when nothing is left (for
    saving to disk)."""
    name = plain(bounded(value, 4 * MAX_FILENAME_CHARS), max_length=MAX_FILENAME_CHARS, single_line=True)
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch not in ':*?"<>|').strip().lstrip(".").strip()
    return name or "file"


@dataclass(frozen=True, slots=True)
class Invite:
    room_id: str
    inviter: str | None
    is_direct: bool
    encrypted: bool


@dataclass
class RoomUpdate:
    room_id: str
    messages: list[IncomingMessage] = field(default_factory=list)
    encrypted: bool = False
    retention_ms: int | None = None
    name: str | None = None
    prev_batch: str | None = None
    limited: bool = False
    typing: list[str] = field(default_factory=list)
    read_up_to: dict[str, str] = field(default_factory=dict)  # user -> event id (m.read receipts)
    read_ts: dict[str, int] = field(default_factory=dict)  # user -> when they read it (receipt ts)
    members: dict[str, str] = field(default_factory=dict)  # user -> membership
    redactions: list[str] = field(default_factory=list)  # event ids redacted (or seen redacted)
    created_ms: int | None = None  # m.room.create's origin_server_ts
    marked_by: str | None = None  # sender of the org.companion.conversation state ...
    marked_for: str | None = None  # ... and the patient it names
    tombstone_by: str | None = None  # sender of m.room.tombstone ...
    replaced_by: str | None = None  # ... and its replacement_room


@dataclass
class SyncBatch:
    next_batch: str
    invites: list[Invite] = field(default_factory=list)
    joined: dict[str, RoomUpdate] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)


def _events(container: object, key: str = "events") -> list[dict[str, Any]]:
    if not isinstance(container, dict):
        return []
    items = container.get(key)
    if not isinstance(items, list):
        return []
    return [e for e in items if isinstance(e, dict)]


def retention_of(content: object) -> int | None:
    """``max_lifetime`` in ms from an ``m.room.retention`` content (None when absent or nonsense)."""
    if not isinstance(content, dict):
        return None
    value = content.get("max_lifetime")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def redacted_target(event: dict[str, Any]) -> str | None:
    """The event id a timeline event removes: a redaction's target, or the event itself when the server
    serves it redacted already (``unsigned.redacted_because``)."""
    if event.get("type") == "m.room.redaction":
        content = event.get("content")
        target = content.get("redacts") if isinstance(content, dict) else None
        if not isinstance(target, str):
            target = event.get("redacts")  # room versions before 11
        return target if isinstance(target, str) and target else None
    unsigned = event.get("unsigned")
    if isinstance(unsigned, dict) and isinstance(unsigned.get("redacted_because"), dict):
        event_id = event.get("event_id")
        return event_id if isinstance(event_id, str) and event_id else None
    return None


def _edit_target(content: dict[str, Any]) -> str | None:
    relates = content.get("m.relates_to")
    if isinstance(relates, dict) and relates.get("rel_type") == "m.replace":
        target = relates.get("event_id")
        return target if isinstance(target, str) and target else ""
    return None


def bundled_edit(event: dict[str, Any], room_id: str, own_user: str) -> IncomingMessage | None:
    """The latest edit the server bundled with an original (``unsigned.m.relations.m.replace``, a whole
    event since spec v1.7), parsed like any edit; None when absent or only a summary."""
    unsigned = event.get("unsigned")
    relations = unsigned.get("m.relations") if isinstance(unsigned, dict) else None
    edit = relations.get("m.replace") if isinstance(relations, dict) else None
    if not isinstance(edit, dict) or not isinstance(edit.get("content"), dict):
        return None
    edit = {"type": "m.room.message", **edit}
    parsed = parse_message(edit, room_id, own_user)
    return parsed if parsed is not None and parsed.replaces == event.get("event_id") else None


def parse_message(event: dict[str, Any], room_id: str, own_user: str) -> IncomingMessage | None:
    """One timeline event → a message or an edit (``replaces`` set), or None for anything we do not show
    (state, redacted, malformed, an edit without ``m.new_content``)."""
    if event.get("type") != "m.room.message" or "state_key" in event:
        return None
    event_id, sender, ts = event.get("event_id"), event.get("sender"), event.get("origin_server_ts")
    if (
        not isinstance(event_id, str)
        or not isinstance(sender, str)
        or isinstance(ts, bool)
        or not isinstance(ts, int)
    ):
        return None
    content = event.get("content")
    if not isinstance(content, dict) or not content:
        return None  # redacted (content {}) or malformed
    own = sender == own_user
    unsigned = event.get("unsigned")
    txn = unsigned.get("transaction_id") if isinstance(unsigned, dict) else None
    if not isinstance(txn, str):
        txn = content.get(TXN_FIELD)
    txn_id = txn if isinstance(txn, str) and own else None
    target = _edit_target(content)
    if target is not None:
        new = content.get("m.new_content")
        if not target or not isinstance(new, dict):
            return None  # not a valid edit, and never an extra message
        kind = new.get("msgtype")
        return IncomingMessage(
            event_id=event_id,
            room_id=room_id,
            sender=clean_name(sender),
            body=clean_body(new.get("body")),
            ts=ts,
            own=own,
            msgtype=str(kind) if kind in TEXT_TYPES else "m.text",
            consult_url=consult_link(new),
            replaces=target,
        )
    msgtype = content.get("msgtype")
    body = clean_body(content.get("body"))
    file_info: dict[str, Any] | None = None
    if msgtype == "m.file" or msgtype in ("m.image", "m.audio", "m.video"):
        url = content.get("url")
        info = content.get("info") if isinstance(content.get("info"), dict) else {}
        assert isinstance(info, dict)
        size = info.get("size")
        filename = content.get("filename") or content.get("body")
        file_info = {
            "mxc_uri": url if isinstance(url, str) and url.startswith("mxc://") else None,
            "filename": clean_name(filename) or "file",
            "mimetype": clean_name(info.get("mimetype"), 100) or None,
            "size": size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        }
        msgtype = "m.file"
        if not body:
            body = file_info["filename"]
    elif msgtype not in TEXT_TYPES:
        if not body:
            return None
        msgtype = "m.text"
    consult = consult_link(content)
    return IncomingMessage(
        event_id=event_id,
        room_id=room_id,
        sender=clean_name(sender),
        body=body,
        ts=ts,
        own=own,
        txn_id=txn_id,
        msgtype=str(msgtype),
        consult_url=consult,
        file=file_info,
    )


def _apply_state(update: RoomUpdate, event: dict[str, Any]) -> None:
    kind = event.get("type")
    content = event.get("content")
    sender = event.get("sender")
    if event.get("state_key") != "" and kind != "m.room.member":
        return  # the room-level state we read has the empty state key
    if kind == "m.room.encryption":
        update.encrypted = True
    elif kind == "m.room.create":
        ts = event.get("origin_server_ts")
        if isinstance(ts, int) and not isinstance(ts, bool):
            update.created_ms = ts
    elif kind == CONVERSATION_STATE and isinstance(content, dict) and isinstance(sender, str):
        patient = content.get("patient")
        update.marked_by, update.marked_for = sender, patient if isinstance(patient, str) else None
    elif kind == "m.room.tombstone" and isinstance(content, dict) and isinstance(sender, str):
        replacement = content.get("replacement_room")
        if isinstance(replacement, str) and replacement:
            update.tombstone_by, update.replaced_by = sender, replacement
    elif kind == "m.room.retention":
        value = retention_of(content)
        if value is not None:
            update.retention_ms = value
    elif kind == "m.room.name" and isinstance(content, dict):
        update.name = clean_name(content.get("name"))
    elif kind == "m.room.member" and isinstance(content, dict):
        key = event.get("state_key")
        membership = content.get("membership")
        if isinstance(key, str) and isinstance(membership, str):
            update.members[key] = membership


def parse_sync(body: dict[str, Any], own_user: str) -> SyncBatch:
    """A ``/sync`` answer → invites, per-room updates and left rooms. Raises ValueError without next_batch."""
    next_batch = body.get("next_batch")
    if not isinstance(next_batch, str) or not next_batch:
        raise ValueError("sync answer without next_batch")
    batch = SyncBatch(next_batch)
    rooms = body.get("rooms") if isinstance(body.get("rooms"), dict) else {}
    assert isinstance(rooms, dict)
    invites = rooms.get("invite") if isinstance(rooms.get("invite"), dict) else {}
    assert isinstance(invites, dict)
    for room_id, room in invites.items():
        if not isinstance(room_id, str):
            continue
        inviter: str | None = None
        is_direct = False
        encrypted = False
        for event in _events(room.get("invite_state") if isinstance(room, dict) else None):
            content = event.get("content") if isinstance(event.get("content"), dict) else {}
            assert isinstance(content, dict)
            if (
                event.get("type") == "m.room.member"
                and event.get("state_key") == own_user
                and content.get("membership") == "invite"
            ):
                sender = event.get("sender")
                inviter = sender if isinstance(sender, str) else None
                is_direct = content.get("is_direct") is True
            elif event.get("type") == "m.room.encryption":
                encrypted = True
        batch.invites.append(Invite(room_id, inviter, is_direct, encrypted))
    joined = rooms.get("join") if isinstance(rooms.get("join"), dict) else {}
    assert isinstance(joined, dict)
    for room_id, room in joined.items():
        if not isinstance(room_id, str) or not isinstance(room, dict):
            continue
        update = RoomUpdate(room_id)
        for event in _events(room.get("state")):
            _apply_state(update, event)
        timeline = room.get("timeline") if isinstance(room.get("timeline"), dict) else {}
        assert isinstance(timeline, dict)
        prev = timeline.get("prev_batch")
        update.prev_batch = prev if isinstance(prev, str) else None
        update.limited = timeline.get("limited") is True
        for event in _events(timeline):
            if "state_key" in event:
                _apply_state(update, event)
            elif (gone := redacted_target(event)) is not None:  # before the type: encrypted ones too
                update.redactions.append(gone)
            elif event.get("type") == "m.room.encrypted":
                update.encrypted = True  # one the client could not decrypt (it replaces those it can)
            else:
                message = parse_message(event, room_id, own_user)
                if message is not None:
                    update.messages.append(message)
                    edit = bundled_edit(event, room_id, own_user)
                    if edit is not None:
                        update.messages.append(edit)
        for event in _events(room.get("ephemeral")):
            content = event.get("content")
            if event.get("type") == "m.typing" and isinstance(content, dict):
                users = content.get("user_ids")
                if isinstance(users, list):
                    update.typing = [
                        clean_name(u, 255) for u in users if isinstance(u, str) and u != own_user
                    ]
            elif event.get("type") == "m.receipt" and isinstance(content, dict):
                for event_id, receipts in content.items():
                    reads = receipts.get("m.read") if isinstance(receipts, dict) else None
                    if isinstance(reads, dict) and isinstance(event_id, str):
                        for user, data in reads.items():
                            if not isinstance(user, str):
                                continue
                            info = data if isinstance(data, dict) else {}
                            if info.get("thread_id") not in (None, "main"):
                                continue  # a thread's receipt says nothing about the main timeline
                            when = info.get("ts")
                            when = when if isinstance(when, int) and not isinstance(when, bool) else 0
                            if user not in update.read_ts or when >= update.read_ts[user]:
                                update.read_up_to[user] = event_id
                                update.read_ts[user] = when
        batch.joined[room_id] = update
    left = rooms.get("leave") if isinstance(rooms.get("leave"), dict) else {}
    assert isinstance(left, dict)
    batch.left = [r for r in left if isinstance(r, str)]
    return batch


def parse_history(
    body: dict[str, Any], room_id: str, own_user: str, redactions: list[str] | None = None
) -> tuple[list[IncomingMessage], str | None, bool]:
    """A ``/messages?dir=b`` page → (messages and edits, token to continue from, whether there are events
    we saw encrypted); redacted event ids are appended to ``redactions``. A missing ``end`` means the start
    of the room's history."""
    messages: list[IncomingMessage] = []
    encrypted = False
    for event in _events(body, "chunk"):
        gone = redacted_target(event)  # before the type: a redacted encrypted event is a redaction too
        if gone is not None:
            if redactions is not None:
                redactions.append(gone)
            continue
        if event.get("type") == "m.room.encrypted" or event.get("type") == "m.room.encryption":
            encrypted = True
            continue
        message = parse_message(event, room_id, own_user)
        if message is not None:
            messages.append(message)
            edit = bundled_edit(event, room_id, own_user)
            if edit is not None:
                messages.append(edit)
    end = body.get("end")
    return messages, end if isinstance(end, str) and end else None, encrypted
