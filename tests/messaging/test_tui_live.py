"""The TUI against a real Synapse: log in from the Messages screen, receive, send (pending turns sent)."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from companion.store.messages import Messages


async def _until(pilot, predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not reached in time")


async def test_login_receive_and_send_from_the_screen(live_store, home, synapse, clinic, patient) -> None:  # type: ignore[no-untyped-def]
    from companion.domain import Profile, Sex
    from companion.tui.app import make_app
    from companion.tui.widgets.messages_view import ConversationView

    live_store.profiles.add(Profile("Pat Live", Sex.OTHER, date(1980, 1, 1), 170.0))
    app = make_app(home=home, store=live_store)
    async with app.run_test(size=(100, 32)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.screen.query_one("#connect-homeserver").value = synapse.url
        app.screen.query_one("#connect-user").value = patient.user
        app.screen.query_one("#connect-clinic").value = clinic.user_id
        app.screen.query_one("#connect-password").value = patient.password
        await pilot.click("#connect-go")
        await _until(pilot, lambda: Messages(live_store).clinic_room() is not None)
        clinic.join(patient.room_id)
        clinic.send(patient.room_id, "Hello from the clinic \x1b[31m[b]")

        def bodies() -> list[str]:
            return [m.body for m in app.screen.query_one("#conversation", ConversationView).messages]

        await _until(pilot, lambda: "Hello from the clinic \x1b[31m[b]" in bodies())  # stored as sent
        shown = app.screen.query_one("#conversation", ConversationView).plain()
        assert "Hello from the clinic \u241b[31m[b]" in shown and "\x1b" not in shown  # shown inert
        await pilot.press(*"Thanks!")
        await pilot.press("enter")
        await _until(pilot, lambda: any(m.body == "Thanks!" and m.status == "sent" for m in
                                        app.screen.query_one("#conversation", ConversationView).messages))
        assert Messages(live_store).unread_count() == 0  # read on screen; receipt sent
        await asyncio.sleep(0)
    assert [e["content"]["body"] for e in clinic.messages(patient.room_id)].count("Thanks!") == 1
