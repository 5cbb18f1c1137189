"""A lock that holds across machines: `with cross_process_lock("maintenance", ttl_s=…) as held:`.

With Redis (django-redis cache) it is a redis-py `Lock` (SET NX PX with a random token,
released by a compare-and-delete script), so only one holder exists across every machine
and a crashed holder's lock expires after `ttl_s`. With the local-memory cache (the
one-command default) it is `cache.add`, i.e. a lock within this process only — which is all
a single-machine development setup needs.

It never blocks: `held` is False when someone else has it, and the caller skips its work.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import LockError

from learnstream.cache import cache_uses_redis

KEY_PREFIX = "ls:lock:"


@contextlib.contextmanager
def cross_process_lock(name: str, *, ttl_s: int) -> Iterator[bool]:
    key = f"{KEY_PREFIX}{name}"
    if cache_uses_redis():
        lock = get_redis_connection("default").lock(key, timeout=ttl_s, blocking=False)
        held = bool(lock.acquire(blocking=False))
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(LockError):  # expired meanwhile: nothing to release
                    lock.release()
        return
    token = uuid.uuid4().hex
    held = cache.add(key, token, timeout=ttl_s)
    try:
        yield held
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)
