"""Injectable clocks: every "now" in Companion comes from one of these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The real clock, in the machine's local timezone."""

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


class FixedClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, current: datetime | None = None) -> None:
        if current is None:
            current = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
        if current.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.current = current

    def __repr__(self) -> str:
        return f"FixedClock({self.current!r})"

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


SYSTEM_CLOCK = SystemClock()
