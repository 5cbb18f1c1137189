"""Where a page may send the user next: the one check against open redirects."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, *, default: str) -> str:
    """The request's `next` (form field, then query string) if it stays on this site, else
    `default`. Refuses `//evil.example`, `https://evil.example` and scheme tricks, and an
    http target from an https page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
