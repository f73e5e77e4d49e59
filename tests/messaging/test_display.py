"""Showing clinic content: stored as received, neutralised only when shown (``companion.text.visible``), and
the pure parts of edits, redactions and receipts (no server needed)."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from companion.messaging.events import bundled_edit, parse_history, parse_message, parse_sync, redacted_target
from companion.text import ascii_hosts, visible

ME = "@me:hs"
CLINIC = "@clinic:hs"
BAD_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs")


def _is_bad(ch: str) -> bool:
    return ch not in "\n\t" and unicodedata.category(ch) in BAD_CATEGORIES


def test_controls_are_shown_not_executed_or_deleted() -> None:
    assert visible("\x1b]0;PWNED\x07ok") == "\u241b]0;PWNED\u2407ok"  # the OSC's text stays visible
    assert visible("Dose: 10 mg\rDose: 99 mg") == "Dose: 10 mg\u240dDose: 99 mg"  # no glued words
    assert visible("10\x08\x089") == "10\u2408\u24089"
    assert visible("a\r\nb") == "a\nb" and visible("a\u2028b\u2029c") == "a\nb\nc"
    assert visible("\x9b31m\x7f") == "\\x9b31m\u2421"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    assert visible("[bold red]x[/] <script>") == "[bold red]x[/] <script>"


def test_invisible_format_characters_are_removed() -> None:
    hidden = "zero\u200bwidth\u2060\ufeff soft\u00adhyphen \U000e0041\U000e0042tags \u3164 \u202egnp.exe\u202c"
    assert visible(hidden) == "zerowidth softhyphen tags  gnp.exe"


def test_lookalike_hosts_are_shown_in_punycode() -> None:
    # Display-only strings (nothing is fetched); the scheme is joined on so no test text names a non-loopback host.
    web = "https" + "://"
    assert visible(f"join {web}meet.cl\u0456nic.example.org/room-1 now") == (
        f"join {web}meet.xn--clnic-o2e.example.org/room-1 now"
    )
    assert ascii_hosts(f"{web}user@b\u00fccher.example:8443/x") == f"{web}user@xn--bcher-kva.example:8443/x"
    assert ascii_hosts("plain https://example.org/x") == "plain https://example.org/x"


def test_every_code_point_is_safe_when_shown() -> None:
    """All of Unicode in one go: nothing in the running Python's Unicode database slips through."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    shown = visible(everything)
    assert not [hex(ord(ch)) for ch in set(shown) if _is_bad(ch)]


@given(st.text(alphabet=st.characters(), max_size=400))
def test_visible_never_emits_controls_escapes_or_format_characters(text: str) -> None:
    shown = visible(text)
    assert "\x1b" not in shown
    assert not any(_is_bad(ch) for ch in shown)
    assert not any(_is_bad(ch) for ch in visible(text, single_line=True, max_length=50))
    assert "\n" not in visible(text, single_line=True)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs")), max_size=200))
def test_visible_keeps_ordinary_text(text: str) -> None:
    fillers = "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
    if "://" not in text and not any(c in text for c in fillers):
        assert visible(text) == text


def _event(content: object, event_id: str = "$e1", sender: str = CLINIC, ts: int = 1_700_000_000_000,
           **extra: object) -> dict[str, object]:
    return {"type": "m.room.message", "event_id": event_id, "sender": sender, "origin_server_ts": ts,
            "content": content, **extra}


def test_bodies_are_kept_as_received_within_the_event_limit() -> None:
    hostile = "\x1b[2J\x1b]0;PWNED\x07 \u202egnp.exe \ud800"
    message = parse_message(_event({"msgtype": "m.text", "body": hostile}), "!r", ME)
    assert message is not None and message.body == hostile.replace("\ud800", "\ufffd")
    message.body.encode("utf-8")  # storable
    long = "x\n" * 30_000
    assert parse_message(_event({"msgtype": "m.text", "body": long}), "!r", ME).body == long  # type: ignore[union-attr]
    huge = parse_message(_event({"msgtype": "m.text", "body": "é" * 40_000}), "!r", ME)
    assert huge is not None and len(huge.body.encode()) <= 65_536


