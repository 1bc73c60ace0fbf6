"""Server-rendered SVG charts: no JavaScript, allowed by the strict CSP (presentation attributes, no style), printable,
and accessible (role="img", a title and a description, and the same figures in a table beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Point:
    when: datetime
    value: float  # 0..100


def trend_svg(points: list[Point], *, title: str, description: str, width: int = 640, height: int = 220) -> str:
    """A line of percentages over time, with 0/50/100 % guides and a dot and label per point."""
    left, right, top, bottom = 44, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    title_id = f"trend-{abs(hash((title, len(points)))) % 10 ** 8}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-labelledby="{title_id}-t {title_id}-d" class="trend-chart">',
             f'<title id="{title_id}-t">{escape(title)}</title><desc id="{title_id}-d">{escape(description)}</desc>']
    for value in (0, 50, 100):
        y = top + plot_h * (1 - value / 100)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dde6" '
                     f'stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5b6475">{value} %</text>')
    if points:
        times = [p.when.timestamp() for p in points]
        span = (max(times) - min(times)) or 1.0

        def x_of(point: Point) -> float:
            return left + (plot_w * (point.when.timestamp() - min(times)) / span if len(points) > 1 else plot_w / 2)

        def y_of(point: Point) -> float:
            return top + plot_h * (1 - max(0.0, min(100.0, point.value)) / 100)

        if len(points) > 1:
            path = " ".join(f"{x_of(p):.1f},{y_of(p):.1f}" for p in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
        for index, point in enumerate(points):
            x, y = x_of(point), y_of(point)
            label = formats.date_format(timezone.localtime(point.when), "SHORT_DATE_FORMAT")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f5fbf"><title>{escape(label)}: '
                         f'{point.value:.0f} %</title></circle>')
            if index in (0, len(points) - 1) or len(points) <= 6:
                parts.append(f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="11" '
                             f'fill="#1d2330">{point.value:.0f} %</text><text x="{x:.1f}" y="{height - 12}" '
                             f'text-anchor="middle" font-size="10" fill="#5b6475">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text inserted above is escaped; the rest are numbers)
