"""Onboarding wizard: language, age gate, privacy notice, health-data consent, optional consents, profile,
passphrase. Answers stay in memory until the last step writes everything at once (nothing half-written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    ProgressBar,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from companion.clock import Clock
from companion.domain.validation import (
    MIN_PASSPHRASE_LENGTH,
    UnderAge,
    ValidationError,
    check_adult,
    passphrase_strength,
    validate_birth_date,
)
from companion.i18n import N_, _, current_language, set_language
from companion.privacy.notice import CURRENT_NOTICE
from companion.privacy.purposes import OPTIONAL_CONSENTS, purpose
from companion.store import Store, StoreError, keyring_usable

STEPS = ("step-language", "step-age", "step-notice", "step-health", "step-optional", "step-profile",
         "step-passphrase", "step-refused")
PROFILE_FIELDS = ("name", "sex", "height", "email", "phone", "placement-date", "goal-weight")


class OnboardingScreen(Screen[Store | None]):
    """Dismisses with the new, open ``Store``, or ``None`` when the person quits."""

    BINDINGS = [
        Binding("escape", "quit_onboarding", N_("Quit"), id="quit-onboarding",
                tooltip=N_("Quit; nothing is stored")),
    ]
    DEFAULT_CSS = """
    OnboardingScreen ContentSwitcher { height: 1fr; padding: 1 2; }
    OnboardingScreen .step { height: auto; }
    OnboardingScreen .buttons { height: auto; margin-top: 1; }
    OnboardingScreen .buttons Button { margin-right: 2; }
    OnboardingScreen #notice-text { height: auto; max-height: 60vh; border: round $primary-darken-2; }
    OnboardingScreen #strength { height: 1; width: 40; }
    """

    def __init__(self, home: Path, clock: Clock) -> None:
        super().__init__()
        self.home = home
        self.clock = clock
        self.values: dict[str, Any] = {}
        self.birth_date: Any = None
        self.health_consent = False
        self.optional: set[str] = set()
        self.current = "step-language"

    # ----- layout --------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with ContentSwitcher(initial=self.current):
            with Vertical(id="step-language", classes="step"):
                yield Label(_("Welcome to Companion"), classes="section-title")
                yield Static(_("Choose your language."))
                with RadioSet(id="language"):
                    yield RadioButton("English", id="lang-en", value=current_language() == "en")
                    yield RadioButton("Nederlands", id="lang-nl", value=current_language() == "nl")
                with Horizontal(classes="buttons"):
                    yield Button(_("Next"), id="language-next", variant="primary")
            with Vertical(id="step-age", classes="step"):
                yield Label(_("Your date of birth"), classes="section-title")
                yield Static(_("Companion is for adults. Enter your date of birth (YYYY-MM-DD)."))
                yield Input(placeholder="1980-04-23", id="birth-date",
                            value=self.values.get("birth-date", ""))
                yield Static("", id="error-birth-date", classes="field-error")
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="age-back")
                    yield Button(_("Next"), id="age-next", variant="primary")
            with Vertical(id="step-notice", classes="step"):
                yield Label(
                    _("Privacy notice, version {version} (effective {date})").format(
                        version=CURRENT_NOTICE.version, date=CURRENT_NOTICE.effective.isoformat()),
                    classes="section-title",
                )
                with VerticalScroll(id="notice-text"):
                    yield Markdown(CURRENT_NOTICE.text(current_language()))
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="notice-back")
                    yield Button(_("I have read it"), id="notice-accept", variant="primary")
            with Vertical(id="step-health", classes="step"):
                yield Label(_("Your health data"), classes="section-title")
                yield Static(_(
                    "Companion stores your weight, body composition and other health data only with your "
                    "explicit consent. Without it you can still use the app, but no measurements are kept. "
                    "You can withdraw this consent at any time on the Privacy screen."))
                yield Checkbox(
                    _("I explicitly consent to Companion processing my health data on this computer"),
                    id="health-consent", value=self.health_consent)
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="health-back")
                    yield Button(_("Next"), id="health-next", variant="primary")
            with Vertical(id="step-optional", classes="step"):
                yield Label(_("Optional: what else may Companion do?"), classes="section-title")
                yield Static(_("All of these are off unless you switch them on. You can change them later."))
                for purpose_id in OPTIONAL_CONSENTS:
                    yield Checkbox(_(purpose(purpose_id).title), id=f"consent-{purpose_id}",
                                   value=purpose_id in self.optional)
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="optional-back")
                    yield Button(_("Next"), id="optional-next", variant="primary")
            with VerticalScroll(id="step-profile", classes="step"):
                yield Label(_("About you"), classes="section-title")
                yield from self._field("name", _("Name"), Input(id="name", value=self.values.get("name", "")))
                yield from self._field("sex", _("Sex"), Select(
                    [(_("female"), "female"), (_("male"), "male"), (_("other"), "other")],
                    id="sex", prompt=_("Choose"), value=self.values.get("sex", Select.NULL)))
                yield from self._field("height", _("Height (cm)"), Input(
                    id="height", placeholder="170", value=self.values.get("height", "")))
                yield from self._field("email", _("E-mail (optional)"),
                                       Input(id="email", value=self.values.get("email", "")))
                yield from self._field("phone", _("Phone (optional)"),
                                       Input(id="phone", value=self.values.get("phone", "")))
                yield from self._field("placement-date", _("Balloon placement date (optional)"),
                                       Input(id="placement-date", placeholder="YYYY-MM-DD",
                                             value=self.values.get("placement-date", "")))
                yield from self._field("goal-weight", _("Goal weight in kg (optional)"),
                                       Input(id="goal-weight", value=self.values.get("goal-weight", "")))
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="profile-back")
                    yield Button(_("Next"), id="profile-next", variant="primary")
            with Vertical(id="step-passphrase", classes="step"):
                yield Label(_("Protect your data"), classes="section-title")
                if keyring_usable():
                    yield Static(_(
                        "Your data is encrypted with a key kept in your system keyring. You may also "
                        "set a passphrase; then the key is protected by it instead (optional)."))
                else:
                    yield Static(_(
                        "No system keyring is available, so your data is protected by a passphrase. "
                        "Choose one you will remember: it cannot be recovered."))
                yield Input(password=True, id="passphrase", placeholder=_("Passphrase"))
                yield Input(password=True, id="passphrase2", placeholder=_("Repeat the passphrase"))
                yield ProgressBar(total=4, show_eta=False, show_percentage=False, id="strength")
                yield Static("", id="strength-text", classes="muted")
                yield Static("", id="error-passphrase", classes="field-error")
                with Horizontal(classes="buttons"):
                    yield Button(_("Back"), id="passphrase-back")
                    yield Button(_("Finish"), id="finish", variant="success")
            with Vertical(id="step-refused", classes="step"):
                yield Label(_("Sorry, Companion is for adults only"), classes="section-title")
                yield Static(_("You must be 18 or older to use Companion. Nothing has been stored."),
                             id="refused-text")
                with Horizontal(classes="buttons"):
                    yield Button(_("Quit"), id="refused-quit", variant="error")
        yield Footer()

    def _field(self, name: str, label: str, widget: Any) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(label)
            yield widget
        yield Static("", id=f"error-{name}", classes="field-error")

    def on_mount(self) -> None:
        from companion.tui.app import translate_bindings

        translate_bindings(self)
        self.title = _("Set up Companion")

    # ----- navigation ----------------------------------------------------------------------------------
    def go(self, step: str) -> None:
        self.current = step
        self.query_one(ContentSwitcher).current = step
        first = self.query_one(f"#{step}").query("Input, RadioSet, Checkbox, Select, Button").first()
        first.focus()

    @on(Button.Pressed, "#language-next")
    async def _language_next(self) -> None:
        pressed = self.query_one("#language", RadioSet).pressed_button
        language = "nl" if pressed is not None and pressed.id == "lang-nl" else "en"
        self.values["language"] = language
        if language != current_language():
            from companion.tui.app import translate_bindings

            set_language(language)
            translate_bindings(self.app)
            translate_bindings(self)
            self.title = _("Set up Companion")
            self.current = "step-age"
            await self.recompose()
            self.go("step-age")
        else:
            self.go("step-age")

    @on(Button.Pressed, "#age-back")
    def _age_back(self) -> None:
        self.go("step-language")

    @on(Input.Submitted, "#birth-date")
    @on(Button.Pressed, "#age-next")
    def _age_next(self) -> None:
        text = self.query_one("#birth-date", Input).value
        error = self.query_one("#error-birth-date", Static)
        today = self.clock.now().date()
        try:
            born = validate_birth_date(text, today)
            check_adult(born, today)
        except ValidationError as exc:
            if isinstance(exc, UnderAge):
                self.values.clear()
                self.birth_date = None
                self.query_one("#birth-date", Input).value = ""
                self.go("step-refused")
                return
            error.update(exc.message)
            return
        error.update("")
        self.values["birth-date"] = text
        self.birth_date = born
        self.go("step-notice")

    @on(Button.Pressed, "#notice-back")
    def _notice_back(self) -> None:
        self.go("step-age")

    @on(Button.Pressed, "#notice-accept")
    def _notice_accept(self) -> None:
        self.go("step-health")

    @on(Button.Pressed, "#health-back")
    def _health_back(self) -> None:
        self.go("step-notice")

    @on(Button.Pressed, "#health-next")
    def _health_next(self) -> None:
        self.health_consent = self.query_one("#health-consent", Checkbox).value
        self.go("step-optional")

    @on(Button.Pressed, "#optional-back")
    def _optional_back(self) -> None:
        self.go("step-health")

    @on(Button.Pressed, "#optional-next")
    def _optional_next(self) -> None:
        self.optional = {p for p in OPTIONAL_CONSENTS if self.query_one(f"#consent-{p}", Checkbox).value}
        self.go("step-profile")

    @on(Button.Pressed, "#profile-back")
    def _profile_back(self) -> None:
        self.go("step-optional")

    def _profile_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in PROFILE_FIELDS:
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Select):
                values[name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                values[name] = widget.value  # type: ignore[attr-defined]
        return values

    def validated_profile(self) -> Any:
        from companion.onboarding import validate_profile_fields

        values = self._profile_values()
        for name in PROFILE_FIELDS:
            self.query_one(f"#error-{name}", Static).update("")
        field_of = {
            "goal_weight": "goal-weight", "placement_date": "placement-date", "birth_date": "placement-date",
        }
        try:
            profile = validate_profile_fields(
                name=values["name"], birth_date=self.values.get("birth-date", ""), sex=values["sex"],
                height=values["height"], email=values["email"], phone=values["phone"],
                placement_date=values["placement-date"], goal_weight=values["goal-weight"],
                language=self.values.get("language", "en"), today=self.clock.now().date(),
            )
        except ValidationError as exc:
            name = field_of.get(exc.field, exc.field)
            self.query_one(f"#error-{name}", Static).update(exc.message)
            self.query_one(f"#{name}").focus()
            return None
        self.values.update(values)
        return profile

    @on(Button.Pressed, "#profile-next")
    def _profile_next(self) -> None:
        if self.validated_profile() is not None:
            self.go("step-passphrase")

    @on(Button.Pressed, "#passphrase-back")
    def _passphrase_back(self) -> None:
        self.go("step-profile")

    @on(Input.Changed, "#passphrase")
    def _strength(self, event: Input.Changed) -> None:
        score, advice = passphrase_strength(event.value)
        self.query_one("#strength", ProgressBar).update(progress=score)
        self.query_one("#strength-text", Static).update(advice if event.value else "")

    @on(Button.Pressed, "#finish")
    def _finish(self) -> None:
        profile = self.validated_profile()
        if profile is None:
            self.go("step-profile")
            return
        first = self.query_one("#passphrase", Input).value
        second = self.query_one("#passphrase2", Input).value
        error = self.query_one("#error-passphrase", Static)
        if first != second:
            error.update(_("The two passphrases are not the same."))
            return
        if first and len(first) < MIN_PASSPHRASE_LENGTH:
            error.update(_("The passphrase needs at least 8 characters."))
            return
        if not first and not keyring_usable():
            error.update(_("Without a system keyring a passphrase is required."))
            return
        error.update(_("Saving…"))
        self.save(profile, first or None)

    @work(exclusive=True, thread=True, group="onboarding", exit_on_error=False)
    def save(self, profile: Any, passphrase: str | None) -> None:
        from companion.onboarding import OnboardingAnswers, complete_onboarding

        answers = OnboardingAnswers(
            profile=profile, health_consent=self.health_consent, optional_consents=frozenset(self.optional),
            notice_version=CURRENT_NOTICE.version, passphrase=passphrase, method="onboarding",
        )
        try:
            store = complete_onboarding(self.home, answers, self.clock)
        except (StoreError, ValidationError, ValueError, OSError) as exc:
            self.app.call_from_thread(self.query_one("#error-passphrase", Static).update, str(exc))
            return
        self.app.call_from_thread(self.dismiss, store)

    @on(Button.Pressed, "#refused-quit")
    def _refused_quit(self) -> None:
        self.dismiss(None)

    def action_quit_onboarding(self) -> None:
        self.dismiss(None)
