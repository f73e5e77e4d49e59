"""The programme repository and actions on a real encrypted store: nothing stored on a refused value,
quick entry copies the previous measurement forward, reminders are quiet when the thing is done."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import pytest

from companion.programme import body, medication, service
from companion.programme.reminders import ReminderKind
from companion.programme.settings import ProgrammeConfigError, load_settings
from companion.store import Store
from tests.conftest import TEST_PASSPHRASE
from tests.programme.conftest import NOW, weigh_ins


def _counts(store, profile) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return store.programme.counts(profile.id)


def test_measurement_copy_forward_and_ratios(store, profile) -> None:  # type: ignore[no-untyped-def]
    first = service.record_measurement(store, profile, {body.Site.WAIST: "92", body.Site.HIPS: "104",
                                                        body.Site.THIGH_L: "60"}, body.LengthUnit.CM,
                                       copy_previous=False, when=NOW)
    assert first.whr is not None and first.whr.above and first.waist_risk == "substantially-increased"
    later = service.record_measurement(store, profile, {body.Site.WAIST: "35.5"}, body.LengthUnit.IN,
                                       copy_previous=True, when=NOW + timedelta(days=7))
    assert later.values[body.Site.WAIST] == pytest.approx(90.2)
    assert later.values[body.Site.HIPS] == 104.0 and set(later.copied) == {body.Site.HIPS, body.Site.THIGH_L}
    entries = store.programme.body_entries(profile.id)
    assert [e.values.get(body.Site.WAIST) for e in entries] == [90.2, 92.0]
    ts, values = store.programme.body_series(profile.id, body.Site.WAIST)
    assert values == [92.0, 90.2] and ts[0] < ts[1]


def test_refused_values_store_nothing(store, profile) -> None:  # type: ignore[no-untyped-def]
    before = _counts(store, profile)
    with pytest.raises(body.MeasurementError):
        service.record_measurement(store, profile, {body.Site.WAIST: "92", body.Site.HIPS: "400"},
                                   body.LengthUnit.CM, copy_previous=False, when=NOW)
    with pytest.raises(medication.MedicationError):
        service.record_dose(store, profile, medicine="semaglutide", dose="0.25", when=NOW)
    with pytest.raises(medication.MedicationError):
        service.record_dose(store, profile, medicine="omeprazole", dose="20 mg", site="thigh-left", when=NOW)
    with pytest.raises(ValueError):
        service.record_water(store, profile, "9 l", NOW)
    assert _counts(store, profile) == before


def test_dose_log_rotates_injection_sites(store, profile) -> None:  # type: ignore[no-untyped-def]
    plan = service.add_plan(store, profile, medicine="semaglutide (Wegovy, Ozempic)", dose="0.25 mg",
                            schedule="weekly", weekday="wed")
    assert plan.route == "subcutaneous"
    sites = []
    for week in range(7):
        record = service.record_dose(store, profile, plan_id=plan.id, site="next",
                                     when=NOW + timedelta(days=7 * week),
                                     side_effects=["nausea:moderate"] if week == 0 else [])
        sites.append(record.site)
    assert sites[:6] == list(medication.ROTATION) and sites[6] is medication.ROTATION[0]
    doses = store.programme.doses(profile.id, 10)
    assert doses[-1].side_effects[0].severity is medication.Severity.MODERATE
    assert doses[0].dose == 0.25 and doses[0].dose_unit == "mg"
    skipped = service.record_dose(store, profile, plan_id=plan.id, skipped=True, when=NOW + timedelta(days=50))
    assert skipped.status == "skipped" and skipped.site is None


def test_water_target_and_reminder_suppression(store, profile) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(store.home)
    repo = store.programme
    for kind, at in ((ReminderKind.WEIGH_IN, time(7, 0)), (ReminderKind.WATER, time(8, 0)),
                     (ReminderKind.MEDICATION, time(8, 30)), (ReminderKind.MEASUREMENT, time(8, 45))):
        repo.add_reminder(profile.id, kind, at, 0b1111111)
    now = NOW.replace(hour=9)
    due = {r.kind for r in service.due_reminders(store, profile, settings, now)}
    assert due == {ReminderKind.WEIGH_IN, ReminderKind.WATER, ReminderKind.MEDICATION, ReminderKind.MEASUREMENT}
    weigh_ins(store, profile, days=1)  # today 07:00 UTC
    repo.set_water_target(profile.id, 500)
    service.record_water(store, profile, "500", now)
    service.record_measurement(store, profile, {body.Site.WAIST: "90"}, body.LengthUnit.CM, copy_previous=False,
                               when=now)
    due = {r.kind for r in service.due_reminders(store, profile, settings, now)}
    assert due == {ReminderKind.MEDICATION}
    shown = service.run_reminders(store, profile, settings, now, lambda title, body_text: "terminal")
    assert [s.reminder.kind for s in shown] == [ReminderKind.MEDICATION] and shown[0].via == "terminal"
    assert service.run_reminders(store, profile, settings, now + timedelta(minutes=5), lambda *a: "x") == []
    tomorrow = now + timedelta(days=1)
    assert ReminderKind.WATER in {r.kind for r in service.due_reminders(store, profile, settings, tomorrow)}


def test_medication_reminder_waits_for_every_due_medicine(store, profile) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(store.home)
    store.programme.add_reminder(profile.id, ReminderKind.MEDICATION, time(8, 0), 0b1111111)
    first = service.add_plan(store, profile, medicine="omeprazole", dose="20 mg")
    service.add_plan(store, profile, medicine="ondansetron", dose="4 mg", schedule="as-needed")
    weekly = service.add_plan(store, profile, medicine="tirzepatide", dose="2.5 mg", schedule="weekly", weekday="thu")
    assert weekly.weekday == 3
    assert service.due_reminders(store, profile, settings, NOW)  # omeprazole due (Wednesday: not tirzepatide)
    service.record_dose(store, profile, plan_id=first.id, when=NOW)
    assert service.due_reminders(store, profile, settings, NOW) == []


def test_checkin_hint_follows_the_clinics_config(store, profile) -> None:  # type: ignore[no-untyped-def]
    (store.home / "config.toml").write_text(
        '[programme]\nwater_target_ml = 1500\n'
        '[[programme.diet_stages]]\nname = "Vloeibaar"\ndays = 3\n[[programme.diet_stages]]\nname = "Normaal"\n'
        '[[programme.warning_signs]]\nsymptom = "nausea"\nat_least = 2\ndays = 2\nlabel = "Nausea for two days"\n',
        encoding="utf-8")
    settings = load_settings(store.home)
    assert settings.water_target_ml == 1500 and settings.diet.from_clinic
    assert service.record_checkin(store, profile, settings, {"nausea": "2"}, "", NOW - timedelta(days=1)) is None
    hint = service.record_checkin(store, profile, settings, {"nausea": "3", "mood": "4"}, "tired", NOW)
    assert hint is not None and "Nausea for two days" in hint
    today = service.today_overview(store, profile, settings, NOW.replace(tzinfo=UTC))
    assert today.hint == hint and today.water_target_ml == 1500
    assert today.stage is not None and today.stage.name() == "Normaal"  # placement 2026-01-10: long after


def test_bad_config_is_one_clear_line(store) -> None:  # type: ignore[no-untyped-def]
    (store.home / "config.toml").write_text('[[programme.diet_stages]]\ndays = 3\n', encoding="utf-8")
    with pytest.raises(ProgrammeConfigError, match="needs a name"):
        load_settings(store.home)


def test_profile_goal_weight_is_read_as_a_weight_goal(store, profile) -> None:  # type: ignore[no-untyped-def]
    weigh_ins(store, profile, days=60, start_kg=100.0, per_day=0.1)
    goals = store.programme.goals(profile)
    assert len(goals) == 1 and goals[0].id is None and goals[0].target == 80.0
    waist = service.add_goal(store, profile, "waist", "85", "2027-06-01", NOW.date())
    assert waist.target_date == date(2027, 6, 1)
    fast = service.add_goal(store, profile, "weight", "70", "2026-12-20", NOW.date())
    items = service.goal_assessments(store, profile, NOW.date())
    by_id = {i.goal.id: i for i in items}
    assert by_id[None].status.value == "on-track" and by_id[None].projected is not None
    assert by_id[fast.id].status.value == "unrealistic"
    assert store.programme.goal_dates(profile.id)[0][0] == date(2026, 12, 20)
    assert store.programme.remove_goal(profile, fast.id) and not store.programme.remove_goal(profile, 999)


def test_weight_goal_without_profile_goal_sets_the_chart_goal(store) -> None:  # type: ignore[no-untyped-def]
    from companion.domain import Profile, Sex

    person = store.profiles.add(Profile("Bo", Sex.MALE, date(1970, 1, 1), 180.0))
    goal = store.programme.add_goal(person, service.GoalKind.WEIGHT, 90.0, None)
    fresh = store.profiles.get(person.id)
    assert fresh is not None and fresh.goal_weight_kg == 90.0
    assert [g.id for g in store.programme.goals(fresh)] == [goal.id]  # listed once, not twice
    store.programme.remove_goal(fresh, goal.id)
    assert store.profiles.get(person.id).goal_weight_kg is None  # type: ignore[union-attr]


def test_without_health_consent_nothing_is_stored(home, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.domain import Profile, Sex
    from companion.privacy.gate import ProcessingNotAllowed

    with Store.create(home, passphrase=TEST_PASSPHRASE, clock=clock) as bare:
        person = bare.profiles.add(Profile("Cy", Sex.OTHER, date(1970, 1, 1), 170.0))
        with pytest.raises(ProcessingNotAllowed):
            service.record_water(bare, person, "250", NOW)
        assert bare.programme.counts(person.id)["water_intake"] == 0


def test_timeline_merges_entries(store, profile) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(store.home)
    service.record_note(store, profile, "first day \x1b[31mred\x1b[0m", NOW - timedelta(hours=2))
    service.record_checkin(store, profile, settings, {"reflux": "1"}, "", NOW - timedelta(hours=1))
    service.record_dose(store, profile, medicine="pantoprazole", dose="40 mg", when=NOW)
    kinds = [i.kind for i in store.programme.timeline(profile.id, NOW.date(), NOW.date())]
    assert kinds == ["medication", "checkin", "note"]
    assert store.programme.timeline(profile.id, NOW.date() + timedelta(days=1), NOW.date() + timedelta(days=2)) == []
