"""Security headers for every response: one Content-Security-Policy for the whole site, and
Permissions-Policy (HSTS, Referrer-Policy, nosniff come from Django's SecurityMiddleware).

The policy allows our own origin and, for video, exactly what the player and the uploader
need:

- hls.js builds its media from `blob:` URLs and runs its transmuxer in a `blob:` worker
  (`media-src blob:`, `worker-src blob:`);
- playlists, segments and thumbnails come from the Mux stream/image hosts, uploads go to
  the Mux upload host — derived from `MUX_STREAM_BASE_URL`, `MUX_IMAGE_BASE_URL`,
  `MUX_API_HOST` (the local simulator serves all three under its one origin) plus
  `MUX_CSP_EXTRA_SOURCES` (real Mux uploads and renditions use other `*.mux.com` hosts and
  Google storage).

No inline scripts anywhere. Inline `style="…"` attributes (progress bars) are allowed by
`style-src-attr`; `<style>` elements are not, except on the Swagger UI page (its template
has one), which gets its own relaxed `style-src`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def mux_sources() -> list[str]:
    """The origins media, thumbnails and uploads come from (sorted, no duplicates)."""
    candidates = (
        _origin(settings.MUX_STREAM_BASE_URL),
        _origin(settings.MUX_IMAGE_BASE_URL),
        _origin(settings.MUX_API_HOST),
        *settings.MUX_CSP_EXTRA_SOURCES,
    )
    return sorted({source for source in candidates if source})


@lru_cache(maxsize=8)
def _policy(
    mux: tuple[str, ...], extra_connect: tuple[str, ...], report_uri: str, relaxed: bool
) -> str:
    media = " ".join(mux)
    connect = " ".join((*mux, *extra_connect))
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'" if relaxed else "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data: {media}".rstrip(),
        f"media-src 'self' blob: {media}".rstrip(),
        f"connect-src 'self' {connect}".rstrip(),
        "worker-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
    if report_uri:
        directives.append(f"report-uri {report_uri}")
    return "; ".join(directives)


def content_security_policy(*, relaxed_styles: bool = False) -> str:
    """The site's policy from the current settings (cached per distinct settings)."""
    return _policy(
        tuple(mux_sources()),
        tuple(settings.CSP_EXTRA_CONNECT_SRC),
        settings.CSP_REPORT_URI,
        relaxed_styles,
    )


class SecurityHeadersMiddleware:
    """Sets the CSP (unless a view chose its own) and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            relaxed = any(request.path.startswith(p) for p in settings.CSP_INLINE_STYLE_PATHS)
            response[CSP_HEADER] = content_security_policy(relaxed_styles=relaxed)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
