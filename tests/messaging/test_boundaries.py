"""The messaging core stays headless, and the dashboard's unread count works on any store."""

from __future__ import annotations


def test_messaging_core_does_not_import_textual() -> None:
    from tests.test_import_boundary import assert_headless

    assert_headless(["companion.messaging.service", "companion.messaging.provision",
                     "companion.messaging.devserver", "companion.store.messages"])


def test_unread_count_and_purge_with_fixed_clock(store, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from companion.messaging.outbox import queue_message
    from companion.messaging.retention import purge, purge_if_due
    from companion.store.messages import IncomingMessage, Messages, unread_count

    now = int(clock.now().timestamp() * 1000)
    repo = Messages(store)
    old = now - 3 * 365 * 24 * 3600 * 1000
    repo.apply_sync("s1", [IncomingMessage("$old", "!r", "@c:hs", "old", old, False),
                           IncomingMessage("$new", "!r", "@c:hs", "new", now, False)])
    queue_message(store, "unsent but old")
    with store.transaction() as db:
        db.execute("UPDATE message SET ts = ? WHERE txn_id IS NOT NULL", (old,))
    assert unread_count(store) == 2
    assert purge(store).messages == 1
    assert [m.body for m in repo.all()] == ["unsent but old", "new"]
    assert purge_if_due(store) is None  # ran less than a day ago
    clock.advance(timedelta(days=1, seconds=1))
    assert purge_if_due(store) is not None
    assert unread_count(store) == 1
    assert repo.next_batch() == "s1"


def test_forget_local_session_removes_tokens(store) -> None:  # type: ignore[no-untyped-def]
    from companion.messaging.session import forget_local_session
    from companion.store.messages import MatrixAccount, Messages

    repo = Messages(store)
    repo.save_account(
        MatrixAccount("http://127.0.0.1:1", "@me:hs", "DEV", "@c:hs", "store", "tok", "ref", 1), 0
    )
    forget_local_session(store)
    assert repo.account() is None
    assert store.query_one("SELECT count(*) FROM matrix_account")[0] == 0
