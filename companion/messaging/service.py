"""``Messenger``: the patient's side of the clinic conversation (sync, outbox, history, read state, files).

Used by the CLI (``companion messages ...``) and the TUI sync service alike; no Textual here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from companion.i18n import _, ngettext
from companion.messaging.client import MatrixClient
from companion.messaging.errors import (
    AttachmentError,
    BadResponse,
    HomeserverUnreachable,
    MatrixError,
    NoClinicRoom,
    PasswordNeeded,
    SessionEnded,
)
from companion.messaging.events import TXN_FIELD, parse_history, parse_sync, safe_filename
from companion.messaging.outbox import ASK_AFTER_MS, SendReport, backoff_s
from companion.messaging.session import now_ms, open_client, save_tokens
from companion.store.messages import MatrixAccount, Messages, OutboxItem, RoomInfo
from companion.text import visible

if TYPE_CHECKING:
    from companion.store import Store

log = logging.getLogger("companion.messaging")

#: Sync filter (spec "Filtering"; lazy-loaded members, no presence): saved server-side once, id kept durably.
SYNC_FILTER: dict[str, Any] = {
    "room": {
        "state": {"lazy_load_members": True},
        "timeline": {"limit": 50, "lazy_load_members": True},
        "account_data": {"not_types": ["*"]},
    },
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
}
HISTORY_PAGE = 250  # Synapse's /messages costs per event; small pages show progress sooner
DEFAULT_RETENTION_MS = 2 * 365 * 24 * 60 * 60 * 1000 + 24 * 60 * 60 * 1000  # two years (730 d) + leap day
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024


@dataclass
class SyncReport:
    new_messages: int = 0
    joined: list[str] = field(default_factory=list)
    rejected_invites: list[str] = field(default_factory=list)  # inviters we do not know
    typing: list[str] = field(default_factory=list)
    read_by_clinic: str | None = None
    e2ee_warnings: list[str] = field(default_factory=list)  # e2ee hook: plain sentences (changed keys, ...)
    redacted: int = 0  # messages removed because the clinic (or the patient elsewhere) deleted them

    def notices(self) -> list[str]:
        out = [
            _("Declined an invitation from {who}: not your clinic's account.").format(
                who=visible(who, max_length=80, single_line=True) or "?"
            )
            for who in self.rejected_invites
        ]
        if self.redacted:
            out.append(ngettext(
                "{n} message was deleted in the conversation and removed from this device.",
                "{n} messages were deleted in the conversation and removed from this device.",
                self.redacted,
            ).format(n=self.redacted))
        out.extend(self.e2ee_warnings)
        return out


class Messenger:
    """One logged-in patient. ``async with Messenger(store) as m: await m.sync_once(); await
    m.send_pending()``."""

    def __init__(
        self,
        store: Store,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        password: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        self.store = store
        self.repo = Messages(store)
        self.account: MatrixAccount
        self.client: MatrixClient
        self.account, self.client = open_client(store, transport=transport, password=password)
        self.rate_limited = 0
        self._send_lock: asyncio.Lock | None = None
        self._crypto: Any = None  # e2ee hook: companion.messaging.crypto.engine.Encryption, made when first used

    # ----- e2ee hook (companion/messaging/crypto) ------------------------------------------------------
    def e2ee(self) -> Any:
        """This device's end-to-end encryption (vodozemac), created on first use (keeps start-up light)."""
        if self._crypto is None:
            from companion.messaging.crypto.engine import Encryption

            self._crypto = Encryption(
                self.store, self.client, self.account.user_id, self.account.device_id, self._now
            )
        return self._crypto
    # ----- end of e2ee hook ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Messenger:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _now(self) -> int:
        return now_ms(self.store)

    async def check_session(self) -> str:
        """whoami on start; a hard logout wipes the local session (messages stay)."""
        try:
            who = await self.client.whoami()
        except SessionEnded:
            self.forget_session()
            raise
        user = who.get("user_id")
        if user != self.account.user_id:
            raise BadResponse("whoami names another user")
        return str(user)

    def forget_session(self) -> None:
        save_tokens(self.store, self.account, None)
        self.repo.forget_account()

    # ----- sync ----------------------------------------------------------------------------------------
    async def _filter_id(self) -> str:
        existing = self.repo.filter_id()
        if existing:
            return existing
        filter_id = await self.client.create_filter(SYNC_FILTER)
        self.repo.set_filter_id(filter_id)
        return filter_id

    async def sync_once(self, timeout_ms: int = 0) -> SyncReport:
        """One ``/sync``: accept the clinic's invite (only theirs), store messages with ``next_batch``."""
        try:
            body = await self.client.sync(
                since=self.repo.next_batch(), filter_id=await self._filter_id(), timeout_ms=timeout_ms
            )
        except SessionEnded:
            self.forget_session()
            raise
        except MatrixError as exc:
            if exc.status in (400, 404) and "filter" in exc.error.lower():  # e.g. the server forgot it
                self.repo.set_filter_id(None)
            raise
        await self.e2ee().process_sync(body)  # e2ee hook: keys, to-device, timelines decrypted in place
        try:
            batch = parse_sync(body, self.account.user_id)
        except ValueError as exc:
            raise BadResponse(str(exc)) from None
        report = SyncReport()
        now = self._now()
        clinic = self.account.clinic_mxid
        for invite in batch.invites:
            known = self.repo.room(invite.room_id)
            if invite.inviter == clinic:  # encrypted rooms too (e2ee)
                await self.client.join(invite.room_id)
                self.repo.upsert_room(invite.room_id, now, clinic_mxid=clinic, membership="join")
                report.joined.append(invite.room_id)
            elif known is None or known.membership != "rejected":
                try:
                    await self.client.leave(invite.room_id)  # rejecting an invite is a leave
                except MatrixError:
                    pass
                self.repo.upsert_room(invite.room_id, now, membership="rejected")
                report.rejected_invites.append(invite.inviter or "")
        messages = []
        redactions: list[str] = []
        receipts: list[tuple[str, str, int]] = []
        for room_id, update in batch.joined.items():
            room = self.repo.room(room_id)
            if room is None:
                # Joined before this store knew it (a new device or a restored backup): ours only if the
                # clinic's account is in it.
                mine = await self._clinic_is_member(room_id)
                self.repo.upsert_room(room_id, now, clinic_mxid=clinic if mine else None,
                                      membership="join" if mine else "other")
                room = self.repo.room(room_id)
            if room is None or room.clinic_mxid != clinic or room.membership not in ("join", "invite"):
                continue  # only the clinic's conversation is ours to show
            fields: dict[str, Any] = {"membership": "join"}
            if update.encrypted and not room.encrypted:
                fields["encrypted"] = True
            if update.created_ms is not None:
                fields["created_ms"] = update.created_ms
            if update.marked_by == clinic and update.marked_for == self.account.user_id:
                fields["marked"] = True
            if update.tombstone_by == clinic and update.replaced_by:
                fields["replaced_by"] = update.replaced_by
            if update.retention_ms is not None:
                fields["retention_ms"] = update.retention_ms
            if update.name is not None:
                fields["name"] = update.name
            if room.history_token is None and not room.history_done:
                # The first timeline we see of this room: older history is fetched from its start later.
                if update.limited and update.prev_batch:
                    fields["history_token"] = update.prev_batch
                else:
                    fields["history_done"] = True
            elif update.limited and update.prev_batch:
                await self._fill_gap(room_id, update.prev_batch)
            self.repo.upsert_room(room_id, now, **fields)
            messages.extend(update.messages)
            redactions.extend(update.redactions)
            report.typing = update.typing
            clinic_read = update.read_up_to.get(clinic)
            if clinic_read:
                report.read_by_clinic = clinic_read
                receipts.append((room_id, clinic_read, update.read_ts.get(clinic, 0)))
        for room_id in batch.left:
            known = self.repo.room(room_id)
            if known is not None and known.membership == "join":
                self.repo.upsert_room(room_id, now, membership="leave")
        before = self.repo.count() if redactions else 0
        removed: list[str] = []
        report.new_messages = self.repo.apply_sync(batch.next_batch, messages, redactions, removed)
        if redactions:
            report.redacted = max(0, before + report.new_messages - self.repo.count())
        self._delete_files(removed, report.redacted)
        for room_id, event_id, read_ts in receipts:
            # Own messages up to the receipted event are read: its time in our store, else when they read.
            self.repo.set_clinic_read(room_id, event_id, self.repo.ts_of(event_id) or read_ts)
        report.e2ee_warnings = self.e2ee().take_warnings()
        return report

    def _delete_files(self, paths: list[str], redacted: int) -> None:
        """Files saved from the clinic for messages that were redacted; the rows are gone already."""
        import os

        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not delete a redacted message's file: %s", exc.strerror)
        if redacted or paths:
            self.store.checkpoint()  # deleted rows must not linger in the WAL

    async def _clinic_is_member(self, room_id: str) -> bool:
        try:
            state = await self.client.state(room_id, "m.room.member", self.account.clinic_mxid)
        except MatrixError:
            return False
        return state.get("membership") == "join"

    async def _fill_gap(self, room_id: str, token: str) -> None:
        """A limited incremental sync skipped events: page back until we meet what we have (bounded)."""
        for _page in range(20):
            body = await self.client.messages(room_id, start=token, limit=HISTORY_PAGE)
            await self._decrypt_page(room_id, body)
            redactions: list[str] = []
            removed: list[str] = []
            messages, end, _enc = parse_history(body, room_id, self.account.user_id, redactions)
            new = [m for m in messages if not m.replaces]
            added = self.repo.apply_sync(None, messages, redactions, removed)
            self._delete_files(removed, 0)
            if end is None or added < len(new) or not messages:
                return
            token = end

    async def load_history(self, *, max_pages: int | None = None) -> int:
        """Older messages via ``/messages`` paging, back to the start or the retention horizon."""
        room = self.repo.clinic_room()
        if room is None or room.history_done or room.history_token is None:
            return 0
        token: str | None = room.history_token
        horizon = self._now() - (room.retention_ms or DEFAULT_RETENTION_MS)
        total, pages = 0, 0
        while token is not None and (max_pages is None or pages < max_pages):
            body = await self.client.messages(room.room_id, start=token, limit=HISTORY_PAGE)
            await self._decrypt_page(room.room_id, body)
            redactions: list[str] = []
            removed: list[str] = []
            messages, end, encrypted = parse_history(body, room.room_id, self.account.user_id, redactions)
            if encrypted:
                self.repo.upsert_room(room.room_id, self._now(), encrypted=True)
            kept = [m for m in messages if m.ts >= horizon]
            done = end is None or len(kept) < len(messages)
            total += self.repo.add_history(room.room_id, kept, None if done else end, done, self._now(),
                                           redactions, removed)
            self._delete_files(removed, 0)
            token = None if done else end
            pages += 1
        return total

    async def _decrypt_page(self, room_id: str, body: dict[str, Any]) -> None:
        """e2ee hook: a ``/messages`` page's encrypted events are decrypted in place before parsing."""
        chunk = body.get("chunk")
        if isinstance(chunk, list):
            await self.e2ee().decrypt_events(room_id, chunk)
            await self.e2ee().send_key_requests()

    # ----- sending -------------------------------------------------------------------------------------
    def _room_for(self, item: OutboxItem) -> RoomInfo | None:
        """The item's room; one never tried yet follows the clinic to its current room (a replaced room is
        left behind)."""
        current = self.repo.clinic_room()
        if item.room_id:
            room = self.repo.room(item.room_id)
            usable = room is not None and room.replaced_by is None
            if usable or item.device_id is not None or current is None:
                return room
        return current

    async def _find_sent(self, room_id: str, item: OutboxItem) -> str | None:
        """An earlier device's attempt may have reached the server with its answer lost; transaction ids are
        per device, so look for the event (our txn id is in its content) before sending it again."""
        horizon = item.created_at_ms - ASK_AFTER_MS - 3_600_000  # a resend after 24 h reset created_at
        # Queued before the txn id went into the content: the same text, sent after it was queued.
        legacy = TXN_FIELD not in item.content
        token: str | None = None
        for _page in range(10):
            body = await self.client.messages(room_id, start=token, limit=HISTORY_PAGE)
            chunk = body.get("chunk")
            for event in chunk if isinstance(chunk, list) else []:
                if not isinstance(event, dict):
                    continue
                content = event.get("content")
                if (
                    event.get("sender") == self.account.user_id
                    and isinstance(content, dict)
                    and isinstance(event.get("event_id"), str)
                    and (
                        content.get(TXN_FIELD) == item.txn_id
                        or legacy
                        and content.get("body") == item.content.get("body")
                        and content.get("msgtype") == item.content.get("msgtype")
                        and (event.get("origin_server_ts") or 0) >= item.created_at_ms - 60_000
                    )
                ):
                    return str(event["event_id"])
                ts = event.get("origin_server_ts")
                if isinstance(ts, int) and ts < horizon:
                    return None
            end = body.get("end")
            if not isinstance(end, str) or not end:
                return None
            token = end
        return None

    async def media_limit(self) -> int:
        try:
            config = await self.client.media_config()
        except (MatrixError, BadResponse):
            return DEFAULT_MAX_UPLOAD
        value = config.get("m.upload.size")
        return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_UPLOAD

    async def send_pending(self) -> SendReport:
        """Try every due outbox entry once, oldest first. Session errors propagate; the rest is recorded."""
        if self._send_lock is None:
            self._send_lock = asyncio.Lock()
        async with self._send_lock:
            return await self._send_pending()

    async def _send_pending(self) -> SendReport:
        from companion.privacy import allowed

        sent = waiting = failed = limited = 0
        next_attempt: int | None = None
        last_error: str | None = None
        for item in self.repo.outbox():
            now = self._now()
            if now - item.created_at_ms > ASK_AFTER_MS:
                self.repo.mark_outbox_state(
                    item.txn_id, "ask-user", _("Not sent for more than 24 hours: send it now, or discard it?")
                )
                failed += 1
                continue
            if item.next_attempt_ms > now:
                waiting += 1
                next_attempt = min(next_attempt or item.next_attempt_ms, item.next_attempt_ms)
                continue
            if not allowed(self.store, "provide-service"):
                waiting += 1
                last_error = _("Processing is restricted at your request; messages wait in the outbox.")
                continue
            room = self._room_for(item)
            if room is None or room.membership != "join":
                waiting += 1
                last_error = str(NoClinicRoom())
                continue
            try:
                if item.device_id is not None and item.device_id != self.account.device_id:
                    found = await self._find_sent(room.room_id, item)
                    if found is not None:
                        self.repo.mark_sent(item.txn_id, found, room.room_id, self.account.user_id)
                        sent += 1
                        continue
                content = item.content
                if content.get("msgtype") == "m.file" and "url" not in content and "file" not in content:
                    content = await self._upload(item, encrypted=room.encrypted)
                self.repo.set_outbox_content(item.txn_id, content, room.room_id, self.account.device_id)
                if room.encrypted:  # e2ee hook: Megolm-encrypt for the room's devices
                    wire = await self.e2ee().encrypt(room.room_id, content)
                    # The transaction id also in the cleartext (the server sees it in the URL anyway), so a
                    # later device without this session's key still recognises the event as ours.
                    wire[TXN_FIELD] = item.txn_id
                    event_id = await self.client.send(room.room_id, item.txn_id, wire, "m.room.encrypted")
                    self.e2ee().mark_own(event_id)
                else:
                    event_id = await self.client.send(room.room_id, item.txn_id, content)
            except MatrixError as exc:
                last_error = str(exc)
                if exc.status == 429:
                    limited += 1
                    self.rate_limited += 1
                    wait_ms = int((exc.retry_after_s if exc.retry_after_s is not None else 5.0) * 1000)
                    self.repo.mark_retry(item.txn_id, now + wait_ms, last_error)
                    waiting += 1
                    next_attempt = min(next_attempt or now + wait_ms, now + wait_ms)
                    break  # the server is throttling us: do not hammer it with the rest
                if exc.status >= 500 or exc.errcode.startswith("HTTP_"):
                    retry_at = self._retry_later(item, now, last_error)
                    waiting += 1
                    next_attempt = min(next_attempt or retry_at, retry_at)
                    continue
                self.repo.mark_outbox_state(item.txn_id, "failed", last_error)
                failed += 1
                continue
            except (HomeserverUnreachable, BadResponse) as exc:
                last_error = str(exc)
                retry_at = self._retry_later(item, now, last_error)
                waiting += 1
                next_attempt = min(next_attempt or retry_at, retry_at)
                break  # the server is away: the rest would fail the same way
            except AttachmentError as exc:
                self.repo.mark_outbox_state(item.txn_id, "failed", str(exc))
                failed += 1
                continue
            self.repo.mark_sent(item.txn_id, event_id, room.room_id, self.account.user_id)
            kind = "attachment-sent" if content.get("msgtype") == "m.file" else "message-sent"
            self.store.audit.record(
                kind, self.account.clinic_mxid, "1 file" if kind == "attachment-sent" else "1 text message"
            )
            sent += 1
        return SendReport(sent, waiting, failed, limited, next_attempt, last_error)

    def _retry_later(self, item: OutboxItem, now: int, error: str) -> int:
        """Back off (1 s, 2 s, 4 s, ...); returns when the next attempt is due."""
        retry_at = now + int(backoff_s(item.attempts) * 1000)
        self.repo.mark_retry(item.txn_id, retry_at, error)
        return retry_at

    async def _upload(self, item: OutboxItem, *, encrypted: bool = False) -> dict[str, Any]:
        if not item.file_path:
            raise AttachmentError(_("The file to send is missing."))
        path = Path(item.file_path)
        limit = await self.media_limit()
        try:
            size = path.stat().st_size
            if size > limit:
                raise AttachmentError(
                    _("{name} is larger than the homeserver accepts ({limit} MB).").format(
                        name=path.name, limit=limit // 1_048_576
                    )
                )
            data = path.read_bytes()
        except OSError as exc:
            raise AttachmentError(
                _("Cannot read {path}: {error}").format(path=path, error=exc.strerror)
            ) from None
        info = dict(item.content.get("info") or {})
        mimetype = str(info.get("mimetype") or "application/octet-stream")
        info["size"] = len(data)
        if encrypted:  # e2ee hook: AES-256-CTR, the key travels inside the (Megolm-encrypted) event
            from companion.messaging.crypto.attachments import encrypt_attachment

            ciphertext, file = encrypt_attachment(data)
            uri = await self.client.upload(ciphertext, "encrypted", "application/octet-stream")
            file["url"] = uri
            self.e2ee().repo.save_attachment_key(uri, file)
            content = {k: v for k, v in item.content.items() if k != "url"}
            return {**content, "file": file, "info": info}
        uri = await self.client.upload(data, path.name, mimetype)
        return {**item.content, "url": uri, "info": info}

    async def flush(self, *, deadline_s: float = 60.0) -> SendReport:
        """Send until the outbox is empty or ``deadline_s`` passes, sleeping out 429s and backoffs."""
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline_s
        report = await self.send_pending()
        while report.waiting and loop.time() < end:
            if report.next_attempt_ms is None:
                break
            delay = max(0.05, (report.next_attempt_ms - self._now()) / 1000)
            if loop.time() + delay > end:
                break
            await asyncio.sleep(delay)
            report = await self.send_pending()
        return report

    def resend(self, txn_id: str) -> None:
        self.repo.requeue(txn_id, self._now())

    def discard(self, txn_id: str) -> None:
        self.repo.discard(txn_id)

    # ----- read state, typing --------------------------------------------------------------------------
    async def mark_read(self) -> bool:
        """Receipt + read marker for the newest clinic message; local unread count drops to zero."""
        latest = self.repo.latest_received()
        self.repo.mark_all_read()
        if latest is None or latest.event_id is None or latest.room_id is None:
            return False
        room = self.repo.room(latest.room_id)
        if room is not None and room.fully_read == latest.event_id:
            return True  # the clinic has this receipt already
        await self.client.receipt(latest.room_id, latest.event_id)
        await self.client.read_markers(latest.room_id, latest.event_id)
        self.repo.upsert_room(latest.room_id, self._now(), fully_read=latest.event_id)
        return True

    async def set_typing(self, typing: bool) -> None:
        room = self.repo.clinic_room()
        if room is not None:  # typing notices are ephemeral and never encrypted, in any room
            await self.client.typing(room.room_id, typing)

    # ----- attachments ---------------------------------------------------------------------------------
    async def download(self, message_id: int, folder: Path) -> Path:
        """Save a received file into ``folder`` under a safe basename (never overwriting, never opened)."""
        attachments = self.repo.attachments(message_id)
        if not attachments or not attachments[0]["mxc_uri"]:
            raise AttachmentError(_("This message has no file to download."))
        item = attachments[0]
        if not folder.is_dir():
            raise AttachmentError(_("{folder} is not a folder.").format(folder=folder))
        limit = await self.media_limit()
        data, _ctype = await self.client.download(item["mxc_uri"], max_bytes=limit + 1)
        file_key = self.e2ee().repo.attachment_key(item["mxc_uri"])  # e2ee hook: encrypted attachment
        if file_key is not None:
            from companion.messaging.crypto.attachments import AttachmentKeyError, decrypt_attachment

            try:
                data = decrypt_attachment(data, file_key)
            except AttachmentKeyError as exc:
                raise AttachmentError(str(exc)) from None
        name = safe_filename(item["filename"])
        target = folder / name
        stem, suffix = target.stem, target.suffix
        counter = 1
        while True:
            try:
                with open(target, "xb") as fh:  # exclusive: never overwrite
                    fh.write(data)
                break
            except FileExistsError:
                counter += 1
                target = folder / f"{stem} ({counter}){suffix}"
            except OSError as exc:
                raise AttachmentError(
                    _("Cannot save to {folder}: {error}").format(folder=folder, error=exc.strerror)
                ) from None
        target.chmod(0o600)
        self.repo.set_attachment_path(item["id"], str(target))
        return target


