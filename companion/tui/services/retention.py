"""Retention, enforced when the app starts and once a day while it runs (rules:
``companion.privacy.retention``)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("companion")
DAY_SECONDS = 24 * 60 * 60


def enforce_now(app: Any) -> list[Any]:
    """Run the retention rules against the app's store with the app's clock (in a worker thread)."""
    from companion.privacy import retention

    store = app.store
    if store is None:
        return []
    try:
        results = retention.enforce(store, app.clock)
    except Exception:  # never take the app down; the next run tries again
        log.exception("retention failed")
        return []
    purged = sum(r.deleted for r in results)
    if purged:
        log.info("retention purged %d rows", purged)
    return results


def start(app: Any) -> None:
    def run() -> None:
        app.run_worker(
            lambda: enforce_now(app),
            thread=True,
            group="retention",
            exclusive=True,
            exit_on_error=False,
            name="retention",
        )

    run()
    app.set_interval(DAY_SECONDS, run, name="retention-daily")