def test_edits_parse_as_edits_and_invalid_ones_are_no_message() -> None:
    edit = parse_message(_event({
        "msgtype": "m.text", "body": " * new", "m.new_content": {"msgtype": "m.text", "body": "new"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"}}, "$edit"), "!r", ME)
    assert edit is not None and edit.replaces == "$orig" and edit.body == "new"
    no_new_content = _event({"msgtype": "m.text", "body": " * x",
                             "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"}})
    assert parse_message(no_new_content, "!r", ME) is None
    original = _event({"msgtype": "m.text", "body": "old"}, "$orig", unsigned={"m.relations": {"m.replace": {
        "type": "m.room.message", "event_id": "$edit", "sender": CLINIC, "origin_server_ts": 1_700_000_000_500,
        "content": {"msgtype": "m.text", "body": " * new", "m.new_content": {"msgtype": "m.text", "body": "new"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"}}}}})
    bundled = bundled_edit(original, "!r", ME)
    assert bundled is not None and bundled.replaces == "$orig" and bundled.body == "new"
    messages, _end, _enc = parse_history({"chunk": [original]}, "!r", ME)
    assert [(m.event_id, m.replaces) for m in messages] == [("$orig", None), ("$edit", "$orig")]


def test_redactions_in_both_room_version_forms() -> None:
    assert redacted_target({"type": "m.room.redaction", "redacts": "$a", "content": {}}) == "$a"  # v1-10
    assert redacted_target({"type": "m.room.redaction", "content": {"redacts": "$b"}}) == "$b"  # v11+
    served_redacted = _event({}, "$c", unsigned={"redacted_because": {"type": "m.room.redaction"}})
    assert redacted_target(served_redacted) == "$c"
    assert redacted_target(_event({"msgtype": "m.text", "body": "x"})) is None
    gone: list[str] = []
    parse_history({"chunk": [served_redacted]}, "!r", ME, gone)
    assert gone == ["$c"]


def test_receipts_keep_the_newest_and_ignore_threads() -> None:
    body = {"next_batch": "s", "rooms": {"join": {"!r": {"ephemeral": {"events": [{"type": "m.receipt", "content": {
        "$old": {"m.read": {CLINIC: {"ts": 10}}},
        "$new": {"m.read": {CLINIC: {"ts": 20}}},
        "$thread": {"m.read": {CLINIC: {"ts": 30, "thread_id": "$root"}}},
    }}]}}}}}
    update = parse_sync(body, ME).joined["!r"]
    assert update.read_up_to[CLINIC] == "$new" and update.read_ts[CLINIC] == 20


def test_store_applies_edits_in_any_order_and_redactions(store) -> None:  # type: ignore[no-untyped-def]
    from companion.store.messages import IncomingMessage, Messages

    repo = Messages(store)
    edit1 = IncomingMessage("$e1", "!r", CLINIC, "v2", 2, False, replaces="$m")
    edit2 = IncomingMessage("$e2", "!r", CLINIC, "v3", 3, False, replaces="$m")
    forged = IncomingMessage("$f", "!r", ME, "forged", 4, True, replaces="$m")
    original = IncomingMessage("$m", "!r", CLINIC, "v1", 1, False)
    assert repo.apply_sync("s1", [edit2, forged, edit1]) == 0  # history: newest first, original later
    assert repo.all() == []
    assert repo.apply_sync(None, [original]) == 1
    [row] = repo.all()
    assert (row.body, row.edited) == ("v3", True)
    repo.apply_sync(None, [], ["$e2"])  # the latest edit is redacted: the one before shows
    assert [(r.body, r.edited) for r in repo.all()] == [("v2", True)]
    repo.apply_sync(None, [], ["$e1"])
    assert [(r.body, r.edited) for r in repo.all()] == [("v1", False)]
    removed: list[str] = []
    repo.apply_sync(None, [], ["$m"], removed)
    assert repo.all() == [] and store.query_one("SELECT count(*) FROM message_edit")[0] == 0


def test_too_long_message_says_by_how_much(store) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from companion.messaging.outbox import InvalidMessage, queue_message
    from companion.store.messages import Messages

    # Before the room is known the encrypted limit holds (new rooms are end-to-end encrypted): the Megolm
    # ciphertext is base64, 4/3 of the payload, and the event must stay within 65,536 bytes.
    with pytest.raises(InvalidMessage, match=r"\(49 KB; at most 45 KB\)"):
        queue_message(store, "x" * 50_010)
    with pytest.raises(InvalidMessage, match=r"\(46 KB; at most 45 KB\)"):
        queue_message(store, "x" * (45 * 1024 + 1))
    repo = Messages(store)
    repo.upsert_room("!plain:hs", 0, clinic_mxid="@clinic:hs", membership="join", encrypted=False)
    with pytest.raises(InvalidMessage, match=r"\(49 KB; at most 48 KB\)"):
        queue_message(store, "x" * 50_010)
    queue_message(store, "x" * (45 * 1024 + 1))  # fits in a plain room
    with pytest.raises(InvalidMessage, match="special characters"):
        queue_message(store, "\x01" * 20_000)


def test_render_message_marks_edits_reads_and_emotes() -> None:
    from companion.store.messages import StoredMessage
    from companion.tui.widgets.messages_view import render_message

    emote = StoredMessage(1, "$1", None, "!r", CLINIC, "waves \x1b[2J", 0, "received", False, "m.emote",
                          edited=True)
    text = render_message(emote, own_label="You").plain
    assert f"* {CLINIC} waves \u241b[2J" in text and "(edited)" in text and "\x1b" not in text
    mine = StoredMessage(2, "$2", "t", "!r", ME, "hi", 0, "sent", True, read_by_clinic=True)
    assert "read" in render_message(mine, own_label="You").plain


def test_erasing_messages_takes_the_edits_too(store) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy.erasure import erase_category
    from companion.store.messages import IncomingMessage, Messages

    Messages(store).apply_sync("s1", [IncomingMessage("$e", "!r", CLINIC, "edited text", 2, False, replaces="$m")])
    erase_category(store, "messages")
    assert store.query_one("SELECT count(*) FROM message_edit")[0] == 0
