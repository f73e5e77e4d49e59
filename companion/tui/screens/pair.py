"""Pair screen: the pairing wizard (scan, list, pick, connect, register/consent, clock, first reading)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Static

from companion.i18n import N_, _
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.ble_live import LiveWeight

if TYPE_CHECKING:
    from companion.ble.session import FoundScale


class ScaleCommands(Provider):
    """Command palette entries of the Pair screen ("Scale: ...")."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        screen = self.screen
        if not isinstance(screen, PairScreen):
            return []
        items = [
            (_("Scale: scan for scales"), _("Look for Bluetooth scales nearby"), screen.action_scan),
            (
                _("Scale: pair the selected scale"),
                _("Connect and set up the highlighted scale"),
                screen.action_pair,
            ),
        ]
        if screen.emulated:
            items.append(
                (
                    _("Scale: simulate a weigh-in (demo)"),
                    _("The emulated person steps on the scale"),
                    screen.action_simulate,
                )
            )
        return items

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class PairScreen(CompanionScreen):
    SCREEN_ID = "pair"
    COMMANDS = {ScaleCommands}
    HELP = N_(
        "# Pair a scale\n\n"
        "1. Wake the scale by stepping on it briefly, and keep it within a few metres.\n"
        "2. Press **s** to scan. Scales appear with their name, kind and signal strength (closer to 0 dBm is "
        "stronger).\n"
        "3. Highlight your scale and press **p** (or Enter). Companion connects, registers you as a user on "
        "scales that keep several users (it remembers the consent code), sets the scale's clock and asks you "
        "to step on for a first reading.\n\n"
        "Scales that only broadcast (e.g. Xiaomi) need no setup: Companion just listens.\n\n"
        "**Encrypted scales** (Xiaomi S400, S200, S800) need their *bind key*: a 32-character code the Xiaomi "
        "Home app received when the scale was set up. Companion asks for it when you pick such a scale; get "
        "it by signing in to your Xiaomi account with a token extractor tool (for example *Xiaomi Cloud Tokens "
        "Extractor*), which lists the BLE key of each device. Step on the scale after entering it: its next "
        "advert proves the key. A wrong key is refused and nothing is stored. The key is kept in your system "
        "keyring, or inside your encrypted data when there is no keyring; never in a plain file.\n\n"
        "**No Bluetooth?** Companion says so and offers the emulated scale (**e**), a virtual scale for "
        "trying "
        "things out; its readings are real entries in your data.\n\n"
        "Keys: **s** scan, **p** pair, **w** simulated weigh-in (emulated scale only), **e** use the "
        "emulated "
        "scale, **F1** help."
    )
    BINDINGS = [
        Binding("s", "scan", N_("Scan"), id="pair-scan", tooltip=N_("Look for Bluetooth scales nearby")),
        Binding("p", "pair", N_("Pair"), id="pair-pair", tooltip=N_("Pair the highlighted scale")),
        Binding(
            "w",
            "simulate",
            N_("Weigh-in (demo)"),
            id="pair-simulate",
            tooltip=N_("The emulated person steps on the scale"),
        ),
        Binding(
            "e",
            "use_emulated",
            N_("Emulated scale"),
            id="pair-emulated",
            show=False,
            tooltip=N_("Use the emulated scale instead of Bluetooth"),
        ),
    ]
    DEFAULT_CSS = """
    PairScreen #pair-body { padding: 0 1; }
    PairScreen #pair-found { height: auto; max-height: 8; }
    PairScreen #pair-buttons { height: auto; margin: 1 0 0 0; }
    PairScreen #pair-buttons Button { margin-right: 1; }
    PairScreen #pair-status { height: auto; margin: 1 0 0 0; }
    PairScreen #pair-key-box { height: auto; margin: 1 0 0 0; }
    PairScreen #pair-key-help { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: list[FoundScale] = []
        self.busy = False
        self.key_for: FoundScale | None = None  # the encrypted scale whose bind key is being asked for

    @property
    def emulated(self) -> bool:
        return os.environ.get("COMPANION_BLE", "").strip().lower() == "emulated"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="pair-body"):
            yield Static(_("Live reading"), classes="section-title")
            yield LiveWeight(id="pair-live")
            yield Static(_("Scales nearby"), classes="section-title")
            yield DataTable(id="pair-found", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="pair-key-box"):
                yield Static(id="pair-key-help")
                yield Input(
                    id="pair-key",
                    password=True,
                    placeholder=_("bind key: 32 characters, 0-9 and a-f"),
                    tooltip=_("The scale's bind key; Enter pairs"),
                )
            with Horizontal(id="pair-buttons"):
                yield Button(_("Scan"), id="pair-scan-button", variant="primary")
                yield Button(_("Pair"), id="pair-pair-button", disabled=True)
                yield Button(_("Weigh-in (demo)"), id="pair-simulate-button")
            yield Static(id="pair-status")
            yield Static(_("Paired scales"), classes="section-title")
            yield Static(id="pair-paired", classes="muted")

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#pair-found", DataTable)
        table.add_columns(_("Name"), _("Kind"), _("Signal"), _("Address"))
        self.query_one("#pair-simulate-button", Button).display = self.emulated
        self.query_one("#pair-key-box").display = False
        self._show_paired()
        self._status(_("Press s to scan for scales. Step on the scale first to wake it."))

    def on_screen_resume(self) -> None:
        self._show_paired()

    # ----- helpers -------------------------------------------------------------------------------------
    def _status(self, text: str, *, problem: bool = False) -> None:
        widget = self.query_one("#pair-status", Static)
        widget.update(safe_text(text))
        widget.set_class(problem, "error")

    def _show_paired(self) -> None:
        from companion.store.ble import BleRepository

        scales = BleRepository(self.store).paired()
        lines = [f"{s.name or s.address}  ({s.protocol}, {s.address})" for s in scales]
        self.query_one("#pair-paired", Static).update(
            safe_text("\n".join(lines)) if lines else _("None yet.")
        )

    def _selected(self) -> FoundScale | None:
        table = self.query_one("#pair-found", DataTable)
        if not self.found or table.cursor_row is None or table.cursor_row >= len(self.found):
            return None
        return self.found[table.cursor_row]

    # ----- actions -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#pair-scan-button")
    def action_scan(self) -> None:
        if not self.busy:
            self._scan()

    @on(Button.Pressed, "#pair-pair-button")
    def action_pair(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self._status(_("Scan first, then highlight a scale."), problem=True)
            return
        if self.busy:
            return
        if chosen.driver.needs_key:
            self._ask_key(chosen)
            return
        self._pair(chosen)

    def _ask_key(self, chosen: FoundScale) -> None:
        """Show the bind-key field with plain-words help (pre-filled for the emulated demo S400)."""
        from companion.ble.emulator import demo_bind_key

        self.key_for = chosen
        demo = demo_bind_key(chosen.address) if self.emulated else None
        lines = [
            _(
                "{name} encrypts its readings. Enter its bind key: a 32-character code the Xiaomi Home app "
                "received when the scale was set up. To get it, sign in to your Xiaomi account with a token "
                "extractor tool (for example \"Xiaomi Cloud Tokens Extractor\"); it lists the BLE key of each "
                "device. Then press Enter and step on the scale: its next advert checks the key."
            ).format(name=chosen.label)
        ]
        field = self.query_one("#pair-key", Input)
        if demo is not None:
            lines.append(_("Demo: this emulated scale's bind key is filled in; press Enter."))
            field.value = demo.hex()
        self.query_one("#pair-key-help", Static).update(safe_text("\n".join(lines)))
        self.query_one("#pair-key-box").display = True
        field.focus()
        self._status(_("Enter the bind key of {name}, then press Enter.").format(name=chosen.label))

    @on(Input.Submitted, "#pair-key")
    def _key_entered(self, event: Input.Submitted) -> None:
        from companion.ble.drivers.mibeacon import parse_bind_key
        from companion.ble.protocols import DecodeError

        chosen = self.key_for
        if chosen is None or self.busy:
            return
        try:
            key = parse_bind_key(event.value)
        except DecodeError:
            self._status(_("A bind key is 32 characters, 0-9 and a-f. Check it and try again."), problem=True)
            return
        self._pair(chosen, key)

    @on(DataTable.RowSelected, "#pair-found")
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_pair()

    @on(Button.Pressed, "#pair-simulate-button")
    def action_simulate(self) -> None:
        if not self.emulated:
            self._status(
                _("Simulated weigh-ins need the emulated scale: press e to switch to it."), problem=True
            )
            return
        self._simulate()

    def action_use_emulated(self) -> None:
        os.environ["COMPANION_BLE"] = "emulated"
        self.query_one("#pair-simulate-button", Button).display = True
        self._status(_("Using the emulated scale. Press s to scan."))
        self.refresh_bindings()

    # ----- workers -------------------------------------------------------------------------------------
    @work(exclusive=True, group="pair", exit_on_error=False)
    async def _scan(self) -> None:
        from companion.ble import session

        self.busy = True
        table = self.query_one("#pair-found", DataTable)
        self._status(_("Scanning for 4 seconds..."))
        try:
            self.found = await session.scan(4.0)
        except session.NoAdapter as exc:
            self._status(str(exc) + "\n" + _("Press e to try the emulated scale."), problem=True)
            return
        finally:
            self.busy = False
        table.clear()
        for item in self.found:
            table.add_row(
                safe_text(item.label, max_length=40), _(item.kind.label), f"{item.rssi} dBm", item.address
            )
        self.query_one("#pair-pair-button", Button).disabled = not self.found
        if not self.found:
            self._status(
                _("No scale found. Step on the scale to wake it, bring it closer and scan again."),
                problem=True,
            )
        else:
            table.focus()
            self._status(_("Highlight your scale and press p (or Enter) to pair it."))

    @work(exclusive=True, group="pair", exit_on_error=False)
    async def _pair(self, chosen: FoundScale, bind_key: bytes | None = None) -> None:
        from companion.ble import session
        from companion.privacy.gate import ProcessingNotAllowed
        from companion.tui.services import ble_live

        profile = self.profile
        if profile is None:
            return
        self.busy = True
        ble_live.stop(self.app)  # one connection per scale: the wizard has it now
        if bind_key is not None and self.emulated:
            ble_live.emulated_person_steps_on(chosen.address)  # demo: someone stands on it to show the key
        try:
            outcome = await session.pair(
                self.store,
                chosen,
                profile,
                progress=self._status,
                first_reading_timeout=30.0,
                on_event=ble_live.hub(self.app).publish,
                bind_key=bind_key,
            )
        except session.WrongKey as exc:
            self._status(str(exc), problem=True)
            self.query_one("#pair-key", Input).focus()
            return
        except session.ScaleError as exc:
            self._status(str(exc), problem=True)
            return
        except ProcessingNotAllowed as exc:
            self._status(str(exc), problem=True)
            return
        finally:
            self.busy = False
            ble_live.start(self.app)
            self._show_paired()
        if bind_key is not None:
            self.key_for = None
            field = self.query_one("#pair-key", Input)
            field.value = ""  # the key is in the keyring / encrypted store now, not on the screen
            self.query_one("#pair-key-box").display = False
        if outcome.first is not None and outcome.first.measurement is not None:
            self._status(_("Paired. Your first reading is stored; the scale is remembered."))
        elif outcome.first is not None:
            self._status(outcome.first.message, problem=True)
        else:
            self._status(_("Paired and remembered. No reading yet: step on the scale whenever you like."))

    @work(group="pair-simulate", exit_on_error=False)
    async def _simulate(self) -> None:
        from companion.tui.services.ble_live import simulate_weigh_in

        self._status(_("The emulated person is stepping on the scale..."))
        try:
            message = await simulate_weigh_in(self.app)
        except Exception as exc:  # a failing simulation is shown, never crashes the screen
            message = _("The simulated weigh-in failed: {error}").format(error=str(exc))
        self._status(message)
        self._show_paired()
