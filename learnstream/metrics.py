"""Prometheus metrics: the named counters other apps increment, and `GET /metrics`.

Apps call the small helpers here (never prometheus_client directly), so the metric names
live in one place:

- `request_observe(route=, method=, status=, duration_s=)`  (the request middleware)
- `heartbeat_count(outcome=)`   accepted | refused | throttled
  (`tracking.metrics.heartbeat_outcomes` on the heartbeat service)
- `webhook_event_count(event_type=, outcome=)`  applied | ignored | replay | refused  (playback)
- `backend_error_count(backend=)`      mongo | redis  (outage paths)

Gunicorn runs several worker processes. With `PROMETHEUS_MULTIPROC_DIR` set (an empty,
writable directory, wiped before start) the workers share their samples through files there
and `/metrics` reports the sum over workers; without it each process reports only its own
counters (fine for `runserver` and one-worker deployments; see docs/OPERATIONS.md).

The endpoint is for operators only: answered 404 unless `METRICS_TOKEN` is set, and then
only to `Authorization: Bearer <METRICS_TOKEN>` (401 without credentials, 403 with wrong
ones).
"""

from __future__ import annotations

import hmac
import os
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

P = ParamSpec("P")
R = TypeVar("R")

REQUESTS = Counter(
    "learnstream_http_requests_total",
    "HTTP requests by route pattern, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "learnstream_http_request_duration_seconds",
    "HTTP request latency by route pattern.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SHED = Counter(
    "learnstream_http_requests_shed_total",
    "Requests answered at once (503, heartbeats 429) for waiting past the queue budget.",
    ["status"],
)
HEARTBEATS = Counter("learnstream_heartbeats_total", "Progress heartbeats by outcome.", ["outcome"])
WEBHOOK_EVENTS = Counter(
    "learnstream_webhook_events_total",
    "Mux webhook deliveries by event type and outcome.",
    ["type", "outcome"],
)
BACKEND_ERRORS = Counter(
    "learnstream_backend_errors_total",
    "MongoDB / Redis outages seen while serving requests.",
    ["backend"],
)
MAINTENANCE_STEPS = Counter(
    "learnstream_maintenance_steps_total",
    "Scheduled maintenance steps by step and outcome.",
    ["step", "outcome"],
)

# Unresolved paths (404s, scanners) share one label so label cardinality stays bounded.
UNMATCHED_ROUTE = "<unmatched>"


def request_observe(*, route: str, method: str, status: int, duration_s: float) -> None:
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    REQUEST_SECONDS.labels(route=route).observe(duration_s)


def shed_count(*, status: int) -> None:
    SHED.labels(status=str(status)).inc()


def heartbeat_count(*, outcome: str) -> None:
    HEARTBEATS.labels(outcome=outcome).inc()


def webhook_event_count(*, event_type: str, outcome: str) -> None:
    # Mux's event types are a fixed vocabulary; anything else is folded so a forged body
    # cannot create unbounded label values (it is verified first anyway).
    label = event_type if event_type.startswith("video.") and len(event_type) <= 64 else "other"
    WEBHOOK_EVENTS.labels(type=label, outcome=outcome).inc()


def backend_error_count(*, backend: str) -> None:
    BACKEND_ERRORS.labels(backend=backend).inc()


def maintenance_step_count(*, step: str, outcome: str) -> None:
    MAINTENANCE_STEPS.labels(step=step, outcome=outcome).inc()


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Only multi-process deployments (gunicorn with PROMETHEUS_MULTIPROC_DIR) need it.
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _authorized(request: HttpRequest, token: str) -> int | None:
    """None when the bearer token matches, else the status to answer (401/403)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403
    return None


@csrf_exempt
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are disabled.")
    refused = _authorized(request, token)
    if refused is not None:
        response = HttpResponse(
            "Unauthorized\n" if refused == 401 else "Forbidden\n",
            status=refused,
            content_type="text/plain",
        )
        if refused == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
