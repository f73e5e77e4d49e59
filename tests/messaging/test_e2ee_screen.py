"""The Messages screen marks each encrypted message (verified device or not) and warns about unverified
devices in plain words."""

from __future__ import annotations

from pathlib import Path

from companion.store.e2ee import DeviceRow, E2eeRepo, Trust
from companion.store.messages import IncomingMessage, MatrixAccount, Messages


async def test_markers_and_unverified_warning(store, profile, home: Path, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.app import make_app
    from companion.tui.widgets.messages_view import ConversationView

    repo = Messages(store)
    repo.save_account(MatrixAccount("http://127.0.0.1:1", "@me:hs", "MYDEV", "@clinic:hs", "store", "t"), 0)
    repo.upsert_room("!r:hs", 0, clinic_mxid="@clinic:hs", membership="join", encrypted=True)
    now = int(clock.now().timestamp() * 1000)
    repo.apply_sync(None, [
        IncomingMessage("$v", "!r:hs", "@clinic:hs", "from a verified device", now - 3000, own=False),
        IncomingMessage("$u", "!r:hs", "@clinic:hs", "from an unverified device", now - 2000, own=False),
        IncomingMessage("$w", "!r:hs", "@clinic:hs", "odd key", now - 1000, own=False),
    ])
    e2ee = E2eeRepo(store)
    e2ee.set_trust_for("$v", Trust(True, True, None))
    e2ee.set_trust_for("$u", Trust(True, False, None))
    e2ee.set_trust_for("$w", Trust(True, False, "Warning: sent from a device whose keys changed.\x1b[31m"))
    e2ee.track(["@clinic:hs"], outdated=False)
    e2ee.save_device(DeviceRow("@clinic:hs", "STAFFPC", "c", "e", None, "unverified", False))
    e2ee.save_device(DeviceRow("@me:hs", "MYDEV", "c2", "e2", None, "unverified", False))  # this device
    app = make_app(home=home, store=store, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(120, 30)) as pilot:
        app.switch_mode("messages")
        await pilot.pause()
        view = app.screen.query_one("#conversation", ConversationView)
        texts = [t.plain for t in view.rendered]
        assert "encrypted, verified device" in texts[0]
        assert "encrypted, device not verified" in texts[1]
        assert "whose keys changed" in texts[2] and "\x1b" not in texts[2]
        status = str(app.screen.query_one("#messages-status").render())
        assert "End-to-end encrypted." in status
        assert "1 device(s)" in status and "STAFFPC" in status and "MYDEV" not in status
