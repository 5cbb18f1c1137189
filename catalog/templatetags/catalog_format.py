"""Small display filters for the catalogue pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: float | int | None) -> str:
    """12:34 or 1:02:03 — a position in a video."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def length(seconds: float | int | None) -> str:
    """ "1 h 05 min", "12 min", "45 s" — a course or lesson length."""
    total = int(round(seconds or 0))
    if total <= 0:
        return ""
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min"
    return f"{total} s"
