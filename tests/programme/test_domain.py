"""The programme's pure rules: body measurements and ratios, goals against the trend, medication, water and
diet stages, check-ins and warning signs, reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.programme import body, checkin, daily, goals, medication, reminders

DAY = 86400


# ----- body measurements ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["5", "400", "-3", "abc", "nan", "inf", ""])
def test_impossible_waist_is_refused_with_the_range(value: str) -> None:
    with pytest.raises(body.MeasurementError) as exc:
        body.validate_site(body.Site.WAIST, value)
    assert exc.value.field == "waist"
    assert "between 40 and 250 cm" in exc.value.message


def test_inches_are_converted_and_checked_in_inches() -> None:
    assert body.validate_site(body.Site.WAIST, "36.2", body.LengthUnit.IN) == pytest.approx(91.9)
    with pytest.raises(body.MeasurementError) as exc:
        body.validate_site(body.Site.WAIST, "200", body.LengthUnit.IN)
    assert "in." in exc.value.message and "16" in exc.value.message


@given(st.floats(min_value=40.0, max_value=250.0))
def test_cm_inch_round_trip(cm: float) -> None:
    inches = body.from_cm(cm, body.LengthUnit.IN)
    assert body.to_cm(inches, body.LengthUnit.IN) == pytest.approx(cm)
    assert body.validate_site(body.Site.WAIST, f"{inches:.6f}", body.LengthUnit.IN) == pytest.approx(cm, abs=0.06)


@given(st.text(max_size=12))
def test_validate_site_never_raises_anything_else(text: str) -> None:
    try:
        value = body.validate_site(body.Site.NECK, text)
    except body.MeasurementError:
        return
    assert 20.0 <= value <= 80.0


def test_at_least_one_site() -> None:
    with pytest.raises(body.MeasurementError):
        body.validate_sites({body.Site.WAIST: "", body.Site.HIPS: None})


def test_ratios_and_who_cutoffs() -> None:
    whr = body.waist_to_hip(92, 104, "female")
    assert whr is not None and whr.value == pytest.approx(0.8846, abs=1e-4)
    assert whr.cutoff == 0.85 and whr.above is True
    male = body.waist_to_hip(88, 100, "male")
    assert male is not None and male.cutoff == 0.90 and male.above is False
    other = body.waist_to_hip(88, 100, "other")
    assert other is not None and other.cutoff is None and other.above is None
    whtr = body.waist_to_height(83, 168)
    assert whtr is not None and whtr.above is False  # 0.494
    assert body.waist_to_height(84, 168).above is True  # type: ignore[union-attr]  # exactly 0.5
    assert body.waist_risk(80, "female") == "normal"
    assert body.waist_risk(85, "female") == "increased"
    assert body.waist_risk(89, "female") == "substantially-increased"
    assert body.waist_risk(95, "male") == "increased" and body.waist_risk(103, "male") == "substantially-increased"


# ----- goals ----------------------------------------------------------------------------------------------
def _line(days: int, start: float, per_day: float) -> tuple[list[int], list[float]]:
    ts = [1_700_000_000 + i * DAY for i in range(days)]
    return ts, [start - per_day * i for i in range(days)]


def test_goal_on_track_with_projected_date() -> None:
    ts, trend = _line(60, 100.0, 0.1)  # 0.7 kg/week
    today = date(2026, 1, 1)
    goal = goals.Goal(goals.GoalKind.WEIGHT, 90.0, today + timedelta(days=200))
    result = goals.assess(goal, ts, trend, today)
    assert result.actual_per_week == pytest.approx(-0.7)
    assert result.needed_per_week == pytest.approx((90.0 - trend[-1]) / 200 * 7)
    assert result.status is goals.GoalStatus.ON_TRACK
    weeks = (90.0 - trend[-1]) / -0.7
    assert result.projected == today + timedelta(days=round(weeks * 7))


def test_goal_unrealistic_is_said_plainly() -> None:
    ts, trend = _line(60, 100.0, 0.1)
    today = date(2026, 1, 1)
    result = goals.assess(goals.Goal(goals.GoalKind.WEIGHT, 80.0, today + timedelta(days=14)), ts, trend, today)
    assert result.status is goals.GoalStatus.UNREALISTIC
    assert abs(result.needed_per_week or 0) > result.limit_per_week  # type: ignore[operator]
    assert goals.STATUS_LABELS[result.status] == "unrealistic by the target date"


def test_goal_behind_away_passed_reached_and_no_trend() -> None:
    today = date(2026, 1, 1)
    ts, trend = _line(60, 100.0, 0.02)  # 0.14 kg/week: gets to 90 kg in about a year
    behind = goals.assess(goals.Goal(goals.GoalKind.WEIGHT, 90.0, today + timedelta(days=120)), ts, trend, today)
    assert behind.status is goals.GoalStatus.BEHIND and behind.projected is not None
    assert behind.projected > today + timedelta(days=120)
    up_ts, up = _line(60, 100.0, -0.05)
    assert goals.assess(goals.Goal(goals.GoalKind.WEIGHT, 90.0), up_ts, up, today).status is goals.GoalStatus.AWAY
    passed = goals.Goal(goals.GoalKind.WEIGHT, 90.0, date(2025, 12, 1))
    assert goals.assess(passed, ts, trend, today).status is goals.GoalStatus.PASSED
    assert goals.assess(goals.Goal(goals.GoalKind.WEIGHT, 99.0), ts, trend, today).status is goals.GoalStatus.REACHED
    assert goals.assess(goals.Goal(goals.GoalKind.WEIGHT, 90.0), ts[:3], trend[:3], today).status \
        is goals.GoalStatus.NO_TREND


def test_tbwl_goal_is_a_weight_target_from_the_reference() -> None:
    ts, trend = _line(60, 100.0, 0.1)
    result = goals.assess(goals.Goal(goals.GoalKind.TBWL, 10.0), ts, trend, date(2026, 1, 1), reference_kg=100.0)
    assert result.target_value == pytest.approx(90.0)
    assert result.current == pytest.approx(100.0 - trend[-1])  # % lost = kg lost from 100 kg


def test_goal_validation() -> None:
    with pytest.raises(goals.GoalError):
        goals.validate_target(goals.GoalKind.WAIST, "5")
    with pytest.raises(goals.GoalError):
        goals.validate_target_date("2026-01-01", date(2026, 1, 1))
    assert goals.parse_kind("body-fat") is goals.GoalKind.BODY_FAT
    assert goals.parse_kind("%TBWL") is goals.GoalKind.TBWL


# ----- medication -----------------------------------------------------------------------------------------
def test_dose_needs_a_unit() -> None:
    assert medication.parse_dose("0.25 mg") == (0.25, "mg")
    assert medication.parse_dose("2,5mg") == (2.5, "mg")
    assert medication.parse_dose("10 units") == (10.0, "units")
    assert medication.parse_dose("250 µg") == (250.0, "mcg")
    for bad, words in (("0.25", "needs a unit"), ("", "with its unit"), ("0 mg", "more than 0"),
                       ("3 bananas", "Unknown dose unit")):
        with pytest.raises(medication.MedicationError) as exc:
            medication.parse_dose(bad)
        assert words in exc.value.message


@given(st.text(max_size=20))
def test_parse_dose_only_raises_medication_errors(text: str) -> None:
    try:
        value, unit = medication.parse_dose(text)
    except medication.MedicationError:
        return
    assert value > 0 and unit in set(medication.DOSE_UNITS.values())


def test_injection_site_rotation() -> None:
    s = medication.InjectionSite
    start = datetime(2026, 1, 1, 8)
    assert medication.next_site([]) is s.ABDOMEN_LEFT
    history = [medication.SiteUse(s.ABDOMEN_LEFT, start)]
    assert medication.next_site(history) is s.ABDOMEN_RIGHT
    history = [medication.SiteUse(site, start + timedelta(days=7 * i)) for i, site in enumerate(medication.ROTATION)]
    assert medication.next_site(history) is s.ABDOMEN_LEFT  # all used: the least recent
    history.append(medication.SiteUse(s.ABDOMEN_LEFT, start + timedelta(days=70)))
    assert medication.next_site(history) is s.ABDOMEN_RIGHT
    with pytest.raises(medication.MedicationError):
        medication.parse_site("thigh-left", medication.Route.ORAL)


def test_suggestions_cover_glp1_and_balloon_prescriptions() -> None:
    groups = {s.group for s in medication.SUGGESTIONS}
    assert {medication.GLP1, medication.ACID, medication.NAUSEA} <= groups
    assert medication.suggestion_for("semaglutide") is not None
    assert medication.suggestions("prazole") and all("prazole" in s.name for s in medication.suggestions("prazole"))


# ----- water and diet stages ------------------------------------------------------------------------------
def test_water_amounts() -> None:
    assert daily.parse_ml("250") == 250 and daily.parse_ml("0,5 l") == 500 and daily.parse_ml("330ml") == 330
    for bad in ("0", "-1", "6 l", "lots"):
        with pytest.raises(daily.DailyError):
            daily.parse_ml(bad)
    assert daily.validate_target_ml("2500") == 2500
    with pytest.raises(daily.DailyError):
        daily.validate_target_ml("100")


def test_diet_stage_of_the_day_from_the_clinics_list() -> None:
    plan = daily.parse_stages([{"name": "Liquids", "days": 3}, {"name": "Purées", "days": 4}, {"name": "Normal"}])
    placed = date(2026, 1, 10)
    assert daily.stage_on(plan, placed, placed - timedelta(days=1)) is None
    first = daily.stage_on(plan, placed, placed)
    assert first is not None and first.name() == "Liquids" and first.day == 1 and first.next_on == date(2026, 1, 13)
    third = daily.stage_on(plan, placed, date(2026, 1, 12))
    assert third is not None and third.name() == "Liquids" and third.day_in_stage == 3
    purees = daily.stage_on(plan, placed, date(2026, 1, 13))
    assert purees is not None and purees.name() == "Purées" and purees.day_in_stage == 1
    later = daily.stage_on(plan, placed, date(2026, 6, 1))
    assert later is not None and later.name() == "Normal" and later.next_stage is None
    assert daily.stage_on(plan, None, placed) is None
    default = daily.stage_on(daily.parse_stages(None), placed, placed)
    assert default is not None and not default.from_clinic


@pytest.mark.parametrize("raw", [[], [{"days": 3}], [{"name": "A"}, {"name": "B"}], [{"name": "A", "days": 0}],
                                 "liquids", [{"name": "A", "days": True}]])
def test_malformed_diet_stages_are_refused(raw: object) -> None:
    with pytest.raises(daily.DailyError):
        daily.parse_stages(raw)


# ----- check-ins and warning signs ------------------------------------------------------------------------
def test_checkin_values() -> None:
    assert checkin.validate_value("nausea", "2") == 2
    assert checkin.validate_value("vomiting", "severe") == 3
    assert checkin.validate_value("mood", "5") == 5
    for field, bad in (("nausea", "4"), ("energy", "0"), ("pain", "x")):
        with pytest.raises(checkin.CheckinError):
            checkin.validate_value(field, bad)
    with pytest.raises(checkin.CheckinError):
        checkin.validate_checkin({"nausea": None}, "")


def test_warning_signs_match_days_in_a_row() -> None:
    today = date(2026, 2, 1)
    sign = checkin.WarningSign("vomiting", 2, days=2)
    one = [checkin.Checkin(today, {"vomiting": 2})]
    assert checkin.matching_signs(one, (sign,), today) == []
    two = [checkin.Checkin(today - timedelta(days=1), {"vomiting": 3}), *one]
    assert checkin.matching_signs(two, (sign,), today) == [sign]
    hint = checkin.clinic_hint([sign])
    assert hint is not None and "contact your clinic" in hint and "!" not in hint
    low_mood = checkin.WarningSign("mood", 1)
    assert checkin.matching_signs([checkin.Checkin(today, {"mood": 1})], (low_mood,), today) == [low_mood]


def test_clinic_configured_signs() -> None:
    signs = checkin.parse_warning_signs([{"symptom": "pain", "at_least": 2, "days": 2, "label": "Pain two days"},
                                         {"symptom": "energy", "at_most": 1}])
    assert signs[0].describe() == "Pain two days" and signs[1].threshold == 1
    for bad in ([{"symptom": "fever", "at_least": 2}], [{"symptom": "pain", "at_least": 9}], "x"):
        with pytest.raises(checkin.CheckinError):
            checkin.parse_warning_signs(bad)


# ----- reminders ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["25:00", "7", "07:60", "", "seven"])
def test_reminder_time_refused(bad: str) -> None:
    with pytest.raises(reminders.ReminderError) as exc:
        reminders.parse_time(bad)
    assert "HH:MM" in exc.value.message


def test_weekdays() -> None:
    assert reminders.parse_weekdays("mon-fri") == frozenset(range(5))
    assert reminders.parse_weekdays("sat,sun") == reminders.parse_weekdays("weekend")
    assert reminders.mask_text(reminders.weekday_mask(reminders.parse_weekdays("daily"))) == "daily"
    for bad in ("fri-mon", "someday", ","):
        with pytest.raises(reminders.ReminderError):
            reminders.parse_weekdays(bad)


def test_due_reminders_are_suppressed_when_done_and_shown_once() -> None:
    weigh = reminders.Reminder(reminders.ReminderKind.WEIGH_IN, time(7, 30), 0b0011111, True, 1)
    water = reminders.Reminder(reminders.ReminderKind.WATER, time(12, 0), reminders.ALL_DAYS, True, 2)
    monday_morning = datetime(2026, 11, 23, 8, 0)
    assert reminders.due([weigh, water], monday_morning, frozenset(), frozenset()) == [weigh]
    assert reminders.due([weigh], monday_morning, frozenset({reminders.ReminderKind.WEIGH_IN}), frozenset()) == []
    assert reminders.due([weigh], monday_morning, frozenset(), frozenset({1})) == []
    assert reminders.due([weigh], datetime(2026, 11, 29, 8, 0), frozenset(), frozenset()) == []  # a Sunday
    assert reminders.due([weigh], datetime(2026, 11, 23, 7, 0), frozenset(), frozenset()) == []  # not yet


@given(st.text(max_size=12))
def test_time_and_weekday_parsers_only_raise_their_own_error(text: str) -> None:
    for parse in (reminders.parse_time, reminders.parse_weekdays):
        try:
            parse(text)
        except reminders.ReminderError:
            pass


@given(st.text(max_size=12))
def test_water_parser_only_raises_its_own_error(text: str) -> None:
    try:
        value = daily.parse_ml(text)
    except daily.DailyError:
        return
    assert 1 <= value <= 5000
