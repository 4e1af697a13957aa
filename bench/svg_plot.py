"""Horizontal bar charts as SVG files, with no plotting library (matplotlib is not a dependency).

Each bench writes its figures as one chart under ``bench/results/`` for docs/performance.md.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

ROW, LABEL, BAR, PAD = 22, 330, 360, 10
COLOUR = "#3b6ea8"


def bar_chart(path: Path, title: str, unit: str, rows: list[tuple[str, float]]) -> Path:
    """Write ``rows`` (label, value) as bars scaled to the largest value; return ``path``."""
    top = max((value for _, value in rows), default=1.0) or 1.0
    height = PAD * 3 + ROW * (len(rows) + 1)
    width = LABEL + BAR + 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{PAD}" y="{PAD + 12}" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = PAD * 2 + ROW * (index + 1)
        length = BAR * value / top
        parts += [
            f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{ROW - 6}" fill="{COLOUR}"/>',
            f'<text x="{LABEL + length + 4:.1f}" y="{y + 13}">{value:.3g} {escape(unit)}</text>',
        ]
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
