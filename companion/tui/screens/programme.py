"""Programme (F11): today's diet stage, water, medicines and next injection site, the clinic hint, goals,
reminders and the timeline; keyboard-first entry of water (one key), tape measurements (the previous ones
copied forward), doses, check-ins, notes, goals and reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from companion.i18n import N_, _
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.programme_forms import FormField, ProgrammeForm
from companion.tui.widgets.trends_chart import TrendChart
from companion.tui.widgets.trends_commands import PaletteCommand, ScreenPalette

if TYPE_CHECKING:
    from companion.domain.model import Profile
    from companion.programme.service import Today
    from companion.programme.settings import ProgrammeSettings


def _bar(fraction: float, width: int = 20) -> str:
    filled = int(round(min(max(fraction, 0.0), 1.0) * width))
    return "█" * filled + "░" * (width - filled)


def goal_text(item: Any, profile: Profile) -> Text:
    """One goal: target and date, how it is going, needed against actual weekly rate, projected date."""
    from companion.domain.units import format_weight
    from companion.programme.goals import STATUS_LABELS, GoalKind, GoalStatus

    goal = item.goal
    kind = GoalKind(goal.kind)
    mass = kind in (GoalKind.WEIGHT, GoalKind.TBWL)
    unit = profile.weight_unit

    def rate(value: float | None) -> str:
        if value is None:
            return "—"
        shown = format_weight(value, unit, decimals=2, signed=True) if mass else f"{value:+.2f} {kind.unit}"
        return _("{amount}/week").format(amount=shown)

    target = format_weight(goal.target, unit) if kind is GoalKind.WEIGHT else f"{goal.target:g} {kind.unit}"
    line = Text()
    line.append(_("Goal {kind} {target}").format(kind=_(kind.label), target=target), "bold")
    if goal.target_date is not None:
        line.append(" " + _("by {day}").format(day=goal.target_date.isoformat()), "bold")
    status = item.status
    style = {GoalStatus.UNREALISTIC: "bold yellow", GoalStatus.REACHED: "bold green",
             GoalStatus.ON_TRACK: "green"}.get(status, "")
    line.append(": ")
    line.append(_(STATUS_LABELS[status]), style)
    if item.needed_per_week is not None and status is not GoalStatus.REACHED:
        line.append("  " + _("needed {rate}").format(rate=rate(item.needed_per_week)))
    if status is not GoalStatus.REACHED:
        line.append("  " + _("trend {rate}").format(rate=rate(item.actual_per_week)))
    if item.projected is not None and status is not GoalStatus.REACHED:
        line.append("  " + _("projected {day}").format(day=item.projected.isoformat()))
    return line


def stage_water_text(today: Today) -> Text:
    line = Text()
    stage = today.stage
    if stage is not None:
        line.append(_("Diet stage") + " ", "bold")
        line.append_text(safe_text(stage.name()))
        if stage.stage_days is not None:
            line.append(" " + _("(day {n} of {total})").format(n=stage.day_in_stage, total=stage.stage_days))
        line.append("   ")
    line.append(_("Water") + " ", "bold")
    line.append(f"{today.water_ml} / {today.water_target_ml} ml ")
    line.append(_bar(today.water_ml / today.water_target_ml if today.water_target_ml else 0, 12))
    return line


def dashboard_lines(store: Any, profile: Profile, now: Any) -> Text | None:
    """What the dashboard shows of the programme (loaded after its first paint): today's diet stage and water,
    and the goals with a target date (needed weekly rate against the trend, projected date, "unrealistic").
    ``None`` when there is nothing of the programme to show."""
    from companion.privacy import allowed
    from companion.programme.service import today_overview
    from companion.programme.settings import ProgrammeConfigError, load_settings

    if not allowed(store, "health-data"):
        return None
    try:
        settings = load_settings(store.home)
    except ProgrammeConfigError as exc:
        return safe_text(str(exc), style="dim")
    today = today_overview(store, profile, settings, now)
    lines: list[Text] = []
    dated = [g for g in today.goals if g.goal.target_date is not None or g.goal.kind != "weight"]
    for item in dated[:3]:
        lines.append(goal_text(item, profile))
    # Only while it matters: a diet stage with an end (not the open-ended last one), water logged or reminded of
    has_water = today.water_ml > 0 or any(r.kind.value == "water" for r in today.reminders)
    if (today.stage is not None and today.stage.stage_days is not None) or has_water:
        lines.append(stage_water_text(today))
    if today.hint:
        lines.append(safe_text(today.hint, style="italic"))
    return Text("\n").join(lines) if lines else None


class ProgrammeScreen(ScreenPalette, CompanionScreen):
    SCREEN_ID = "programme"
    HELP = N_(
        "# Programme\n\n"
        "Your programme day to day: today's **diet stage** (the stages and their days come from your clinic's "
        "settings in `config.toml`), **water** against your daily target, the medicines due today and the "
        "**next injection site** (the one you used least recently), your **goals** and your **reminders**, "
        "and the timeline of weigh-ins, check-ins, notes, doses and tape measurements.\n\n"
        "Goals compare the weekly rate *needed* to reach them by their date with the *actual* rate of your "
        "trend line (the last four weeks) and project the date the trend gets there. A goal is called "
        "*unrealistic* when it needs more than 1 kg (or 1 % of your weight) a week, more than 1 point of body "
        "fat or 2 cm of waist a week.\n\n"
        "Waist-to-hip ratio cut-offs: 0.85 (women) and 0.90 (men), WHO expert consultation 2008; "
        "waist-to-height ratio 0.5 (Ashwell et al. 2012).\n\n"
        "When a check-in matches a warning sign your clinic asked to hear about, a calm hint suggests "
        "contacting the clinic. It is not an alarm and not a diagnosis.\n\n"
        "Keys: **w** a glass of water (250 ml), **W** another amount, **u** undo the last water, **m** tape "
        "measurements (your previous values are filled in: change what changed), **d** a dose taken or "
        "skipped, **c** the daily check-in, **n** a note, **g** a goal, **r** a reminder, **t** your water "
        "target, **p** progress photos, **v** chart the next body measurement. In a form, **enter** or "
        "**ctrl+s** saves, **escape** cancels; a value "
        "that cannot be right is explained under its field and nothing is saved. Everything is also in the "
        "command palette (ctrl+p) under \"Programme:\", and on the command line as `companion log`, "
        "`companion goals` and `companion remind`."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "water", _("Water +250"), id="programme-water", tooltip=_("Log a glass of water (250 ml)")),
        Binding("W", "water_amount", _("Water…"), id="programme-water-amount", show=False,
                tooltip=_("Log another amount of water")),
        Binding("u", "undo_water", _("Undo water"), id="programme-water-undo", show=False,
                tooltip=_("Remove today's last water entry")),
        Binding("m", "measurement", _("Measure"), id="programme-measurement",
                tooltip=_("Log tape measurements (the previous ones are filled in)")),
        Binding("d", "dose", _("Dose"), id="programme-dose", tooltip=_("Log a dose taken or skipped")),
        Binding("c", "checkin", _("Check-in"), id="programme-checkin", tooltip=_("The daily check-in")),
        Binding("n", "note", _("Note"), id="programme-note", tooltip=_("Add a note to the timeline"), show=False),
        Binding("g", "goal", _("Goal"), id="programme-goal", tooltip=_("Add a goal"), show=False),
        Binding("r", "reminder", _("Reminder"), id="programme-reminder", tooltip=_("Add a reminder"), show=False),
        Binding("t", "water_target", _("Water target"), id="programme-water-target", show=False,
                tooltip=_("Set your daily water target")),
        Binding("p", "photos", _("Photos"), id="programme-photos", show=False,
                tooltip=_("Progress photos by date, side by side")),
        Binding("v", "next_site", _("Chart"), id="programme-chart-site", show=False,
                tooltip=_("Chart the next body measurement (waist, hips, ...)")),
    ]
    DEFAULT_CSS = """
    ProgrammeScreen #prog { height: 1fr; padding: 0 1; }
    ProgrammeScreen #prog-top { height: auto; max-height: 60%; }
    ProgrammeScreen #prog-today { height: auto; }
    ProgrammeScreen #prog-hint { height: auto; color: $accent; margin-top: 1; }
    ProgrammeScreen #prog-hint.-empty { display: none; }
    ProgrammeScreen #prog-lists { height: auto; margin-top: 1; }
    ProgrammeScreen #prog-goals { width: 2fr; height: auto; }
    ProgrammeScreen #prog-reminders { width: 1fr; height: auto; padding: 0 0 0 2; }
    ProgrammeScreen .section-title { text-style: bold; color: $primary; margin-top: 1; }
    ProgrammeScreen #prog-bottom { height: 1fr; }
    ProgrammeScreen #prog-left { width: 1fr; height: 1fr; }
    ProgrammeScreen #prog-timeline { height: 1fr; min-height: 5; }
    ProgrammeScreen #prog-chart { width: 1fr; height: 1fr; min-height: 6; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.today: Today | None = None
        self.chart_site = 0  # which body measurement the chart shows (index in companion.programme.body.SITES)
        self.settings: ProgrammeSettings | None = None
        self.content_ready = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="prog"):
            with VerticalScroll(id="prog-top", can_focus=False):
                yield Static(_("Loading…"), id="prog-today")
                yield Static("", id="prog-hint", classes="-empty")
                with Horizontal(id="prog-lists"):
                    yield Static("", id="prog-goals")
                    yield Static("", id="prog-reminders")
            with Horizontal(id="prog-bottom"):
                with Vertical(id="prog-left"):
                    yield Static(_("Timeline (14 days)"), classes="section-title")
                    yield DataTable(id="prog-timeline", cursor_type="row", zebra_stripes=True)
                yield TrendChart(id="prog-chart", show_legend=False)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#prog-timeline", DataTable)
        table.add_columns(_("When"), _("What"), _("Details"))
        self.reload()

    def on_screen_resume(self) -> None:
        if self.today is not None:
            self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(_("Could not load your programme: {error}").format(error=str(error) or type(error).__name__),
                        severity="error")
            self.content_shown()

    # ----- data ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            self.content_shown()
            return
        self._load(profile)

    @work(exclusive=True, group="programme-load", thread=True, exit_on_error=False)
    def _load(self, profile: Profile) -> None:
        from datetime import timedelta

        from companion.privacy import ProcessingNotAllowed, require
        from companion.programme.service import today_overview
        from companion.programme.settings import ProgrammeConfigError, load_settings

        try:
            require(self.store, "health-data")
        except ProcessingNotAllowed as exc:
            self.app.call_from_thread(self._blocked, str(exc))
            return
        try:
            settings = load_settings(self.store.home)
        except ProgrammeConfigError as exc:
            self.app.call_from_thread(self._blocked, str(exc))
            return
        now = self.companion.clock.now()
        today = today_overview(self.store, profile, settings, now)
        assert profile.id is not None
        timeline = self.store.programme.timeline(profile.id, now.date() - timedelta(days=13), now.date())
        chart = self._body_chart(profile, today)
        self.app.call_from_thread(self._show, profile, settings, today, timeline)
        self.app.call_from_thread(self._show_chart, chart)

    def _body_chart(self, profile: Profile, today: Today) -> Any:
        """The chosen body measurement over time: readings, trend (the same smoothing as weight) and the waist
        goal line, in the person's length unit."""
        from companion.domain.units import HeightUnit
        from companion.programme.body import SITES, LengthUnit, from_cm
        from companion.trends.chart import ChartInput, ChartKey, Layers
        from companion.trends.series import prepare

        assert profile.id is not None
        site = SITES[self.chart_site % len(SITES)]
        ts, values = self.store.programme.body_series(profile.id, site)
        if not ts:
            return None
        unit = LengthUnit.IN if profile.height_unit is HeightUnit.FT_IN else LengthUnit.CM
        prepared = prepare(ts, values)
        goal = next((g.goal.target for g in today.goals if g.goal.kind == "waist"), None) if site.value == "waist" \
            else None
        layers = Layers(prepared.ts, [from_cm(v, unit) for v in prepared.values], prepared.flagged,
                        [from_cm(v, unit) for v in prepared.trend], goal=from_cm(goal, unit) if goal else None)
        return ChartInput(ChartKey(sample_kind=f"body:{site.value}"), site.label, unit.value, layers, prepared.extent,
                          profile.placement_date)

    def _show_chart(self, chart: Any) -> None:
        from companion.trends.ranges import RangeKey

        widget = self.query_one("#prog-chart", TrendChart)
        widget.display = chart is not None
        if chart is not None:
            widget.show(None, chart, RangeKey.ALL)

    def action_next_site(self) -> None:
        self.chart_site += 1
        self.reload()

    def _blocked(self, message: str) -> None:
        self.query_one("#prog-today", Static).update(safe_text(message))
        self.content_shown()

    def _show(self, profile: Profile, settings: ProgrammeSettings, today: Today, timeline: list[Any]) -> None:
        from companion.programme.medication import SITE_LABELS
        from companion.programme.reminders import KIND_LABELS, mask_text

        self.today, self.settings = today, settings
        lines = [stage_water_text(today)]
        if today.stage is not None:
            stage = today.stage
            if stage.next_stage is not None and stage.next_on is not None:
                nxt = stage.next_stage.name if stage.from_clinic else _(stage.next_stage.name)
                lines.append(safe_text(_("{next} from {day}").format(next=nxt, day=stage.next_on.isoformat()),
                                       style="dim"))
            if not stage.from_clinic:
                lines.append(Text(_("(Companion's default stages: check them with your clinic)"), style="dim"))
        for plan in today.due_medicines:
            done = any(d.plan_id == plan.id or d.medicine.lower() == plan.medicine.lower() for d in today.doses_today)
            line = Text()
            line.append(_("Medicine today") + " ", "bold")
            line.append_text(safe_text(f"{plan.medicine} {plan.dose:g} {plan.dose_unit}"))
            line.append("  ✓ " + _("logged") if done else "  " + _("not logged yet"), "green" if done else "")
            lines.append(line)
        if today.next_site is not None:
            lines.append(Text(_("Next suggested injection site: {site}").format(site=_(SITE_LABELS[today.next_site]))))
        if today.latest_body is not None:
            lines.append(self._body_line(today.latest_body))
        self.query_one("#prog-today", Static).update(Text("\n").join(lines))
        hint = self.query_one("#prog-hint", Static)
        hint.update(safe_text(today.hint) if today.hint else "")
        hint.set_class(not today.hint, "-empty")
        goals = [Text(_("Goals"), style="bold")]
        goals += [goal_text(g, profile) for g in today.goals] or [
            Text(_("No goals yet: press g to add one (weight, %TBWL, body fat or waist, with a date)."), style="dim")]
        self.query_one("#prog-goals", Static).update(Text("\n").join(goals))
        reminders = [Text(_("Reminders"), style="bold")]
        for r in today.reminders:
            state = "" if r.enabled else " (" + _("off") + ")"
            reminders.append(Text(f"{r.at.strftime('%H:%M')} {mask_text(r.weekdays)}  {_(KIND_LABELS[r.kind])}{state}"))
        if not today.reminders:
            reminders.append(Text(_("None yet: press r to add one."), style="dim"))
        self.query_one("#prog-reminders", Static).update(Text("\n").join(reminders))
        table = self.query_one("#prog-timeline", DataTable)
        table.clear()
        kinds = {"weigh-in": _("Weigh-in"), "checkin": _("Check-in"), "note": _("Note"), "medication": _("Dose"),
                 "measurement": _("Measurements")}
        from companion.domain.units import format_weight

        for item in timeline:
            details = (Text(format_weight(item.value, profile.weight_unit)) if item.value is not None
                       else safe_text(item.text, max_length=200))
            table.add_row(item.when.strftime("%Y-%m-%d %H:%M"), kinds.get(item.kind, item.kind), details)
        if not timeline:
            table.add_row("", "", Text(_("Nothing logged in the last 14 days."), style="dim"))
        self.content_shown()

    @staticmethod
    def _body_line(summary: Any) -> Text:
        line = Text()
        line.append(_("Latest measurements") + " ", "bold")
        line.append(", ".join(f"{_(s.label)} {v:g} cm" for s, v in summary.values.items()))
        if summary.whr is not None:
            mark = " ≥ " if summary.whr.above else " < "
            cut = f"{mark}{summary.whr.cutoff:.2f}" if summary.whr.cutoff is not None else ""
            line.append("  " + _("WHR {value:.2f}").format(value=summary.whr.value) + cut)
        if summary.whtr is not None:
            line.append("  " + _("WHtR {value:.2f}").format(value=summary.whtr.value)
                        + (" ≥ 0.50" if summary.whtr.above else " < 0.50"))
        return line

    # ----- entry --------------------------------------------------------------------------------------
    def _saving(self, action: Any) -> Any:
        """Run ``action()`` (validate, then store); a missing consent becomes a message on the form."""
        from companion.privacy.gate import ProcessingNotAllowed

        try:
            return action()
        except ProcessingNotAllowed as exc:
            raise ValueError(str(exc)) from None

    def _done(self, message: str) -> Any:
        def after(result: Any) -> None:
            if result is not None:
                self.notify(message if isinstance(result, bool) else str(result))
                self.reload()
        return after

    def _water_target_default(self) -> int:
        from companion.programme.daily import DEFAULT_WATER_TARGET_ML

        return self.settings.water_target_ml if self.settings is not None else DEFAULT_WATER_TARGET_ML

    def action_water(self, amount: str = "250") -> None:
        from companion.programme.daily import DailyError
        from companion.programme.service import record_water

        profile = self.profile
        if profile is None or profile.id is None:
            return
        try:
            total = self._saving(lambda: record_water(self.store, profile, amount, self.companion.clock.now()))
        except (DailyError, ValueError) as exc:
            self.notify(getattr(exc, "message", str(exc)), severity="error")
            return
        target = self.store.programme.water_target(profile.id, self._water_target_default())
        self.notify(_("Water today: {total} of {target} ml").format(total=total, target=target))
        self.reload()

    def action_water_amount(self) -> None:
        from companion.programme.service import record_water

        profile = self.profile
        if profile is None:
            return

        def validate(values: dict[str, str]) -> Any:
            total = self._saving(lambda: record_water(self.store, profile, values["ml"], self.companion.clock.now()))
            return _("Water today: {total} ml").format(total=total)

        self.app.push_screen(ProgrammeForm(_("Water"), [FormField("ml", _("Amount (ml)"), "250", "250")], validate),
                             self._done(""))

    def action_undo_water(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            return
        removed = self.store.programme.undo_last_water(profile.id, self.companion.clock.now().date())
        self.notify(_("Removed {ml} ml.").format(ml=removed) if removed else _("No water logged today."))
        self.reload()

    def action_water_target(self) -> None:
        from companion.programme.daily import validate_target_ml

        profile = self.profile
        if profile is None or profile.id is None:
            return
        current = self.store.programme.water_target(profile.id, self._water_target_default())
        profile_id = profile.id

        def validate(values: dict[str, str]) -> Any:
            target = validate_target_ml(values["target"])
            self.store.programme.set_water_target(profile_id, target)
            return _("Daily water target: {target} ml").format(target=target)

        self.app.push_screen(ProgrammeForm(_("Daily water target"), [
            FormField("target", _("Target (ml)"), str(current), "2000")], validate), self._done(""))

    def action_measurement(self) -> None:
        from companion.domain.units import HeightUnit
        from companion.programme.body import SITES, LengthUnit, from_cm
        from companion.programme.service import record_measurement

        profile = self.profile
        if profile is None or profile.id is None:
            return
        unit = LengthUnit.IN if profile.height_unit is HeightUnit.FT_IN else LengthUnit.CM
        previous = self.store.programme.latest_site_values(profile.id)
        fields = [FormField(s.value, f"{_(s.label)} ({unit.value})",
                            f"{from_cm(previous[s], unit):.1f}".rstrip("0").rstrip(".") if s in previous else "")
                  for s in SITES]
        fields.append(FormField("note", _("Note (optional)")))

        def validate(values: dict[str, str]) -> Any:
            raw = {s: values[s.value] for s in SITES}
            summary = self._saving(lambda: record_measurement(
                self.store, profile, raw, unit, copy_previous=False, when=self.companion.clock.now(),
                note=values["note"]))
            return self._body_line(summary).plain

        note = (_("Your previous measurements are filled in: change what changed, clear what you did not measure.")
                if previous else _("Measure with a tape, relaxed, after breathing out; leave empty what you skip."))
        self.app.push_screen(ProgrammeForm(_("Tape measurements"), fields, validate, note=note), self._done(""))

    def action_dose(self) -> None:
        from companion.programme.medication import (
            ROUTE_LABELS,
            SITE_LABELS,
            SUGGESTIONS,
            InjectionSite,
            Route,
            next_site,
        )
        from companion.programme.service import record_dose

        profile = self.profile
        if profile is None or profile.id is None:
            return
        repo = self.store.programme
        today = self.today
        plan = None
        if today is not None:
            logged = {d.plan_id for d in today.doses_today}
            plan = next((p for p in today.due_medicines if p.id not in logged), None)
        plans = repo.plans(profile.id)
        plan = plan or (plans[0] if plans else None)
        last = repo.doses(profile.id, 1)
        suggested = next_site(repo.site_history(profile.id))
        medicine = plan.medicine if plan else (last[0].medicine if last else "")
        dose = f"{plan.dose:g} {plan.dose_unit}" if plan else (
            f"{last[0].dose:g} {last[0].dose_unit}" if last and last[0].dose is not None else "")
        route = plan.route if plan else (last[0].route if last else Route.SUBCUTANEOUS.value)
        site_options = [(_("no injection"), "")] + [(_(SITE_LABELS[s]), s.value) for s in InjectionSite]
        fields = [
            FormField("medicine", _("Medicine"), medicine, "semaglutide",
                      suggestions=[s.name for s in SUGGESTIONS] + [p.medicine for p in plans]),
            FormField("dose", _("Dose"), dose, "0.25 mg"),
            FormField("route", _("Route"), route, options=[(_(ROUTE_LABELS[r]), r.value) for r in Route]),
            FormField("site", _("Injection site"), suggested.value if route in ("subcutaneous", "intramuscular")
                      else "", options=site_options),
            FormField("status", _("Taken?"), "taken", options=[(_("taken"), "taken"), (_("skipped"), "skipped")]),
            FormField("side_effects", _("Side effects"), "", _("e.g. nausea:mild, headache:moderate")),
            FormField("note", _("Note (optional)")),
        ]

        def validate(values: dict[str, str]) -> Any:
            effects = [e.strip() for e in values["side_effects"].split(",") if e.strip()]
            same_plan = plan is not None and values["medicine"].strip().lower() == plan.medicine.lower()
            record = self._saving(lambda: record_dose(
                self.store, profile, medicine=values["medicine"], dose=values["dose"], route=values["route"],
                site=values["site"], skipped=values["status"] == "skipped", side_effects=effects,
                plan_id=plan.id if same_plan and plan is not None else None, when=self.companion.clock.now(),
                note=values["note"]))
            text = _("Dose logged.")
            if record.next_site is not None:
                text += " " + _("Next suggested injection site: {site}").format(site=_(SITE_LABELS[record.next_site]))
            return text

        note = _("Next suggested injection site: {site} (the one used least recently).").format(
            site=_(SITE_LABELS[suggested]))
        self.app.push_screen(ProgrammeForm(_("Log a dose"), fields, validate, note=note), self._done(""))

    def action_checkin(self) -> None:
        from companion.programme.checkin import FIELD_LABELS, SYMPTOMS
        from companion.programme.service import record_checkin

        profile = self.profile
        if profile is None:
            return
        fields = [FormField(f, _(FIELD_LABELS[f]) + (" (0-3)" if f in SYMPTOMS else " (1-5)"), "",
                            _("0 none … 3 severe") if f in SYMPTOMS else _("1 very low … 5 very good"))
                  for f in FIELD_LABELS]
        fields.append(FormField("note", _("Note (optional)")))
        settings = self.settings

        def validate(values: dict[str, str]) -> Any:
            from companion.programme.settings import load_settings

            chosen = settings or load_settings(self.store.home)
            answers: dict[str, str | int | None] = {f: values[f] for f in FIELD_LABELS}
            hint = self._saving(lambda: record_checkin(self.store, profile, chosen, answers, values["note"],
                                                       self.companion.clock.now()))
            return hint or _("Check-in saved.")

        self.app.push_screen(ProgrammeForm(_("Daily check-in"), fields, validate,
                                           note=_("Leave empty what you do not want to answer.")), self._done(""))

    def action_note(self) -> None:
        from companion.programme.service import record_note

        profile = self.profile
        if profile is None:
            return

        def validate(values: dict[str, str]) -> Any:
            self._saving(lambda: record_note(self.store, profile, values["note"], self.companion.clock.now()))
            return _("Note saved.")

        self.app.push_screen(ProgrammeForm(_("Note"), [FormField("note", _("Note"))], validate), self._done(""))

    def action_goal(self) -> None:
        from companion.programme.goals import GOAL_LABELS, GoalKind
        from companion.programme.service import add_goal

        profile = self.profile
        if profile is None:
            return
        today = self.companion.clock.now().date()
        fields = [
            FormField("kind", _("Goal for"), "weight", options=[(_(GOAL_LABELS[k]), k.value) for k in GoalKind]),
            FormField("target", _("Target"), "", _("kg (your weight unit), %, % or cm")),
            FormField("target_date", _("Target date (optional)"), "", "YYYY-MM-DD"),
        ]

        def validate(values: dict[str, str]) -> Any:
            add_goal(self.store, profile, values["kind"], values["target"], values["target_date"], today)
            return _("Goal saved.")

        self.app.push_screen(ProgrammeForm(_("Add a goal"), fields, validate), self._done(""))

    def action_reminder(self) -> None:
        from companion.programme.reminders import KIND_LABELS, ReminderKind, parse_time, parse_weekdays, weekday_mask

        profile = self.profile
        if profile is None or profile.id is None:
            return
        profile_id = profile.id
        fields = [
            FormField("kind", _("Remind me of"), "weigh-in",
                      options=[(_(KIND_LABELS[k]), k.value) for k in ReminderKind]),
            FormField("at", _("Time"), "07:30", "HH:MM"),
            FormField("weekdays", _("Days"), "daily", "mon-fri, daily, weekend, mon,wed,fri"),
        ]

        def validate(values: dict[str, str]) -> Any:
            at = parse_time(values["at"])
            mask = weekday_mask(parse_weekdays(values["weekdays"]))
            self.store.programme.add_reminder(profile_id, ReminderKind(values["kind"]), at, mask)
            return _("Reminder saved.")

        self.app.push_screen(ProgrammeForm(_("Add a reminder"), fields, validate,
                                           note=_("A reminder stays quiet on days you already did it.")),
                             self._done(""))

    def action_photos(self) -> None:
        from companion.tui.screens.photos import PhotosScreen

        self.app.push_screen(PhotosScreen())

    def palette_entries(self) -> list[PaletteCommand]:
        return [
            (_("Programme: progress photos"), _("By date, side by side"), self.action_photos),
            (_("Programme: log a glass of water"), _("250 ml"), self.action_water),
            (_("Programme: log water"), _("Another amount"), self.action_water_amount),
            (_("Programme: undo water"), _("Remove today's last water entry"), self.action_undo_water),
            (_("Programme: set water target"), _("Your daily water target"), self.action_water_target),
            (_("Programme: log measurements"), _("Waist, hips and more; the previous values filled in"),
             self.action_measurement),
            (_("Programme: log a dose"), _("With the next suggested injection site"), self.action_dose),
            (_("Programme: daily check-in"), _("Nausea, vomiting, reflux, pain, energy, mood"), self.action_checkin),
            (_("Programme: add a note"), _("A note on the timeline"), self.action_note),
            (_("Programme: add a goal"), _("Weight, %TBWL, body fat or waist, with a target date"), self.action_goal),
            (_("Programme: add a reminder"), _("Weigh-in, medication, water or measurements"), self.action_reminder),
        ]
