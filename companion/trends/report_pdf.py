"""The progress report as a one-page A4 PDF, drawn with fpdf2 (a maintained, pure-Python PDF library).

Same content as the SVG page (``report.key_figures``, ``report._composition`` and the chart layers of
``report._layers`` / ``report._window``): one source of truth, so the PDF can never say something the SVG
does not. The chart is vector drawing (lines, a polyline, small circles), not a raster image.

Text uses DejaVu Sans when the system has it (every glyph, any name); otherwise the PDF core font Helvetica
with the few typographic characters it lacks replaced (``—`` -> ``-``), so the page is always readable.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from companion.i18n import _
from companion.text import plain

if TYPE_CHECKING:
    from fpdf import FPDF

    from companion.trends.report import ReportData

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN = 16.0
INK = (27, 42, 65)
MUTED = (91, 103, 112)
ACCENT = (31, 95, 191)
BAND = (241, 244, 248)
GRID = (225, 230, 237)
FRAME = (201, 209, 219)
DOTS = (143, 163, 191)
MILESTONE = (208, 139, 0)
GOAL = (46, 139, 87)
FLAG = (192, 57, 43)

#: Where DejaVu Sans lives on common systems (Debian/Ubuntu, Fedora, Arch, macOS with Homebrew fonts).
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
    Path("/opt/homebrew/share/fonts"),
)
_LATIN1_FALLBACK = str.maketrans({"—": "-", "–": "-", "−": "-", "✕": "x", "…": "...", "’": "'", "‘": "'",
                                  "“": '"', "”": '"', "≈": "~", "→": "->",
                                  # letters that have no decomposition to a Latin-1 base letter
                                  "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i",
                                  "Ħ": "H", "ħ": "h", "ŋ": "n", "Ŧ": "T", "ŧ": "t"})


def _dejavu() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Page:
    """An ``FPDF`` with the report's font set and a text helper that never fails on a character."""

    def __init__(self, generated_title: str) -> None:
        from fpdf import FPDF

        self.pdf: FPDF = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN)
        self.pdf.set_title(generated_title)
        self.pdf.set_creator("Companion")
        self.pdf.add_page()
        fonts = _dejavu()
        self.unicode = fonts is not None
        if fonts is not None:
            self.pdf.add_font("DejaVu", "", str(fonts[0]))
            self.pdf.add_font("DejaVu", "B", str(fonts[1]))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        text = text.translate(_LATIN1_FALLBACK)
        out = []
        for char in text:
            try:
                char.encode("latin-1")
                out.append(char)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
                out.append(base or "?")
        return "".join(out)

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def text(self, x: float, y: float, text: str, align: str = "left") -> float:
        """Draw ``text`` with its baseline at ``y``; returns its width."""
        value = self.clean(text)
        width = self.pdf.get_string_width(value)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        self.pdf.text(x, y, value)
        return width

    def fit(self, text: str, width: float) -> str:
        """``text`` shortened with an ellipsis to fit ``width`` at the current font."""
        value = self.clean(text)
        if self.pdf.get_string_width(value) <= width:
            return value
        dots = "…" if self.unicode else "..."
        while value and self.pdf.get_string_width(value + dots) > width:
            value = value[:-1]
        return value + dots


