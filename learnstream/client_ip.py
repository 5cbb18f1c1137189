"""The client's IP address, as far as it can be trusted.

`X-Forwarded-For` is written by whoever sent the request, so only the entries appended by
our own reverse proxies mean anything: behind `TRUSTED_PROXY_COUNT` = N proxies the client
is the Nth address from the right (each proxy appends the address it received the request
from). With N = 0 the header is ignored and `REMOTE_ADDR` is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_IP = "0.0.0.0"  # noqa: S104 - a placeholder address, never bound to


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "") or UNKNOWN_IP
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # Fewer hops than proxies we run: the header was not written by them.
        return remote
    return _valid_ip(forwarded[-proxies]) or remote
