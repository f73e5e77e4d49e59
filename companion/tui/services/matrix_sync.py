"""The Matrix sync service: a long-poll worker that keeps the clinic conversation current.

``start(app)`` launches it when a Matrix session exists (``companion messages login``); it purges old messages
on start and daily, sends the outbox, and bumps ``app.context.extras["matrix"]["version"]`` so the Messages
screen reloads from the store. ``send_now`` and ``mark_read`` are called by the screen.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("companion.messaging")


def _state(app: Any) -> dict[str, Any]:
    state = app.context.extras.setdefault("matrix", {})
    assert isinstance(state, dict)
    return state


def _bump(app: Any, **changes: Any) -> None:
    state = _state(app)
    state.update(changes)
    state["version"] = state.get("version", 0) + 1


def start(app: Any) -> None:
    store = app.store
    if store is None or app.context.demo:
        return
    from companion.messaging.retention import purge_if_due
    from companion.store.messages import Messages

    try:
        purge_if_due(store)
    except Exception:
        log.exception("message retention purge failed")
    if Messages(store).account() is None:
        return
    app.run_worker(_loop(app), group="matrix-sync", exclusive=True, exit_on_error=False, name="matrix-sync")


async def _loop(app: Any) -> None:
    from companion.messaging.service import Messenger, run_sync_loop

    messenger = Messenger(app.store)
    _state(app)["messenger"] = messenger

    def on_report(report: Any, sent: Any) -> None:
        notices = report.notices()
        for notice in notices:
            app.notify(notice, severity="warning", timeout=15, markup=False)  # server text inside
        _bump(app, error=None, needs_login=False, typing=report.typing)

    def on_error(exc: Exception) -> None:
        from companion.messaging.errors import PasswordNeeded, SessionEnded

        _bump(app, error=str(exc), needs_login=isinstance(exc, PasswordNeeded | SessionEnded))

    try:
        await run_sync_loop(messenger, on_report=on_report, on_error=on_error,
                            on_history=lambda _added: _bump(app))
    finally:
        _state(app).pop("messenger", None)
        await messenger.aclose()


def _messenger(app: Any) -> Any:
    return _state(app).get("messenger")


def send_now(app: Any) -> None:
    """Send the outbox at once (the long-poll may be waiting up to 30 s)."""
    messenger = _messenger(app)
    if messenger is None:
        return

    async def send() -> None:
        try:
            await messenger.send_pending()
        except Exception as exc:
            _bump(app, error=str(exc))
            return
        _bump(app)

    app.run_worker(send(), group="matrix-send", exit_on_error=False)


def mark_read(app: Any) -> None:
    """Receipts and read marker for the newest clinic message (local unread count drops to zero)."""
    messenger = _messenger(app)
    if messenger is None:
        from companion.store.messages import Messages

        if app.store is not None:
            Messages(app.store).mark_all_read()
        return

    async def read() -> None:
        try:
            await messenger.mark_read()
        except Exception as exc:
            log.warning("read receipt failed: %s", exc)

    app.run_worker(read(), group="matrix-read", exit_on_error=False)


def typing(app: Any, active: bool) -> None:
    """Typing notice for the clinic: at most one "typing" every 5 s, and "stopped" when the box is empty."""
    import time

    messenger = _messenger(app)
    if messenger is None:
        return
    state = _state(app)
    now = time.monotonic()
    if active and now - state.get("typing_sent", 0.0) < 5.0:
        return
    if not active and not state.get("typing_sent"):
        return
    state["typing_sent"] = now if active else 0.0

    async def notify() -> None:
        try:
            await messenger.set_typing(active)
        except Exception as exc:
            log.debug("typing notice failed: %s", exc)

    app.run_worker(notify(), group="matrix-typing", exclusive=True, exit_on_error=False)
