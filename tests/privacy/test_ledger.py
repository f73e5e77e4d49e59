"""Consent per purpose: the gate honours every decision at once; restriction; notice versions; tampering."""

from __future__ import annotations

import pytest

from companion.privacy import ProcessingNotAllowed, allowed, ledger, require
from companion.privacy.notice import NoticeVersion, accept_update, pending_update
from companion.privacy.purposes import CONSENT_PURPOSES, OPTIONAL_CONSENTS, PURPOSES, LegalBasis, purpose

FIXED = ("health-data", "location", "diagnostics", "research", "share-clinic", "share-family")


def test_fixed_ids_and_full_table() -> None:
    ids = [p.id for p in PURPOSES]
    assert len(ids) == len(set(ids))
    for fixed in FIXED:
        assert fixed in ids
    assert OPTIONAL_CONSENTS == ("location", "share-clinic", "share-family", "diagnostics", "research")
    assert purpose("health-data").explicit and purpose("health-data").basis is LegalBasis.CONSENT
    assert {p.basis for p in PURPOSES} == set(LegalBasis)
    for item in PURPOSES:
        assert item.categories and item.category_ids
        assert item.id == item.id.lower() and " " not in item.id


@pytest.mark.parametrize("purpose_id", CONSENT_PURPOSES)
def test_withdrawal_takes_effect_at_once(store, purpose_id: str) -> None:  # type: ignore[no-untyped-def]
    ledger.grant(store, purpose_id, "test")
    assert allowed(store, purpose_id)
    ledger.withdraw(store, purpose_id, "test")
    assert not allowed(store, purpose_id)
    with pytest.raises(ProcessingNotAllowed) as info:
        require(store, purpose_id)
    assert info.value.purpose_id == purpose_id
    ledger.grant(store, purpose_id, "test")
    assert allowed(store, purpose_id)


def test_withdrawing_health_consent_stops_storage(store, profile) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from companion.domain.measurement import Measurement

    ledger.withdraw(store, "health-data", "test")
    with pytest.raises(ProcessingNotAllowed):
        store.measurements.add(
            Measurement(datetime(2026, 1, 1, tzinfo=UTC), "manual", weight_kg=90.0), profile.id
        )
    assert store.measurements.count() == 0


@pytest.mark.parametrize("purpose_id", [p.id for p in PURPOSES if p.objectable])
def test_objection_takes_effect_at_once(store, purpose_id: str) -> None:  # type: ignore[no-untyped-def]
    assert allowed(store, purpose_id)
    assert ledger.status(store, purpose_id).state == "not-objected"
    ledger.object_to(store, purpose_id, "test")
    assert not allowed(store, purpose_id)
    assert ledger.toggle(store, purpose_id, "test").decision == "lift-objection"
    assert allowed(store, purpose_id)


def test_contract_purposes_are_explained_not_withdrawn(store) -> None:  # type: ignore[no-untyped-def]
    for item in PURPOSES:
        if item.basis is LegalBasis.CONTRACT:
            with pytest.raises(ledger.NotApplicable, match="delete your account"):
                ledger.withdraw(store, item.id, "test")
            with pytest.raises(ledger.NotApplicable):
                ledger.toggle(store, item.id, "test")
            assert allowed(store, item.id)


def test_unknown_purpose(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ledger.UnknownPurpose, match="known purposes"):
        ledger.grant(store, "telemetry", "test")


def test_toggle_is_one_key_both_ways(store) -> None:  # type: ignore[no-untyped-def]
    assert ledger.toggle(store, "location", "tui").decision == "grant"
    assert ledger.toggle(store, "location", "tui").decision == "withdraw"
    assert [r.decision for r in store.consents.history("location")] == ["grant", "withdraw"]


def test_restriction_stops_everything_but_storage(store, profile) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from companion.domain.measurement import Measurement

    ledger.grant(store, "location", "test")
    ledger.set_restricted(store, True, "test")
    for item in PURPOSES:
        assert not allowed(store, item.id), item.id
    with pytest.raises(ProcessingNotAllowed, match="restricted"):
        require(store, "location")
    # storage (and export) still work
    store.measurements.add(
        Measurement(datetime(2026, 1, 1, tzinfo=UTC), "manual", weight_kg=90.0), profile.id
    )
    ledger.set_restricted(store, False, "test")
    assert allowed(store, "location")
    from companion.store.privacy import PrivacyRepo

    assert [on for _ts, on, _m in PrivacyRepo(store).restriction_history()] == [True, False]


def test_ledger_is_append_only(store) -> None:  # type: ignore[no-untyped-def]
    from companion.store.db import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), store.transaction() as db:
        db.execute("UPDATE consent_event SET decision = 'grant'")
    with pytest.raises(IntegrityError, match="append-only"), store.transaction() as db:
        db.execute("DELETE FROM consent_event")
    assert ledger.verify(store) == []