def render_pdf(r: ReportData) -> bytes:
    """The one-page A4 PDF (deterministic for a given ``ReportData``: the creation date is ``r.generated``)."""
    from companion.trends.report import _composition, key_figures

    page = _Page(_("Progress report"))
    pdf = page.pdf
    pdf.set_creation_date(r.generated)
    x0 = MARGIN
    right = PAGE_W - MARGIN
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, PAGE_W, 4, style="F")
    page.font(20, bold=True)
    title = page.fit(f"{_('Progress report')}: {plain(r.name, single_line=True, max_length=60)}", right - x0)
    page.text(x0, 22, title)
    page.font(9.5, color=MUTED)
    page.text(x0, 29, _("Generated {when} by Companion.").format(when=r.generated.strftime("%Y-%m-%d %H:%M")))
    period = _period(r)
    if period:
        page.text(right, 29, period, align="right")
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.3)
    pdf.line(x0, 33, right, 33)
    if r.figures.empty:
        page.font(12)
        page.text(x0, 46, _("No weigh-ins yet."))
        return bytes(pdf.output())

    # Key figures (left column) and body composition (right column)
    col_split = 128.0
    y = 42.0
    page.font(11.5, bold=True, color=ACCENT)
    page.text(x0, y, _("Key figures"))
    y += 3
    figures = key_figures(r)
    page.font(9)
    label_w = min(max(pdf.get_string_width(page.clean(label)) for label, _value in figures), 50.0)
    value_x = x0 + label_w + 3
    for i, (label, value) in enumerate(figures):
        detail = ""
        if len(value) > 30 and " (" in value:  # as on the SVG page: the explanation goes below the value
            value, detail = value.split(" (", 1)
            detail = "(" + detail
        height = 9.2 if detail else 5.6
        if i % 2 == 0:
            pdf.set_fill_color(*BAND)
            pdf.rect(x0 - 1.5, y, col_split - x0 - 4, height, style="F")
        page.font(9)
        page.text(x0, y + 4, page.fit(label, label_w))
        page.font(8.8, bold=True)
        page.text(value_x, y + 4, page.fit(value, col_split - value_x - 6))
        if detail:
            page.font(7.5, color=MUTED)
            page.text(value_x, y + 7.9, page.fit(detail, col_split - value_x - 6))
        y += height
    cy = 42.0
    page.font(11.5, bold=True, color=ACCENT)
    page.text(col_split, cy, page.fit(_("Body composition (latest)"), right - col_split))
    cy += 3
    for label, value, how in _composition(r):
        page.font(9)
        page.text(col_split, cy + 4, page.fit(_(label), 44))
        pdf.set_font(page.family, "B", 9)
        page.text(right, cy + 4, value + (" *" if how == _("derived") else ""), align="right")
        cy += 5.6
    page.font(7.5, color=MUTED)
    page.text(col_split, cy + 4, _("* derived (calculated), others measured"))
    cy += 6

    # The weight chart
    top = max(y, cy) + 14
    bottom = PAGE_H - 34
    _chart(page, r, x0 + 10, top, right - x0 - 10, bottom - top)

    # Legend and definitions
    page.font(7.5, color=MUTED)
    foot = PAGE_H - 22
    legend = _("Dots: weigh-ins; line: trend (exponentially weighted moving average); dashed: goal; "
               "P/R/V/F: balloon placed, removed, clinic visit, follow-up after removal; "
               "✕: flagged reading, not used for the trend.")
    lines = [
        legend,
        _("%TBWL = (reference − current) / reference × 100. %EWL = (reference − current) / (reference − ideal) × 100,"),
        _("ideal = the weight at BMI 25 for your height. Reference: the weigh-in on the balloon placement day."),
    ]
    pdf.set_xy(x0, foot - 3)
    pdf.multi_cell(right - x0, 3.4, page.clean("\n".join(lines)), align="L")
    return bytes(pdf.output())


def _period(r: ReportData) -> str:
    ts = r.weight.ts
    if not ts:
        return ""
    tz = r.generated.tzinfo
    from datetime import datetime

    first = datetime.fromtimestamp(ts[0], tz).date().isoformat()
    last = datetime.fromtimestamp(ts[-1], tz).date().isoformat()
    return _("Period: {first} to {last}").format(first=first, last=last)


