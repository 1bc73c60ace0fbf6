"""Charts drawn on the server as SVG (decision record 0006): time series with their thresholds, sparklines, and the
reference-versus-current distributions of drift runs.

No JavaScript and no inline style (the Content-Security-Policy refuses both): shapes carry classes styled by
monitoring.css and presentation attributes; every chart has a title and a text alternative, and prints as it shows.
Values are escaped; labels are localised by Django's number and date formats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Line:
    """A horizontal line across the chart: a threshold or a target."""

    value: float
    kind: str  # "target", "warning", "critical"
    label: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high - low < 1e-12:
        high, low = high + (abs(high) or 1) * 0.5, low - (abs(low) or 1) * 0.5
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def number(value: float, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return formats.number_format(round(value), 0, use_l10n=True, force_grouping=True)
    text = formats.number_format(round(value, digits), digits, use_l10n=True)
    if "," in text or "." in text:
        text = text.rstrip("0").rstrip(",.")
    return text


def time_series(points: list[tuple[date, float]], *, lines: list[Line] = (), statuses: list[str] | None = None,
                title: str, unit: str = "", width: int = 720, height: int = 240, y_floor: float | None = None,
                y_ceiling: float | None = None) -> SafeString:
    """A line chart of (day, value) points with horizontal threshold lines; days in breach carry a dot."""
    left, right, top, bottom = 56, 96, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    title_html = escape(title)
    if not points:
        return mark_safe(f'<svg class="chart chart-empty" viewBox="0 0 {width} {height}" role="img" '
                         f'aria-label="{title_html}"><title>{title_html}</title></svg>')
    days = [p[0] for p in points]
    values = [p[1] for p in points]
    candidates = values + [line.value for line in lines]
    low, high = min(candidates), max(candidates)
    if y_floor is not None:
        low = min(low, y_floor) if y_floor > low else max(low, y_floor)
    if y_ceiling is not None and high > y_ceiling >= max(values):
        high = y_ceiling
    ticks = nice_ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1]
    first, last = days[0].toordinal(), days[-1].toordinal()
    span = max(last - first, 1)

    def x(day: date) -> float:
        return left + (day.toordinal() - first) / span * plot_w

    def y(value: float) -> float:
        return top + (y_max - value) / ((y_max - y_min) or 1) * plot_h

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{title_html}" '
             f'preserveAspectRatio="xMinYMin meet"><title>{title_html}</title>']
    for tick in ticks:
        ty = y(tick)
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">'
                     f'{escape(number(tick))}</text>')
    for day in _month_ticks(days[0], days[-1]):
        tx = x(day)
        parts.append(f'<line class="chart-grid chart-grid-x" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" '
                     f'y2="{top + plot_h}"/>')
        parts.append(f'<text class="chart-axis" x="{tx:.1f}" y="{height - 10}" text-anchor="middle">'
                     f'{escape(formats.date_format(day, "M"))}</text>')
    for line in lines:
        ly = y(line.value)
        parts.append(f'<line class="chart-threshold chart-{escape(line.kind)}" x1="{left}" x2="{left + plot_w}" '
                     f'y1="{ly:.1f}" y2="{ly:.1f}" data-threshold="{escape(line.kind)}"/>')
        parts.append(f'<text class="chart-label chart-{escape(line.kind)}" x="{left + plot_w + 4}" y="{ly + 4:.1f}">'
                     f'{escape(line.label)} {escape(number(line.value))}</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for i, (d, v) in enumerate(points))
    parts.append(f'<path class="chart-line" d="{path}"/>')
    if statuses:
        for (day, value), status in zip(points, statuses):
            if status in ("warning", "critical"):
                parts.append(f'<circle class="chart-dot chart-{status}" cx="{x(day):.1f}" cy="{y(value):.1f}" r="2.5"/>')
    last_day, last_value = points[-1]
    parts.append(f'<circle class="chart-last" cx="{x(last_day):.1f}" cy="{y(last_value):.1f}" r="3.5"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _month_ticks(start: date, end: date) -> list[date]:
    if (end - start).days < 45:
        return [start, end] if start != end else [start]
    ticks, year, month = [], start.year, start.month + 1
    if month > 12:
        year, month = year + 1, 1
    while date(year, month, 1) <= end:
        ticks.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = max(1, len(ticks) // 12)
    return ticks[::step]


def sparkline(values: list[float], *, status: str = "", label: str = "", lines: list[Line] = (), width: int = 120,
              height: int = 28) -> SafeString:
    """A small line without axes, for tables; the threshold lines are drawn faintly."""
    label_html = escape(label)
    if not values:
        return mark_safe(f'<svg class="spark spark-empty" viewBox="0 0 {width} {height}" role="img" '
                         f'aria-label="{label_html}"></svg>')
    candidates = list(values) + [line.value for line in lines]
    low, high = min(candidates), max(candidates)
    spread = (high - low) or 1

    def y(value):
        return 2 + (high - value) / spread * (height - 4)

    step = (width - 4) / max(len(values) - 1, 1)
    path = " ".join(f"{'M' if i == 0 else 'L'}{2 + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts = [f'<svg class="spark spark-{escape(status)}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{label_html}">']
    for line in lines:
        parts.append(f'<line class="spark-threshold chart-{escape(line.kind)}" x1="0" x2="{width}" '
                     f'y1="{y(line.value):.1f}" y2="{y(line.value):.1f}"/>')
    parts.append(f'<path class="spark-line" d="{path}"/>')
    parts.append(f'<circle class="spark-last" cx="{2 + (len(values) - 1) * step:.1f}" cy="{y(values[-1]):.1f}" '
                 f'r="2"/></svg>')
    return mark_safe("".join(parts))


def distribution(labels: list[str], reference: list[float], current: list[float], *, title: str,
                 reference_label: str, current_label: str, width: int = 520, height: int = 180) -> SafeString:
    """Reference and current shares side by side, per bin or category."""
    left, right, top, bottom = 40, 10, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    title_html = escape(title)
    count = len(labels)
    if not count:
        return mark_safe(f'<svg class="chart chart-empty" viewBox="0 0 {width} {height}" role="img" '
                         f'aria-label="{title_html}"><title>{title_html}</title></svg>')
    peak = max(max(reference or [0]), max(current or [0])) or 1
    slot = plot_w / count
    bar = max(slot * 0.4, 1)
    parts = [f'<svg class="chart chart-distribution" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{title_html}"><title>{title_html}</title>']
    for tick in (0, peak / 2, peak):
        ty = top + plot_h - tick / peak * plot_h
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end">'
                     f'{escape(number(tick * 100, 0))}%</text>')
    every = max(1, math.ceil(count / 12))
    for index, label in enumerate(labels):
        x0 = left + index * slot + (slot - 2 * bar) / 2
        for offset, series, css in ((0, reference, "chart-reference"), (bar, current, "chart-current")):
            value = series[index] if index < len(series) else 0
            h = value / peak * plot_h
            parts.append(f'<rect class="{css}" x="{x0 + offset:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}"><title>{escape(label)}: {escape(number(value * 100, 1))}%</title></rect>')
        if index % every == 0:
            parts.append(f'<text class="chart-axis" x="{left + index * slot + slot / 2:.1f}" y="{height - 20}" '
                         f'text-anchor="middle">{escape(label[:12])}</text>')
    parts.append(f'<rect class="chart-reference" x="{left}" y="4" width="10" height="10"/>'
                 f'<text class="chart-axis" x="{left + 14}" y="13">{escape(reference_label)}</text>'
                 f'<rect class="chart-current" x="{left + 130}" y="4" width="10" height="10"/>'
                 f'<text class="chart-axis" x="{left + 144}" y="13">{escape(current_label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def threshold_lines(kpi, labels: dict) -> list[Line]:
    """The KPI's target and thresholds as lines (labels: {"target":..., "warning":..., "critical":...})."""
    return [Line(getattr(kpi, kind), kind, str(labels[kind])) for kind in ("target", "warning", "critical")
            if getattr(kpi, kind) is not None]


__all__ = ["Line", "distribution", "nice_ticks", "number", "sparkline", "threshold_lines", "time_series"]
