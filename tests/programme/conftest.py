"""Programme fixtures: a real encrypted store with a profile (placement 2026-01-10, goal weight 80 kg)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday


def weigh_ins(store: Any, profile: Any, days: int = 120, start_kg: float = 110.0, per_day: float = 0.05,
              end: date | None = None) -> None:
    from companion.domain.measurement import Measurement

    end = end or NOW.date()

    items = [Measurement(timestamp=datetime.combine(end - timedelta(days=days - 1 - i), datetime.min.time(), UTC)
                         + timedelta(hours=7), source="ble:test", weight_kg=round(start_kg - per_day * i, 2))
             for i in range(days)]
    store.measurements.add_many(items, profile.id)


@pytest.fixture
def cli(home, capsys):  # type: ignore[no-untyped-def]
    """Run ``companion ARGS`` through the real entry point in this process: (exit code, stdout, stderr)."""
    from companion.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def onboarded_cli(cli):  # type: ignore[no-untyped-def]
    code, _out, err = cli("profile", "init", "--name", "Ann Example", "--birth-date", "1980-04-23", "--sex",
                          "female", "--height-cm", "168", "--goal-weight-kg", "80")
    assert code == 0, err
    return cli


@pytest.fixture
def app_factory(home):  # type: ignore[no-untyped-def]
    """An app on ``store`` with a fixed clock and background services off."""
    from companion.clock import FixedClock
    from companion.tui.app import make_app

    def build(store: Any) -> Any:
        app = make_app(home=store.home, clock=FixedClock(NOW), store=store)
        app.context.extras["no_services"] = True
        return app

    return build


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
