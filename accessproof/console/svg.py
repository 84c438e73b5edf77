"""Charts as SVG, drawn on the server: no script, no external library, readable by screen readers
(``role="img"``, a ``<title>`` and a table of the same numbers beside each chart in the page).

Every label is escaped: resource types and account ids come from snapshots (attacker text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

# Colours with at least 3:1 contrast against the white background (WCAG 1.4.11, graphics).
SERIES_COLOURS = ("#1f5fa8", "#8a5a00", "#2e7d32", "#a1260d")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]


def _nice_max(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above ``value`` (an axis that ends on a round number)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def bar_chart(title: str, items: Sequence[tuple[str, int]], *, width: int = 420, bar_height: int = 18) -> Markup:
    """Horizontal bars, one per (label, value), largest scale first as given."""
    label_width = 170
    gap = 6
    height = max(1, len(items)) * (bar_height + gap) + gap
    top = _nice_max(max((v for _, v in items), default=0))
    plot = width - label_width - 50
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        length = round(plot * value / top)
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">{escape(short)}</text>'
                     f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
                     f'fill="{SERIES_COLOURS[0]}"><title>{escape(label)}: {value}</title></rect>'
                     f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 640,
                 height: int = 220) -> Markup:
    """Grouped columns: one group per label (a day), one column per series, with a legend."""
    left, bottom, top_pad, legend = 36, 28, 10, 22
    plot_w = width - left - 8
    plot_h = height - bottom - top_pad - legend
    count = max(1, len(labels))
    group = plot_w / count
    column = max(1.0, (group - 2) / max(1, len(series)))
    top = _nice_max(max((v for s in series for v in s.values), default=0))
    base = top_pad + legend + plot_h
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, s in enumerate(series):  # legend
        x = left + i * 130
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{SERIES_COLOURS[i % len(SERIES_COLOURS)]}"/>'
                     f'<text x="{x + 16}" y="14">{escape(s.name)}</text>')
    for fraction in (0, 0.5, 1):  # axis
        y = base - plot_h * fraction
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#bbb" stroke-width="0.5"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{round(top * fraction)}</text>')
    every = max(1, count // 8)
    for g, label in enumerate(labels):
        x0 = left + g * group + 1
        for i, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * value / top
            if value:
                parts.append(f'<rect x="{x0 + i * column:.1f}" y="{base - h:.1f}" width="{column:.1f}" '
                             f'height="{h:.1f}" fill="{SERIES_COLOURS[i % len(SERIES_COLOURS)]}">'
                             f'<title>{escape(label)} {escape(s.name)}: {value}</title></rect>')
        if g % every == 0:
            parts.append(f'<text x="{x0 + group / 2:.1f}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