async def run_sync_loop(
    messenger: Messenger,
    *,
    timeout_ms: int = 30_000,
    on_report: Callable[[SyncReport, SendReport], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    on_history: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """The long-poll worker: sync, send the outbox, purge daily; back off on errors.

    Older history is paged in a separate task so a long backfill never delays new messages."""
    from companion.messaging.retention import purge_if_due

    failures = 0
    history: asyncio.Task[None] | None = None
    purge_if_due(messenger.store)
    try:
        await messenger.check_session()
    except (SessionEnded, PasswordNeeded) as exc:
        if on_error is not None:
            on_error(exc)
        return
    except (HomeserverUnreachable, BadResponse, MatrixError):
        pass

    async def backfill() -> None:
        while True:
            added = await messenger.load_history(max_pages=1)
            room = messenger.repo.clinic_room()
            if on_history is not None and added:
                on_history(added)
            if room is None or room.history_done or room.history_token is None:
                return

    try:
        while stop is None or not stop.is_set():
            try:
                sent = await messenger.send_pending()
                wait = timeout_ms
                if sent.waiting and sent.next_attempt_ms:
                    wait = max(0, min(timeout_ms, sent.next_attempt_ms - messenger._now()))
                report = await messenger.sync_once(timeout_ms=wait)
                if history is None or history.done():
                    if history is not None and not history.cancelled() and history.exception() is not None:
                        log.warning("history paging failed: %s", history.exception())
                    room = messenger.repo.clinic_room()
                    if room is not None and not room.history_done and room.history_token is not None:
                        history = asyncio.create_task(backfill())
                sent = await messenger.send_pending()
                purge_if_due(messenger.store)
                failures = 0
                if on_report is not None:
                    on_report(report, sent)
            except (SessionEnded, PasswordNeeded) as exc:
                if on_error is not None:
                    on_error(exc)
                return
            except Exception as exc:  # network, server trouble: report and back off, never die silently
                failures += 1
                if on_error is not None:
                    on_error(exc)
                else:
                    log.warning("sync failed: %s", exc)
                await asyncio.sleep(min(60.0, 2.0 ** min(failures, 6)))
    finally:
        if history is not None and not history.done():
            history.cancel()
