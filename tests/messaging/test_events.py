"""Pure parsing and sanitising of server content (no server needed)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from companion.messaging.events import clean_body, parse_history, parse_message, parse_sync, safe_filename
from companion.messaging.synapse_module import CompanionRoomPolicy
from companion.messaging.video import consult_link, host_allowed, inspect, open_consult, real_host
from companion.text import visible

ME = "@me:hs"
CLINIC = "@clinic:hs"

# Consult hosts under the clinic's allowed domain; the second spells "clinic" with a Cyrillic i (a homograph).
CONSULT_HOST = "meet.clinic.example.org"
HOMOGRAPH_HOST = "meet.cl\u0456nic.example.org"


def _event(content: object, sender: str = CLINIC, **extra: object) -> dict[str, object]:
    return {
        "type": "m.room.message",
        "event_id": "$e1",
        "sender": sender,
        "origin_server_ts": 1_700_000_000_000,
        "content": content,
        **extra,
    }


HOSTILE = "\x1b[2J\x1b]0;PWNED\x07[bold red]alert[/] <script>x()</script> \u202egnp.exe\u202c \x9b31m\x7f"


def test_hostile_body_is_inert_text() -> None:
    msg = parse_message(
        _event(
            {
                "msgtype": "m.text",
                "body": HOSTILE,
                "format": "org.matrix.custom.html",
                "formatted_body": "<a href='https://example.net/evil'>https://example.org/clinic</a>",
            }
        ),
        "!r:hs",
        ME,
    )
    assert msg is not None
    assert msg.body == HOSTILE  # stored as received; made inert where it is shown
    shown = visible(msg.body)
    for bad in ("\x1b", "\x07", "\u202e", "\u202c", "\x9b", "\x7f"):
        assert bad not in shown
    assert "[bold red]alert[/]" in shown and "<script>" in shown  # shown literally, never interpreted
    assert "example.net/evil" not in msg.body  # formatted_body is ignored


def test_caps_on_huge_messages() -> None:
    """Only the protocol's own limit: an event is at most 65,536 bytes, so no body is longer."""
    body = clean_body("a" * 100_000)
    assert len(body.encode()) == 65_536
    assert clean_body("€" * 30_000).encode().__len__() <= 65_536
    lines = clean_body("x\n" * 10_000)
    assert lines.count("\n") == 10_000


def test_redacted_malformed_and_other_events_are_skipped() -> None:
    assert parse_message(_event({}), "!r", ME) is None
    assert parse_message(_event("not a dict"), "!r", ME) is None
    assert parse_message({"type": "m.room.message", "content": {"body": "x"}}, "!r", ME) is None
    assert parse_message(_event({"msgtype": "m.text", "body": "x"}, origin_server_ts=True), "!r", ME) is None


def test_file_names_are_basenames() -> None:
    assert safe_filename("../../.bashrc") == "bashrc"
    assert safe_filename("C:\\Windows\\evil.bat") == "evil.bat"
    assert safe_filename("\x1b[31m..") == "[31m.." or "\x1b" not in safe_filename("\x1b[31m..")
    assert safe_filename("") == "file"
    assert safe_filename("...") == "file"


@given(st.text(max_size=300))
def test_safe_filename_never_escapes(name: str) -> None:
    result = safe_filename(name)
    assert result and "/" not in result and "\\" not in result and not result.startswith(".")
    assert all(ord(c) >= 0x20 for c in result)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_parse_sync_never_crashes_on_garbage(garbage: object) -> None:
    body = {
        "next_batch": "s1",
        "rooms": {"join": {"!r:hs": garbage}, "invite": {"!i:hs": garbage}, "leave": garbage},
    }
    batch = parse_sync(body, ME)
    assert batch.next_batch == "s1"
    parse_history({"chunk": [garbage], "end": garbage}, "!r", ME)


