"""Server-rendered SVG charts for the analytics page (no JavaScript, no CDN).

Pure functions: numbers in, an SVG string out (every text escaped), marked safe for
templates.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36


def _frame(title: str, body: list[str], height: int = HEIGHT) -> SafeString:
    return mark_safe(  # noqa: S308 - every interpolated text below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ls-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _percent_axis(plot_h: float) -> list[str]:
    parts = []
    for share in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + plot_h * (1 - share)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#666">{int(share * 100)}%</text>'
        )
    return parts


def dropoff_chart(*, title: str, shares: Sequence[float]) -> SafeString:
    """A line of the share of starters still watching at 0%, 5%, … 100% of the lesson."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _percent_axis(plot_h)
    count = len(shares)
    if count:
        points = []
        for index, share in enumerate(shares):
            x = LEFT + (plot_w * index / (count - 1) if count > 1 else 0)
            y = TOP + plot_h * (1 - min(max(float(share), 0.0), 1.0))
            points.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<polyline fill="none" stroke="#417690" stroke-width="2" points="{" ".join(points)}"/>'
        )
        for point, share in zip(points, shares, strict=True):
            cx, cy = point.split(",")
            body.append(
                f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="#417690">'
                f"<title>{round(float(share) * 100)}%</title></circle>"
            )
    for label, fraction in (("0%", 0), ("50%", 0.5), ("100% of the lesson", 1)):
        anchor = "start" if fraction == 0 else "end" if fraction == 1 else "middle"
        body.append(
            f'<text x="{LEFT + plot_w * fraction:.1f}" y="{HEIGHT - 12}" font-size="11" '
            f'text-anchor="{anchor}" fill="#666">{label}</text>'
        )
    return _frame(title, body)


def completion_bars(*, title: str, rows: Sequence[tuple[str, int, int]]) -> SafeString:
    """One horizontal bar per lesson: completions / starts (label, starts, completions)."""
    bar_h, gap, label_w = 18, 8, 180
    height = TOP + BOTTOM + max(len(rows), 1) * (bar_h + gap)
    plot_w = WIDTH - label_w - RIGHT - 60
    body = []
    for index, (label, starts, completions) in enumerate(rows):
        y = TOP + index * (bar_h + gap)
        rate = completions / starts if starts else 0.0
        short = label if len(label) <= 28 else label[:27] + "…"
        body.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="#333">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#eee"/>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w * rate:.1f}" height="{bar_h}" '
            f'fill="#79aec8"><title>{escape(label)}: {completions} of {starts}</title></rect>'
            f'<text x="{label_w + plot_w + 6}" y="{y + 13}" font-size="12" fill="#333">'
            f"{completions}/{starts}</text>"
        )
    if not rows:
        body.append(
            f'<text x="{LEFT}" y="{TOP + 14}" font-size="12" fill="#666">No lessons.</text>'
        )
    return _frame(title, body, height=height)
