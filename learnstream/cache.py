"""Cache access that survives a Redis outage: reads miss, writes are skipped, and the request
is served uncached. Nothing in the cache is the only copy of anything."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from learnstream.outages import outage_record

logger = logging.getLogger(__name__)

MISSING = object()


def cache_get(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except Exception as exc:
        if not outage_record(exc):
            raise
        logger.warning("cache unavailable on get: %s", type(exc).__name__)
        return default


def cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as exc:
        if not outage_record(exc):
            raise
        logger.warning("cache unavailable on set: %s", type(exc).__name__)


def cache_delete_many(keys: list[str]) -> None:
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception as exc:
        if not outage_record(exc):
            raise
        logger.warning("cache unavailable on delete: %s", type(exc).__name__)
