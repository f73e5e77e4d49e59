"""Small dialogs for trends and measurements: a validated form, and a chooser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from companion.i18n import _
from companion.tui.safe import safe_text


@dataclass(frozen=True)
class Field:
    id: str
    label: str  # already translated
    default: str = ""
    placeholder: str = ""
    options: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value) → a Select


class FieldError(ValueError):
    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id
        self.message = message


class FormDialog(ModalScreen[Any]):
    """Asks for a few values; ``validate(values)`` returns the result or raises ``FieldError``/``ValueError``
    (shown under the form); nothing is saved until it validates. Escape cancels (dismisses with ``None``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="dialog-cancel", tooltip=_("Close without saving")),
    ]
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 72; max-width: 95%; height: auto; max-height: 95%; border: round $primary;
                            background: $surface; padding: 0 1; }
    FormDialog .dialog-title { text-style: bold; color: $primary; margin-bottom: 1; }
    FormDialog .dialog-row { height: auto; margin-bottom: 1; }
    FormDialog .dialog-row Label { width: 22; padding: 0 1 0 0; }
    FormDialog .dialog-row Input, FormDialog .dialog-row Select { width: 1fr; }
    FormDialog .dialog-row Input:focus { background: $primary 20%; }
    FormDialog #dialog-error { color: $error; height: auto; }
    FormDialog .muted { margin-bottom: 1; }
    FormDialog .dialog-buttons { height: auto; align-horizontal: right; }
    FormDialog .dialog-buttons Button { margin-left: 2; }
    FormDialog .dialog-row Input, FormDialog .dialog-row Select { background: $boost; }
    FormDialog VerticalScroll { height: auto; max-height: 14; }
    """

    def __init__(self, title: str, fields: Sequence[Field], validate: Callable[[dict[str, str]], Any],
                 *, note: str = "", submit: str | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.validate = validate
        self.note = note
        self.submit_label = submit or _("Save")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.form_title, classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="muted")
            with VerticalScroll(can_focus=False):
                for f in self.fields:
                    with Horizontal(classes="dialog-row"):
                        yield Label(f.label)
                        if f.options:
                            yield Select([(lbl, val) for lbl, val in f.options], value=f.default or f.options[0][1],
                                         allow_blank=False, id=f"field-{f.id}", compact=True)
                        else:
                            yield Input(f.default, placeholder=f.placeholder, id=f"field-{f.id}", compact=True)
            yield Static("", id="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="dialog-cancel-button", compact=True)
                yield Button(self.submit_label, variant="primary", id="dialog-submit", compact=True)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].id}").focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.id}")
            if isinstance(widget, Select):
                out[f.id] = str(widget.value)
            elif isinstance(widget, Input):
                out[f.id] = widget.value
        return out

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dialog-cancel-button")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dialog-submit")
    @on(Input.Submitted)
    def action_submit(self) -> None:
        error = self.query_one("#dialog-error", Static)
        try:
            result = self.validate(self.values())
        except FieldError as exc:
            error.update(safe_text(exc.message))
            try:
                self.query_one(f"#field-{exc.field_id}").focus()
            except Exception:
                pass
            return
        except ValueError as exc:
            error.update(safe_text(str(exc)))
            return
        self.dismiss(result)


class ChooseDialog(ModalScreen[Any]):
    """Pick one of a few options (profiles, ...); dismisses with the option's value or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="choose-cancel", tooltip=_("Close without choosing")),
    ]
    DEFAULT_CSS = """
    ChooseDialog { align: center middle; }
    ChooseDialog > Vertical { width: 60; max-width: 95%; height: auto; max-height: 90%; border: round $primary;
                              background: $surface; padding: 0 1; }
    ChooseDialog .dialog-title { text-style: bold; color: $primary; margin-bottom: 1; }
    ChooseDialog OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, title: str, options: Sequence[tuple[str, Any]], highlighted: int = 0) -> None:
        super().__init__()
        self.choose_title = title
        self.choices = list(options)
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.choose_title, classes="dialog-title")
            yield OptionList(*(Option(safe_text(label), id=str(i)) for i, (label, _v) in enumerate(self.choices)))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.choices:
            options.highlighted = min(self.highlighted, len(self.choices) - 1)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(self.choices[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
