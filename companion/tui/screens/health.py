"""Health data: sleep per night with stages, steps per day, workouts, live heart rate, and imports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from companion.i18n import N_, _
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.health_import import ImportPanel
from companion.tui.widgets.health_live import LiveHeartRate

STAGE_STYLES = {"deep": "on blue", "light": "on cyan", "rem": "on magenta", "awake": "on yellow",
                "asleep": "on cyan", "restless": "on yellow", "in_bed": "on grey37"}
DAYS = 14


def hours(minutes: float) -> str:
    m = int(round(minutes))
    return _("{h} h {m:02d}").format(h=m // 60, m=m % 60)


def stage_bar(minutes: dict[str, float], width: int = 16) -> Text:
    """A bar split by the share of each stage (in bed only when no stage is known)."""
    parts = [(k, v) for k, v in minutes.items() if k != "in_bed" and v > 0] or [
        (k, v) for k, v in minutes.items() if v > 0]
    total = sum(v for _, v in parts) or 1.0
    bar = Text()
    used = 0
    order = ["deep", "light", "asleep", "rem", "restless", "awake", "in_bed"]
    parts.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    for i, (stage, value) in enumerate(parts):
        cells = width - used if i == len(parts) - 1 else int(round(value / total * width))
        cells = max(0, min(cells, width - used))
        bar.append(" " * cells, style=STAGE_STYLES.get(stage, ""))
        used += cells
    return bar


def steps_bar(steps: int, most: int, width: int = 24) -> Text:
    cells = int(round(steps / most * width)) if most else 0
    return Text("█" * cells, style="green")


class HealthScreen(CompanionScreen):
    SCREEN_ID = "health"
    HELP = N_(
        "# Health data\n\n"
        "Sleep, activity and heart rate from other apps and from a heart-rate strap.\n\n"
        "- **Sleep**: one row per night with time asleep and the share of deep, light and REM sleep. "
        "When a phone and a watch both tracked a night, the one that recorded more sleep is shown.\n"
        "- **Steps**: steps per day for the last two weeks.\n"
        "- **Workouts**: the most recent workouts.\n"
        "- **Heart rate**: connect any Bluetooth strap or watch that broadcasts heart rate; readings are stored.\n"
        "- **Import**: bring in an Apple Health export, a Fitbit Google Takeout export, or a scale app's CSV. "
        "Importing the same file again adds nothing; a stopped import continues where it stopped.\n"
    )

    DEFAULT_CSS = """
    HealthScreen DataTable { height: 1fr; }
    HealthScreen .health-empty { color: $text-muted; padding: 0 1; height: auto; }
    HealthScreen .health-legend { padding: 0 1; height: auto; }
    """

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="health-tabs"):
            with TabPane(_("Sleep"), id="health-tab-sleep"):
                yield Static(self._legend(), classes="health-legend")
                yield DataTable(id="health-sleep", cursor_type="row", zebra_stripes=True)
                yield Static("", id="health-sleep-empty", classes="health-empty")
            with TabPane(_("Steps"), id="health-tab-steps"):
                yield DataTable(id="health-steps", cursor_type="row")
                yield Static("", id="health-steps-empty", classes="health-empty")
            with TabPane(_("Workouts"), id="health-tab-workouts"):
                yield DataTable(id="health-workouts", cursor_type="row", zebra_stripes=True)
                yield Static("", id="health-workouts-empty", classes="health-empty")
            with TabPane(_("Heart rate"), id="health-tab-hr"):
                with VerticalScroll():
                    yield LiveHeartRate(id="health-live")
                    yield Static("", id="health-hr-summary", classes="health-empty")
            with TabPane(_("Import"), id="health-tab-import"), VerticalScroll():
                yield ImportPanel(id="health-import")

    @staticmethod
    def _legend() -> Text:
        text = Text()
        for stage, label in (("deep", _("deep")), ("light", _("light")), ("rem", _("REM")), ("awake", _("awake"))):
            text.append("  ", style=STAGE_STYLES[stage])
            text.append(f" {label}  ")
        return text

    def on_mount(self) -> None:
        super().on_mount()
        sleep = self.query_one("#health-sleep", DataTable)
        sleep.add_columns(_("Night"), _("Asleep"), _("Stages"), _("Deep"), _("REM"), _("Source"))
        steps = self.query_one("#health-steps", DataTable)
        steps.add_columns(_("Day"), _("Steps"), "")
        workouts = self.query_one("#health-workouts", DataTable)
        workouts.add_columns(_("Date"), _("Activity"), _("Time"), _("Distance"), _("kcal"), _("Avg HR"))
        self.reload()

    @on(ImportPanel.Finished)
    def _imported(self, message: ImportPanel.Finished) -> None:
        if message.added:
            self.reload()

    @work(thread=True, exclusive=True, group="health-load", exit_on_error=False)
    def reload(self) -> None:
        from companion.health.tz import local_zone
        from companion.store.health import HealthData
        from companion.store.samples import Samples

        profile = self.profile
        if profile is None or profile.id is None:
            return
        store = self.store
        health = HealthData(store)
        today = self.companion.clock.now().astimezone(local_zone()).date()
        if self.companion.context.demo and health.counts(profile.id)["sleep_stage"] == 0:
            from companion.health.demo import add_demo_health

            add_demo_health(store, profile.id, today)
        zone = local_zone()
        last_night = health.latest_night(profile.id, today) or today
        nights = health.nights(profile.id, last_night - timedelta(days=60), last_night)
        now_ts = int(self.companion.clock.now().timestamp())
        last_day = health.latest_steps_day(profile.id, now_ts, zone) or today
        steps = health.steps_per_day(profile.id, last_day - timedelta(days=DAYS - 1), last_day, zone)
        workouts = health.workouts(profile.id, limit=200)
        now = int(self.companion.clock.now().timestamp())
        samples = Samples(store)
        resting = samples.series(profile.id, "resting_heart_rate", now - 30 * 86400, now + 1)
        day_hr = samples.series(profile.id, "heart_rate", now - 86400, now + 1, max_points=500)
        self.app.call_from_thread(self._fill, nights, steps, workouts, resting, day_hr)

    def _fill(self, nights: list[Any], steps: list[tuple[date, int]], workouts: list[Any], resting: Any,
              day_hr: Any) -> None:
        from companion.health.tz import local_zone

        zone = local_zone()
        sleep = self.query_one("#health-sleep", DataTable)
        sleep.clear()
        for night in nights:
            m = night.minutes
            sleep.add_row(
                night.night.isoformat(), hours(night.asleep_min), stage_bar(m),
                hours(m.get("deep", 0)) if "deep" in m else "-", hours(m.get("rem", 0)) if "rem" in m else "-",
                safe_text(night.source.split(":", 1)[-1], max_length=24),
            )
        self.query_one("#health-sleep-empty", Static).update(
            "" if nights else _("No sleep data yet. Import it on the Import tab."))
        table = self.query_one("#health-steps", DataTable)
        table.clear()
        most = max((s for _, s in steps), default=0)
        for day, count in reversed(steps):
            table.add_row(day.isoformat(), f"{count:,}", steps_bar(count, most))
        self.query_one("#health-steps-empty", Static).update(
            "" if steps else _("No steps in the last two weeks."))
        table = self.query_one("#health-workouts", DataTable)
        table.clear()
        for w in workouts:
            start = datetime.fromtimestamp(w.start_ts, zone)
            table.add_row(
                start.strftime("%Y-%m-%d %H:%M"), safe_text(w.activity, max_length=24),
                hours((w.duration_s or 0) / 60), f"{w.distance_m / 1000:.2f} km" if w.distance_m else "-",
                f"{w.energy_kcal:.0f}" if w.energy_kcal else "-", f"{w.avg_hr:.0f}" if w.avg_hr else "-",
            )
        self.query_one("#health-workouts-empty", Static).update("" if workouts else _("No workouts yet."))
        lines = []
        if len(resting):
            lines.append(_("Resting heart rate (latest): {bpm:.0f} bpm").format(bpm=resting.mean[-1]))
        if len(day_hr):
            lines.append(_("Last 24 hours: {low:.0f}-{high:.0f} bpm, average {avg:.0f}").format(
                low=min(day_hr.low), high=max(day_hr.high), avg=sum(day_hr.mean) / len(day_hr.mean)))
        self.query_one("#health-hr-summary", Static).update("\n".join(lines))
