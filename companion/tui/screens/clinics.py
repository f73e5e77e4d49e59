"""Clinics: find clinics near a place (offline by default), see them on a small radar, choose your clinic."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Link, Select, Static

from companion.clinics.finder import ClinicFinder, LocationError, Resolution
from companion.clinics.model import LANGUAGES, Location, service_label
from companion.clinics.search import ClinicResult, Filters, SearchResult
from companion.i18n import N_, _, ngettext
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.clinics_radar import ClinicsRadar

log = logging.getLogger("companion.clinics")

DEFAULT_RADIUS_KM = 50.0
RESULT_LIMIT = 10


@dataclass(frozen=True, slots=True)
class _Found:
    resolution: Resolution
    result: SearchResult


class ClinicsScreen(CompanionScreen):
    SCREEN_ID = "clinics"
    HELP = N_(
        "# Clinics\n\nType a town, a postcode or an address, or coordinates as `lat, lon`, and press "
        "**Enter**. "
        "Companion finds the place in its built-in list of towns, on this machine; only if you set up an "
        "online "
        "geocoder in `config.toml` is the place text (and nothing else) sent to it.\n\n"
        "The list is ordered by distance (WGS-84). When no clinic is inside the radius, the nearest few are "
        "shown anyway. The radar shows you (`@`) in the middle and the clinics by number.\n\n"
        "Keys: **Enter** search, **s** make the highlighted clinic your clinic, **o** open it on "
        "OpenStreetMap in your browser, **c** copy its address, **d** add a clinic directory (file or URL), "
        "**/** back to the search field.\n\n"
        "Finding clinics uses your location and needs the *Finding clinics nearby* consent (Privacy, F8). "
        "The clinics shipped with Companion are SAMPLE data."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "select_clinic",
            N_("My clinic"),
            id="clinics-select",
            tooltip=N_("Make the highlighted clinic your clinic"),
        ),
        Binding("o", "open_map", N_("Map"), id="clinics-map", tooltip=N_("Open the clinic on OpenStreetMap")),
        Binding("c", "copy_address", N_("Copy"), id="clinics-copy", tooltip=N_("Copy the clinic's address")),
        Binding(
            "d",
            "add_directory",
            N_("Add list"),
            id="clinics-add-directory",
            tooltip=N_("Add a clinic directory file or URL"),
        ),
        Binding(
            "slash",
            "focus_search",
            N_("Search"),
            id="clinics-search",
            tooltip=N_("Type a place to search from"),
        ),
    ]

    class Searched(Message):
        """A search finished (posted by the worker thread)."""

        def __init__(self, found: _Found | None, error: str = "", consent_needed: bool = False) -> None:
            super().__init__()
            self.found = found
            self.error = error
            self.consent_needed = consent_needed

    class ClinicSelected(Message):
        def __init__(self, clinic_id: str, name: str) -> None:
            super().__init__()
            self.clinic_id = clinic_id
            self.name = name

    def __init__(self) -> None:
        super().__init__()
        self._finder: ClinicFinder | None = None
        self._found: _Found | None = None
        self._number_column: Any = None

    # ----- layout --------------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="clinics"):
            with Horizontal(id="clinics-query"):
                yield Input(
                    placeholder=_("Town, postcode, address or lat, lon — Enter to search"),
                    id="place",
                    compact=True,
                    max_length=200,
                )
                yield Select[str]([], prompt=_("Any service"), id="service", compact=True)
                yield Select[str](
                    [(name, code) for code, name in LANGUAGES.items()],
                    prompt=_("Any language"),
                    id="language",
                    compact=True,
                )
            with Horizontal(id="clinics-filters"):
                yield Checkbox(_("Open now"), id="open-now", compact=True)
                yield Static(_("Radius km"), classes="label")
                yield Input(
                    str(int(DEFAULT_RADIUS_KM)), id="radius", compact=True, type="number", max_length=6
                )
                yield Select[int]([], prompt=_("Other matches"), id="candidates", compact=True)
            yield Static(id="status", classes="muted")
            with Vertical(id="consent-needed"):
                yield Static(id="consent-text")
                yield Button(
                    _("Allow location for the clinic finder"), id="grant-location", variant="primary"
                )
            with Horizontal(id="clinics-main"):
                with Vertical(id="clinics-left"):
                    yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
                    yield Static(id="details")
                    yield Link("", id="osm-link")
                yield ClinicsRadar(id="radar")

    DEFAULT_CSS = """
    #clinics { height: 1fr; padding: 0 1; }
    #clinics-query, #clinics-filters { height: 1; margin-bottom: 1; }
    #clinics-filters { margin-bottom: 0; }
    #clinics-query #place { width: 1fr; margin-right: 1; }
    #clinics-query #service { width: 24; margin-right: 1; }
    #clinics-query #language { width: 16; }
    #clinics-filters .label { width: auto; margin: 0 1 0 2; color: $text-muted; }
    #clinics-filters #radius { width: 8; }
    #clinics-filters #candidates { width: 1fr; margin-left: 2; }
    #status { height: auto; max-height: 3; }
    #consent-needed { height: auto; display: none; padding: 1 0; }
    #consent-needed Button { margin-top: 1; }
    #clinics-main { height: 1fr; min-height: 8; }
    #clinics-left { width: 1fr; }
    #results { height: 1fr; min-height: 4; }
    #details { height: auto; max-height: 7; }
    #osm-link { height: 1; }
    """

    def on_mount(self) -> None:
        super().on_mount()
        self._finder = ClinicFinder(self.store, self.companion.context.home, clock=self.companion.clock)
        self.query_one("#candidates", Select).display = False
        self._number_column = self.query_one("#results", DataTable).add_columns(
            "#", _("km"), _("Clinic"), _("Open")
        )[0]
        self._show_intro()
        self._load_options()

    def _show_intro(self) -> None:
        from companion.privacy import allowed

        if not allowed(self.store, "location"):
            self._show_consent_needed()
            return
        current = self._finder.current() if self._finder else None
        lines = [_("Type where you are and press Enter. The search runs on this machine.")]
        mine = current.name if current is not None else (self.profile.clinic if self.profile else None)
        if mine:
            lines.append(_("Your clinic: {name}").format(name=mine))
        self.query_one("#status", Static).update(Text("\n".join(lines)))
        saved = self._finder.saved_location() if self._finder else None
        if saved is not None:
            self.query_one("#place", Input).value = saved.label
            self._search(saved.label, self._filters(), saved)

    @work(thread=True, exclusive=True, group="clinics-directory", exit_on_error=False)
    def _load_options(self) -> None:
        assert self._finder is not None
        services = self._finder.directory().services()
        self.app.call_from_thread(self._set_services, services)

    def _set_services(self, services: list[str]) -> None:
        self.query_one("#service", Select).set_options((service_label(s), s) for s in services)

    # ----- searching -----------------------------------------------------------------------------------
    def _filters(self) -> Filters:
        service = self.query_one("#service", Select).value
        language = self.query_one("#language", Select).value
        radius_text = self.query_one("#radius", Input).value.strip()
        try:
            radius = float(radius_text) if radius_text else None
        except ValueError:
            radius = None
        if radius is not None and radius <= 0:
            radius = None
        return Filters(
            service=service if isinstance(service, str) else "",
            language=language if isinstance(language, str) else "",
            open_now=self.query_one("#open-now", Checkbox).value,
            max_km=radius,
        )

    @on(Input.Submitted, "#place")
    @on(Input.Submitted, "#radius")
    def _submitted(self) -> None:
        self.search_now()

    @on(Select.Changed, "#service")
    @on(Select.Changed, "#language")
    @on(Checkbox.Changed, "#open-now")
    def _filters_changed(self) -> None:
        if self._found is not None:  # refine the current search locally (nothing is sent anywhere)
            self._search("", self._filters(), self._found.resolution.location, self._found.resolution)

    @on(Select.Changed, "#candidates")
    def _candidate_chosen(self, event: Select.Changed) -> None:
        if self._found is None or not isinstance(event.value, int):
            return
        candidates = self._found.resolution.candidates
        if 0 <= event.value < len(candidates) and candidates[event.value] != self._found.resolution.location:
            chosen = candidates[event.value]
            self._search("", self._filters(), chosen, Resolution(chosen, candidates, ()))

    def search_now(self) -> None:
        text = self.query_one("#place", Input).value
        self.query_one("#status", Static).update(_("Searching…"))
        self._search(text, self._filters())

    @work(thread=True, exclusive=True, group="clinics-search", exit_on_error=False)
    def _search(
        self,
        text: str,
        filters: Filters,
        location: Location | None = None,
        resolution: Resolution | None = None,
    ) -> None:
        from companion.privacy import ProcessingNotAllowed

        finder = self._finder
        assert finder is not None
        try:
            if location is None:
                resolution = finder.locate(text)
                location = resolution.location
            elif resolution is None:
                resolution = Resolution(location)
            result = finder.search(location, filters=filters, limit=RESULT_LIMIT)
        except ProcessingNotAllowed as exc:
            self.post_message(self.Searched(None, str(exc), consent_needed=True))
            return
        except LocationError as exc:
            self.post_message(self.Searched(None, str(exc)))
            return
        except Exception as exc:  # never leave the screen at "Searching…"
            log.exception("clinic search failed")
            self.post_message(self.Searched(None, _("The search failed: {error}").format(error=exc)))
            return
        self.post_message(self.Searched(_Found(resolution, result)))

    @on(Searched)
    def _show_results(self, message: Searched) -> None:
        status = self.query_one("#status", Static)
        if message.consent_needed:
            self._show_consent_needed(message.error)
            return
        self.query_one("#consent-needed").display = False
        self.query_one("#clinics-main").display = True
        if message.found is None:
            status.update(Text(message.error, style="bold"))
            return
        self._found = message.found
        resolution, result = message.found.resolution, message.found.result
        self._update_candidates(resolution)
        status.update(self._summary(resolution, result))
        table = self.query_one("#results", DataTable)
        table.clear()
        now = self.companion.clock.now()
        mine = self._mine()
        for number, item in enumerate(result.results, start=1):
            table.add_row(
                _number(number, item.clinic.id == mine),
                _format_km(item.distance_km),
                safe_text(item.clinic.name, max_length=28),
                _open_cell(item, now),
                key=item.clinic.id,
            )
        self.query_one("#radar", ClinicsRadar).show(
            result.lat,
            result.lon,
            [(r.clinic.lat, r.clinic.lon) for r in result.results],
            result.filters.max_km if not result.none_in_radius else None,
            highlight=1 if result.results else None,
        )
        self._show_details(0)

    def _summary(self, resolution: Resolution, result: SearchResult) -> Text:
        place = resolution.location.label
        count = len(result.results)
        if not count:
            line = _("No clinic matches these filters near {place}.").format(place=place)
        elif result.none_in_radius:
            line = _("No clinic within {km} km of {place}; the nearest are shown.").format(
                km=f"{result.filters.max_km or 0:g}", place=place
            )
        elif result.filters.max_km is not None:
            line = ngettext(
                "{n} clinic within {km} km of {place}", "{n} clinics within {km} km of {place}", count
            ).format(n=count, km=f"{result.filters.max_km:g}", place=place)
        else:
            line = ngettext("{n} clinic nearest to {place}", "{n} clinics nearest to {place}", count).format(
                n=count, place=place
            )
        text = Text(line, style="bold")
        if any(r.clinic.sample for r in result.results):
            text.append("  " + _("SAMPLE DATA"), style="reverse")
        for note in (*resolution.notes, *result.notes):
            text.append("\n")
            text.append_text(safe_text(note, max_length=200))
        return text

    def _update_candidates(self, resolution: Resolution) -> None:
        select = self.query_one("#candidates", Select)
        if len(resolution.candidates) > 1:
            select.set_options((c.label, i) for i, c in enumerate(resolution.candidates))
            index = (
                resolution.candidates.index(resolution.location)
                if resolution.location in resolution.candidates
                else 0
            )
            with select.prevent(Select.Changed):
                select.value = index
            select.display = True
        else:
            select.display = False

    def _show_consent_needed(self, reason: str = "") -> None:
        self.query_one("#consent-needed").display = True
        self.query_one("#clinics-main").display = False
        self.query_one("#status", Static).update("")
        self.query_one("#details", Static).update("")
        self.query_one("#consent-text", Static).update(
            Text(
                (reason + "\n\n" if reason else "")
                + _(
                    "The clinic finder uses the place you type to find clinics near you. It works on this "
                    "machine; nothing is sent unless you set up an online geocoder. It needs your consent to "
                    "use your location; you can withdraw it at any time on the Privacy screen (F8)."
                )
            )
        )

    @on(Button.Pressed, "#grant-location")
    def _grant(self) -> None:
        from companion.privacy.notice import CURRENT_NOTICE

        self.store.consents.record("location", "grant", CURRENT_NOTICE.version, "tui-clinics")
        self.query_one("#consent-needed").display = False
        self.query_one("#clinics-main").display = True
        self.notify(_("Location consent given. You can withdraw it on the Privacy screen."))
        self._show_intro()
        self.query_one("#place", Input).focus()

    # ----- the highlighted clinic ----------------------------------------------------------------------
    def _current(self) -> tuple[int, ClinicResult] | None:
        if self._found is None or not self._found.result.results:
            return None
        row = self.query_one("#results", DataTable).cursor_row
        results = self._found.result.results
        if not 0 <= row < len(results):
            return None
        return row, results[row]

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    def _show_details(self, row: int) -> None:
        details = self.query_one("#details", Static)
        link = self.query_one("#osm-link", Link)
        if self._found is None or not 0 <= row < len(self._found.result.results):
            details.update("")
            link.text = ""
            return
        item = self._found.result.results[row]
        clinic = item.clinic
        now = self.companion.clock.now()
        text = Text()
        text.append_text(safe_text(clinic.name, max_length=120, style="bold"))
        text.append(f"  {_format_km(item.distance_km)} km\n")
        hours = item.open_state.describe(clinic.local_time(now)) if item.open_state else clinic.opening_hours
        languages = ", ".join(LANGUAGES.get(code, code) for code in clinic.languages)
        lines = [
            clinic.address.line(),
            "  ".join(p for p in (clinic.phone, clinic.email) if p),
            " · ".join(p for p in (hours, languages) if p),
            ", ".join(service_label(s) for s in clinic.services),
            f"Matrix: {clinic.matrix_id}" if clinic.matrix_id else "",
        ]
        text.append_text(safe_text("\n".join(line for line in lines if line), max_length=1000))
        details.update(text)
        link.text = _("Show on OpenStreetMap (o)")
        link.url = clinic.osm_url()
        radar = self.query_one("#radar", ClinicsRadar)
        result = self._found.result
        radar.show(
            result.lat,
            result.lon,
            [(r.clinic.lat, r.clinic.lon) for r in result.results],
            result.filters.max_km if not result.none_in_radius else None,
            highlight=row + 1,
        )

    def action_select_clinic(self) -> None:
        current = self._current()
        if current is None or self._finder is None:
            self.app.bell()
            return
        _row, item = current
        try:
            selection = self._finder.select(item.clinic)
        except LocationError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(_("Your clinic is now {name}.").format(name=selection.name))
        self.post_message(self.ClinicSelected(selection.clinic_id, selection.name))
        self._mark_mine()

    def _mine(self) -> str:
        current = self._finder.current() if self._finder is not None else None
        return current.clinic_id if current is not None else ""

    def _mark_mine(self) -> None:
        """Star the row of the user's clinic (after a change of clinic)."""
        if self._found is None:
            return
        table = self.query_one("#results", DataTable)
        mine = self._mine()
        for number, item in enumerate(self._found.result.results, start=1):
            table.update_cell(item.clinic.id, self._number_column, _number(number, item.clinic.id == mine))

    def action_open_map(self) -> None:
        current = self._current()
        if current is None:
            self.app.bell()
            return
        self.app.open_url(current[1].clinic.osm_url())

    def action_copy_address(self) -> None:
        current = self._current()
        if current is None:
            self.app.bell()
            return
        clinic = current[1].clinic
        self.app.copy_to_clipboard(
            ", ".join(p for p in (clinic.name, clinic.address.line(), clinic.phone) if p)
        )
        self.notify(_("Address copied."))

    def action_add_directory(self) -> None:
        from companion.tui.widgets.clinics_directory import AddDirectoryModal

        self.app.push_screen(AddDirectoryModal(), self._directory_chosen)

    def _directory_chosen(self, source: str | None) -> None:
        if source:
            self._add_directory(source)

    @work(thread=True, exclusive=True, group="clinics-directory", exit_on_error=False)
    def _add_directory(self, source: str) -> None:
        from companion.clinics.directory import DirectoryError

        assert self._finder is not None
        try:
            directory = self._finder.add_directory(source)
        except (DirectoryError, LocationError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        message = _("Added {count} clinics from {source}.").format(count=len(directory), source=source)
        if directory.problems:
            message += " " + _("{count} entries were skipped, e.g. {problem}").format(
                count=len(directory.problems), problem=directory.problems[0].describe()
            )
        self.app.call_from_thread(self.notify, message, timeout=8)
        self.app.call_from_thread(self._set_services, self._finder.directory().services())
        if self._found is not None:
            found = self._found
            self.app.call_from_thread(
                self._search, "", self._filters(), found.resolution.location, found.resolution
            )

    def action_focus_search(self) -> None:
        self.query_one("#place", Input).focus()


def _number(number: int, mine: bool) -> Text:
    return Text(f"{number}★", style="bold") if mine else Text(str(number))


def _format_km(km: float) -> str:
    return f"{km:.1f}" if km < 100 else f"{km:,.0f}"


def _open_cell(item: ClinicResult, now: object) -> Text:
    state = item.open_state
    if state is None:
        return Text("?" if item.clinic.opening_hours else "", style="dim")
    if state.is_open:
        closes = state.change.strftime("%H:%M") if state.change else "24/7"
        return Text(_("until {time}").format(time=closes), style="green")
    return Text(_("closed"), style="dim")
