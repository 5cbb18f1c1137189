"""Markdown → safe HTML for course descriptions and lesson bodies."""

from __future__ import annotations

import markdown as md
import nh3

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> str:
    """Instructors write Markdown; students get sanitised HTML (no scripts, no raw HTML
    attributes beyond safe links)."""
    html = md.markdown(text or "", extensions=["fenced_code", "tables"], output_format="html")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
