"""The one-page progress report: key figures plus the weight chart, as a self-contained SVG and as Markdown.

``render_svg`` / ``render_markdown`` (and ``report_pdf.render_pdf``, the same content as a one-page PDF) are
pure (data in, text out, deterministic for snapshot tests); ``collect`` reads through the store's repositories
and ``write_reports`` saves the files.
The messaging capability can attach the bytes of ``report_bytes(store, profile, now, "pdf")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from companion.domain.model import METRIC_INFO, Metric, Profile
from companion.domain.units import WeightUnit, convert_weight, format_weight
from companion.i18n import _
from companion.text import plain
from companion.trends.chart import Layers, _x_ticks, build_chart, nice_step
from companion.trends.downsample import lttb, minmax_buckets
from companion.trends.figures import DashboardFigures
from companion.trends.outcomes import BMI_SCHEME_LABELS, BmiScheme
from companion.trends.ranges import Window
from companion.trends.series import PreparedSeries

if TYPE_CHECKING:
    from companion.store import Store

PAGE_W, PAGE_H = 794, 1123  # A4 at 96 dpi
FORMATS = ("svg", "md")  # what the dashboard's **r** writes
ALL_FORMATS = ("svg", "md", "pdf")  # ``report_bytes`` / ``companion report --format``

SVG_NS = "http://www.w3.org/2000/svg"  # the SVG namespace (a name, never fetched)


@dataclass(frozen=True)
class ReportData:
    name: str
    generated: datetime
    unit: WeightUnit
    height_cm: float
    placement: date | None
    removal: date | None
    figures: DashboardFigures
    weight: PreparedSeries
    goal_kg: float | None
    milestones: list[tuple[int, str, str]]  # (ts, tag, label — untranslated for built-ins)
    bmi_scheme: BmiScheme


def collect(store: Store, profile: Profile, now: datetime) -> ReportData:
    from companion.privacy import require
    from companion.trends.data import TrendData, markers_for

    require(store, "health-data")
    data = TrendData(store, profile)
    tz = now.tzinfo
    assert tz is not None
    figures = data.figures(now)
    from companion.store.trends import Trends

    scheme = BmiScheme(Trends(store).bmi_scheme(data.profile_id))
    markers = [(m.ts, m.tag, m.label) for m in markers_for(data.milestones(), tz)]
    return ReportData(profile.name, now, profile.weight_unit, profile.height_cm, profile.placement_date,
                      profile.removal_date, figures, data.series(Metric.WEIGHT), profile.goal_weight_kg,
                      markers, scheme)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def key_figures(r: ReportData) -> list[tuple[str, str]]:
    """(label, value) rows shared by both formats; labels translated."""
    f = r.figures
    unit = r.unit
    rows: list[tuple[str, str]] = []
    weight_row = next((row for row in f.rows if row.metric is Metric.WEIGHT), None)
    tz = r.generated.tzinfo
    if weight_row is not None and weight_row.value is not None and weight_row.ts is not None:
        when = datetime.fromtimestamp(weight_row.ts, tz).strftime("%Y-%m-%d")
        rows.append((_("Latest weight"), f"{format_weight(weight_row.value, unit)} ({when})"))
    if f.trend_weight is not None:
        rows.append((_("Trend weight"), format_weight(f.trend_weight, unit)))
    if f.outcome is not None:
        ref = f.outcome.reference
        day = f", {ref.day.isoformat()}" if ref.day else ""
        rows.append((_("Reference weight"), f"{format_weight(ref.weight_kg, unit)} ({_(ref.label)}{day})"))
        rows.append((_("Weight lost"), format_weight(f.outcome.lost_kg, unit)))
        rows.append(("%TBWL", _pct(f.outcome.tbwl)))
        rows.append(("%EWL", _pct(f.outcome.ewl) + " " + _("(ideal {weight} = BMI 25)").format(
            weight=format_weight(f.outcome.ideal_kg, unit))))
    if f.goal is not None:
        g = f.goal
        progress = _("reached") if g.reached else (
            f"{g.fraction * 100:.0f} %, " + _("{amount} to go").format(amount=format_weight(abs(g.remaining), unit))
            if g.fraction is not None else "—")
        rows.append((_("Goal weight"), f"{format_weight(g.goal, unit)}: {progress}"))
    if weight_row is not None:
        for label, value in ((_("Change over 7 days"), weight_row.change_7d),
                             (_("Change over 30 days"), weight_row.change_30d)):
            rows.append((label, "—" if value is None else format_weight(value, unit, signed=True)
                         if unit is not WeightUnit.ST_LB else format_weight(value, WeightUnit.LB, signed=True)))
    if f.bmi is not None:
        cls = f" — {_(f.bmi_class.label)} ({_(BMI_SCHEME_LABELS[r.bmi_scheme])})" if f.bmi_class else ""
        rows.append((_("BMI"), f"{f.bmi:.1f}{cls}"))
    if r.placement is not None:
        rows.append((_("Balloon placed"), r.placement.isoformat()))
    if r.removal is not None:
        rows.append((_("Balloon removed"), r.removal.isoformat()))
    rows.append((_("Weigh-ins"), str(f.weigh_ins)))
    return rows


def _metric_value(metric: Metric, value: float, unit: WeightUnit) -> str:
    info = METRIC_INFO[metric]
    if info.is_mass:
        return format_weight(value, unit, decimals=info.decimals)
    return f"{value:.{info.decimals}f} {info.unit}".strip()


def _composition(r: ReportData) -> list[tuple[str, str, str]]:
    out = []
    for row in r.figures.rows:
        if row.value is None:
            continue
        how = _("derived") if row.derived else _("measured")
        out.append((_(METRIC_INFO[row.metric].label), _metric_value(row.metric, row.value, r.unit), how))
    return out


def _md_escape(text: str) -> str:
    value = plain(text, single_line=True)
    for char in "\\`*_[]<>|":
        value = value.replace(char, "\\" + char)
    return value


def render_markdown(r: ReportData) -> str:
    lines = [f"# {_('Progress report')}: {_md_escape(r.name)}", "",
             _("Generated {when} by Companion.").format(when=r.generated.strftime("%Y-%m-%d %H:%M")), ""]
    if r.figures.empty:
        lines += [_("No weigh-ins yet."), ""]
        return "\n".join(lines)
    lines += [f"| {_('Figure')} | {_('Value')} |", "|---|---|"]
    lines += [f"| {_md_escape(label)} | {_md_escape(value)} |" for label, value in key_figures(r)]
    lines += ["", f"## {_('Body composition (latest)')}", "", f"| {_('Metric')} | {_('Value')} | {_('How')} |",
              "|---|---|---|"]
    lines += [f"| {_md_escape(a)} | {_md_escape(b)} | {c} |" for a, b, c in _composition(r)]
    window = _window(r)
    unit = r.unit
    layers = _layers(r)
    model = build_chart(layers, window, 76, 16, tz=_tz(r))
    lines += ["", f"## {_('Weight')} ({unit.value})", "", "```text", model.text(), "```", "",
              _("Dots: weigh-ins; line: trend (exponentially weighted moving average); dashed: goal; "
                "P/R/V/F: balloon placed, removed, clinic visit, follow-up after removal; "
                "✕: flagged reading, not used for the trend."), "",
              _("%TBWL = (reference − current) / reference × 100. %EWL = (reference − current) / (reference − "
                "ideal) × 100, ideal = the weight at BMI 25. Reference: the weigh-in on the balloon placement day."),
              ""]
    return "\n".join(lines)


def _tz(r: ReportData) -> tzinfo:
    tz = r.generated.tzinfo
    assert tz is not None
    return tz


def _window(r: ReportData) -> Window:
    ts = r.weight.ts
    if not ts:
        end = int(r.generated.timestamp())
        return Window(end - 30 * 86400, end)
    pad = max((ts[-1] - ts[0]) // 40, 43200)
    return Window(ts[0] - pad, ts[-1] + pad)


def _layers(r: ReportData) -> Layers:
    from companion.trends.chart import Marker

    s = r.weight
    conv = [convert_weight(v, r.unit) for v in s.values]
    trend = [convert_weight(v, r.unit) for v in s.trend]
    goal = convert_weight(r.goal_kg, r.unit) if r.goal_kg else None
    return Layers(s.ts, conv, s.flagged, trend, goal=goal, markers=[Marker(*m) for m in r.milestones])


def render_svg(r: ReportData) -> str:
    """A self-contained A4 SVG page (no external fonts, images or scripts)."""
    out: list[str] = [
        f'<svg xmlns="{SVG_NS}" width="{PAGE_W}" height="{PAGE_H}" '
        f'viewBox="0 0 {PAGE_W} {PAGE_H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        f'<rect width="{PAGE_W}" height="{PAGE_H}" fill="#ffffff"/>',
        f'<text x="48" y="64" font-size="26" font-weight="bold" fill="#1b2a41">'
        f'{escape(_("Progress report"))}: {escape(plain(r.name, single_line=True, max_length=60))}</text>',
        f'<text x="48" y="90" font-size="13" fill="#5b6770">'
        f'{escape(_("Generated {when} by Companion.").format(when=r.generated.strftime("%Y-%m-%d %H:%M")))}</text>',
    ]
    y = 130
    if r.figures.empty:
        out.append(f'<text x="48" y="{y}" font-size="15" fill="#1b2a41">{escape(_("No weigh-ins yet."))}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"
    rows = key_figures(r)
    out.append(f'<text x="48" y="{y}" font-size="16" font-weight="bold" fill="#1f5fbf">'
               f'{escape(_("Key figures"))}</text>')
    y += 10
    for i, (label, value) in enumerate(rows):
        y += 22
        detail = ""
        if len(value) > 30 and " (" in value:  # keep the value column narrow: the explanation goes below
            value, detail = value.split(" (", 1)
            detail = "(" + detail
        height = 38 if detail else 22
        if i % 2 == 0:
            out.append(f'<rect x="44" y="{y - 16}" width="420" height="{height}" fill="#f1f4f8"/>')
        out.append(f'<text x="52" y="{y}" font-size="13" fill="#1b2a41">{escape(label)}</text>')
        out.append(f'<text x="210" y="{y}" font-size="13" font-weight="bold" fill="#1b2a41">{escape(value)}</text>')
        if detail:
            y += 16
            out.append(f'<text x="210" y="{y}" font-size="11" fill="#5b6770">{escape(detail)}</text>')
    cy = 130
    out.append(f'<text x="490" y="{cy}" font-size="16" font-weight="bold" fill="#1f5fbf">'
               f'{escape(_("Body composition (latest)"))}</text>')
    cy += 10
    for label, value, how in _composition(r):
        cy += 22
        italic = ' font-style="italic"' if how == _("derived") else ""
        out.append(f'<text x="490" y="{cy}" font-size="13" fill="#1b2a41">{escape(label)}</text>')
        out.append(f'<text x="640" y="{cy}" font-size="13" font-weight="bold" fill="#1b2a41"{italic}>'
                   f'{escape(value)}</text>')
    cy += 22
    out.append(f'<text x="490" y="{cy}" font-size="11" fill="#5b6770">'
               f'{escape(_("italic: derived (calculated), others measured"))}</text>')
    top = max(y, cy) + 50
    out += _svg_chart(r, 60, top, PAGE_W - 60 - 40, PAGE_H - top - 120)
    foot = PAGE_H - 60
    for k, line in enumerate((
        _("%TBWL = (reference − current) / reference × 100. %EWL = (reference − current) / (reference − ideal) × 100,"),
        _("ideal = the weight at BMI 25 for your height. Reference: the weigh-in on the balloon placement day."),
    )):
        out.append(f'<text x="48" y="{foot + 16 * k}" font-size="11" fill="#5b6770">{escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_chart(r: ReportData, x0: int, y0: int, w: int, h: int) -> list[str]:
    layers = _layers(r)
    window = _window(r)
    out = [f'<text x="{x0 - 12}" y="{y0 - 14}" font-size="16" font-weight="bold" fill="#1f5fbf">'
           f'{escape(_("Weight"))} ({escape(r.unit.value)})</text>']
    ts, values = list(layers.ts), list(layers.values)
    visible = [v for i, v in enumerate(values) if i not in layers.flagged] + list(layers.trend or [])
    if not visible:
        return out
    from companion.trends.chart import y_limits

    lo, hi = y_limits(visible, layers.goal)

    def px(t: float) -> float:
        return round(x0 + (t - window.start) / window.span * w, 1)

    def py(v: float) -> float:
        return round(y0 + (hi - v) / (hi - lo) * h, 1)

    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#c9d1db"/>')
    step = nice_step(hi - lo, 8)
    decimals = 0 if step >= 1 else 1 if step >= 0.1 else 2
    v = (int(lo / step) + 1) * step
    while v < hi:
        yy = py(v)
        out.append(f'<line x1="{x0}" y1="{yy}" x2="{x0 + w}" y2="{yy}" stroke="#eef1f5"/>')
        out.append(f'<text x="{x0 - 6}" y="{yy + 4}" font-size="11" text-anchor="end" fill="#5b6770">'
                   f'{v:.{decimals}f}</text>')
        v += step
    for t, label in _x_ticks(window, w // 8, _tz(r)):
        xx = px(t)
        out.append(f'<line x1="{xx}" y1="{y0 + h}" x2="{xx}" y2="{y0 + h + 5}" stroke="#8a96a3"/>')
        out.append(f'<text x="{xx}" y="{y0 + h + 18}" font-size="11" text-anchor="middle" fill="#5b6770">'
                   f'{escape(label)}</text>')
    placed: list[tuple[float, float, int]] = []  # label extents, so labels never overlap
    for t, tag, label in r.milestones:
        if window.start <= t < window.end:
            xx = px(t)
            text = f"{tag} {_(label)}"
            size = len(text) * 6.2  # ~width of an 11 px sans-serif character
            left = xx + 3 if xx + 3 + size <= x0 + w else xx - 3 - size
            row = 0
            while any(row == r_ and left < b and a < left + size for a, b, r_ in placed):
                row += 1
            placed.append((left, left + size, row))
            out.append(f'<line x1="{xx}" y1="{y0}" x2="{xx}" y2="{y0 + h}" stroke="#d08b00" stroke-dasharray="3 3"/>')
            out.append(f'<text x="{round(left, 1)}" y="{y0 + 12 + 14 * row}" font-size="11" fill="#d08b00">'
                       f'{escape(text)}</text>')
    if layers.goal is not None and lo <= layers.goal <= hi:
        gy = py(layers.goal)
        out.append(f'<line x1="{x0}" y1="{gy}" x2="{x0 + w}" y2="{gy}" stroke="#2e8b57" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{x0 + w - 4}" y="{gy - 4}" font-size="11" text-anchor="end" fill="#2e8b57">'
                   f'{escape(_("goal"))}</text>')
    keep = minmax_buckets(ts, values, None, window.start, window.end, w)
    dots = "".join(f'<circle cx="{px(ts[i])}" cy="{py(values[i])}" r="1.6"/>' for i in keep
                   if i not in layers.flagged)
    out.append(f'<g fill="#8fa3bf">{dots}</g>')
    idx = [i for i in range(len(ts)) if i not in layers.flagged]
    trend = layers.trend or values
    picked = lttb([ts[i] for i in idx], [trend[i] for i in idx], w)
    points = " ".join(f"{px(ts[idx[k]])},{py(trend[idx[k]])}" for k in picked)
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    for i in sorted(layers.flagged):
        xx, yy = px(ts[i]), min(max(py(values[i]), y0), y0 + h)
        out.append(f'<text x="{xx}" y="{yy + 4}" font-size="11" text-anchor="middle" fill="#c0392b">✕</text>')
    return out


def render(r: ReportData, fmt: str) -> bytes:
    """The report in ``fmt`` (svg, md or pdf) as bytes."""
    if fmt == "pdf":
        from companion.trends.report_pdf import render_pdf

        return render_pdf(r)
    return (render_svg(r) if fmt == "svg" else render_markdown(r)).encode("utf-8")


def report_bytes(store: Store, profile: Profile, now: datetime, fmt: str = "svg") -> bytes:
    if fmt not in ALL_FORMATS:
        raise ValueError(_("Unknown report format {fmt}; use svg, md or pdf.").format(fmt=fmt))
    return render(collect(store, profile, now), fmt)


def save_atomically(path: Path, content: bytes) -> Path:
    """Write ``content`` under a temporary name next to ``path``, then rename (never a half file)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(content)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_reports(store: Store, profile: Profile, now: datetime, directory: Path | None = None,
                  formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Save the report in each format under ``directory`` (default: ``<data dir>/reports``); returns the paths."""
    folder = directory or store.home / "reports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = collect(store, profile, now)
    paths = []
    for fmt in formats:
        path = folder / f"progress-{now.strftime('%Y-%m-%d')}.{fmt}"
        paths.append(save_atomically(path, render(data, fmt)))
    store.audit.record("export", "progress-report", f"progress report ({', '.join(formats)})")
    return paths
