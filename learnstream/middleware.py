"""Project middleware: request ids and access logs, body size limit, outage → 503, domain
refusals → the 404/403 pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from learnstream.errors import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    is_api_request,
    problem_response,
)
from learnstream.ids import request_id_for
from learnstream.logging import request_id_var
from learnstream.metrics import UNMATCHED_ROUTE, request_observe
from learnstream.outages import outage_record

access_logger = logging.getLogger("learnstream.access")


class RequestIdMiddleware:
    """Accept a sane upstream X-Request-ID or mint one; log one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_s = time.perf_counter() - started
            route = _route_of(request)
            user = getattr(request, "user", None)
            user_id = getattr(user, "id", None) if user is not None else None
            request_observe(
                route=route,
                method=request.method or "",
                status=response.status_code,
                duration_s=duration_s,
            )
            access_logger.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                route,
                response.status_code,
                duration_s * 1000,
                user_id,
                extra={
                    "user_id": user_id,
                    "route": route,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(duration_s * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request ("api/v1/lessons/<str:lesson_id>/playback"),
    never the raw path: bounded metric labels, no ids or tokens in logs."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return "/" + match.route.lstrip("^")


class PayloadTooLarge(ApplicationError):
    status, code, title = 413, "payload_too_large", "Request body too large"


class BodySizeLimitMiddleware:
    """DRF's JSON parser reads the stream itself, so Django's upload limits don't cover API
    bodies; refuse oversized bodies by their declared length before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BODY_BYTES
        if request.method == "POST" and request.path.endswith("/captions"):
            # Caption uploads carry a file of up to 1 MiB plus the form around it; the file's
            # own limit is checked (400 naming it) by the caption service.
            limit = max(limit, settings.CAPTION_UPLOAD_MAX_BODY_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            error = PayloadTooLarge(f"The request body may be at most {limit} bytes.")
            if is_api_request(request):
                return problem_response(error)
            return HttpResponse(error.detail, status=413, content_type="text/plain")
        return self.get_response(request)


class ServiceUnavailableMiddleware:
    """A MongoDB or Redis outage outside DRF views (pages, webhooks) answers a fast 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not outage_record(exception):
            return None
        logging.getLogger(__name__).warning(
            "Backing service unavailable: %s", type(exception).__name__
        )
        if is_api_request(request):
            return problem_response(ServiceUnavailable())
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response


class DomainRefusalPagesMiddleware:
    """The one translation of the domain's refusals into pages: a view outside the API that
    lets `NotFound` or `PermissionDenied` escape gets the site's 404 or 403 page (through
    `handler404`/`handler403`, so pages and API share one look of each). The API's views
    answer problem+json themselves through DRF's exception handler and never reach here.
    Views that answer other refusals in place (a form error, a throttled page) catch them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api_request(request):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.detail) from exception
        return None
