"""A short made-up clinic conversation for ``companion --demo`` (never used with real data)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.store.messages import IncomingMessage, Messages

if TYPE_CHECKING:
    from companion.store import Store

DEMO_CLINIC = "@clinic:demo.invalid"
DEMO_ROOM = "!demo:demo.invalid"
DEMO_ME = "@you:demo.invalid"


def seed_demo_conversation(store: Store) -> None:
    repo = Messages(store)
    if repo.count():
        return
    now = int(store.clock.now().timestamp() * 1000)
    day = 24 * 3600 * 1000
    repo.upsert_room(
        DEMO_ROOM,
        now,
        clinic_mxid=DEMO_CLINIC,
        membership="join",
        name="Demo clinic",
        retention_ms=63_072_000_000,
        history_done=True,
    )
    script = [
        (DEMO_CLINIC, 9 * day, "Welcome to the programme! Write here any time; we answer on weekdays."),
        (DEMO_ME, 9 * day - 3_600_000, "Thank you. Is it normal to feel nauseous on day two?"),
        (
            DEMO_CLINIC,
            9 * day - 7_200_000,
            "Yes, that usually passes within a few days. Small sips of water help.",
        ),
        (DEMO_ME, 2 * day, "Down 4 kg since the start!"),
        (
            DEMO_CLINIC,
            2 * day - 600_000,
            "Great progress. Your video consult is on Tuesday: https://meet.demo.invalid/consult-sam",
        ),
    ]
    items = [
        IncomingMessage(
            f"$demo{i}",
            DEMO_ROOM,
            sender,
            body,
            now - ago,
            sender == DEMO_ME,
            consult_url="https://meet.demo.invalid/consult-sam" if "https://" in body else None,
        )
        for i, (sender, ago, body) in enumerate(script)
    ]
    repo.apply_sync(None, items)
