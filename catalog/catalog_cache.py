"""The student-facing catalogue cache (published listing and course detail).

Entries are keyed under a generation number: invalidation bumps the generation, which
retires every listing page and every course detail at once (listings are keyed by arbitrary
search parameters, so there is no list of keys to delete). The catalogue changes only when
an instructor publishes, restores or archives, or a video becomes ready — rare next to the
reads — and a short TTL bounds staleness if an invalidation is ever lost (e.g. a Redis blip).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from learnstream.cache import cache_get, cache_set

T = TypeVar("T")

_GENERATION_KEY = "catalog:generation"


def _generation() -> str:
    generation = cache_get(_GENERATION_KEY)
    if generation is None:
        # Never reuse an old generation after the key was evicted: start from the clock.
        generation = str(time.time_ns())
        cache_set(_GENERATION_KEY, generation, timeout=None)  # type: ignore[arg-type]
    return str(generation)


def catalog_cache_key(kind: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    return f"catalog:{_generation()}:{kind}:{digest[:32]}"


def catalog_cached(kind: str, params: dict[str, Any], compute: Callable[[], T]) -> T:
    key = catalog_cache_key(kind, params)
    value = cache_get(key)
    if value is None:
        value = compute()
        cache_set(key, value, timeout=settings.CATALOG_CACHE_TTL_S)
    return value


def catalog_cache_bump() -> None:
    cache_set(_GENERATION_KEY, str(time.time_ns()), timeout=None)  # type: ignore[arg-type]
