"""Overload shedding: answer at once the requests that waited too long for a worker.

Under overload a request can sit in the accept queue for seconds; by the time a worker picks
it up its client has often given up, and serving it anyway only makes the queue longer for
everyone behind it. The proxy in front of the app stamps each request with the moment it
arrived (`X-Request-Start: t=<epoch seconds>`, e.g. nginx `proxy_set_header X-Request-Start
"t=${msec}";`; milliseconds or microseconds since the epoch are understood too). A request
that waited longer than its budget is answered without running the view. The budget is
`REQUEST_QUEUE_BUDGET_S` (1 s), which lets a burst through; when the queue stands instead
(every request of the last second waited longer than `REQUEST_QUEUE_TARGET_S`, 0.1 s), it
drops to 3x the target until the queue drains, so what is served under sustained overload
is served within a fraction of a second rather than after a full budget's wait:

- heartbeats: 429 `throttled` with `Retry-After` (the player already backs off on it);
- everything else: 503 `service_unavailable` with `Retry-After`;
- health checks (`/healthz`, `/readyz`) are never shed, so a busy server is not taken out of
  the load balancer for being busy.

The decision is per server (each one judges only its own queue) and needs no shared state.
It wraps the WSGI application (`learnstream/wsgi.py`), in front of Django itself: under
overload most requests are shed, so a shed request must cost next to nothing, or shedding
takes the CPU that serving the others needs. Shed requests are counted
(`learnstream_http_requests_shed_total`) and logged once a second per process, not one line
each. Without the header (no proxy, or a proxy that does not stamp) nothing is shed.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings

from learnstream.errors import (
    PROBLEM_CONTENT_TYPE,
    ServiceUnavailable,
    Throttled,
    error_body,
    is_api_path,
)
from learnstream.ids import request_id_for
from learnstream.metrics import shed_count

logger = logging.getLogger(__name__)

_NEVER_SHED = ("/healthz", "/readyz")
_HEARTBEAT_SUFFIX = "/progress"
_LOG_EVERY_S = 1.0

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


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


class _ShedLog:
    """Counts shed requests and logs them at most once per interval."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._since = time.monotonic()

    def note(self, budget_s: float) -> None:
        with self._lock:
            self._count += 1
            now = time.monotonic()
            if now - self._since < _LOG_EVERY_S:
                return
            count, seconds = self._count, now - self._since
            self._count, self._since = 0, now
        logger.warning(
            "Shed %d requests in %.1f s: they waited past the %.2f s queue budget",
            count,
            seconds,
            budget_s,
        )


class QueueWatch:
    """Tells a burst from a standing queue, per process (CoDel's idea, for requests): if the
    shortest wait seen over a whole interval stayed above the target, the queue is not
    draining, and requests are held to a short budget (3x the target). The short budget stays
    while it still turns requests away; an interval in which it turned none away and some
    request waited less than the target ends it. A burst keeps the full budget."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._interval_ends = 0.0
        self._shortest = math.inf
        self._short_budget_bit = False
        self.standing = False

    def budget_s(self, waited_s: float, now: float, *, budget_s: float, target_s: float) -> float:
        """The budget for a request that waited `waited_s` (and is counted in the watch)."""
        if target_s <= 0:
            return budget_s
        short_s = min(budget_s, 3 * target_s)
        with self._lock:
            if now >= self._interval_ends:
                if self._interval_ends:
                    self.standing = self._shortest > target_s or (
                        self.standing and self._short_budget_bit
                    )
                self._interval_ends = now + self.interval_s
                self._shortest = math.inf
                self._short_budget_bit = False
            self._shortest = min(self._shortest, waited_s)
            if self.standing and waited_s > short_s:
                self._short_budget_bit = True
            standing = self.standing
        return short_s if standing else budget_s


class ShedOverdueRequests:
    """WSGI middleware: answers at once the requests that waited past the queue budget."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self.queue = QueueWatch()
        self._log = _ShedLog()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get("HTTP_X_REQUEST_START")
        if header:
            budget_s = settings.REQUEST_QUEUE_BUDGET_S
            path = environ.get("PATH_INFO", "")
            if budget_s > 0 and path not in _NEVER_SHED:
                started = request_start_epoch_s(header)
                if started is not None:
                    waited_s = time.time() - started
                    budget_s = self.queue.budget_s(
                        waited_s,
                        time.monotonic(),
                        budget_s=budget_s,
                        target_s=settings.REQUEST_QUEUE_TARGET_S,
                    )
                    if waited_s > budget_s:
                        return self._shed(environ, start_response, path, budget_s)
        return self.application(environ, start_response)

    def _shed(
        self, environ: dict[str, Any], start_response: StartResponse, path: str, budget_s: float
    ) -> list[bytes]:
        heartbeat = environ.get("REQUEST_METHOD") == "POST" and path.endswith(_HEARTBEAT_SUFFIX)
        status, headers, body = _shed_answer(
            heartbeat, is_api_path(path), max(1, int(settings.REQUEST_SHED_RETRY_AFTER_S))
        )
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(status, [*headers, ("X-Request-ID", request_id)])
        shed_count(status=int(status[:3]))
        self._log.note(budget_s)
        return [body]


@functools.cache
def _shed_answer(
    heartbeat: bool, api: bool, retry_after: int
) -> tuple[str, tuple[tuple[str, str], ...], bytes]:
    """The status line, headers and body of a shed answer (built once: under overload most
    requests get one)."""
    error = (
        Throttled(retry_after, "The server is busy: send this heartbeat again later.")
        if heartbeat
        else ServiceUnavailable("The server is busy: try again shortly.")
    )
    if api:
        content_type = PROBLEM_CONTENT_TYPE
        body = json.dumps(error_body(error)).encode()
    else:
        content_type, body = "text/plain; charset=utf-8", error.detail.encode()
    headers = (
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Retry-After", str(retry_after)),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    )
    return f"{error.status} {HTTPStatus(error.status).phrase}", headers, body
