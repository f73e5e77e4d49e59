"""The Messages screen's end-to-end marker for an edited message: the shown text is the edit's, so its trust
counts too (an edit from an unverified device must not pass as the verified original)."""

from __future__ import annotations

from companion.store.e2ee import E2eeRepo
from companion.store.messages import Messages


async def test_an_edit_from_an_unverified_device_is_marked_so(store, profile, home, clock) -> None:  # type: ignore[no-untyped-def]
    """The shown text is the edit's: its trust counts, not only the (verified) original's."""
    from companion.store.e2ee import Trust
    from companion.store.messages import IncomingMessage, MatrixAccount
    from companion.tui.app import make_app
    from companion.tui.widgets.messages_view import ConversationView

    repo = Messages(store)
    repo.save_account(MatrixAccount("http://127.0.0.1:1", "@me:hs", "MYDEV", "@clinic:hs", "store", "t"), 0)
    repo.upsert_room("!r:hs", 0, clinic_mxid="@clinic:hs", membership="join", encrypted=True)
    now = int(clock.now().timestamp() * 1000)
    repo.apply_sync(None, [
        IncomingMessage("$o", "!r:hs", "@clinic:hs", "Dose: 10 mg", now - 3000, own=False),
        IncomingMessage("$e", "!r:hs", "@clinic:hs", "Dose: 50 mg", now - 2000, own=False, replaces="$o"),
        IncomingMessage("$p", "!r:hs", "@clinic:hs", "plain and verified", now - 1000, own=False),
    ])
    e2ee = E2eeRepo(store)
    e2ee.set_trust_for("$o", Trust(True, True, None))
    e2ee.set_trust_for("$e", Trust(True, False, None))
    e2ee.set_trust_for("$p", Trust(True, True, None))
    app = make_app(home=home, store=store, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(120, 30)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        texts = [t.plain for t in app.screen.query_one("#conversation", ConversationView).rendered]
        assert "Dose: 50 mg" in texts[0] and "edited" in texts[0]
        assert "encrypted, device not verified" in texts[0]
        assert "encrypted, verified device" in texts[1]
