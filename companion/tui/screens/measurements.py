"""Measurements: every weigh-in of the active profile, a page at a time, sortable and filterable; delete with
undo, move a reading to another person's profile, add a manual entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static

from companion.domain.measurement import Measurement
from companion.domain.model import METRIC_INFO, METRIC_ORDER, Metric, Profile
from companion.domain.units import WeightUnit
from companion.i18n import N_, _
from companion.tui.dashboard_text import SHORT_LABELS, format_metric
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.trends_commands import PaletteCommand, ScreenPalette
from companion.tui.widgets.trends_dialogs import ChooseDialog, Field, FieldError, FormDialog

PAGE_SIZE = 50
UNDO_SECONDS = 10.0
ALL = "*"
SORTS: tuple[str, ...] = ("ts", *(m.value for m in METRIC_ORDER), "source")


class MeasurementsScreen(ScreenPalette, CompanionScreen):
    SCREEN_ID = "measurements"
    HELP = N_(
        "# Measurements\n\n"
        "Every weigh-in of the person shown, newest first, {page} per page. Values marked **≈** were derived "
        "(calculated), the others measured. **✕** marks a reading that looks impossible for this person (for "
        "example a child on the scale): it is kept, but the trend and the dashboard figures skip it — move it to "
        "the right profile with **o** or delete it.\n\n"
        "Keys: **[**/**]** previous/next page, **s** sort by the next column (or select a column header), **r** "
        "reverse the order, **f** filter by metric or source, **a** add a manual entry, **d** delete the selected "
        "reading (**u** undoes it for {undo} seconds), **o** move it to another profile. Every action is also in "
        "the command palette (ctrl+p) under \"Measurements:\"."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", _("Add"), id="measurements-add", tooltip=_("Add a manual entry")),
        Binding("d,delete", "delete", _("Delete"), id="measurements-delete", tooltip=_("Delete the selected reading")),
        Binding("u", "undo", _("Undo"), id="measurements-undo", tooltip=_("Put back the reading you just deleted")),
        Binding("o", "reassign", _("Move"), id="measurements-reassign",
                tooltip=_("Move the selected reading to another profile")),
        Binding("s", "sort_next", _("Sort"), id="measurements-sort", tooltip=_("Sort by the next column"),
                show=False),
        Binding("r", "reverse", _("Reverse"), id="measurements-reverse", tooltip=_("Reverse the order"), show=False),
        Binding("f", "filter", _("Filter"), id="measurements-filter", tooltip=_("Filter by metric or source"),
                show=False),
        Binding("right_square_bracket", "page(1)", _("Next page"), id="measurements-next-page",
                tooltip=_("Next page")),
        Binding("left_square_bracket", "page(-1)", _("Prev. page"), id="measurements-prev-page",
                tooltip=_("Previous page"), show=False),
    ]
    DEFAULT_CSS = """
    MeasurementsScreen #m-body { height: 1fr; padding: 0 1; }
    MeasurementsScreen #m-filters { height: auto; }
    MeasurementsScreen #m-filters Select { width: 1fr; margin-right: 2; }
    MeasurementsScreen #m-info { height: 1; color: $foreground-muted; }
    MeasurementsScreen #m-table { height: 1fr; }
    MeasurementsScreen #m-empty { height: auto; color: $foreground-muted; margin: 1 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.page_offset = 0
        self.order_by = "ts"
        self.newest_first = True
        self.metric_filter: Metric | None = None
        self.source_filter: str | None = None
        self.rows: list[Measurement] = []
        self.total = 0
        self.flagged_ts: set[int] = set()
        self.undo_item: Measurement | None = None
        self._undo_timer: Any = None

    def help_markdown(self) -> str:
        return _(self.HELP).replace("{page}", str(PAGE_SIZE)).replace("{undo}", f"{UNDO_SECONDS:.0f}")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="m-body"):
            with Horizontal(id="m-filters"):
                yield Select([(_("All metrics"), ALL)] + [(_(SHORT_LABELS[m]), m.value) for m in METRIC_ORDER],
                             value=ALL, allow_blank=False, id="m-metric", compact=True)
                yield Select([(_("All sources"), ALL)], value=ALL, allow_blank=False, id="m-source", compact=True)
            yield Static(id="m-info")
            yield Static(id="m-empty")
            yield DataTable(id="m-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#m-table", DataTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_worker_state_changed(self, event: Any) -> None:
        from companion.tui.screens.dashboard import notify_worker_failure

        notify_worker_failure(self, event)

    # ----- loading ------------------------------------------------------------------------------------
    def reload(self) -> None:
        profile = self.profile
        if profile is not None and profile.id is not None:
            self._load(profile, self.page_offset, self.order_by, self.newest_first, self.metric_filter,
                       self.source_filter)

    @work(exclusive=True, group="measurements-load", thread=True, exit_on_error=False)
    def _load(self, profile: Profile, offset: int, order_by: str, newest_first: bool, metric: Metric | None,
              source: str | None) -> None:
        from companion.privacy import ProcessingNotAllowed, require
        from companion.trends.series import prepare

        assert profile.id is not None
        store = self.store
        try:
            require(store, "health-data")
        except ProcessingNotAllowed as exc:
            self.app.call_from_thread(self._blocked, str(exc))
            return
        rows = store.measurements.page(profile.id, offset=offset, limit=PAGE_SIZE, newest_first=newest_first,
                                       order_by=order_by, metric=metric, source=source)
        total = store.measurements.count(profile.id)
        sources = store.measurements.sources(profile.id)
        ts, values = store.measurements.series(profile.id, Metric.WEIGHT)
        prepared = prepare(ts, values)
        flagged = {prepared.ts[i] for i in prepared.flagged}
        self.app.call_from_thread(self._loaded, profile, rows, total, sources, flagged)

    def _blocked(self, message: str) -> None:
        self.rows = []
        self.query_one("#m-table", DataTable).clear(columns=True)
        empty = self.query_one("#m-empty", Static)
        empty.update(safe_text(message))
        empty.display = True

    def _loaded(self, profile: Profile, rows: list[Measurement], total: int, sources: list[str],
                flagged: set[int]) -> None:
        self.rows = rows
        self.total = total
        self.flagged_ts = flagged
        source_select = self.query_one("#m-source", Select)
        options = [(_("All sources"), ALL)] + [(s, s) for s in sources]
        current = source_select.value
        with self.prevent(Select.Changed):
            source_select.set_options(options)
            source_select.value = current if current in {v for _l, v in options} else ALL
        table = self.query_one("#m-table", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        arrow = "↓" if self.newest_first else "↑"
        headers = [(_("When"), "ts")] + [(_(SHORT_LABELS[m]), m.value) for m in METRIC_ORDER] + [
            (_("Source"), "source"), ("", "flag")]
        for label, key in headers:
            table.add_column(f"{label} {arrow}" if key == self.order_by else label, key=key)
        unit = profile.weight_unit
        for m in rows:
            table.add_row(*self._cells(m, unit), key=str(m.id))
        empty = self.query_one("#m-empty", Static)
        empty.display = not rows
        if not rows:
            empty.update(_("No measurements match.") if (self.metric_filter or self.source_filter) else
                         _("No measurements yet. Press a to add one by hand, or pair your scale (F4)."))
        page = self.page_offset // PAGE_SIZE + 1
        info = _("{name} · page {page} · {n} on this page · {total} in all").format(
            name=profile.name, page=page, n=len(rows), total=total)
        self.query_one("#m-info", Static).update(safe_text(info))
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))

    def _cells(self, m: Measurement, unit: WeightUnit) -> list[Text]:
        when = m.timestamp.strftime("%Y-%m-%d %H:%M")
        cells = [Text(when)]
        for metric in METRIC_ORDER:
            value = m.value(metric)
            if value is None:
                cells.append(Text("—", style="dim", justify="right"))
            elif m.is_derived(metric):
                cells.append(Text("≈" + format_metric(metric, value, unit), style="italic", justify="right"))
            else:
                cells.append(Text(format_metric(metric, value, unit), justify="right"))
        cells.append(safe_text(m.source, max_length=40))
        flagged = int(m.timestamp.timestamp()) in self.flagged_ts and m.weight_kg is not None
        cells.append(Text("✕", style="bold red") if flagged else Text(""))
        return cells

    def selected(self) -> Measurement | None:
        table = self.query_one("#m-table", DataTable)
        row = table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # ----- sorting, paging, filters -------------------------------------------------------------------
    @on(DataTable.HeaderSelected, "#m-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key not in SORTS:
            return
        if key == self.order_by:
            self.newest_first = not self.newest_first
        else:
            self.order_by, self.newest_first = key, True
        self.page_offset = 0
        self.reload()

    def action_sort_next(self) -> None:
        self.order_by = SORTS[(SORTS.index(self.order_by) + 1) % len(SORTS)]
        self.page_offset = 0
        self.reload()
        label = _("When") if self.order_by == "ts" else (_("Source") if self.order_by == "source" else
                                                          _(SHORT_LABELS[Metric(self.order_by)]))
        self.notify(_("Sorted by {column}").format(column=label), timeout=2)

    def action_reverse(self) -> None:
        self.newest_first = not self.newest_first
        self.page_offset = 0
        self.reload()

    def action_page(self, delta: int) -> None:
        new = self.page_offset + int(delta) * PAGE_SIZE
        if new < 0 or (int(delta) > 0 and len(self.rows) < PAGE_SIZE):
            self.app.bell()
            return
        self.page_offset = new
        self.reload()

    def action_filter(self) -> None:
        self.query_one("#m-metric", Select).focus()

    @on(Select.Changed, "#m-metric")
    def _metric_changed(self, event: Select.Changed) -> None:
        self.metric_filter = None if event.value == ALL else Metric(str(event.value))
        self.page_offset = 0
        self.reload()

    @on(Select.Changed, "#m-source")
    def _source_changed(self, event: Select.Changed) -> None:
        self.source_filter = None if event.value in (ALL, Select.BLANK) else str(event.value)
        self.page_offset = 0
        self.reload()

    # ----- editing ------------------------------------------------------------------------------------
    def action_delete(self) -> None:
        item = self.selected()
        if item is None or item.id is None:
            self.app.bell()
            return
        removed = self.store.measurements.delete(item.id)
        if removed is None:
            return
        self.undo_item = removed
        if self._undo_timer is not None:
            self._undo_timer.stop()
        self._undo_timer = self.set_timer(UNDO_SECONDS, self._forget_undo)
        self.notify(_("Deleted the reading of {when}. Press u within {n} seconds to undo.").format(
            when=removed.timestamp.strftime("%Y-%m-%d %H:%M"), n=f"{UNDO_SECONDS:.0f}"), timeout=UNDO_SECONDS)
        self.reload()

    def _forget_undo(self) -> None:
        self.undo_item = None
        self._undo_timer = None

    def action_undo(self) -> None:
        item = self.undo_item
        if item is None:
            self.notify(_("Nothing to undo."), timeout=2)
            return
        self.undo_item = None
        if self._undo_timer is not None:
            self._undo_timer.stop()
            self._undo_timer = None
        restored = self.store.measurements.restore(item)
        self.notify(_("Reading put back.") if restored is not None else
                    _("Could not put the reading back: an identical one exists."))
        self.reload()

    def action_reassign(self) -> None:
        item = self.selected()
        current = self.profile
        if item is None or item.id is None or current is None:
            self.app.bell()
            return
        others = [(p.name, p.id) for p in self.store.profiles.all() if p.id != current.id]
        if not others:
            self.notify(_("There is no other profile yet. Add a family member on the dashboard (n)."),
                        severity="warning")
            return
        measurement_id = item.id

        def done(profile_id: Any) -> None:
            if profile_id is None:
                return
            target = self.store.profiles.get(int(profile_id))
            try:
                self.store.measurements.reassign(measurement_id, int(profile_id))
            except Exception:  # the other profile already has a reading at that second from that source
                self.notify(_("{name} already has a reading at that moment; nothing was moved.").format(
                    name=target.name if target else "?"), severity="error")
                return
            self.notify(_("Moved to {name}.").format(name=target.name if target else "?"))
            self.reload()

        self.app.push_screen(ChooseDialog(_("Move this reading to…"), others), done)

    def action_add(self) -> None:
        from companion.domain.validation import ValidationError
        from companion.trends.manual import parse_manual_entry

        profile = self.profile
        if profile is None or profile.id is None:
            return
        now = self.companion.clock.now()
        unit = profile.weight_unit
        mass = unit.value

        def validate(values: dict[str, str]) -> Any:
            try:
                return parse_manual_entry(values, unit, profile.height_cm, now, profile.id)
            except ValidationError as exc:
                raise FieldError(exc.field, exc.message) from None

        def done(measurement: Any) -> None:
            if measurement is None:
                return
            from companion.privacy import ProcessingNotAllowed

            try:
                added = self.store.measurements.add(measurement)
            except ProcessingNotAllowed as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(_("Entry added.") if added is not None else _("An entry at that moment already exists."))
            self.reload()

        fields = [
            Field("when", _("Date and time"), now.strftime("%Y-%m-%d %H:%M"), "YYYY-MM-DD HH:MM"),
            Field("weight", _("Weight ({unit})").format(unit=mass)),
            Field("body_fat", _("Body fat (%)")), Field("body_water", _("Body water (%)")),
            Field("bone_mass", _("Bone mass ({unit})").format(unit=mass)),
            Field("muscle_mass", _("Muscle mass ({unit})").format(unit=mass)),
            Field("visceral_fat", _("Visceral fat (rating)")), Field("note", _("Note (optional)")),
        ]
        self.app.push_screen(FormDialog(_("Add a manual entry"), fields, validate,
                                        note=_("BMI is calculated from the weight and your height.")), done)

    def palette_entries(self) -> list[PaletteCommand]:
        return [
            (_("Measurements: add manual entry"), _("Weight and any metric for a day without the scale"),
             self.action_add),
            (_("Measurements: delete selected"), _("Can be undone for a few seconds"), self.action_delete),
            (_("Measurements: undo delete"), _("Put back the reading you just deleted"), self.action_undo),
            (_("Measurements: move to another profile"), _("The reading belongs to someone else"),
             self.action_reassign),
            (_("Measurements: sort by next column"), _("Change the order of the table"), self.action_sort_next),
            (_("Measurements: reverse order"), _("Oldest or newest first"), self.action_reverse),
            (_("Measurements: next page"), _("The next {n} readings").format(n=PAGE_SIZE), lambda: self.action_page(1)),
            (_("Measurements: previous page"), _("The previous {n} readings").format(n=PAGE_SIZE),
             lambda: self.action_page(-1)),
            (_("Measurements: filter"), _("By metric or source"), self.action_filter),
            (_("Measurements: switch profile"), _("Show another person's data"), self.action_switch_profile),
        ]

    def action_switch_profile(self) -> None:
        from companion.tui.screens.dashboard import switch_profile

        def then() -> None:
            self.page_offset = 0
            self.reload()

        switch_profile(self, then)


__all__ = ["MeasurementsScreen", "METRIC_INFO", "datetime"]
