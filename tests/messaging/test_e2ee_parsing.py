"""Decrypted events take the same parsing path as plain ones, so issue #18's fixes hold in encrypted rooms:
edits (the relation from the unencrypted part as the spec says, or from the payload as matrix-nio 0.25 sends
it), a redacted encrypted event, our own transaction id on an event this device cannot decrypt, a late key
for an edit; a plaintext edit of an encrypted conversation is ignored. Two vodozemac machines, no server."""

from __future__ import annotations

import asyncio
from typing import Any

from companion.messaging.crypto.engine import Encryption
from companion.messaging.crypto.machine import MEGOLM, CryptoMachine
from companion.messaging.events import TXN_FIELD, parse_sync
from companion.messaging.outbox import queue_message
from companion.store.e2ee import E2eeRepo
from companion.store.messages import Messages

from .test_crypto_machine import Clock, clock, introduce, machines, olm_channel, to_device  # noqa: F401  (fixtures)

ROOM = "!enc:localhost"
BOB = "@bob:localhost"


def _encrypted(alice: CryptoMachine, content: dict[str, Any], event_id: str, ts: int,
               cleartext: dict[str, Any] | None = None) -> dict[str, Any]:
    wire = alice.encrypt_room_event(ROOM, "m.room.message", content)
    return {"type": "m.room.encrypted", "event_id": event_id, "sender": alice.user_id, "origin_server_ts": ts,
            "content": {**wire, **(cleartext or {})}}


def _share(alice: CryptoMachine, bob: CryptoMachine) -> None:
    device = alice.repo.device(bob.user_id, bob.device_id)
    assert device is not None
    session, missing = alice.outbound(ROOM, [device])
    assert missing == [device]
    payload = bob.decrypt_olm(to_device(alice, bob, "m.room_key", alice.room_key_content(ROOM, session)))
    assert bob.add_inbound(ROOM, payload["content"]["session_key"], payload["sender_key"],
                           payload["keys"]["ed25519"])
    alice.mark_shared(ROOM, [device])


def _edit(target: str, body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": f" * {body}", "m.new_content": {"msgtype": "m.text", "body": body}}


def _relation(target: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.replace", "event_id": target}}


def test_decrypted_events_get_edits_redactions_and_txn_matching(machines, clock: Clock) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    alice, _bob, stores = machines
    store = stores[1]
    engine = Encryption(store, None, BOB, "BOBDEV", clock)  # type: ignore[arg-type]  # no HTTP needed here
    bob = engine.machine
    introduce(alice, bob)
    olm_channel(alice, bob)
    _share(alice, bob)
    bob.set_room_encryption(ROOM, {"algorithm": MEGOLM})
    own_txn = queue_message(store, "my own words, sent from my previous device")

    events = [
        _encrypted(alice, {"msgtype": "m.text", "body": "Dose: 10 mg"}, "$o", 1),
        # Element: the relation only in the unencrypted part (spec "Editing encrypted events").
        _encrypted(alice, _edit("$o", "Dose: 20 mg"), "$e1", 2, cleartext=_relation("$o")),
        # matrix-nio 0.25: the relation only inside the payload.
        _encrypted(alice, {**_edit("$o", "Dose: 25 mg"), **_relation("$o")}, "$e2", 3),
        # A plaintext edit into the encrypted conversation (the server's operator could forge it): ignored.
        {"type": "m.room.message", "event_id": "$forged", "sender": alice.user_id, "origin_server_ts": 4,
         "content": {**_edit("$o", "Dose: 500 mg"), **_relation("$o")}},
        # Redacted before we saw it: nothing to decrypt, and it never becomes a message.
        {"type": "m.room.encrypted", "event_id": "$gone", "sender": alice.user_id, "origin_server_ts": 5,
         "content": {}, "unsigned": {"redacted_because": {"type": "m.room.redaction", "sender": alice.user_id}}},
        # Our own message from the previous device, whose session this device does not have: still ours.
        {"type": "m.room.encrypted", "event_id": "$mine", "sender": BOB, "origin_server_ts": 6,
         "content": {"algorithm": MEGOLM, "sender_key": "x", "device_id": "OLDDEV", "session_id": "gone-with-it",
                     "ciphertext": "AwgAEhAAAAAA", TXN_FIELD: own_txn}},
    ]
    # An edit whose key arrives later (a new session the patient's device does not have yet).
    alice.rotate(ROOM)
    device = alice.repo.device(BOB, "BOBDEV")
    assert device is not None
    late_session, _missing = alice.outbound(ROOM, [device])
    late_key = to_device(alice, bob, "m.room_key", alice.room_key_content(ROOM, late_session))  # sent later
    events.append(_encrypted(alice, _edit("$o", "Dose: 30 mg"), "$late", 7, cleartext=_relation("$o")))

    asyncio.run(engine.decrypt_events(ROOM, events))
    batch = parse_sync({"next_batch": "s1", "rooms": {"join": {ROOM: {"timeline": {"events": events}}}}}, BOB)
    update = batch.joined[ROOM]
    assert update.redactions == ["$gone"]
    assert [(m.event_id, m.replaces) for m in update.messages] == [
        ("$o", None), ("$e1", "$o"), ("$e2", "$o"), ("$mine", None)]  # no forged edit, no stray notice
    assert not update.encrypted  # every encrypted event was decrypted or handled
    repo = Messages(store)
    repo.apply_sync(batch.next_batch, update.messages, update.redactions)
    rows = {r.event_id: r for r in repo.all()}
    assert set(rows) == {"$o", "$mine"}
    assert rows["$o"].body == "Dose: 25 mg" and rows["$o"].edited
    mine = rows["$mine"]  # matched to the outbox entry by the cleartext txn id: our text, not a placeholder
    assert mine.txn_id == own_txn and mine.status == "sent" and mine.body.startswith("my own words")
    assert repo.outbox() == []
    assert E2eeRepo(store).trust_for(["$forged"]) == {}  # ignored, not shown with a warning either

    # The late key arrives: the edit is applied to its message through the same parser.
    payload = bob.decrypt_olm(late_key)
    assert bob.add_inbound(ROOM, payload["content"]["session_key"], payload["sender_key"], payload["keys"]["ed25519"])
    asyncio.run(engine.retry_pending())
    rows = {r.event_id: r for r in repo.all()}
    assert set(rows) == {"$o", "$mine"}
    assert rows["$o"].body == "Dose: 30 mg" and rows["$o"].edited