def _tamper(store, sql: str, params: tuple = ()) -> None:  # type: ignore[no-untyped-def, type-arg]
    with store.transaction() as db:
        db.execute("DROP TRIGGER consent_event_append_only_update")
        db.execute("DROP TRIGGER consent_event_append_only_delete")
        db.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consent_event SET decision = 'grant' WHERE purpose = 'research'",
        "DELETE FROM consent_event WHERE purpose = 'research'",
    ],
)
def test_tampering_is_detected_and_fails_closed(store, sql: str) -> None:  # type: ignore[no-untyped-def]
    ledger.grant(store, "location", "test")
    ledger.grant(store, "research", "test")
    ledger.withdraw(store, "research", "test")
    _tamper(store, sql)
    problems = ledger.verify(store)
    assert problems
    with pytest.raises(ProcessingNotAllowed, match="altered outside Companion"):
        require(store, "location")
    with pytest.raises(ProcessingNotAllowed, match="altered outside Companion"):
        require(store, "health-data")
    # Recovery: every consent is reset, the old rows stay, the chain restarts, the triggers come back.
    before = len(store.consents.history())
    ledger.reconfirm_after_tampering(store, "test")
    assert ledger.verify(store) == []
    assert len(store.consents.history()) > before
    assert not allowed(store, "location")
    ledger.grant(store, "location", "test")
    assert allowed(store, "location")
    from companion.store.db import IntegrityError

    with pytest.raises(IntegrityError), store.transaction() as db:
        db.execute("DELETE FROM consent_event")


def test_row_inserted_without_seal_is_detected(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as db:
        db.execute(
            "INSERT INTO consent_event (purpose, decision, notice_version, ts, method) "
            "VALUES ('location', 'grant', '1.0', '2026-01-01T00:00:00+00:00', 'forged')"
        )
    assert any("added" in p for p in ledger.verify(store))
    assert not allowed(store, "location")


def test_notice_update_asks_again_for_dependent_consents(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    import companion.privacy.notice as notice

    ledger.grant(store, "location", "test")
    ledger.grant(store, "research", "test")
    store.settings.set(notice.SEEN_SETTING, "1.0")
    assert pending_update(store) is None
    newer = NoticeVersion(
        "1.1",
        date(2027, 1, 1),
        reconsent=("research",),
        changes=(
            ("en", "Research now includes a university partner."),
            ("nl", "Onderzoek nu ook met een universiteit."),
        ),
    )
    monkeypatch.setattr(notice, "NOTICES", (*notice.NOTICES, newer))
    update = pending_update(store)
    assert update is not None and update.reconfirm == ("research",)
    assert "university partner" in update.changes("en")
    assert "universiteit" in update.changes("nl")
    assert not allowed(store, "research")  # asked again: not relied on until confirmed
    assert ledger.status(store, "research").state == "needs-reconsent"
    assert allowed(store, "location")  # not affected by this change
    accept_update(store, {"research": True}, "test")
    assert pending_update(store) is None
    assert allowed(store, "research")
    assert store.consents.latest("research").notice_version == "1.1"  # type: ignore[union-attr]


def test_notice_ships_in_both_languages_and_lists_every_purpose() -> None:
    from companion.i18n import load_catalog
    from companion.privacy.notice import CURRENT_NOTICE

    english = CURRENT_NOTICE.text("en")
    dutch = CURRENT_NOTICE.text("nl")
    nl = load_catalog("nl")
    for item in PURPOSES:
        assert item.title in english, item.id
        assert str(nl.get(item.title, "")) in dutch and nl.get(item.title), item.id
    assert "18" in english and "18" in dutch


def test_gate_is_fast_and_still_sees_tampering(store, home) -> None:  # type: ignore[no-untyped-def]
    import time

    from companion.store import Store
    from tests.conftest import TEST_PASSPHRASE

    for i in range(200):
        ledger.toggle(store, "location", f"bulk-{i}")
    start = time.perf_counter()
    for _ in range(2000):
        allowed(store, "research")
    assert (time.perf_counter() - start) / 2000 < 0.002  # well under 2 ms a check with 200 decisions
    # A change by another connection (another process) is still seen at once.
    with Store.open(home, passphrase=TEST_PASSPHRASE) as other, other.transaction() as db:
        db.execute("DROP TRIGGER consent_event_append_only_update")
    assert ledger.verify(store)
    assert not allowed(store, "health-data")


def test_upgrade_from_schema_1_keeps_the_ledger_trusted(home, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import companion.store.db as db
    from companion.store import Store
    from companion.store.migrations import all_migrations
    from tests.conftest import TEST_PASSPHRASE

    first = [m for m in all_migrations() if m.version == 1]
    monkeypatch.setattr(db, "all_migrations", lambda: first)
    monkeypatch.setattr(db, "latest_version", lambda: 1)
    old = Store.create(home, passphrase=TEST_PASSPHRASE, clock=clock)
    with old.transaction() as conn:  # decisions written by a version without seals
        conn.execute(
            "INSERT INTO consent_event (purpose, decision, notice_version, ts, method) "
            "VALUES ('health-data', 'grant', '1.0', '2026-01-01T00:00:00+00:00', 'onboarding')"
        )
    old.close()
    monkeypatch.undo()
    store = Store.open(home, passphrase=TEST_PASSPHRASE, clock=clock)  # migrates to the newest schema
    try:
        assert ledger.verify(store) == []
        assert allowed(store, "health-data")
        ledger.grant(store, "location", "test")
        assert ledger.verify(store) == [] and allowed(store, "location")
    finally:
        store.close()
