"""The Programme's entry form: keyboard-first, each refused value explained on the line under its own field
(the field gets the focus), nothing saved until every value passes the same checks as the CLI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from companion.i18n import _
from companion.tui.safe import safe_text


class FormField(NamedTuple):
    id: str
    label: str  # translated
    default: str = ""
    placeholder: str = ""
    options: Sequence[tuple[str, str]] = ()  # (label, value): a Select
    suggestions: Sequence[str] = ()  # completions offered while typing


class ProgrammeForm(ModalScreen[Any]):
    """``validate(values)`` returns the result or raises an error with ``field`` and ``message`` (the
    ``companion.programme`` errors); the message goes under that field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="programme-form-cancel", tooltip=_("Close without saving")),
        Binding("ctrl+s", "submit", _("Save"), id="programme-form-save", tooltip=_("Save this entry")),
    ]
    DEFAULT_CSS = """
    ProgrammeForm { align: center middle; }
    ProgrammeForm > Vertical { width: 76; max-width: 95%; height: auto; max-height: 95%; border: round $primary;
                               background: $surface; padding: 0 1; }
    ProgrammeForm .form-title { text-style: bold; color: $primary; }
    ProgrammeForm .form-note { color: $foreground-muted; margin-bottom: 1; }
    ProgrammeForm .form-row { height: auto; }
    ProgrammeForm .form-row Label { width: 24; padding: 0 1 0 0; }
    ProgrammeForm .form-row Input, ProgrammeForm .form-row Select { width: 1fr; background: $boost; }
    ProgrammeForm .form-error { color: $error; height: auto; padding: 0 0 0 24; }
    ProgrammeForm .form-error.-empty { display: none; }
    ProgrammeForm #form-error { color: $error; height: auto; }
    ProgrammeForm VerticalScroll { height: auto; max-height: 22; }
    ProgrammeForm .form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ProgrammeForm .form-buttons Button { margin-left: 2; }
    """

    def __init__(self, title: str, fields: Sequence[FormField], validate: Callable[[dict[str, str]], Any],
                 *, note: str = "", submit: str | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.validate = validate
        self.note = note
        self.submit_label = submit or _("Save")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.form_title, classes="form-title")
            if self.note:
                yield Static(safe_text(self.note), classes="form-note")
            with VerticalScroll(can_focus=False):
                for f in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(f.label)
                        if f.options:
                            yield Select(list(f.options), value=f.default or f.options[0][1], allow_blank=False,
                                         id=f"field-{f.id}", compact=True)
                        else:
                            suggester = SuggestFromList(list(f.suggestions), case_sensitive=False) \
                                if f.suggestions else None
                            yield Input(f.default, placeholder=f.placeholder, id=f"field-{f.id}", compact=True,
                                        suggester=suggester)
                    yield Static("", id=f"error-{f.id}", classes="form-error -empty")
            yield Static("", id="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button(_("Cancel"), id="form-cancel", compact=True)
                yield Button(self.submit_label, variant="primary", id="form-submit", compact=True)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].id}").focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.id}")
            out[f.id] = str(widget.value) if isinstance(widget, (Select, Input)) else ""
        return out

    def field_error(self, field_id: str) -> str:
        """The message shown under ``field_id`` ("" when none)."""
        found = self.query(f"#error-{field_id}")
        return str(found.first(Static).content) if found else ""

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-submit")
    @on(Input.Submitted)
    def _submit(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        for f in self.fields:
            line = self.query_one(f"#error-{f.id}", Static)
            line.update("")
            line.add_class("-empty")
        general = self.query_one("#form-error", Static)
        general.update("")
        try:
            result = self.validate(self.values())
        except ValueError as exc:
            message = getattr(exc, "message", None) or str(exc)
            field_id = getattr(exc, "field", None)
            target = self.query(f"#error-{field_id}") if field_id else None
            if target:
                line = target.first(Static)
                line.update(safe_text(message))
                line.remove_class("-empty")
                self.query_one(f"#field-{field_id}").focus()
            else:
                general.update(safe_text(message))
            return
        self.dismiss(result)
