"""The one error shape of the programme's checks: which field was refused and why, in words for people."""

from __future__ import annotations


class EntryError(ValueError):
    """A refused value: ``field`` names the form field (or CLI option), ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