def _chart(page: _Page, r: ReportData, x0: float, y0: float, w: float, h: float) -> None:
    from companion.trends.chart import _x_ticks, nice_step, y_limits
    from companion.trends.downsample import lttb, minmax_buckets
    from companion.trends.report import _layers, _tz, _window

    pdf = page.pdf
    layers = _layers(r)
    window = _window(r)
    page.font(12, bold=True, color=ACCENT)
    page.text(x0 - 10, y0 - 5, f"{_('Weight')} ({r.unit.value})")
    ts, values = list(layers.ts), list(layers.values)
    visible = [v for i, v in enumerate(values) if i not in layers.flagged] + list(layers.trend or [])
    if not visible:
        return
    lo, hi = y_limits(visible, layers.goal)

    def px(t: float) -> float:
        return x0 + (t - window.start) / window.span * w

    def py(v: float) -> float:
        return y0 + (hi - v) / (hi - lo) * h

    pdf.set_line_width(0.2)
    step = nice_step(hi - lo, 8)
    decimals = 0 if step >= 1 else 1 if step >= 0.1 else 2
    v = (int(lo / step) + 1) * step
    page.font(7.5, color=MUTED)
    while v < hi:
        yy = py(v)
        pdf.set_draw_color(*GRID)
        pdf.line(x0, yy, x0 + w, yy)
        page.text(x0 - 1.5, yy + 1.2, f"{v:.{decimals}f}", align="right")
        v += step
    pdf.set_draw_color(*FRAME)
    pdf.rect(x0, y0, w, h, style="D")
    # ``_x_ticks`` counts in character columns: one 7.5 pt digit is about 1.9 mm wide with its spacing.
    for t, label in _x_ticks(window, int(w / 1.9), _tz(r)):
        xx = px(t)
        pdf.set_draw_color(138, 150, 163)
        pdf.line(xx, y0 + h, xx, y0 + h + 1.5)
        page.text(xx, y0 + h + 5, label, align="center")
    placed: list[tuple[float, float, int]] = []  # label extents, so labels never overlap
    pdf.set_line_width(0.25)
    for t, tag, label in r.milestones:
        if window.start <= t < window.end:
            xx = px(t)
            text = page.clean(f"{tag} {_(label)}")
            page.font(7.5, color=MILESTONE)
            size = pdf.get_string_width(text)
            left = xx + 1 if xx + 1 + size <= x0 + w else xx - 1 - size
            row = 0
            while any(row == r_ and left < b and a < left + size for a, b, r_ in placed):
                row += 1
            placed.append((left, left + size, row))
            pdf.set_draw_color(*MILESTONE)
            with pdf.local_context():
                pdf.set_dash_pattern(dash=1, gap=1)
                pdf.line(xx, y0, xx, y0 + h)
            page.text(left, y0 + 4 + 3.5 * row, text)
    if layers.goal is not None and lo <= layers.goal <= hi:
        gy = py(layers.goal)
        pdf.set_draw_color(*GOAL)
        pdf.set_line_width(0.4)
        with pdf.local_context():
            pdf.set_dash_pattern(dash=2, gap=1.3)
            pdf.line(x0, gy, x0 + w, gy)
        page.font(7.5, bold=True, color=GOAL)
        page.text(x0 + w - 1.5, gy - 1.2, _("goal"), align="right")
    columns = int(w * 3)  # about three dot columns per millimetre
    keep = minmax_buckets(ts, values, None, window.start, window.end, columns)
    pdf.set_fill_color(*DOTS)
    for i in keep:
        if i not in layers.flagged:
            pdf.circle(px(ts[i]), py(values[i]), 0.45, style="F")
    idx = [i for i in range(len(ts)) if i not in layers.flagged]
    trend = layers.trend or values
    picked = lttb([ts[i] for i in idx], [trend[i] for i in idx], columns)
    points = [(px(ts[idx[k]]), py(trend[idx[k]])) for k in picked]
    if len(points) >= 2:
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.polyline(points, style="D")
    page.font(7.5, bold=True, color=FLAG)
    for i in sorted(layers.flagged):
        xx, yy = px(ts[i]), min(max(py(values[i]), y0), y0 + h)
        page.text(xx, yy + 1.2, "✕", align="center")
