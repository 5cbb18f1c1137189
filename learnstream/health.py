"""Liveness and readiness probes."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

from learnstream import mongo

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_sql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def _check_mux() -> None:
    # Any HTTP answer (even 401 without credentials) means Mux, or the simulator, is reachable.
    requests.get(settings.MUX_API_HOST, timeout=1.5)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "sql": _check_sql,
    "mongo": mongo.ping,
    "cache": _check_cache,
}
# Reported, but never fails readiness: Mux being away must not take the site out of rotation.
INFORMATIONAL_CHECKS: dict[str, Callable[[], None]] = {"mux": _check_mux}


def _run(check: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a probe reports every failure instead of raising it
        logger.warning("readiness check failed: %s", type(exc).__name__)
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(check) for name, check in READINESS_CHECKS.items()}
    ready = all(result["status"] == "ok" for result in checks.values())
    checks.update({name: _run(check) for name, check in INFORMATIONAL_CHECKS.items()})
    failing = sorted(name for name in READINESS_CHECKS if checks[name]["status"] != "ok")
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "failing": failing}
    return JsonResponse(body, status=200 if ready else 503)
