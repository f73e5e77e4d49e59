"""Retention with an injectable clock; data-subject requests with their deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.privacy import requests as dsr
from companion.privacy import retention
from tests.conftest import TEST_PASSPHRASE
from tests.privacy.conftest import MARKER, add_foreign_rows, add_measurements
from tests.privacy.pages import where_is


def _rule(rule_id: str) -> retention.RetentionRule:
    return next(r for r in retention.RULES if r.id == rule_id)


def test_messages_two_years_diagnostics_fourteen_days(full_store, clock, home) -> None:  # type: ignore[no-untyped-def]
    from companion.store.keys import KeyVault

    assert full_store.query_one("SELECT count(*) FROM message")[0] == 3
    results = {r.rule: r.deleted for r in retention.enforce(full_store)}
    assert results == {"messages": 1, "diagnostics": 1}  # the 3-year-old message, the 30-day-old log
    bodies = [r[0] for r in full_store.query("SELECT body FROM message")]
    assert not any(b.startswith("Hello from the clinic") for b in bodies)
    assert full_store.measurements.count() == 30  # kept until the user deletes them
    assert "Hello from the clinic" not in str(
        where_is(home, KeyVault(home).unlock(TEST_PASSPHRASE), "Hello from")
    )
    # Time passes (injectable clock): the yesterday message goes two years later, not before.
    clock.advance(timedelta(days=365 * 2 - 2))
    assert {r.rule: r.deleted for r in retention.enforce(full_store)}["messages"] == 0
    clock.advance(timedelta(days=3))
    assert {r.rule: r.deleted for r in retention.enforce(full_store)}["messages"] == 1
    assert retention.last_run(full_store) == clock.now()


def test_restriction_pauses_retention(full_store) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy import ledger

    ledger.set_restricted(full_store, True, "test")
    assert retention.enforce(full_store) == []
    assert full_store.query_one("SELECT count(*) FROM message")[0] == 3  # kept while restricted
    ledger.set_restricted(full_store, False, "test")
    assert {r.rule: r.deleted for r in retention.enforce(full_store)}["messages"] == 1


def test_next_purge_dates(full_store, clock) -> None:  # type: ignore[no-untyped-def]
    retention.enforce(full_store)
    messages = retention.next_purge(full_store, _rule("messages"))
    assert messages is not None
    assert messages.date() == date(2028, 11, 24)  # the message sent on 2026-11-24 + 2 years
    diagnostics = retention.next_purge(full_store, _rule("diagnostics"))
    assert diagnostics is not None and diagnostics.date() == date(2026, 12, 8)
    assert retention.next_purge(full_store, _rule("measurements")) is None


def test_retention_skips_missing_tables(store, profile) -> None:  # type: ignore[no-untyped-def]
    add_measurements(store, profile.id, 3)
    results = retention.enforce(store)
    assert all(r.deleted == 0 for r in results)
    assert retention.next_purge(store, _rule("messages")) is None


def test_leap_day_cutoff() -> None:
    rule = _rule("messages")
    assert rule.cutoff(datetime(2028, 2, 29, 12, tzinfo=UTC)) == datetime(2026, 2, 28, 12, tzinfo=UTC)


# ----- data-subject requests --------------------------------------------------------------------------
def test_gdpr_deadline_is_one_month() -> None:
    assert dsr.due_date(dsr.Regime.GDPR, date(2026, 1, 15)) == date(2026, 2, 15)
    assert dsr.due_date(dsr.Regime.GDPR, date(2026, 1, 31)) == date(2026, 2, 28)
    assert dsr.due_date(dsr.Regime.GDPR, date(2026, 12, 10)) == date(2027, 1, 10)


def test_arco_deadline_is_twenty_business_days() -> None:
    # Wednesday 25 Nov 2026 + 20 business days = Wednesday 23 Dec 2026
    assert dsr.due_date(dsr.Regime.ARCO, date(2026, 11, 25)) == date(2026, 12, 23)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=1, max_value=60)
)
def test_business_days_properties(start: date, count: int) -> None:
    end = dsr.add_business_days(start, count)
    assert end.weekday() < 5
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(d.weekday() < 5 for d in days) == count


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=30)
)
def test_add_months_never_overflows(start: date, months: int) -> None:
    end = dsr.add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day <= start.day


def _form(**changes: object) -> dsr.RequestForm:
    base = dict(
        regime=dsr.Regime.GDPR,
        kind="erasure",
        recipient="Demo Clinic",
        name="Ann Example",
        contact="ann@example.org",
    )
    base.update(changes)
    return dsr.RequestForm(**base)  # type: ignore[arg-type]


def test_gdpr_draft() -> None:
    text = dsr.draft(_form(), date(2026, 11, 25))
    assert "Article 17" in text and "Ann Example" in text and "one month" in text


def test_arco_needs_its_fields() -> None:
    with pytest.raises(dsr.RequestError) as info:
        dsr.draft(_form(regime=dsr.Regime.ARCO, kind="cancellation"), date(2026, 11, 25))
    assert info.value.field == "identity_document"
    form = _form(
        regime=dsr.Regime.ARCO,
        kind="rectification",
        identity_document="INE 1234",
        description="Mi peso registrado",
        changes="El peso correcto es 88 kg",
        location_hints="expediente 7",
    )
    text = dsr.draft(form, date(2026, 11, 25))
    for needed in (
        "Ann Example",
        "ann@example.org",
        "INE 1234",
        "Mi peso registrado",
        "88 kg",
        "expediente 7",
        "20 días hábiles",
        "rectificación",
    ):
        assert needed in text


def test_rectification_needs_changes() -> None:
    with pytest.raises(dsr.RequestError, match="corrected"):
        dsr.draft(_form(kind="rectification"), date(2026, 11, 25))


def test_request_tracking(store, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy.erasure import ErasureError, save_text

    form = _form(kind="access")
    request_id = dsr.save_draft(store, form, dsr.draft(form, clock.now().date()))
    try:
        dsr.send_to_clinic(store, request_id)
    except ErasureError:  # no messaging in this tree: save as a text file instead
        save_text(tmp_path / "request.txt", dsr.all_requests(store)[0].body)
        dsr.mark_sent(store, request_id, "file")
    (open_request,) = dsr.open_requests(store)
    assert open_request.due == date(2026, 12, 25) and open_request.days_left == 30
    clock.advance(timedelta(days=40))
    assert dsr.open_requests(store)[0].overdue
    dsr.mark_answered(store, request_id)
    assert dsr.open_requests(store) == []


def test_marker_constant_is_used() -> None:
    assert MARKER and add_foreign_rows
