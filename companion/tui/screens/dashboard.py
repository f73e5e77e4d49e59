"""Dashboard: the latest weigh-in (all eight metrics) with its changes, the programme's outcome figures, goal
progress, the BMI class, and a weight chart; ``TrendsScreen`` is the full chart for any metric."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from companion.domain.model import METRIC_INFO, METRIC_ORDER, Metric, Profile
from companion.domain.units import WeightUnit, convert_weight, weight_to_kg
from companion.i18n import N_, _, current_language
from companion.trends.ranges import RANGE_LABELS, RangeKey, parse_custom
from companion.tui.dashboard_text import SHORT_LABELS, TABLE_RIGHT, DashboardView, dashboard_view, table_headers
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.metric_table import MetricTable
from companion.tui.widgets.trends_chart import TrendChart
from companion.tui.widgets.trends_commands import PaletteCommand, ScreenPalette

if TYPE_CHECKING:
    from rich.text import Text

    # (loaded with the figures: the first frame of ``companion --demo`` is drawn without them)
    from companion.trends.figures import DashboardFigures
    from companion.trends.snapshot import DashboardSnapshot


def notify_worker_failure(screen: Any, event: Worker.StateChanged) -> None:
    """Failures of the loading workers surface as a notification, never a traceback."""
    if event.state is WorkerState.ERROR:
        error = event.worker.error
        screen.notify(_("Could not load your data: {error}").format(error=str(error) or type(error).__name__),
                      severity="error")


class DashboardScreen(ScreenPalette, CompanionScreen):
    SCREEN_ID = "dashboard"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    HELP = N_(
        "# Dashboard\n\n"
        "Your latest weigh-in with all eight metrics and how each changed: since the previous weigh-in, over the "
        "last 7 and 30 days, and since the start of the programme (the balloon placement day).\n\n"
        "**%TBWL** (total body weight loss) = (reference − current) / reference × 100. **%EWL** (excess weight "
        "loss) = (reference − current) / (reference − ideal) × 100, where *ideal* is the weight at BMI 25 for "
        "your height. The reference is your weigh-in on the placement day (or your start weight).\n\n"
        "Values marked **≈** were calculated by Companion or the scale's software (derived); the others were "
        "measured. Readings flagged **✕** look impossible for you (for example a child on the scale): they are "
        "kept but left out of the trend and the figures.\n\n"
        "Keys: **enter** or **t** open the chart of the selected metric, **1**–**7** change the chart range "
        "(7 d, 30 d, 90 d, 1 y, all, since placement, custom), **+**/**-** zoom, **←**/**→** move, **g** set "
        "your goal weight, **b** switch BMI classes (WHO / Asian cut-offs), **p** switch profile, **n** add a "
        "family member, **m** add a milestone, **r** save a progress report, **c** send it to your clinic as "
        "a PDF. Every action is also in the command palette (ctrl+p) under \"Trends:\" (and \"Report:\", "
        "\"Support:\" to ask for help)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "open_trends", _("Chart"), id="trends-open", tooltip=_("Open the chart of the selected metric")),
        Binding("g", "set_goal", _("Goal"), id="trends-goal", tooltip=_("Set your goal weight")),
        Binding("p", "switch_profile", _("Profile"), id="trends-switch-profile",
                tooltip=_("Switch to another person's profile")),
        Binding("n", "add_profile", _("Add person"), id="trends-add-profile", tooltip=_("Add a family member"),
                show=False),
        Binding("b", "toggle_bmi", _("BMI classes"), id="trends-bmi-scheme",
                tooltip=_("Switch between WHO and Asian BMI cut-offs"), show=False),
        Binding("m", "add_milestone", _("Milestone"), id="trends-milestone",
                tooltip=_("Add a clinic visit or another milestone"), show=False),
        Binding("r", "report", _("Report"), id="trends-report", tooltip=_("Save a progress report (SVG and Markdown)")),
        Binding("c", "report_to_clinic", _("Report to clinic"), id="care-report-clinic", show=False,
                tooltip=_("Send the progress report (PDF) to your clinic")),
        *(Binding(str(i + 1), f"chart_range('{key.value}')", _(RANGE_LABELS[key]), show=False,
                  id=f"dashboard-range-{key.value}", tooltip=_("Show {range}").format(range=_(RANGE_LABELS[key])))
          for i, key in enumerate(RangeKey)),
        Binding("plus,equals_sign", "chart_zoom(0.5)", _("Zoom in"), id="dashboard-zoom-in", tooltip=_("Zoom in"),
                show=False),
        Binding("minus", "chart_zoom(2)", _("Zoom out"), id="dashboard-zoom-out", tooltip=_("Zoom out"), show=False),
    ]
    DEFAULT_CSS = """
    DashboardScreen #dash { height: 1fr; padding: 0 1; }
    DashboardScreen #dash-title { height: 1; text-style: bold; color: $primary; }
    DashboardScreen #dash-top { height: auto; }
    DashboardScreen #dash-metrics { height: auto; max-height: 10; width: auto; }
    DashboardScreen #dash-outcome { height: auto; }
    DashboardScreen #dash-inbox { height: auto; color: $accent; }
    DashboardScreen #dash-empty { height: auto; color: $foreground-muted; margin: 1 0; }
    DashboardScreen.-narrow #dash-top { layout: vertical; }
    DashboardScreen.-wide #dash-top { layout: horizontal; }
    DashboardScreen.-wide #dash-outcome { width: 1fr; padding: 0 0 0 2; }
    DashboardScreen #dash-chart { height: 1fr; min-height: 5; }
    DashboardScreen #dash-programme { height: auto; margin-top: 1; }
    """
    #: Appended to the help: the programme lines (goals with dates, diet stage, water).
    PROGRAMME_HELP = N_(
        "**Programme** lines (under the figures, once the dashboard is drawn): each goal with a target date with the "
        "weekly rate it needs against the actual rate of your trend and the projected date (*unrealistic* when it "
        "needs more than programmes aim for), today's diet stage and your water. **G** on the chart's time axis "
        "marks a goal's target date. The Programme screen (F11) has the details and the entry forms."
    )

    def __init__(self) -> None:
        super().__init__()
        self.figures: DashboardFigures | None = None
        self.trend_data: Any = None
        self.metric_order: list[Metric] = list(METRIC_ORDER)
        self.content_ready = False  # painted (for start-up time) once the figures are shown
        self._resumed = False
        self._shown_profile: int | None = None
        self._complete_first_view: tuple[Profile, Any] | None = None  # see after_first_paint

    def compose_body(self) -> ComposeResult:
        # Until the figures are in, only "Loading…" is drawn: the table and the chart appear with their data
        # (drawing them empty first cost a whole frame before the one a person reads).
        top = Horizontal(MetricTable(id="dash-metrics"), Static(id="dash-outcome"), id="dash-top")
        chart = TrendChart(id="dash-chart", show_legend=False)
        top.display = chart.display = False
        with Vertical(id="dash"):
            yield Static(_("Loading…"), id="dash-title")
            yield top  # (#dash-empty and #dash-inbox, rarely shown, are made when first needed: see _note)
            yield chart

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dash-chart", TrendChart).range_key = RangeKey.PLACEMENT
        self.refresh_data()

    def on_screen_resume(self) -> None:
        # Shown again: reload (data may have changed elsewhere). Not on the first showing: on_mount loaded
        # (or is still loading) the data, and a second thread would compute the same figures alongside it.
        if self._resumed:
            self.refresh_data()
        self._resumed = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_worker_failure(self, event)
        if event.state is WorkerState.ERROR:
            self.content_shown()  # what there is to show (the failure) is shown

    # ----- data ---------------------------------------------------------------------------------------
    def refresh_data(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            self.content_shown()
            return
        if self.companion.first_paint_ms is not None:  # (before the first paint, after_first_paint loads them)
            self._load_programme()
        # Demo mode: the DemoWorkspace computes the first data while the UI is still starting
        workspace = self.companion.context.extras.pop("dashboard_prefetch", None)
        prefetched = workspace.dashboard_snapshot if workspace is not None else None
        if workspace is not None and workspace.snapshot_waiting():
            self._load(profile, prefetched)  # still being computed in a child process: wait off this thread
            return
        # Ready (or computed here): shown before the first frame, so the first frame is the dashboard itself
        view = workspace.dashboard_view() if workspace is not None else None
        if view is not None and view.profile_id == profile.id and view.language == current_language():
            # Prepared as text by the demo's child: drawn without the figures behind it, which
            # ``after_first_paint`` loads once the frame is out.
            self._show_view(view, None)
            self._complete_first_view = (profile, prefetched)
            return
        snapshot = self._prefetched(profile, prefetched)
        if snapshot is not None:
            self._present(snapshot)
        else:
            self._load(profile)

    def after_first_paint(self) -> None:
        """Called by the app once the first frame is on the terminal: load the figures behind a prepared view
        (the chart's data, what the actions and the Trends screen work from), and the programme lines."""
        self._load_programme()
        pending, self._complete_first_view = self._complete_first_view, None
        if pending is None:
            return
        profile, prefetched = pending
        snapshot = self._prefetched(profile, prefetched)
        if snapshot is None or snapshot.figures is None or snapshot.data is None:
            self._load(profile)  # not usable after all: compute (and draw) them afresh
            return
        self.figures = snapshot.figures
        self.trend_data = snapshot.data
        self.query_one("#dash-chart", TrendChart).data = snapshot.data

    @staticmethod
    def _prefetched(profile: Profile, prefetched: Any) -> DashboardSnapshot | None:
        """Demo mode computes the first snapshot while the UI is still starting (``companion.demo``): use it
        (in a thread, waiting for the last of it costs nothing, that thread holds the interpreter anyway), so
        that the very first frame shows the data instead of an empty dashboard that is then drawn again."""
        snapshot = prefetched() if prefetched is not None else None
        if snapshot is None or snapshot.profile != profile or snapshot.language != current_language():
            return None
        return snapshot  # type: ignore[no-any-return]

    def _present(self, snapshot: DashboardSnapshot) -> None:
        if snapshot.blocked is not None:
            self._show_blocked(snapshot.blocked)
        else:
            self._show(snapshot)

    @work(exclusive=True, group="dashboard-load", thread=True, exit_on_error=False)
    def _load(self, profile: Profile, prefetched: Any = None) -> None:
        from companion.trends.snapshot import load_snapshot

        snapshot = self._prefetched(profile, prefetched) if prefetched is not None else None
        if snapshot is None:
            snapshot = load_snapshot(self.store, profile, self.companion.clock.now())
        self.app.call_from_thread(self._present, snapshot)

    @work(exclusive=True, group="dashboard-programme", thread=True, exit_on_error=False)
    def _load_programme(self) -> None:
        """The programme's lines (goals with dates, diet stage, water): loaded after the first paint, so the
        programme's modules are never on the way to the first frame."""
        from companion.tui.screens.programme import dashboard_lines

        profile = self.profile
        if profile is None or profile.id is None:
            return
        text = dashboard_lines(self.store, profile, self.companion.clock.now())
        self.app.call_from_thread(self._note, "dash-programme", text)

    def help_markdown(self) -> str:
        return super().help_markdown() + "\n\n" + _(self.PROGRAMME_HELP)

    def _note(self, widget_id: str, text: Text | str | None) -> None:
        """Show ``text`` in the line ``widget_id`` (``dash-empty`` under the title, ``dash-inbox`` above the
        chart), made when first needed; ``None`` hides it. Each widget less on the screen is less to lay out
        and draw before the first frame, and most dashboards show neither."""
        found = self.query(f"#{widget_id}")
        if text is None:
            if found:
                found.first().display = False
            return
        if found:
            note = found.first(Static)
            note.update(text)
            note.display = True
        elif widget_id == "dash-empty":
            self.query_one("#dash", Vertical).mount(Static(text, id=widget_id), after="#dash-title")
        else:
            self.query_one("#dash", Vertical).mount(Static(text, id=widget_id), before="#dash-chart")

    def _show_blocked(self, message: str) -> None:
        self.query_one("#dash-title", Static).update(_("Your progress"))
        self._note("dash-empty", safe_text(message))
        for selector in ("#dash-top", "#dash-chart"):
            self.query_one(selector).display = False
        self.content_shown()

    def _show(self, snapshot: DashboardSnapshot) -> None:
        assert snapshot.figures is not None and snapshot.data is not None and snapshot.chart is not None
        self.figures = snapshot.figures
        self.trend_data = snapshot.data
        self._show_view(dashboard_view(snapshot, self.companion.clock.now().tzinfo), snapshot.data)

    def _show_view(self, view: DashboardView, data: Any) -> None:
        """Put a view in the widgets (``data``: the ``TrendData`` behind the chart, or None until it is loaded)."""
        title = self.query_one("#dash-title", Static)
        self._note("dash-inbox", safe_text(view.inbox) if view.inbox is not None else None)
        top = self.query_one("#dash-top")
        chart_widget = self.query_one("#dash-chart", TrendChart)
        title.update(view.title)
        self._note("dash-empty", view.empty)
        if view.empty is not None:
            top.display = False
            chart_widget.display = False
            self.content_shown()
            return
        top.display = True
        chart_widget.display = True
        self.query_one("#dash-metrics", MetricTable).set_rows(table_headers(), view.rows, right=TABLE_RIGHT)
        self.query_one("#dash-outcome", Static).update(view.outcome)
        # A reload of the same person's data (back from a dialog or the palette) keeps the zoom they chose.
        keep = (chart_widget.window if self._shown_profile == view.profile_id and chart_widget.input is not None
                else None)
        assert view.chart is not None
        chart_widget.show(data, view.chart, chart_widget.range_key)
        if keep is not None:
            chart_widget.set_window(keep)
        self._shown_profile = view.profile_id
        self.content_shown()

    # ----- actions ------------------------------------------------------------------------------------
    def selected_metric(self) -> Metric:
        row = self.query_one("#dash-metrics", MetricTable).cursor_row
        return METRIC_ORDER[row] if 0 <= row < len(METRIC_ORDER) else Metric.WEIGHT

    @on(MetricTable.Selected, "#dash-metrics")
    def _row_selected(self, event: MetricTable.Selected) -> None:
        self.action_open_trends()

    def action_open_trends(self, metric: str | None = None) -> None:
        if self.trend_data is None:
            self.app.bell()
            return
        chart = self.query_one("#dash-chart", TrendChart)
        self.app.push_screen(TrendsScreen(Metric(metric) if metric else self.selected_metric(), chart.range_key))

    @on(TrendChart.CustomRangeRequested)
    def _custom_range(self, event: TrendChart.CustomRangeRequested) -> None:
        ask_custom_range(self, event.chart)

    def action_chart_range(self, key: str) -> None:
        self.query_one("#dash-chart", TrendChart).action_set_range(key)

    def action_chart_zoom(self, factor: float) -> None:
        self.query_one("#dash-chart", TrendChart).action_zoom(factor)

    def action_set_goal(self) -> None:
        profile = self.profile
        if profile is not None:
            ask_goal(self, profile, Metric.WEIGHT, self.refresh_data)

    def action_toggle_bmi(self) -> None:
        from companion.store.trends import Trends
        from companion.trends.outcomes import BMI_SCHEME_LABELS, BmiScheme

        profile = self.profile
        if profile is None or profile.id is None:
            return
        repo = Trends(self.store)
        scheme = BmiScheme.ASIAN if repo.bmi_scheme(profile.id) == BmiScheme.WHO else BmiScheme.WHO
        repo.set_bmi_scheme(profile.id, scheme.value)
        self.notify(_("BMI classes: {scheme}").format(scheme=_(BMI_SCHEME_LABELS[scheme])))
        self.refresh_data()

    def action_switch_profile(self) -> None:
        switch_profile(self, self.refresh_data)

    def action_add_profile(self) -> None:
        add_profile(self, self.refresh_data)

    def action_add_milestone(self) -> None:
        profile = self.profile
        if profile is not None:
            ask_milestone(self, profile, self.refresh_data)

    def action_report(self) -> None:
        save_report(self)

    def action_report_to_clinic(self) -> None:
        from companion.tui.screens.care import send_report_to_clinic

        send_report_to_clinic(self)

    def action_support(self) -> None:
        from companion.tui.screens.care import open_support

        open_support(self)

    def palette_entries(self) -> list[PaletteCommand]:
        return trends_palette(self) + [
            (_("Trends: open chart"), _("The chart of the selected metric"), self.action_open_trends),
            (_("Trends: switch BMI classes"), _("WHO or Asian cut-offs"), self.action_toggle_bmi),
            (_("Report: send to clinic"), _("The progress report as a PDF in your clinic conversation (c)"),
             self.action_report_to_clinic),
            (_("Support: describe a problem"), _("Ask your clinic's or provider's support for help"),
             self.action_support),
        ]


def trends_palette(screen: Any) -> list[PaletteCommand]:
    chart = screen.query_one(TrendChart)
    commands: list[PaletteCommand] = [
        (_("Trends: set goal"), _("Set a goal for the weight chart"), screen.action_set_goal),
        (_("Trends: switch profile"), _("Show another person's data"), screen.action_switch_profile),
        (_("Trends: add family member"), _("A new profile on the same scale"), screen.action_add_profile),
        (_("Trends: add milestone"), _("A clinic visit or another event on the charts"), screen.action_add_milestone),
        (_("Trends: save progress report"), _("One page as SVG and Markdown"), screen.action_report),
        (_("Trends: zoom in"), _("Narrower time range"), lambda: chart.action_zoom(0.5)),
        (_("Trends: zoom out"), _("Wider time range"), lambda: chart.action_zoom(2)),
        (_("Trends: move earlier"), _("Pan the chart to earlier dates"), lambda: chart.action_pan(-0.25)),
        (_("Trends: move later"), _("Pan the chart to later dates"), lambda: chart.action_pan(0.25)),
    ]
    for key in RangeKey:
        commands.append((
            _("Trends: range {range}").format(range=_(RANGE_LABELS[key])), _("Change the chart's time range"),
            lambda key=key: chart.action_set_range(key.value),  # type: ignore[misc]
        ))
    return commands


# ----- shared dialogs (used by the dashboard and the trends screen) ----------------------------------------
def ask_custom_range(screen: Any, chart: TrendChart) -> None:
    from companion.tui.widgets.trends_dialogs import Field, FieldError, FormDialog
    tz = chart.tz

    def validate(values: dict[str, str]) -> Any:
        try:
            return parse_custom(values["range"], tz)
        except ValueError as exc:
            raise FieldError("range", str(exc)) from None

    def done(window: Any) -> None:
        if window is not None:
            chart.apply_range(RangeKey.CUSTOM, window)

    today = screen.companion.clock.now().date()
    default = f"{today.replace(day=1).isoformat()}..{today.isoformat()}"
    screen.app.push_screen(FormDialog(_("Custom range"), [Field("range", _("From..to"), default,
                                                               "YYYY-MM-DD..YYYY-MM-DD")], validate), done)


def ask_goal(screen: Any, profile: Profile, metric: Metric, then: Any) -> None:
    from companion.domain.validation import ValidationError, validate_weight
    from companion.store.trends import Trends
    from companion.tui.widgets.trends_dialogs import Field, FieldError, FormDialog

    info = METRIC_INFO[metric]
    repo = Trends(screen.store)
    current = repo.goal(profile, metric)
    unit_label = profile.weight_unit.value if info.is_mass else info.unit

    def validate(values: dict[str, str]) -> Any:
        text = values["goal"].strip().replace(",", ".")
        if not text:
            return ("clear",)
        if metric is Metric.WEIGHT:
            try:
                return ("set", validate_weight(text, profile.weight_unit, "goal"))
            except ValidationError as exc:
                raise FieldError("goal", exc.message) from None
        try:
            value = float(text)
        except ValueError:
            raise FieldError("goal", _("Enter a number, for example 30.5.")) from None
        if info.is_mass:
            value = weight_to_kg(value, profile.weight_unit)
        if not info.low <= value <= info.high:
            raise FieldError("goal", _("That value is outside the possible range."))
        return ("set", value)

    def done(result: Any) -> None:
        if result is None:
            return
        fresh = screen.store.profiles.get(profile.id) or profile
        repo.set_goal(fresh, metric, result[1] if result[0] == "set" else None)
        screen.notify(_("Goal saved.") if result[0] == "set" else _("Goal removed."))
        then()

    default = ""
    if current is not None:
        default = f"{convert_weight(current, profile.weight_unit) if info.is_mass else current:g}"
    screen.app.push_screen(FormDialog(
        _("Goal for {metric}").format(metric=_(info.label)),
        [Field("goal", _("Goal ({unit})").format(unit=unit_label), default)], validate,
        note=_("Leave empty to remove the goal.")), done)


def ask_milestone(screen: Any, profile: Profile, then: Any) -> None:
    from companion.domain.validation import ValidationError, parse_date
    from companion.store.trends import MILESTONE_LABELS, MilestoneKind, Trends
    from companion.tui.widgets.trends_dialogs import Field, FieldError, FormDialog

    def validate(values: dict[str, str]) -> Any:
        try:
            day = parse_date(values["day"], "day")
        except ValidationError as exc:
            raise FieldError("day", exc.message) from None
        label = " ".join(values["label"].split())
        if len(label) > 200:
            raise FieldError("label", _("Keep the note under 200 characters."))
        return day, MilestoneKind(values["kind"]), label

    def done(result: Any) -> None:
        if result is None or profile.id is None:
            return
        Trends(screen.store).add_milestone(profile.id, *result)
        screen.notify(_("Milestone added."))
        then()

    kinds = [(_(MILESTONE_LABELS[k]), k.value) for k in (MilestoneKind.VISIT, MilestoneKind.CUSTOM,
                                                          MilestoneKind.PLACEMENT, MilestoneKind.REMOVAL)]
    today = screen.companion.clock.now().date().isoformat()
    screen.app.push_screen(FormDialog(_("Add a milestone"), [
        Field("day", _("Date"), today, "YYYY-MM-DD"), Field("kind", _("Kind"), "visit", options=kinds),
        Field("label", _("Note (optional)"), ""),
    ], validate), done)


def switch_profile(screen: Any, then: Any) -> None:
    from companion.tui.widgets.trends_dialogs import ChooseDialog
    store = screen.store
    profiles = store.profiles.all()
    active = store.profiles.active()
    options = [(p.name, p.id) for p in profiles]
    current = next((i for i, p in enumerate(profiles) if active and p.id == active.id), 0)

    def done(profile_id: Any) -> None:
        if profile_id is None:
            return
        store.profiles.set_active(int(profile_id))
        chosen = store.profiles.get(int(profile_id))
        screen.notify(_("Now showing {name}.").format(name=chosen.name if chosen else ""))
        then()

    screen.app.push_screen(ChooseDialog(_("Whose data?"), options, current), done)


def add_profile(screen: Any, then: Any) -> None:
    from companion.domain.validation import ValidationError
    from companion.onboarding import validate_profile_fields
    from companion.tui.widgets.trends_dialogs import Field, FieldError, FormDialog

    today = screen.companion.clock.now().date()
    unit_options = [(_("kilograms"), "kg"), (_("pounds"), "lb"), (_("stones and pounds"), "st")]

    def validate(values: dict[str, str]) -> Any:
        try:
            return validate_profile_fields(
                name=values["name"], birth_date=values["birth_date"], sex=values["sex"], height=values["height"],
                today=today, goal_weight=values["goal"], weight_unit=WeightUnit(values["unit"]),
                language=screen.profile.language if screen.profile else "en",
            )
        except ValidationError as exc:
            field_id = {"birth_date": "birth_date", "goal_weight": "goal"}.get(exc.field, exc.field)
            raise FieldError(field_id, exc.message) from None

    def done(profile: Any) -> None:
        if profile is None:
            return
        created = screen.store.profiles.add(profile)
        screen.store.profiles.set_active(created.id)
        screen.notify(_("Added {name}; now showing their data.").format(name=created.name))
        then()

    sexes = [(_("female"), "female"), (_("male"), "male"), (_("other"), "other")]
    screen.app.push_screen(FormDialog(_("Add a family member"), [
        Field("name", _("Name")), Field("birth_date", _("Date of birth"), "", "YYYY-MM-DD"),
        Field("sex", _("Sex"), "female", options=sexes), Field("height", _("Height (cm)"), "", "170"),
        Field("unit", _("Weight unit"), "kg", options=unit_options), Field("goal", _("Goal weight (optional)")),
    ], validate, note=_("Each person has their own weigh-ins, goals and charts. Adults only.")), done)


def save_report(screen: Any) -> None:
    """Write the progress report (SVG and Markdown) under the data directory, in a worker."""
    profile = screen.profile
    if profile is None:
        return
    _write_report(screen, profile)


@work(thread=True, group="trends-report", exit_on_error=False)
def _write_report(screen: Any, profile: Profile) -> None:
    from companion.trends.report import write_reports

    try:
        paths = write_reports(screen.store, profile, screen.companion.clock.now())
    except Exception as exc:  # shown, never a traceback
        screen.app.call_from_thread(screen.notify, str(exc), severity="error")
        return
    screen.app.call_from_thread(
        screen.notify, _("Progress report saved: {paths}").format(paths=", ".join(str(p) for p in paths)))


class TrendsScreen(ScreenPalette, CompanionScreen):
    """The full chart of one metric (or a tracker series such as heart rate), with every range and zoom."""

    HELP = N_(
        "# Trend chart\n\n"
        "Dots are your readings, the bold line is the trend (an exponentially weighted moving average, as in "
        "*The Hacker's Diet*: each day moves it 10 % of the way to the new reading), the dashed line is your goal "
        "and the letters on the time axis mark milestones: **P** balloon placed, **R** removed, **V** clinic "
        "visit, **\\*** your own. **✕** marks a reading that looks impossible; it is kept but not used for the trend."
        "\n\nHeart rate and other tracker data show their range per period (shaded) and the average (line).\n\n"
        "Keys: **1** 7 days, **2** 30 days, **3** 90 days, **4** 1 year, **5** all, **6** since placement, "
        "**7** custom range; **+**/**-** zoom, **←**/**→** move, **0** reset; **[**/**]** previous/next metric; "
        "**g** goal, **m** milestone, **escape** back to the dashboard."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), id="trends-back", tooltip=_("Back to the dashboard")),
        Binding("left_square_bracket", "step(-1)", _("Previous"), id="trends-prev-metric",
                tooltip=_("Previous metric")),
        Binding("right_square_bracket", "step(1)", _("Next"), id="trends-next-metric", tooltip=_("Next metric")),
        Binding("g", "set_goal", _("Goal"), id="trends-chart-goal", tooltip=_("Set a goal for this metric")),
        Binding("m", "add_milestone", _("Milestone"), id="trends-chart-milestone", tooltip=_("Add a milestone"),
                show=False),
    ]
    DEFAULT_CSS = """
    TrendsScreen #trends-body { height: 1fr; }
    TrendsScreen #trends-series { width: 18; height: 1fr; border-right: vkey $foreground 20%; }
    TrendsScreen #trends-chart { width: 1fr; height: 1fr; padding: 0 1; }
    """

    def __init__(self, metric: Metric = Metric.WEIGHT, range_key: RangeKey = RangeKey.MONTH) -> None:
        super().__init__()
        self.start_key = f"{Metric(metric).value}"
        self.start_range = range_key
        self.keys: list[Any] = []
        self.data: Any = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="trends-body"):
            yield OptionList(id="trends-series")
            yield TrendChart(id="trends-chart")

    def on_mount(self) -> None:
        self.title = _("Trends")
        self.sub_title = _("Every metric over any period")
        chart = self.query_one(TrendChart)
        chart.range_key = self.start_range
        chart.focus()
        self._load()

    def on_screen_resume(self) -> None:
        if self.data is not None:  # data may have changed elsewhere; keep the zoom the person chose
            chart = self.query_one(TrendChart)
            window, shown = chart.window, chart.input.key if chart.input is not None else None
            self.data.invalidate()
            self._show_current()
            if window is not None and chart.input is not None and chart.input.key == shown:
                chart.set_window(window)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_worker_failure(self, event)

    @work(exclusive=True, group="trends-load", thread=True, exit_on_error=False)
    def _load(self) -> None:
        from companion.trends.data import TrendData, chart_keys

        profile = self.profile
        if profile is None:
            return
        data = TrendData(self.store, profile)
        keys = chart_keys(data)
        self.app.call_from_thread(self._loaded, data, keys)

    def _loaded(self, data: Any, keys: list[Any]) -> None:
        from companion.store.samples import SAMPLE_LABELS, SampleKind

        self.data = data
        self.keys = keys
        options = self.query_one("#trends-series", OptionList)
        options.clear_options()
        for key in keys:
            label = (_(SHORT_LABELS[key.metric]) if key.metric is not None
                     else _(SAMPLE_LABELS[SampleKind(key.sample_kind)]))
            options.add_option(Option(label, id=key.id))
        index = next((i for i, k in enumerate(keys) if k.id == self.start_key), 0)
        options.highlighted = index
        self._show_current()

    def current_index(self) -> int:
        highlighted = self.query_one("#trends-series", OptionList).highlighted
        return highlighted if highlighted is not None else 0

    def _show_current(self) -> None:
        from companion.trends.data import metric_input, sample_input

        if not self.keys or self.data is None:
            return
        key = self.keys[self.current_index()]
        chart = self.query_one(TrendChart)
        profile = self.data.profile
        tz = chart.tz
        if key.metric is not None:
            chart.show(self.data, metric_input(self.data, key.metric, profile.weight_unit, tz), chart.range_key)
        else:
            chart.show(self.data, sample_input(self.data, key.sample_kind, tz), chart.range_key)

    @on(OptionList.OptionHighlighted, "#trends-series")
    def _series_changed(self) -> None:
        self._show_current()

    @on(OptionList.OptionSelected, "#trends-series")
    def _series_selected(self) -> None:
        self.query_one(TrendChart).focus()

    @on(TrendChart.CustomRangeRequested)
    def _custom_range(self, event: TrendChart.CustomRangeRequested) -> None:
        ask_custom_range(self, event.chart)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_step(self, delta: int) -> None:
        if not self.keys:
            return
        options = self.query_one("#trends-series", OptionList)
        options.highlighted = (self.current_index() + int(delta)) % len(self.keys)

    def _metric(self) -> Metric | None:
        if not self.keys:
            return None
        return self.keys[self.current_index()].metric  # type: ignore[no-any-return]

    def _reload(self) -> None:
        if self.data is not None:
            fresh = self.store.profiles.get(self.data.profile.id)
            if fresh is not None:
                self.data.profile = fresh
            self.data.invalidate()
            self._show_current()

    def action_set_goal(self) -> None:
        metric = self._metric()
        profile = self.profile
        if metric is None or profile is None:
            self.app.bell()
            return
        ask_goal(self, profile, metric, self._reload)

    def action_add_milestone(self) -> None:
        profile = self.profile
        if profile is not None:
            ask_milestone(self, profile, self._reload)

    def action_switch_profile(self) -> None:
        switch_profile(self, self._load)

    def action_add_profile(self) -> None:
        add_profile(self, self._load)

    def action_report(self) -> None:
        save_report(self)

    def palette_entries(self) -> list[PaletteCommand]:
        return trends_palette(self) + [
            (_("Trends: next metric"), _("Chart the next metric"), lambda: self.action_step(1)),
            (_("Trends: previous metric"), _("Chart the previous metric"), lambda: self.action_step(-1)),
            (_("Trends: back to dashboard"), _("Close the chart"), self.action_back),
        ]


__all__ = ["DashboardScreen", "TrendsScreen", "convert_weight"]
