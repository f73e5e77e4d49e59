"""Profile: edit your details (same checks as onboarding), units, language and the app passphrase."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from companion.domain.model import Profile
from companion.domain.units import HeightUnit, WeightUnit, cm_to_ft_in, convert_weight, kg_to_st_lb
from companion.domain.validation import (
    MIN_PASSPHRASE_LENGTH,
    ValidationError,
    passphrase_strength,
    validate_height,
    validate_weight,
)
from companion.i18n import LANGUAGES, N_, _
from companion.store import StoreError, keyring_usable
from companion.tui.screens.base import CompanionScreen

#: Form fields: widget id -> label (untranslated).
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", N_("Name")),
    ("sex", N_("Sex")),
    ("birth-date", N_("Date of birth")),
    ("height", N_("Height")),
    ("placement-date", N_("Balloon placement date")),
    ("placement-place", N_("Placement place")),
    ("clinic", N_("Clinic")),
    ("phone", N_("Phone")),
    ("email", N_("E-mail")),
    ("goal-weight", N_("Goal weight")),
)
#: ValidationError.field -> widget id
_FIELD_WIDGET = {"birth_date": "birth-date", "placement_date": "placement-date", "goal_weight": "goal-weight"}


def height_text(cm: float, unit: HeightUnit) -> str:
    """A height as typed into the form: ``172`` or ``5 8`` (feet and inches)."""
    if unit is HeightUnit.CM:
        return f"{cm:g}"
    feet, inches = cm_to_ft_in(cm)
    inches = round(inches)
    if inches >= 12:
        feet, inches = feet + 1, inches - 12
    return f"{feet} {inches}"


def weight_text(kg: float, unit: WeightUnit) -> str:
    """A mass as typed into the form: ``82.4`` (kg or lb) or ``12 13.7`` (stones and pounds)."""
    if unit is WeightUnit.ST_LB:
        stones, pounds = kg_to_st_lb(kg)
        pounds = round(pounds, 1)
        if pounds >= 14:
            stones, pounds = stones + 1, pounds - 14
        return f"{stones} {pounds:g}"
    return f"{round(convert_weight(kg, unit), 1):g}"


def height_label(unit: HeightUnit) -> str:
    return _("Height (cm)") if unit is HeightUnit.CM else _("Height (ft in)")


def weight_label(unit: WeightUnit) -> str:
    return {
        WeightUnit.KG: _("Goal weight (kg)"),
        WeightUnit.LB: _("Goal weight (lb)"),
        WeightUnit.ST_LB: _("Goal weight (st lb)"),
    }[unit]


class ProfileScreen(CompanionScreen):
    SCREEN_ID = "profile"
    HELP = N_(
        "# Profile\n\nYour details, as you gave them during set-up; change any of them and press **ctrl+s** "
        "to save. The same checks apply as during set-up, and a message under a field says what to fix.\n\n"
        "Companion uses your sex, age and height for BMI and body-composition estimates, and your programme "
        "dates for progress figures.\n\n**Units and language**: show weights in kg, lb or stones and pounds, "
        "heights in cm or feet and inches; the language changes at once.\n\n**Passphrase**: protects the key "
        "of your encrypted data. Change it, set one, or (with a system keyring) remove it. A lost passphrase "
        "cannot be recovered.\n\nKeys: **ctrl+s** save, **ctrl+e** edit (first field), "
        "**ctrl+k** passphrase, **F1** help."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="profile-save", tooltip=N_("Save your profile")),
        Binding("ctrl+e", "edit", N_("Edit"), id="profile-edit", tooltip=N_("Go to the first field")),
        Binding("ctrl+k", "passphrase", N_("Passphrase"), id="profile-passphrase",
                tooltip=N_("Change, set or remove the app passphrase")),
    ]
    DEFAULT_CSS = """
    ProfileScreen #profile-form { padding: 0 2; }
    ProfileScreen #passphrase-box { height: auto; }
    ProfileScreen .profile-row { height: auto; margin-bottom: 1; }
    ProfileScreen .profile-row Label { width: 26; padding: 0 1 0 0; }
    ProfileScreen .profile-row Input, ProfileScreen .profile-row Select { width: 1fr; max-width: 60; }
    ProfileScreen .field-error { padding-left: 26; }
    ProfileScreen .buttons { height: auto; margin: 0 0 1 26; }
    ProfileScreen .buttons Button { margin-right: 2; }
    ProfileScreen #profile-status { padding-left: 26; height: auto; }
    ProfileScreen #strength { height: 1; width: 40; margin-left: 26; }
    ProfileScreen #key-mode, ProfileScreen #strength-text, ProfileScreen #passphrase-status {
        padding-left: 26; height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown_units: tuple[WeightUnit, HeightUnit] = (WeightUnit.KG, HeightUnit.CM)

    def compose_body(self) -> ComposeResult:
        profile = self.profile
        with VerticalScroll(id="profile-form"):
            yield Label(_("Your details"), classes="section-title")
            for widget_id, label in FIELDS:
                yield from self._row(widget_id, _(label), self._widget(widget_id, profile))
            yield Label(_("Units and language"), classes="section-title")
            yield from self._row("weight-unit", _("Weight unit"), Select(
                [(_("kilograms (kg)"), "kg"), (_("pounds (lb)"), "lb"),
                 (_("stones and pounds (st lb)"), "st")],
                id="weight-unit", allow_blank=False, value=profile.weight_unit.value if profile else "kg",
                compact=True))
            yield from self._row("height-unit", _("Height unit"), Select(
                [(_("centimetres (cm)"), "cm"), (_("feet and inches (ft in)"), "ft")],
                id="height-unit", allow_blank=False, value=profile.height_unit.value if profile else "cm",
                compact=True))
            yield from self._row("language", _("Language"), Select(
                [(name, code) for code, name in LANGUAGES.items()],
                id="language", allow_blank=False, value=profile.language if profile else "en", compact=True))
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save", variant="primary")
                yield Button(_("Undo changes"), id="revert")
            yield Static("", id="profile-status", classes="muted")
            yield Label(_("Passphrase"), classes="section-title", id="passphrase-title")
            yield Static(self._key_mode_text(), id="key-mode", classes="muted")
            with Vertical(id="passphrase-box"):
                yield from self._row("current-passphrase", _("Current passphrase"),
                                     Input(password=True, id="current-passphrase", compact=True))
                yield from self._row("new-passphrase", _("New passphrase"),
                                     Input(password=True, id="new-passphrase", compact=True))
                yield from self._row("repeat-passphrase", _("Repeat new passphrase"),
                                     Input(password=True, id="repeat-passphrase", compact=True))
                yield ProgressBar(total=4, show_eta=False, show_percentage=False, id="strength")
                yield Static("", id="strength-text", classes="muted")
                with Horizontal(classes="buttons"):
                    yield Button(_("Change passphrase"), id="change-passphrase", variant="warning")
                    yield Button(_("Remove passphrase"), id="remove-passphrase")
                yield Static("", id="passphrase-status", classes="muted")

    @staticmethod
    def _row(widget_id: str, label: str, widget: Any) -> ComposeResult:
        with Horizontal(classes="profile-row"):
            yield Label(label, id=f"label-{widget_id}")
            yield widget
        yield Static("", id=f"error-{widget_id}", classes="field-error")

    def _widget(self, widget_id: str, profile: Profile | None) -> Any:
        if widget_id == "sex":
            return Select([(_("female"), "female"), (_("male"), "male"), (_("other"), "other")], id="sex",
                          allow_blank=False, value=profile.sex.value if profile else "other", compact=True)
        return Input(id=widget_id, value=self._field_text(widget_id, profile), compact=True)

    @staticmethod
    def _field_text(widget_id: str, profile: Profile | None) -> str:
        if profile is None:
            return ""
        if widget_id == "height":
            return height_text(profile.height_cm, profile.height_unit)
        if widget_id == "goal-weight":
            return weight_text(profile.goal_weight_kg, profile.weight_unit) if profile.goal_weight_kg else ""
        value = {
            "name": profile.name, "birth-date": profile.birth_date, "placement-date": profile.placement_date,
            "placement-place": profile.placement_place, "clinic": profile.clinic, "phone": profile.phone,
            "email": profile.email,
        }[widget_id]
        if value is None:
            return ""
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    def on_mount(self) -> None:
        super().on_mount()
        self._show_units()
        self._show_key_mode()

    # ----- units -----------------------------------------------------------------------------------------
    def _units(self) -> tuple[WeightUnit, HeightUnit]:
        return (WeightUnit(str(self.query_one("#weight-unit", Select).value)),
                HeightUnit(str(self.query_one("#height-unit", Select).value)))

    def _show_units(self) -> None:
        weight_unit, height_unit = self._units()
        self.query_one("#label-height", Label).update(height_label(height_unit))
        self.query_one("#label-goal-weight", Label).update(weight_label(weight_unit))
        self._shown_units = (weight_unit, height_unit)

    @on(Select.Changed, "#weight-unit, #height-unit")
    def _units_changed(self) -> None:
        """Rewrite what is typed in the old unit into the new one (when it parses)."""
        old_weight, old_height = self._shown_units
        weight_unit, height_unit = self._units()
        height = self.query_one("#height", Input)
        if height_unit is not old_height and height.value.strip():
            try:
                height.value = height_text(validate_height(height.value, old_height), height_unit)
            except ValidationError:
                pass
        goal = self.query_one("#goal-weight", Input)
        if weight_unit is not old_weight and goal.value.strip():
            try:
                goal.value = weight_text(validate_weight(goal.value, old_weight, "goal_weight"), weight_unit)
            except ValidationError:
                pass
        self._show_units()

    # ----- saving ----------------------------------------------------------------------------------------
    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for widget_id, _label in FIELDS:
            widget = self.query_one(f"#{widget_id}")
            values[widget_id] = str(widget.value) if isinstance(widget, Select) else widget.value  # type: ignore[attr-defined]
        return values

    def validated(self) -> Profile | None:
        """The edited profile, or ``None`` after showing the first problem under its field."""
        from dataclasses import replace

        from companion.onboarding import validate_profile_fields

        current = self.profile
        if current is None:
            return None
        for widget_id, _label in FIELDS:
            self.query_one(f"#error-{widget_id}", Static).update("")
        values = self._values()
        weight_unit, height_unit = self._units()
        language = str(self.query_one("#language", Select).value)
        try:
            edited = validate_profile_fields(
                name=values["name"], birth_date=values["birth-date"], sex=values["sex"],
                height=values["height"],
                today=self.companion.clock.now().date(), language=language, email=values["email"],
                phone=values["phone"], placement_date=values["placement-date"],
                placement_place=values["placement-place"], clinic=values["clinic"],
                goal_weight=values["goal-weight"], weight_unit=weight_unit, height_unit=height_unit,
            )
        except ValidationError as exc:
            widget_id = _FIELD_WIDGET.get(exc.field, exc.field)
            self.query_one(f"#error-{widget_id}", Static).update(exc.message)
            self.query_one(f"#{widget_id}").focus()
            self.query_one("#profile-status", Static).update(_("Not saved: please correct the marked field."))
            return None
        return replace(
            current, name=edited.name, sex=edited.sex, birth_date=edited.birth_date,
            height_cm=edited.height_cm,
            language=edited.language, placement_date=edited.placement_date,
            placement_place=edited.placement_place, clinic=edited.clinic, phone=edited.phone,
            email=edited.email,
            goal_weight_kg=edited.goal_weight_kg, weight_unit=weight_unit, height_unit=height_unit,
        )

    @on(Button.Pressed, "#save")
    async def action_save(self) -> None:
        edited = self.validated()
        if edited is None:
            return
        previous = self.profile
        self.store.profiles.update(edited)
        self.store.settings.set("language", edited.language)
        if previous is not None and previous.language != edited.language:
            self.companion.change_language(edited.language)
            await self.recompose()
            self.on_mount()
        self.query_one("#profile-status", Static).update(_("Saved."))
        self.notify(_("Profile saved."), timeout=3)

    @on(Button.Pressed, "#revert")
    async def _revert(self) -> None:
        await self.recompose()
        self._show_units()
        self._show_key_mode()
        self.query_one("#profile-status", Static).update(_("Changes undone."))

    def action_edit(self) -> None:
        self.query_one("#name", Input).focus()

    # ----- passphrase ------------------------------------------------------------------------------------
    def _key_mode_text(self) -> str:
        try:
            mode = self.store.key_mode()
        except StoreError as exc:
            return str(exc)
        if mode is None:
            return _("Demo data: its key lives only in memory, so there is no passphrase to change.")
        if mode == "keyring":
            return _(
                "Your data key is kept in the system keyring. You may set a passphrase to protect it instead."
            )
        return _("Your data key is protected by your passphrase.")

    def _show_key_mode(self) -> None:
        try:
            mode = self.store.key_mode()
        except StoreError:
            mode = None
        self.query_one("#key-mode", Static).update(self._key_mode_text())
        self.query_one("#passphrase-box").display = mode is not None
        self.query_one("#current-passphrase", Input).disabled = mode != "passphrase"
        self.query_one("#remove-passphrase", Button).display = mode == "passphrase" and keyring_usable()
        self.query_one("#change-passphrase", Button).label = (
            _("Change passphrase") if mode == "passphrase" else _("Set passphrase"))

    def action_passphrase(self) -> None:
        box = self.query_one("#passphrase-box")
        self.query_one("#passphrase-title").scroll_visible()
        if box.display:
            for input_id in ("#current-passphrase", "#new-passphrase"):
                widget = self.query_one(input_id, Input)
                if not widget.disabled:
                    widget.focus()
                    return

    @on(Input.Changed, "#new-passphrase")
    def _strength(self, event: Input.Changed) -> None:
        score, advice = passphrase_strength(event.value)
        self.query_one("#strength", ProgressBar).update(progress=score)
        self.query_one("#strength-text", Static).update(advice if event.value else "")

    def _passphrase_error(self, message: str) -> None:
        self.query_one("#error-repeat-passphrase", Static).update(message)
        self.query_one("#passphrase-status", Static).update("")
        if message:  # the outcome and the buttons stay in view, so a retry is one press away
            self._reveal_passphrase_outcome()

    def _reveal_passphrase_outcome(self) -> None:
        self.call_after_refresh(self.query_one("#passphrase-status").scroll_visible, animate=False)

    @on(Button.Pressed, "#change-passphrase")
    def _change_passphrase(self) -> None:
        current = self.query_one("#current-passphrase", Input).value or None
        new = self.query_one("#new-passphrase", Input).value
        repeat = self.query_one("#repeat-passphrase", Input).value
        if new != repeat:
            self._passphrase_error(_("The two passphrases are not the same."))
            return
        if len(new) < MIN_PASSPHRASE_LENGTH:
            self._passphrase_error(_("The passphrase needs at least 8 characters."))
            return
        self._passphrase_error(_("Saving…"))
        self.rewrap(current, new)

    @on(Button.Pressed, "#remove-passphrase")
    def _remove_passphrase(self) -> None:
        if not keyring_usable():
            self._passphrase_error(_("Without a system keyring a passphrase is required."))
            return
        self._passphrase_error(_("Saving…"))
        self.rewrap(self.query_one("#current-passphrase", Input).value or None, None)

    @work(exclusive=True, thread=True, group="profile-passphrase", exit_on_error=False)
    def rewrap(self, current: str | None, new: str | None) -> None:
        """Re-wrap the data key (scrypt takes a moment, so off the UI thread)."""
        try:
            self.store.change_passphrase(current, new)
        except StoreError as exc:
            self.app.call_from_thread(self._passphrase_error, str(exc))
            return
        self.app.call_from_thread(self._passphrase_changed, new is not None)

    def _passphrase_changed(self, has_passphrase: bool) -> None:
        for input_id in ("#current-passphrase", "#new-passphrase", "#repeat-passphrase"):
            self.query_one(input_id, Input).value = ""
        self._passphrase_error("")
        self._show_key_mode()
        if has_passphrase:
            message = _("Passphrase changed.")
        else:
            message = _("Passphrase removed; the key is in the keyring.")
        self.query_one("#passphrase-status", Static).update(message)
        self._reveal_passphrase_outcome()
        self.notify(message, timeout=3)

    # ----- palette ---------------------------------------------------------------------------------------
    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Profile: edit"), _("Go to the first field of your profile"), self.action_edit)
        yield SystemCommand(_("Profile: save"), _("Save the changes to your profile"), self.action_save)
        yield SystemCommand(_("Profile: change passphrase"), _("Change, set or remove the app passphrase"),
                            self.action_passphrase)
        yield SystemCommand(_("Profile: units"), _("Choose kg, lb or stones, and cm or feet and inches"),
                            lambda: self.query_one("#weight-unit", Select).focus())
        yield SystemCommand(_("Profile: language"), _("Choose English or Nederlands"),
                            lambda: self.query_one("#language", Select).focus())
