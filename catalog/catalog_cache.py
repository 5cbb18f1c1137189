"""The student-facing catalogue cache (published listing and course detail).

Every entry carries the catalogue generation it was computed under and counts only while
that generation is current: invalidation bumps the generation, which retires every listing
page and every course detail at once (listings are keyed by arbitrary search parameters, so
there is no list of keys to delete). A read fetches the generation and the entry in one
round trip (MGET). The generation is read before computing, and writers bump it after
writing, so an entry computed from data older than a write carries a generation that write
has already replaced and is never served. The catalogue changes only when an instructor
publishes, restores or archives, or a video becomes ready — rare next to the reads — and a
short TTL bounds staleness if an invalidation is ever lost (e.g. a Redis blip).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from learnstream.cache import cache_get_many, cache_set

T = TypeVar("T")

_GENERATION_KEY = "catalog:generation"


def _new_generation() -> str:
    # Never reuse an old generation after the key was evicted: start from the clock.
    generation = str(time.time_ns())
    cache_set(_GENERATION_KEY, generation, timeout=None)  # type: ignore[arg-type]
    return generation


def catalog_cache_key(kind: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    return f"catalog:v2:{kind}:{digest[:32]}"


def catalog_cached(kind: str, params: dict[str, Any], compute: Callable[[], T]) -> T:
    key = catalog_cache_key(kind, params)
    found = cache_get_many([_GENERATION_KEY, key])
    generation, entry = found.get(_GENERATION_KEY), found.get(key)
    if generation is None:
        generation = _new_generation()
    elif isinstance(entry, tuple) and entry[0] == str(generation):
        return entry[1]
    value = compute()
    if value is not None:
        cache_set(key, (str(generation), value), timeout=settings.CATALOG_CACHE_TTL_S)
    return value


def catalog_cache_bump() -> None:
    cache_set(_GENERATION_KEY, str(time.time_ns()), timeout=None)  # type: ignore[arg-type]
