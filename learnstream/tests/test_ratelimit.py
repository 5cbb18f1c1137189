"""The shared limiter and client-IP helper (used by accounts and tracking)."""

from __future__ import annotations

import threading

import pytest
from django.test import RequestFactory

from learnstream import ratelimit
from learnstream.client_ip import client_ip
from learnstream.errors import Throttled


def test_counts_and_refuses_past_the_limit_with_retry_after():
    decisions = [ratelimit.rate_limit_count("t:basic", 3, 30) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4]
    assert decisions[-1].retry_after in range(1, 31)
    with pytest.raises(Throttled) as caught:
        ratelimit.rate_limit_hit("t:basic", 3, 30)
    assert caught.value.status == 429
    assert caught.value.headers["Retry-After"] == str(caught.value.retry_after)


def test_keys_are_independent_and_reset_forgets():
    ratelimit.rate_limit_hit("t:a", 1, 30)
    ratelimit.rate_limit_hit("t:b", 1, 30)
    with pytest.raises(Throttled):
        ratelimit.rate_limit_hit("t:a", 1, 30)
    ratelimit.rate_limit_reset("t:a")
    ratelimit.rate_limit_hit("t:a", 1, 30)


def test_concurrent_hits_never_exceed_the_limit():
    allowed = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def hit():
        barrier.wait()
        for _ in range(5):
            decision = ratelimit.rate_limit_count("t:race", 25, 30)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 25
    assert len(allowed) == 80


def test_a_redis_outage_falls_back_to_per_process_limits(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    ratelimit.rate_limit_reset("t:down")
    decisions = [ratelimit.rate_limit_count("t:down", 2, 30) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[-1].retry_after >= 1


def test_named_limits_read_settings(settings):
    settings.RATE_LIMITS = {"demo": (1, 10)}
    ratelimit.rate_limits_check(("demo", "x"))
    with pytest.raises(Throttled):
        ratelimit.rate_limits_check(("demo", "x"))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "9.9.9.9", "10.0.0.1", "10.0.0.1"),
        (1, "9.9.9.9", "10.0.0.1", "9.9.9.9"),
        (1, "6.6.6.6, 9.9.9.9", "10.0.0.1", "9.9.9.9"),  # client forged the first entry
        (2, "6.6.6.6, 9.9.9.9, 10.0.0.2", "10.0.0.1", "9.9.9.9"),
        (2, "9.9.9.9", "10.0.0.1", "10.0.0.1"),  # fewer hops than proxies: header not ours
        (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected
