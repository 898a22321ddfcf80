"""Rate-quality charts as inline SVG for the HTML report: every point carries a hover title (codec,
quality, rate, score), and per-image curves are drawn hidden, for a checkbox in the page to show.

Plain string building: no plotting library, so the report costs milliseconds per chart.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import attrs

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
PER_IMAGE = "per-image"


@attrs.frozen
class Point:
    x: float
    y: float
    quality: int
    title: str


@attrs.frozen
class Series:
    label: str
    points: tuple[Point, ...]
    colour: str
    dashed: bool = False
    width: float = 1.6
    per_image: bool = False


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    if not high > low:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.ceil(low / step - 1e-9) * step
    return [round(start + i * step, 10) for i in range(int((high - start) / step + 1e-9) + 1)]


def rd_chart(series: Sequence[Series], title: str, x_label: str, y_label: str) -> str:
    """One chart; per-image series get the ``per-image`` class (hidden unless the page shows them)."""
    e = html.escape
    points = [p for s in series for p in s.points]
    if not points:
        return ""
    width, height, legend_width = 640, 420, 170
    left, right, top, bottom = 62, 12, 30, 48
    xs, ys = [p.x for p in points], [p.y for p in points]
    x_ticks, y_ticks = nice_ticks(min(xs), max(xs)), nice_ticks(min(ys), max(ys))
    x0, x1 = min(x_ticks[0], min(xs)), max(x_ticks[-1], max(xs))
    y0, y1 = min(y_ticks[0], min(ys)), max(y_ticks[-1], max(ys))
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y0) / ((y1 - y0) or 1) * plot_h

    parts = [
        f"<svg class='rd' xmlns='http://www.w3.org/2000/svg' width='{width + legend_width}' height='{height}' "
        f"viewBox='0 0 {width + legend_width} {height}' font-family='sans-serif' font-size='11'>",
        f"<text x='{left + plot_w / 2}' y='18' text-anchor='middle' font-size='13'>{e(title)}</text>",
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#888'/>",
    ]
    for tick in x_ticks:
        parts.append(
            f"<line x1='{sx(tick):.1f}' x2='{sx(tick):.1f}' y1='{top}' y2='{top + plot_h}' stroke='#eee'/>"
            f"<text x='{sx(tick):.1f}' y='{top + plot_h + 14}' text-anchor='middle'>{tick:g}</text>"
        )
    for tick in y_ticks:
        parts.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{sy(tick):.1f}' y2='{sy(tick):.1f}' stroke='#eee'/>"
            f"<text x='{left - 5}' y='{sy(tick) + 4:.1f}' text-anchor='end'>{tick:g}</text>"
        )
    parts.append(f"<text x='{left + plot_w / 2}' y='{height - 8}' text-anchor='middle'>{e(x_label)}</text>")
    parts.append(
        f"<text transform='translate(14,{top + plot_h / 2}) rotate(-90)' text-anchor='middle'>{e(y_label)}</text>"
    )
    for s in sorted(series, key=lambda s: not s.per_image):  # per-image curves underneath
        group = f" class='{PER_IMAGE}'" if s.per_image else ""
        dash = " stroke-dasharray='5,3'" if s.dashed else ""
        path = " ".join(f"{sx(p.x):.1f},{sy(p.y):.1f}" for p in s.points)
        parts.append(
            f"<g{group}><polyline points='{path}' fill='none' stroke='{s.colour}' stroke-width='{s.width}'"
            f"{dash} opacity='{0.45 if s.per_image else 1}'/>"
        )
        radius = 2 if s.per_image else 3.2
        parts.extend(
            f"<circle cx='{sx(p.x):.1f}' cy='{sy(p.y):.1f}' r='{radius}' fill='{s.colour}' "
            f"data-quality='{p.quality}'><title>{e(p.title)}</title></circle>"
            for p in s.points
        )
        parts.append("</g>")
    legend = [s for s in series if not s.per_image]
    for i, s in enumerate(legend):
        y = top + 10 + 16 * i
        dash = " stroke-dasharray='5,3'" if s.dashed else ""
        parts.append(
            f"<line x1='{width + 4}' x2='{width + 24}' y1='{y}' y2='{y}' stroke='{s.colour}' "
            f"stroke-width='{s.width}'{dash}/><text x='{width + 28}' y='{y + 4}'>{e(s.label)}</text>"
        )
    if len(legend) < len(series):
        parts.append(
            f"<text class='{PER_IMAGE}' x='{width + 4}' y='{top + 18 + 16 * len(legend)}' fill='#555'>"
            "thin: one image each</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
