"""The outbox: every outgoing message is stored first (with its Matrix transaction id), then sent.

Spec "Transaction identifiers": a retry of ``PUT /rooms/{id}/send/{type}/{txnId}`` from the same device
returns
the original event, so network errors, 5xx, 429 (after ``Retry-After``) and app restarts all retry with the
same txnId and the clinic sees each message once. Synapse remembers txnIds for 24 h, so a message still
unsent after 24 h is not resent automatically: it waits for the user ("ask-user").
"""

from __future__ import annotations

import json
import math
import mimetypes
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from companion.i18n import _
from companion.messaging.events import TXN_FIELD
from companion.store.messages import Messages

if TYPE_CHECKING:
    from companion.store import Store

#: After this long unsent, ask the user instead of resending (Synapse keeps txnIds for 24 h).
ASK_AFTER_MS = 24 * 60 * 60 * 1000
#: Matrix events are capped at 65,536 bytes in total (spec: "Size limits"); leave room for the envelope.
MAX_BODY_BYTES = 48 * 1024
#: The body as JSON (quotes, backslashes and controls are escaped) must fit too.
MAX_ENCODED_BYTES = 60 * 1024
#: In an end-to-end encrypted room the event carries the whole payload as Megolm ciphertext in base64 (4/3
#: of its size): a 48 KB body makes a 66 KB event, which the server refuses. 45 KB of encoded body is at most
#: about 62 KB of ciphertext. Also the limit while the room is not known yet (new rooms are encrypted).
MAX_ENCRYPTED_BYTES = 45 * 1024
MAX_BACKOFF_S = 300.0


class InvalidMessage(ValueError):
    """Nothing was queued; ``str(exc)`` says why."""


def new_txn_id() -> str:
    return f"cmp{uuid.uuid4().hex}"


def _now_ms(store: Store) -> int:
    return int(store.clock.now().timestamp() * 1000)


def validate_body(body: str, *, encrypted: bool = False) -> str:
    """``body`` if it fits in one message (``encrypted``: in an end-to-end encrypted room); else
    ``InvalidMessage`` saying by how much it is over."""
    if not isinstance(body, str) or not body.strip():
        raise InvalidMessage(_("The message is empty."))
    if "\x00" in body:
        raise InvalidMessage(_("The message contains a NUL character."))
    size = len(body.encode("utf-8"))
    encoded = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    max_size = MAX_ENCRYPTED_BYTES if encrypted else MAX_BODY_BYTES
    max_encoded = MAX_ENCRYPTED_BYTES if encrypted else MAX_ENCODED_BYTES
    if size > max_size:
        # Rounded up: a message just over the limit must not read as exactly the limit.
        raise InvalidMessage(
            _("The message is too long ({size} KB; at most {limit} KB). Send it as a file instead.").format(
                size=math.ceil(size / 1024), limit=max_size // 1024
            )
        )
    if encoded > max_encoded:
        raise InvalidMessage(
            _("The message has too many special characters to fit in one message ({size} KB when encoded; "
              "at most {limit} KB). Send it as a file instead.").format(
                size=math.ceil(encoded / 1024), limit=max_encoded // 1024
            )
        )
    return body


def queue_message(store: Store, body: str) -> str:
    """Queue a text message to the clinic; returns its txnId. Sent by the sync worker or `companion messages
    send`. Works before login too (the room is filled in when it is sent)."""
    repo = Messages(store)
    account = repo.account()
    room = repo.clinic_room()
    body = validate_body(body, encrypted=room is None or room.encrypted)
    txn = new_txn_id()
    repo.queue(
        txn_id=txn,
        room_id=room.room_id if room else None,
        sender=account.user_id if account else "",
        body=body,
        content={"msgtype": "m.text", "body": body, TXN_FIELD: txn},
        now_ms=_now_ms(store),
    )
    return txn


def queue_file(store: Store, path: Path, *, max_bytes: int | None = None) -> str:
    """Queue a file (sent as ``m.file`` after an authenticated-media upload); returns its txnId."""
    try:
        resolved = path.expanduser().resolve(strict=True)
        size = resolved.stat().st_size
    except OSError as exc:
        raise InvalidMessage(
            _("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    if not resolved.is_file():
        raise InvalidMessage(_("{path} is not a file.").format(path=path))
    if max_bytes is not None and size > max_bytes:
        raise InvalidMessage(
            _("{name} is {size} MB; the homeserver accepts at most {limit} MB.").format(
                name=resolved.name, size=round(size / 1_048_576, 1), limit=round(max_bytes / 1_048_576, 1)
            )
        )
    mimetype = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
    repo = Messages(store)
    account = repo.account()
    room = repo.clinic_room()
    txn = new_txn_id()
    content = {
        "msgtype": "m.file",
        "body": resolved.name,
        "filename": resolved.name,
        "info": {"size": size, "mimetype": mimetype},
        TXN_FIELD: txn,
    }
    repo.queue(
        txn_id=txn,
        room_id=room.room_id if room else None,
        sender=account.user_id if account else "",
        body=resolved.name,
        content=content,
        now_ms=_now_ms(store),
        file_path=str(resolved),
        file_info={"filename": resolved.name, "mimetype": mimetype, "size": size},
    )
    return txn


def backoff_s(attempts: int) -> float:
    """Seconds before retry ``attempts`` + 1 after a network error or 5xx: 1, 2, 4, ... capped at 5 min."""
    return float(min(MAX_BACKOFF_S, 2 ** min(attempts, 10)))


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    waiting: int = 0  # queued, will be retried (network, 5xx, 429, no room yet)
    failed: int = 0  # refused by the server, or needs the user's decision (24 h)
    rate_limited: int = 0
    next_attempt_ms: int | None = None
    last_error: str | None = None
