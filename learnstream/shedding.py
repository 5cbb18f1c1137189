"""Overload shedding: answer at once the requests that waited too long for a worker.

Under overload a request can sit in the accept queue for seconds; by the time a worker picks
it up its client has often given up, and serving it anyway only makes the queue longer for
everyone behind it. The proxy in front of the app stamps each request with the moment it
arrived (`X-Request-Start: t=<epoch seconds>`, e.g. nginx `proxy_set_header X-Request-Start
"t=${msec}";`; milliseconds or microseconds since the epoch are understood too). A request
that waited longer than `REQUEST_QUEUE_BUDGET_S` is answered without running the view:

- heartbeats: 429 `throttled` with `Retry-After` (the player already backs off on it);
- everything else: 503 `service_unavailable` with `Retry-After`;
- health checks (`/healthz`, `/readyz`) are never shed, so a busy server is not taken out of
  the load balancer for being busy.

The decision is per server (each one judges only its own queue), needs no shared state, and
runs first in the middleware chain so a shed request costs next to nothing. Without the
header (no proxy, or a proxy that does not stamp) nothing is shed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from learnstream.errors import ServiceUnavailable, Throttled, is_api_request, problem_response

logger = logging.getLogger(__name__)

_NEVER_SHED = ("/healthz", "/readyz")
_HEARTBEAT_SUFFIX = "/progress"


def request_start_epoch_s(header: str) -> float | None:
    """The arrival time a proxy stamped, in epoch seconds; None when absent or unreadable."""
    text = header.strip()
    if text.startswith("t="):
        text = text[2:]
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    if value > 1e14:  # microseconds (Heroku, Apache's %t style)
        return value / 1e6
    if value > 1e11:  # milliseconds
        return value / 1e3
    return value


def _is_heartbeat(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path.endswith(_HEARTBEAT_SUFFIX)


class LoadSheddingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        budget_s = settings.REQUEST_QUEUE_BUDGET_S
        header = request.META.get("HTTP_X_REQUEST_START")
        if budget_s > 0 and header and request.path not in _NEVER_SHED:
            started = request_start_epoch_s(header)
            if started is not None and time.time() - started > budget_s:
                return self._shed(request)
        return self.get_response(request)

    def _shed(self, request: HttpRequest) -> HttpResponse:
        retry_after = settings.REQUEST_SHED_RETRY_AFTER_S
        error = (
            Throttled(retry_after, "The server is busy: send this heartbeat again later.")
            if _is_heartbeat(request)
            else ServiceUnavailable(
                "The server is busy: try again shortly.",
                headers={"Retry-After": str(retry_after)},
            )
        )
        logger.info("Shed %s %s after waiting past the queue budget", request.method, error.status)
        if is_api_request(request):
            return problem_response(error)
        response = HttpResponse(error.detail, status=error.status, content_type="text/plain")
        response["Retry-After"] = str(retry_after)
        return response
