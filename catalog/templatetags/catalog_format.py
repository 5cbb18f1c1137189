"""Small display filters for the catalogue pages. (A position in a video, "12:34", is
tracking's `clock` filter: `{% load tracking_tags %}`.)"""

from __future__ import annotations

from django import template

from catalog.languages import language_name as _language_name

register = template.Library()


@register.filter
def language_name(code: str | None) -> str:
    """A course language code as its name: "fr" → "Français" (catalog.languages)."""
    return _language_name(code)


@register.filter
def length(seconds: float | int | None) -> str:
    """A course or lesson length: "1 h 05 min", "12 min", "45 s"."""
    total = round(float(seconds or 0))
    if total <= 0:
        return ""
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min"
    return f"{total} s"
