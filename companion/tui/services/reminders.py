"""Reminders inside the app: once a minute, the due ones (weekday and time reached, not done today, not shown
yet today) appear as a notification. ``companion remind`` does the same headless, for a timer or cron."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("companion")
INTERVAL_S = 60.0


def start(app: Any) -> None:
    app.set_interval(INTERVAL_S, lambda: check(app), name="programme-reminders")
    app.call_later(lambda: check(app))


def check(app: Any) -> None:
    app.run_worker(lambda: _check(app), thread=True, group="programme-reminders", exclusive=True,
                   exit_on_error=False)


def _check(app: Any) -> list[Any]:
    from companion.privacy import allowed
    from companion.programme.service import run_reminders
    from companion.programme.settings import ProgrammeConfigError, load_settings

    store = app.store
    profile = app.active_profile() if store is not None else None
    if store is None or profile is None or not allowed(store, "health-data"):
        return []
    try:
        settings = load_settings(store.home)
    except ProgrammeConfigError:
        return []

    def show(title: str, body: str) -> str:
        app.call_from_thread(app.notify, body, title=title, timeout=30)
        return "app"

    try:
        return run_reminders(store, profile, settings, app.clock.now(), show)
    except Exception:  # a reminder must never take the app down
        log.exception("reminders failed")
        return []
