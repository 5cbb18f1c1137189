"""Template helpers for progress: `{{ seconds|clock }}` → "12:34" (or "1:02:03")."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: object) -> str:
    try:
        total = max(int(float(seconds)), 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "0:00"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
