"""Pure parsing of ``/sync`` and ``/messages`` answers into sanitised messages (no I/O).

Every string from the server is untrusted: bodies, display names, room names and file names go through
``companion.text.plain`` (C0/C1 controls except newline and tab, DEL, bidi overrides and ANSI/OSC escapes
removed) and are capped. HTML ``formatted_body`` is ignored: the plain ``body`` is always shown, so an
anchor's
text can never disguise where a link goes. Malformed events are skipped, never fatal.

Spec: "Syncing" (GET /sync), "Room events" (m.room.message msgtypes m.text, m.notice, m.emote, m.file),
"Room state" (m.room.encryption, m.room.name, m.room.member), MSC1763 (m.room.retention, milliseconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.messaging.video import consult_link
from companion.store.messages import IncomingMessage
from companion.text import plain

MAX_BODY_CHARS = 16_000
MAX_BODY_LINES = 300
MAX_NAME_CHARS = 80
MAX_FILENAME_CHARS = 120
TEXT_TYPES = ("m.text", "m.notice", "m.emote")


def clean_body(value: object) -> str:
    """A message body made safe and bounded (characters and lines)."""
    text = plain(value if isinstance(value, str) else "")
    lines = text.split("\n")
    if len(lines) > MAX_BODY_LINES:
        text = "\n".join(lines[:MAX_BODY_LINES]) + "\n…"
    if len(text) > MAX_BODY_CHARS:
        text = text[: MAX_BODY_CHARS - 1] + "…"
    return text


def clean_name(value: object, limit: int = MAX_NAME_CHARS) -> str:
    return plain(value if isinstance(value, str) else "", max_length=limit, single_line=True)


def safe_filename(value: object) -> str:
    """Basename only, no leading dots, no path separators or controls; ``file`` when nothing is left."""
    name = clean_name(value, MAX_FILENAME_CHARS)
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
    members: dict[str, str] = field(default_factory=dict)  # user -> membership


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


def parse_message(event: dict[str, Any], room_id: str, own_user: str) -> IncomingMessage | None:
    """One timeline event → a message, or None for anything we do not show (state, redacted, malformed)."""
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
    msgtype = content.get("msgtype")
    own = sender == own_user
    unsigned = event.get("unsigned")
    txn = unsigned.get("transaction_id") if isinstance(unsigned, dict) else None
    txn_id = txn if isinstance(txn, str) and own else None
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
            "filename": safe_filename(filename),
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
        sender=clean_name(sender, 255),
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
    if kind == "m.room.encryption":
        update.encrypted = True
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
            elif event.get("type") == "m.room.encrypted":
                update.encrypted = True
            else:
                message = parse_message(event, room_id, own_user)
                if message is not None:
                    update.messages.append(message)
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
                        for user in reads:
                            if isinstance(user, str):
                                update.read_up_to[user] = event_id
        batch.joined[room_id] = update
    left = rooms.get("leave") if isinstance(rooms.get("leave"), dict) else {}
    assert isinstance(left, dict)
    batch.left = [r for r in left if isinstance(r, str)]
    return batch


def parse_history(
    body: dict[str, Any], room_id: str, own_user: str
) -> tuple[list[IncomingMessage], str | None, bool]:
    """A ``/messages?dir=b`` page → (messages, token to continue from, whether there are more events we saw
    encrypted). A missing ``end`` means the start of the room's history."""
    messages: list[IncomingMessage] = []
    encrypted = False
    for event in _events(body, "chunk"):
        if event.get("type") == "m.room.encrypted" or event.get("type") == "m.room.encryption":
            encrypted = True
            continue
        message = parse_message(event, room_id, own_user)
        if message is not None:
            messages.append(message)
    end = body.get("end")
    return messages, end if isinstance(end, str) and end else None, encrypted