def test_parse_sync_invites_encryption_and_retention() -> None:
    body = {
        "next_batch": "s2",
        "rooms": {
            "invite": {
                "!i:hs": {
                    "invite_state": {
                        "events": [
                            {
                                "type": "m.room.member",
                                "state_key": ME,
                                "sender": CLINIC,
                                "content": {"membership": "invite", "is_direct": True},
                            }
                        ]
                    }
                }
            },
            "join": {
                "!r:hs": {
                    "state": {
                        "events": [
                            {"type": "m.room.retention", "state_key": "", "content": {"max_lifetime": 5}}
                        ]
                    },
                    "timeline": {
                        "limited": True,
                        "prev_batch": "p1",
                        "events": [
                            {
                                "type": "m.room.encryption",
                                "state_key": "",
                                "content": {"algorithm": "m.megolm.v1"},
                            },
                            _event(
                                {"msgtype": "m.text", "body": "hi"},
                                sender=ME,
                                unsigned={"transaction_id": "t1"},
                            ),
                        ],
                    },
                    "ephemeral": {"events": [{"type": "m.typing", "content": {"user_ids": [CLINIC, ME]}}]},
                }
            },
        },
    }
    batch = parse_sync(body, ME)
    assert batch.invites[0].inviter == CLINIC and batch.invites[0].is_direct
    room = batch.joined["!r:hs"]
    assert room.encrypted and room.retention_ms == 5 and room.prev_batch == "p1" and room.limited
    assert room.messages[0].own and room.messages[0].txn_id == "t1"
    assert room.typing == [CLINIC]


def test_video_link_detection_and_allowlist() -> None:
    content = {"msgtype": "m.text", "body": f"Your consult: https://{CONSULT_HOST}/room-42 see you."}
    url = consult_link(content)
    assert url == f"https://{CONSULT_HOST}/room-42"
    link = inspect(url, ["clinic.example.org"])
    assert link is not None and link.allowed and link.host == CONSULT_HOST
    assert not inspect(url, ["other.example.org"]).allowed  # type: ignore[union-attr]
    # Look-alike hosts are shown in their real (punycode) form and do not match.
    assert real_host(f"https://{HOMOGRAPH_HOST}/x") == "meet.xn--clnic-o2e.example.org"
    assert not host_allowed("meet.xn--clnic-o2e.example.org", ["clinic.example.org"])
    assert not host_allowed("evilclinic.example.org", ["clinic.example.org"])
    structured = {"body": "join", "org.companion.consult": {"url": "https://example.com/abc"}}
    assert consult_link(structured) == "https://example.com/abc"
    assert consult_link({"body": "see https://example.org/blog"}) is None
    assert consult_link({"body": "http://example.com/meet/insecure"}) is None  # a meeting link, but not https
    assert "Not opened" in open_consult(link, confirmed=False)  # type: ignore[arg-type]


def test_synapse_module_policy() -> None:
    class Api:
        def register_third_party_rules_callbacks(self, **kwargs: object) -> None:
            self.kwargs = kwargs

    policy = CompanionRoomPolicy(CompanionRoomPolicy.parse_config({"staff_users": [CLINIC]}), Api())
    assert policy.decide("m.room.encryption", CLINIC, True)  # encryption allowed by default (issue #18)
    strict = CompanionRoomPolicy({"staff_users": [CLINIC], "block_encryption": True}, Api())
    assert not strict.decide("m.room.encryption", CLINIC, True)
    assert not policy.decide("m.room.retention", ME, True)
    assert policy.decide("m.room.retention", CLINIC, True)
    assert policy.decide("m.room.message", ME, False)
    assert policy.decide("m.room.redaction", ME, False)


def test_retry_after_prefers_the_header() -> None:
    import httpx

    from companion.messaging.client import parse_retry_after

    assert parse_retry_after(httpx.Headers({"Retry-After": "5"}), {"retry_after_ms": 4275}) == 5.0
    assert parse_retry_after(httpx.Headers({}), {"retry_after_ms": 4275}) == 4.275
    assert parse_retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), {}) == 0.0
    assert parse_retry_after(httpx.Headers({"Retry-After": "soon"}), {}) is None


@given(st.text(max_size=80))
def test_parse_mxc_accepts_only_wellformed(uri: str) -> None:
    from companion.messaging.client import parse_mxc
    from companion.messaging.errors import BadResponse

    try:
        server, media_id = parse_mxc(uri)
    except BadResponse:
        return
    assert uri == f"mxc://{server}/{media_id}" and "/" not in media_id and media_id.isascii() or media_id


def test_backoff_grows_and_is_capped() -> None:
    from companion.messaging.outbox import backoff_s

    assert [backoff_s(n) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_s(50) == 300.0


def test_over_ssh_the_link_is_printed_not_opened(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: opened.append(url) or True)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    link = inspect(f"https://{CONSULT_HOST}/r1", ["clinic.example.org"])
    assert link is not None and link.allowed
    assert open_consult(link, confirmed=True) == f"Open this link in a browser: https://{CONSULT_HOST}/r1"
    assert opened == []
