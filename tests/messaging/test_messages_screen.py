"""The Messages screen (Pilot): paging from the store, hostile content rendered inert, pending/failed
states."""

from __future__ import annotations

from pathlib import Path

from companion.store.messages import IncomingMessage, Messages

HOSTILE = (
    "\x1b[2J\x1b]0;PWNED\x07[bold red]not bold[/] [link=https://example.net/evil]clinic[/link] "
    "<script>alert(1)</script> \u202eexe.txt\u202c <a href='https://example.net/evil'>https://example.org/clinic</a>"
)


def _seed(store, n: int, body: str = "message {i}") -> None:  # type: ignore[no-untyped-def]
    repo = Messages(store)
    repo.upsert_room("!r:hs", 0, clinic_mxid="@clinic:hs", membership="join")
    base = int(store.clock.now().timestamp() * 1000) - n * 1000
    repo.apply_sync(
        None,
        [
            IncomingMessage(
                f"$e{i}",
                "!r:hs",
                "@clinic:hs" if i % 2 else "@me:hs",
                body.format(i=i),
                base + i * 1000,
                own=not i % 2,
            )
            for i in range(n)
        ],
    )


def _view(app):  # type: ignore[no-untyped-def]
    from companion.tui.widgets.messages_view import ConversationView

    return app.screen.query_one("#conversation", ConversationView)


async def _open(store, home: Path, clock):  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app

    app = make_app(home=home, store=store, clock=clock)
    app.context.extras["no_services"] = True
    return app


async def test_hostile_content_is_inert(store, profile, home, clock) -> None:  # type: ignore[no-untyped-def]
    repo = Messages(store)
    repo.upsert_room("!r:hs", 0, clinic_mxid="@clinic:hs", membership="join")
    from companion.messaging.events import parse_message

    event = {
        "type": "m.room.message",
        "event_id": "$h",
        "sender": "@clinic:hs\x1b[31m",
        "origin_server_ts": int(clock.now().timestamp() * 1000),
        "content": {
            "msgtype": "m.text",
            "body": HOSTILE,
            "format": "org.matrix.custom.html",
            "formatted_body": HOSTILE,
        },
    }
    message = parse_message(event, "!r:hs", "@me:hs")
    assert message is not None
    repo.apply_sync(None, [message])
    app = await _open(store, home, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        view = _view(app)
        assert len(view.messages) == 1
        rendered = view.rendered[0]
        plain = rendered.plain
        assert "[bold red]not bold[/]" in plain and "<script>alert(1)</script>" in plain
        assert "[link=https://example.net/evil]clinic[/link]" in plain
        for bad in ("\x1b", "\x07", "\u202e", "\u202c"):
            assert bad not in plain
        spans = getattr(rendered, "spans", [])
        assert not any("link" in str(span.style) for span in spans)
        assert not any("red" in str(span.style) and "bold" in str(span.style) for span in spans)
        svg = app.export_screenshot()
        assert "PWNED" not in svg.split("<title>")[1].split("</title>")[0] if "<title>" in svg else True


async def test_opens_20000_messages_with_one_page(store, profile, home, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.widgets.messages_view import PAGE

    _seed(store, 20_000)
    app = await _open(store, home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        shown = _view(app).messages
        assert len(shown) == PAGE
        assert shown[-1].body == "message 19999"
        await pilot.press("ctrl+o")
        await pilot.pause()
        shown = _view(app).messages
        assert len(shown) == 2 * PAGE and shown[0].body == f"message {20_000 - 2 * PAGE}"


async def test_typing_a_message_queues_it_as_pending(store, profile, home, clock) -> None:  # type: ignore[no-untyped-def]
    app = await _open(store, home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        status = str(app.screen.query_one("#messages-status").render())
        assert "Not connected" in status
        await pilot.press(*"Hello clinic")
        await pilot.press("enter")
        await pilot.pause()
        view = _view(app)
        assert [m.status for m in view.messages] == ["pending"]
        assert "[pending]" in view.plain()
        policy = str(app.screen.query_one("#messages-policy").render())
        assert "2 years" in policy
        rows = Messages(store).all()
        assert [(r.body, r.status, r.own) for r in rows] == [("Hello clinic", "pending", True)]
        assert len(Messages(store).outbox()) == 1


async def test_demo_mode_shows_a_conversation(tmp_path: Path) -> None:
    from companion.tui.app import make_app
    app = make_app(demo=True)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(80, 24)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        assert len(_view(app).messages) == 5
        app.save_screenshot(str(tmp_path / "messages.svg"))


async def test_failed_messages_can_be_resent_or_discarded(store, profile, home, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.outbox import queue_message
    keep = queue_message(store, "please resend me")
    drop = queue_message(store, "drop me")
    repo = Messages(store)
    for txn in (keep, drop):
        repo.mark_outbox_state(txn, "ask-user", "Not sent for more than 24 hours: send it now?")
    app = await _open(store, home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        status = str(app.screen.query_one("#messages-status").render())
        assert "2 message(s) not sent" in status
        assert [m.status for m in _view(app).messages] == ["failed", "failed"]
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [m.status for m in _view(app).messages] == ["pending", "pending"]
        assert len(repo.outbox()) == 2
        repo.mark_outbox_state(drop, "ask-user", "again")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert [m.body for m in _view(app).messages] == ["please resend me"]
