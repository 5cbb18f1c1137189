"""The heartbeat route without DRF's request machinery.

The player sends a beat every few seconds per viewer, so this is the hottest request of the
product; DRF's Request/negotiation/parser/renderer/exception layers cost more than the work
itself. This view does only what a well-formed beat needs — the API's authentication
(accounts.authentication.api_request_user: the same token and session rules as every DRF
view), one strict JSON read, the access check, the service — and hands every other request
(another method, no or a bad sign-in, another content type or Accept, a body that is not a
plain beat) to `LessonProgressRecordApi`, which remains the route's full contract and its
OpenAPI description. The refusal order (401 → 404/403 → 400 → 429) therefore holds by
construction: anything refused before the service runs is refused by the DRF view.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException

from accounts.authentication import api_request_user
from catalog.access import lesson_get_watchable
from learnstream.errors import ApplicationError, view_error_response
from tracking.apis import LessonProgressRecordApi, _plain_beat, record_beat

_FULL_VIEW = LessonProgressRecordApi.as_view()
_JSON_TYPES = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)
# Media ranges for which DRF's negotiation (one JSON renderer) picks plain JSON.
_JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})
# DRF's response headers for this view (its `Allow`; one renderer, so no `Vary: Accept`).
_ALLOW = ", ".join(LessonProgressRecordApi().allowed_methods)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity: what DRF's strict parser refuses


def read_beat(request: HttpRequest) -> tuple[object, dict[str, Any]] | None:
    """The parsed JSON body and the beat's values, or None for anything the DRF view should
    word (another content type, malformed or non-strict JSON, a body that is not a plain
    beat)."""
    if request.META.get("CONTENT_TYPE", "").lower() not in _JSON_TYPES:
        return None
    try:
        data = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    values = _plain_beat(data)
    return None if values is None else (data, values)


def _json_accepted(accept: str) -> bool:
    # Parameters (q, indent, version…) and the `?format=` override are the DRF view's to read.
    if not accept:
        return True
    if ";" in accept:
        return False
    return any(part.strip() in _JSON_RANGES for part in accept.lower().split(","))


def _plain_request(request: HttpRequest) -> bool:
    return (
        request.method == "POST"
        and "format" not in request.META.get("QUERY_STRING", "")
        and _json_accepted(request.META.get("HTTP_ACCEPT", ""))
    )


@csrf_exempt  # a session sign-in is CSRF-checked in api_request_user, as DRF does
def lesson_progress_record(request: HttpRequest, lesson_id: str) -> HttpResponse:
    if not _plain_request(request):
        return _FULL_VIEW(request, lesson_id=lesson_id)
    try:
        user = api_request_user(request)
    except (ApplicationError, APIException):
        user = None  # the DRF view words the refusal
    if user is None or (beat := read_beat(request)) is None:
        return _FULL_VIEW(request, lesson_id=lesson_id)
    request.user = user  # type: ignore[assignment]  # as DRF does: the access log names it
    try:
        access = lesson_get_watchable(user=user, lesson_id=lesson_id)
        body, values = beat
        payload = record_beat(user=user, facts=access.facts, values=values, body=body)
    except Exception as exc:  # every error becomes the contract's problem+json
        return view_error_response(exc)
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
        content_type="application/json",
    )
    response["Allow"] = _ALLOW
    return response


# The route's methods and schema are the DRF view's (route enumeration, drf-spectacular).
lesson_progress_record.view_class = LessonProgressRecordApi  # type: ignore[attr-defined]
lesson_progress_record.cls = LessonProgressRecordApi  # type: ignore[attr-defined]
lesson_progress_record.initkwargs = {}  # type: ignore[attr-defined]
