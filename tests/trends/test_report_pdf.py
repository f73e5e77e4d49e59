"""The progress report as a PDF: one A4 page, the report's own figures as text, the chart as vector paths,
translated; written under a temporary name; one-line errors on the command line."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from companion.cli import main
from companion.i18n import set_language
from companion.store.trends import MilestoneKind, Trends
from companion.trends import report_pdf
from companion.trends.report import collect, key_figures, render, report_bytes

from .conftest import NOW, weigh_in


def _page(content: bytes):  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    return page


def _drawing_ops(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    stream = page.get_contents().get_data().decode("latin-1")
    return {op: len(re.findall(rf"\s{op}\n", stream)) for op in ("l", "c", "S", "f", "re")}


def test_pdf_has_the_figures_and_a_vector_chart(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    Trends(store).add_milestone(profile.id, date(2026, 6, 1), MilestoneKind.VISIT, "check-up")
    data = collect(store, profile, NOW)
    content = render(data, "pdf")
    assert content.startswith(b"%PDF-")
    page = _page(content)
    text = page.extract_text()
    assert "Progress report: Ann Example" in text
    assert "Period: 2026-01-05 to 2026-11-25" in text
    for label, _value in key_figures(data)[:6]:
        assert label in text
    assert "%TBWL" in text and "14.5 %" in text and "%EWL" in text
    assert "94.05 kg" in text or "94.0 kg" in text or "94.1 kg" in text
    assert "Weight (kg)" in text and "goal" in text and "V check-up" in text and "P Balloon placed" in text
    ops = _drawing_ops(page)
    assert ops["l"] > 100  # the trend polyline and the grid are vector paths
    assert ops["c"] > 100  # weigh-in dots (circles are Bézier curves)
    assert "/Subtype /Image" not in content.decode("latin-1")  # drawn, not pasted in as a picture
    assert render(data, "pdf") == content  # deterministic for the same data


def test_pdf_in_dutch(store, profile, known_series) -> None:  # type: ignore[no-untyped-def]
    set_language("nl")
    text = _page(render(collect(store, profile, NOW), "pdf")).extract_text()
    assert "Voortgangsrapport: Ann Example" in text and "Kerncijfers" in text and "Gewicht (kg)" in text
    assert "Progress report" not in text and "Key figures" not in text and "Period:" not in text


def test_pdf_without_weigh_ins_says_so(store, profile) -> None:  # type: ignore[no-untyped-def]
    text = _page(report_bytes(store, profile, NOW, "pdf")).extract_text()
    assert "No weigh-ins yet." in text


def test_pdf_without_a_unicode_font_still_shows_every_name(store, profile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(report_pdf, "_FONT_DIRS", ())
    store.measurements.add(weigh_in(date(2026, 11, 25), 90.0), profile.id)
    data = collect(store, replace(profile, name="Zoë Łukasz <b>\x1b[31m"), NOW)
    text = _page(render(data, "pdf")).extract_text()
    assert "Zoë Lukasz" in text and "\x1b" not in text


def _with_weigh_ins(home, clock) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    with Store.open(home, clock=clock) as store:
        profile = store.profiles.active()
        store.measurements.add_many([weigh_in(date(2026, 11, d), 90.0 - d * 0.1) for d in range(1, 25)], profile.id)


def test_cli_pdf_to_the_reports_folder(onboarded, clock, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    _with_weigh_ins(onboarded, clock)
    assert main(["report", "--format", "pdf", "--json"]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    from pathlib import Path

    path = Path(info["path"])  # the CLI dates the file by the system clock
    assert path.parent == onboarded / "reports" and path.name.startswith("progress-") and path.suffix == ".pdf"
    assert info["format"] == "pdf" and info["bytes"] == path.stat().st_size
    assert "Ann Example" in _page(path.read_bytes()).extract_text()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_cli_pdf_unwritable_path_is_one_line(onboarded, clock, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    _with_weigh_ins(onboarded, clock)
    target = tmp_path / "out"
    target.mkdir()  # a folder where the file should go: the rename fails after the temporary file is written
    (target / "keep.txt").write_text("mine")
    assert main(["report", "--format", "pdf", "--output", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("companion: cannot write") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "companion-home") == ["out"]  # no .tmp left
    assert (target / "keep.txt").read_text() == "mine"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", "--format", "pdf", "--output", str(blocker / "r.pdf")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("fmt", ["svg", "md", "pdf"])
def test_report_bytes_knows_every_format(store, profile, known_series, fmt) -> None:  # type: ignore[no-untyped-def]
    assert report_bytes(store, profile, NOW, fmt)
    with pytest.raises(ValueError, match="svg, md or pdf"):
        report_bytes(store, profile, NOW, "docx")


def test_cli_pdf_to_stdout(onboarded, clock, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    _with_weigh_ins(onboarded, clock)
    assert main(["report", "--format", "pdf", "--output", "-"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"%PDF-") and "Ann Example" in _page(out).extract_text()
