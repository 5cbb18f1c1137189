"""Fixed-window rate limits that hold under concurrency.

With Redis (`django_redis` cache) a counter is one `INCR` plus, on the window's first hit,
`PEXPIRE`, executed as one Lua script, so two workers can never both see "under the limit"
for the last slot (DRF's `SimpleRateThrottle` is read-modify-write and can). Without Redis
(local-memory cache: the one-command default) a per-process counter with the same
semantics is used. If Redis is configured but down, the per-process counter takes over:
limits stay on (per worker, so N workers allow up to N x limit), never unlimited, never
a 500.

API:
- `rate_limit_hit(key, limit, window_s)`: count one hit; raise `Throttled` (429 with
  Retry-After) once more than `limit` hits fell in the current window.
- `rate_limit_count(key, limit, window_s) -> RateDecision`: count one hit, never raise; for
  callers that must answer other errors (400) before the 429.
- `rate_limits_check((name, subject), ...)`: the entry point for named limits (the
  `(limit, window_s)` pair taken from `settings.RATE_LIMITS[name]`): count one hit on each
  and raise the `Throttled` with the longest wait if any is over.
- `rate_limit_count_named(name, subject) -> RateDecision`: one named limit, never raising.
- `rate_limit_reset(key)`: forget a counter (tests, an admin unlocking an account).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

from learnstream.cache import cache_uses_redis
from learnstream.errors import Throttled
from learnstream.outages import outage_record

logger = logging.getLogger(__name__)

KEY_PREFIX = "ls:rl:"

_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # whole seconds until the window resets (≥ 1 when refused)

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise Throttled(self.retry_after)


class _LocalWindows:
    """Per-process fixed windows (thread-safe). Used without Redis (the local-memory
    default of one process) and when Redis is down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, resets_at)
        self._next_sweep = 0.0

    def incr(self, key: str, window_s: int) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            if now >= self._next_sweep:  # keep memory bounded by the live windows
                self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
                self._next_sweep = now + 60
            count, resets_at = self._windows.get(key, (0, 0.0))
            if resets_at <= now:
                count, resets_at = 0, now + window_s
            count += 1
            self._windows[key] = (count, resets_at)
            return count, resets_at - now

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


_local = _LocalWindows()


def _redis_script():
    # Registering is local (it only computes the SHA1); the call uses EVALSHA and loads the
    # script once per server. Not cached globally: the connection may change (tests).

    return get_redis_connection("default").register_script(_INCR_SCRIPT)


def _full_key(key: str) -> str:
    # Subjects may be emails or anything a client sent: hash long keys to a fixed size.
    if len(key) > 120:
        key = hashlib.sha256(key.encode()).hexdigest()
    return KEY_PREFIX + key


def rate_limit_count(key: str, limit: int, window_s: int) -> RateDecision:
    """Count one hit against `key` and say whether it is within `limit` per `window_s`."""
    full_key = _full_key(key)
    count: int
    remaining_s: float
    if cache_uses_redis():
        try:
            raw_count, ttl_ms = _redis_script()(keys=[full_key], args=[int(window_s * 1000)])
            count, remaining_s = int(raw_count), int(ttl_ms) / 1000
        except Exception as exc:
            if not outage_record(exc):
                raise
            logger.warning("rate limiter: Redis unavailable, per-process limits apply")
            count, remaining_s = _local.incr(full_key, window_s)
    else:
        count, remaining_s = _local.incr(full_key, window_s)
    allowed = count <= limit
    retry_after = 0 if allowed else max(1, math.ceil(remaining_s))
    return RateDecision(allowed=allowed, count=count, limit=limit, retry_after=retry_after)


def rate_limit_hit(key: str, limit: int, window_s: int) -> None:
    """Count one hit; raise `Throttled` (429 + Retry-After) when over the limit."""
    rate_limit_count(key, limit, window_s).raise_if_refused()


def rate_limit_count_named(name: str, subject: str) -> RateDecision:
    limit, window_s = settings.RATE_LIMITS[name]
    return rate_limit_count(f"{name}:{subject}", limit, window_s)


def rate_limits_check(*limits: tuple[str, str]) -> None:
    """Count one hit on each named `(name, subject)` limit — all of them, so every attempt
    counts everywhere — and raise the `Throttled` with the longest wait if any is over."""
    refusal = throttled_for(*(rate_limit_count_named(name, subject) for name, subject in limits))
    if refusal is not None:
        raise refusal


def rate_limit_reset(key: str) -> None:
    full_key = _full_key(key)
    _local.reset(full_key)
    if cache_uses_redis():
        try:
            get_redis_connection("default").delete(full_key)
        except Exception as exc:
            if not outage_record(exc):
                raise


def rate_limits_clear_local() -> None:
    """Forget every per-process counter (they live outside the cache, so `cache.clear()`
    does not reset them): the test suite calls it beside `cache.clear()`."""
    _local.clear()


def throttled_for(*decisions: RateDecision) -> Throttled | None:
    """The 429 to answer for several counted limits (the longest wait), or None."""
    refused = [d for d in decisions if not d.allowed]
    if not refused:
        return None
    return Throttled(max(d.retry_after for d in refused))
