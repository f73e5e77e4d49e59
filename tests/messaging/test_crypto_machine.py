"""Two vodozemac machines talking without a server: Olm, Megolm, trust, rotation, and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.messaging.crypto.machine import CryptoMachine, DecryptionFailure, canonical_json, verify_signed
from companion.store.e2ee import E2eeRepo

PASS = "test passphrase 1234"


class Clock:
    def __init__(self) -> None:
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock() -> Clock:  # type: ignore[override]
    return Clock()


@pytest.fixture
def machines(tmp_path: Path, clock: Clock) -> Iterator[tuple[CryptoMachine, CryptoMachine, Any]]:
    from companion.store import Store

    stores = [Store.create(tmp_path / name, passphrase=PASS) for name in ("a", "b")]
    alice = CryptoMachine(E2eeRepo(stores[0]), "@alice:localhost", "ALICEDEV", clock)
    bob = CryptoMachine(E2eeRepo(stores[1]), "@bob:localhost", "BOBDEV", clock)
    yield alice, bob, stores
    for s in stores:
        s.close()


def introduce(a: CryptoMachine, b: CryptoMachine) -> None:
    """Each learns the other's device keys, as /keys/query would tell them."""
    assert a.update_devices(b.user_id, {b.device_id: b.device_keys()}) == []
    assert b.update_devices(a.user_id, {a.device_id: a.device_keys()}) == []


def olm_channel(a: CryptoMachine, b: CryptoMachine) -> None:
    """``a`` claims one of ``b``'s one-time keys and starts an Olm session."""
    keys = b.one_time_keys(0)
    b.mark_published()
    key_id, value = next(iter(keys.items()))
    device = a.repo.device(b.user_id, b.device_id)
    assert device is not None
    assert a.create_outbound_olm(device, {key_id: value})


