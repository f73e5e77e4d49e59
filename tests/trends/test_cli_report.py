"""``companion report``: SVG and Markdown to a file or stdout; one-line errors."""

from __future__ import annotations

import json
from datetime import date

from companion.cli import main

from .conftest import weigh_in


def _with_weigh_ins(home, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    with Store.open(home, clock=clock) as store:
        store.consents.record("health-data", "grant", "1.0", "test")
        profile = store.profiles.active()
        store.measurements.add_many([weigh_in(date(2026, 11, d), 90.0 - d * 0.1) for d in range(1, 25)], profile.id)


def test_report_to_file_and_stdout(onboarded, clock, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    _with_weigh_ins(onboarded, clock)
    out = tmp_path / "r.svg"
    assert main(["report", "--output", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["path"] == str(out) and out.read_text().startswith("<svg")
    assert main(["report", "--format", "md", "--output", "-"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Progress report: Ann Example") and "Latest weight" in text
    assert main(["report", "--format", "md"]) == 0
    assert "reports" in capsys.readouterr().out


def test_report_errors_are_one_line(home, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "profile init" in err


def test_report_unwritable_path(onboarded, clock, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    _with_weigh_ins(onboarded, clock)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", "--output", str(blocker / "sub" / "r.svg")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("companion: cannot write") and err.count("\n") == 1
