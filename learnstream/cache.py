"""Cache access that survives a Redis outage: reads miss, writes are skipped, and the request
is served uncached. Nothing in the cache is the only copy of anything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from learnstream.outages import outage_record

logger = logging.getLogger(__name__)

MISSING = object()


def cache_uses_redis() -> bool:
    """Whether the default cache is Redis (shared by every process) rather than the
    per-process local memory of a one-command run."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return str(backend).startswith("django_redis.")


T = TypeVar("T")


def _tolerating_outage(operation: str, call: Callable[[], T], fallback: T) -> T:
    """Run a cache call; an outage (counted and logged) yields `fallback`, anything else
    is a bug and propagates."""
    try:
        return call()
    except Exception as exc:
        if not outage_record(exc):
            raise
        logger.warning("cache unavailable on %s: %s", operation, type(exc).__name__)
        return fallback


def cache_get(key: str, default: Any = None) -> Any:
    return _tolerating_outage("get", lambda: cache.get(key, default), default)


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """Several keys in one round trip (Redis MGET); missing keys are absent from the dict."""
    return _tolerating_outage("get_many", lambda: cache.get_many(keys), {})


def cache_set(key: str, value: Any, timeout: int) -> None:
    _tolerating_outage("set", lambda: cache.set(key, value, timeout=timeout), None)


def cache_add(key: str, value: Any, timeout: int) -> bool:
    """Set `key` only if it is absent; True if this call set it (False on an outage)."""
    return bool(_tolerating_outage("add", lambda: cache.add(key, value, timeout=timeout), False))


def cache_delete_many(keys: list[str]) -> None:
    if keys:
        _tolerating_outage("delete", lambda: cache.delete_many(keys), None)