def to_device(a: CryptoMachine, b: CryptoMachine, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    device = a.repo.device(b.user_id, b.device_id)
    assert device is not None
    return {"type": "m.room.encrypted", "sender": a.user_id, "content": a.encrypt_olm(device, kind, content)}


def share_room(a: CryptoMachine, b: CryptoMachine, room: str) -> None:
    device = a.repo.device(b.user_id, b.device_id)
    assert device is not None
    session, missing = a.outbound(room, [device])
    assert missing == [device]
    payload = b.decrypt_olm(to_device(a, b, "m.room_key", a.room_key_content(room, session)))
    assert payload["type"] == "m.room_key"
    assert b.add_inbound(room, payload["content"]["session_key"], payload["sender_key"], payload["keys"]["ed25519"])
    a.mark_shared(room, [device])


def room_event(a: CryptoMachine, room: str, body: str, event_id: str) -> dict[str, Any]:
    content = a.encrypt_room_event(room, "m.room.message", {"msgtype": "m.text", "body": body})
    return {"type": "m.room.encrypted", "event_id": event_id, "sender": a.user_id, "origin_server_ts": 1,
            "content": content}


def test_device_keys_are_self_signed(machines) -> None:  # type: ignore[no-untyped-def]
    alice, _bob, _ = machines
    keys = alice.device_keys()
    assert keys["keys"][f"ed25519:{alice.device_id}"] == alice.ed25519
    assert verify_signed(keys, alice.user_id, f"ed25519:{alice.device_id}", alice.ed25519)
    keys["algorithms"] = ["tampered"]
    assert not verify_signed(keys, alice.user_id, f"ed25519:{alice.device_id}", alice.ed25519)
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_one_time_keys_fill_to_half_capacity(machines) -> None:  # type: ignore[no-untyped-def]
    alice, _bob, _ = machines
    keys = alice.one_time_keys(0)
    assert len(keys) == alice.account.max_number_of_one_time_keys // 2
    assert all(verify_signed(v, alice.user_id, f"ed25519:{alice.device_id}", alice.ed25519) for v in keys.values())
    alice.mark_published()
    assert len(alice.one_time_keys(alice.account.max_number_of_one_time_keys // 2 - 3)) == 3


def test_olm_and_megolm_round_trip_and_trust(machines) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = machines
    introduce(alice, bob)
    olm_channel(alice, bob)
    share_room(alice, bob, "!r:localhost")
    decrypted = bob.decrypt_room_event("!r:localhost", room_event(alice, "!r:localhost", "Hallo", "$1"))
    assert decrypted.event["content"]["body"] == "Hallo"
    assert decrypted.event["type"] == "m.room.message" and decrypted.event["event_id"] == "$1"
    assert decrypted.trust.encrypted and not decrypted.trust.verified
    bob.repo.set_trust(alice.user_id, alice.device_id, "verified")
    decrypted = bob.decrypt_room_event("!r:localhost", room_event(alice, "!r:localhost", "Again", "$2"))
    assert decrypted.trust.verified and decrypted.trust.warning is None
    # Bob answers over the same Olm session (a normal message now), and his own sessions survive a reload.
    reply = to_device(bob, alice, "m.dummy", {})
    assert alice.decrypt_olm(reply)["type"] == "m.dummy"
    again = CryptoMachine(bob.repo, bob.user_id, bob.device_id, bob._now)
    assert again.curve25519 == bob.curve25519
    assert again.decrypt_room_event("!r:localhost", room_event(alice, "!r:localhost", "3", "$3")).event[
        "content"]["body"] == "3"


def test_replayed_and_forged_olm_messages_are_refused(machines, tmp_path: Path, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    alice, bob, _ = machines
    introduce(alice, bob)
    olm_channel(alice, bob)
    event = to_device(alice, bob, "m.dummy", {})
    bob.decrypt_olm(event)
    with pytest.raises(DecryptionFailure) as replay:
        bob.decrypt_olm(event)
    assert replay.value.kind == "replayed"
    # The server says the event came from Carol, the payload says Alice: refused.
    forged = to_device(alice, bob, "m.dummy", {})
    forged["sender"] = "@carol:localhost"
    with pytest.raises(DecryptionFailure) as wrong_sender:
        bob.decrypt_olm(forged)
    assert wrong_sender.value.kind == "forged"
    # Mallory's device claims Alice's user id but has its own keys: Bob knows Alice's device by its key.
    with Store.create(tmp_path / "m", passphrase=PASS) as store:
        mallory = CryptoMachine(E2eeRepo(store), "@alice:localhost", "MALLORY", clock)
        mallory.update_devices(bob.user_id, {bob.device_id: bob.device_keys()})
        olm_channel(mallory, bob)
        fake = to_device(mallory, bob, "m.dummy", {})
        fake["content"]["sender_key"] = alice.curve25519  # pretend to be Alice's device
        with pytest.raises(DecryptionFailure):
            bob.decrypt_olm(fake)
    # Garbage never raises anything but DecryptionFailure.
    for content in ({}, {"algorithm": "m.olm.v1.curve25519-aes-sha2", "sender_key": "x", "ciphertext": {
            bob.curve25519: {"type": 0, "body": "!!!"}}}, {"algorithm": "x"}):
        with pytest.raises(DecryptionFailure):
            bob.decrypt_olm({"type": "m.room.encrypted", "sender": "@a:b", "content": content})


def test_megolm_unknown_session_replay_and_wrong_room(machines) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = machines
    introduce(alice, bob)
    olm_channel(alice, bob)
    device = alice.repo.device(bob.user_id, bob.device_id)
    assert device is not None
    session, _missing = alice.outbound("!r:localhost", [device])
    key_event = to_device(alice, bob, "m.room_key", alice.room_key_content("!r:localhost", session))
    early = room_event(alice, "!r:localhost", "before the key", "$early")  # arrives before its key
    with pytest.raises(DecryptionFailure) as unknown:
        bob.decrypt_room_event("!r:localhost", early)
    assert unknown.value.kind == "unknown-session"
    payload = bob.decrypt_olm(key_event)
    bob.add_inbound("!r:localhost", payload["content"]["session_key"], payload["sender_key"],
                    payload["keys"]["ed25519"])
    assert bob.decrypt_room_event("!r:localhost", early).event["content"]["body"] == "before the key"
    assert bob.decrypt_room_event("!r:localhost", early).event["content"]["body"] == "before the key"  # same id
    replay = {**early, "event_id": "$replay"}
    with pytest.raises(DecryptionFailure) as replayed:
        bob.decrypt_room_event("!r:localhost", replay)
    assert replayed.value.kind == "replayed"
    other_room = room_event(alice, "!r:localhost", "x", "$x")
    bob.add_inbound("!other:localhost", payload["content"]["session_key"], payload["sender_key"],
                    payload["keys"]["ed25519"])
    with pytest.raises(DecryptionFailure) as forged:
        bob.decrypt_room_event("!other:localhost", other_room)
    assert forged.value.kind == "forged"
    for bad in ({"algorithm": "m.megolm.v1.aes-sha2", "session_id": session.session_id, "ciphertext": "AAAA"},
                {"algorithm": "m.megolm.v1.aes-sha2"}, {"algorithm": "nope"}):
        with pytest.raises(DecryptionFailure):
            bob.decrypt_room_event("!r:localhost", {"event_id": "$bad", "sender": alice.user_id, "content": bad})


def test_changed_device_keys_block_the_device(machines, tmp_path: Path, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    alice, bob, _ = machines
    introduce(alice, bob)
    with Store.create(tmp_path / "n", passphrase=PASS) as store:
        impostor = CryptoMachine(E2eeRepo(store), bob.user_id, bob.device_id, clock)
        warnings = alice.update_devices(bob.user_id, {bob.device_id: impostor.device_keys()})
    assert warnings and "changed" in warnings[0]
    device = alice.repo.device(bob.user_id, bob.device_id)
    assert device is not None and device.trust == "blocked" and device.ed25519 == bob.ed25519
    unsigned = bob.device_keys()
    unsigned["signatures"] = {}
    carol = {"C": {**unsigned, "user_id": "@carol:localhost"}}
    assert "not properly signed" in alice.update_devices("@carol:localhost", carol)[0]


def test_outbound_rotates_by_count_age_and_membership(machines, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = machines
    introduce(alice, bob)
    device = alice.repo.device(bob.user_id, bob.device_id)
    assert device is not None
    alice.set_room_encryption("!r:localhost", {"algorithm": "m.megolm.v1.aes-sha2", "rotation_period_msgs": 3,
                                               "rotation_period_ms": 60_000})
    first, _ = alice.outbound("!r:localhost", [device])
    alice.mark_shared("!r:localhost", [device])
    for _i in range(3):
        assert alice.outbound("!r:localhost", [device])[0].session_id == first.session_id
        alice.encrypt_room_event("!r:localhost", "m.room.message", {"body": "x"})
    second, missing = alice.outbound("!r:localhost", [device])
    assert second.session_id != first.session_id and missing == [device]
    alice.mark_shared("!r:localhost", [device])
    clock.ms += 60_000
    third, _ = alice.outbound("!r:localhost", [device])
    assert third.session_id != second.session_id
    alice.mark_shared("!r:localhost", [device])
    fourth, _ = alice.outbound("!r:localhost", [])  # bob's device left: rotate
    assert fourth.session_id != third.session_id
    alice.rotate("!r:localhost")
    assert alice.outbound("!r:localhost", [])[0].session_id != fourth.session_id


def test_erasing_messages_destroys_keys_and_sessions(machines) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy.erasure import erase_category

    alice, bob, stores = machines
    introduce(alice, bob)
    olm_channel(alice, bob)
    share_room(alice, bob, "!r:localhost")
    bob.repo.set_trust_for("$1", bob.decrypt_room_event(
        "!r:localhost", room_event(alice, "!r:localhost", "x", "$1")).trust)
    assert bob.repo.account() is not None and bob.repo.inbound_count() == 1
    result = erase_category(stores[1], "messages")
    assert result.rows["e2ee_account"] == 1 and result.rows["e2ee_inbound_group"] == 1
    assert result.rows["e2ee_olm_session"] == 1 and result.rows["e2ee_message_trust"] == 1
    assert bob.repo.account() is None and bob.repo.inbound_count() == 0 and not bob.repo.all_devices()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.dictionaries(
    st.sampled_from(["algorithm", "sender_key", "ciphertext", "session_id", "device_id", "x"]), json_values,
    max_size=5,
), olm=st.booleans())
def test_garbage_only_ever_fails_plainly(machines, content, olm) -> None:  # type: ignore[no-untyped-def]
    _alice, bob, _ = machines
    if olm:
        content.setdefault("algorithm", "m.olm.v1.curve25519-aes-sha2")
    event = {"type": "m.room.encrypted", "event_id": "$g", "sender": "@x:localhost", "content": content}
    with pytest.raises(DecryptionFailure) as failure:
        if olm:
            bob.decrypt_olm(event)
        else:
            bob.decrypt_room_event("!r:localhost", event)
    assert str(failure.value)
