"""Every (route, method) the URL conf serves under a prefix — for tests that must cover them all.

Walks `get_resolver()` recursively, so a route added in any app's `api_urls.py` shows up
without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# OPTIONS is DRF's metadata answer on every view and HEAD follows GET: neither is an operation.
_IMPLICIT_METHODS = {"options", "head"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # the Django route string, e.g. "api/v1/courses/<str:slug>"
    methods: tuple[str, ...]  # upper-case HTTP methods the view implements

    def path(self, params: dict[str, object]) -> str:
        """The concrete path with every `<converter:name>` replaced from `params`."""

        def fill(match: re.Match[str]) -> str:
            name = match.group("name")
            if name not in params:
                raise KeyError(f"No value for path parameter {name!r} of {self.route}")
            return str(params[name])

        return "/" + _CONVERTER.sub(fill, self.route)


def _walk(patterns: list, prefix: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def implemented_methods(pattern: URLPattern) -> tuple[str, ...]:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        raise TypeError(
            f"Route {pattern.pattern} is a plain function view: give it a class-based view "
            "so its methods can be enumerated."
        )
    return tuple(
        method.upper()
        for method in view_class.http_method_names
        if method not in _IMPLICIT_METHODS and hasattr(view_class, method)
    )


def routes_under(prefix: str) -> list[Route]:
    """Class-based routes whose full route string starts with `prefix` (no leading slash)."""
    return [
        Route(route=route, methods=implemented_methods(pattern))
        for route, pattern in _walk(get_resolver().url_patterns, "")
        if route.startswith(prefix)
    ]
