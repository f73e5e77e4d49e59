"""Import summaries show type names from the file as plain, neutralised text (XML allows C1 controls)."""

from __future__ import annotations

import unicodedata

from companion.health.model import ImportReport
from companion.health.summary import summary_lines


def test_skipped_type_names_from_the_file_cannot_drive_the_terminal() -> None:
    report = ImportReport("apple-health")
    report.skipped_types["HKQuantityType\x9b31mRed\x1b]0;PWNED\x07\u202eTitle"] = 3
    lines = summary_lines(report, "export.xml")
    text = "\n".join(lines)
    assert "PWNED" in text and "3" in text  # what the file says is still shown...
    for ch in text:  # ...but nothing in it is a control or format character a terminal would act on
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf"), repr(ch)
