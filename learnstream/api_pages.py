"""The list envelope every paginated API answers: `{results, next, previous}`, where `next`
and `previous` are absolute URLs of the same query with the page (or cursor) changed.

Shared by every app's list endpoints so a client parses one shape; cursor and page-number
pagination differ only in the parameters they put in those links.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response


class Numbered(Protocol):
    @property
    def page(self) -> int: ...

    @property
    def has_next(self) -> bool: ...


def url_with(base: str, params: dict[str, Any], **changes: Any) -> str:
    """`base` with the query `params` updated by `changes` (None removes a key)."""
    merged = {**params, **changes}
    query = urlencode([(key, value) for key, value in merged.items() if value not in (None, "")])
    return f"{base}?{query}" if query else base


def list_response(
    request: Request, results: Any, *, next_params: dict | None, previous_params: dict | None
) -> Response:
    base = request.build_absolute_uri(request.path)
    params = {key: request.query_params.get(key) for key in request.query_params}
    return Response(
        {
            "results": results,
            "next": url_with(base, params, **next_params) if next_params else None,
            "previous": url_with(base, params, **previous_params) if previous_params else None,
        }
    )


def numbered_links(page: Numbered) -> dict[str, dict | None]:
    """The `next_params`/`previous_params` of a page-number page (page 1 has no `page=`)."""
    return {
        "next_params": {"page": page.page + 1} if page.has_next else None,
        "previous_params": (
            {"page": page.page - 1 if page.page > 2 else None} if page.page > 1 else None
        ),
    }


def list_of(item: type[serializers.Serializer], name: str) -> Any:
    """The schema of a list envelope of `item`, as component `name`."""
    return inline_serializer(
        name=name,
        fields={
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        },
    )
