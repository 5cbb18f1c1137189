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

No inline scripts anywhere, and no inline styles: our templates carry no `style="…"`
attribute (progress bars are `<progress>` elements, admin layout rules are classes in
static/css/admin.css) and our scripts style elements through the CSSOM (`el.style.x = …`,
which CSP does not govern), never by writing a `style` attribute. So the policy has no
`style-src-attr`: attributes fall back to `style-src`, whose hashes do not cover them
(that would need `'unsafe-hashes'`). Django's admin needs no exception for attributes
either: its templates have no `style` attribute and its scripts, too, use the CSSOM.
`<style>` elements are not allowed, except on the Swagger UI page (its template has one),
which gets its own relaxed `style-src`, and two kinds of page whose templates are Django's
own, allowed by the hash of each exact inline block rather than `'unsafe-inline'`:

- the admin's pages (`style-src` gets the hashes of the `<style>` blocks in Django's admin
  templates, e.g. the change list's column rule when a list has no actions); our own admin
  styles are in static/css/admin.css;
- with DEBUG on (local runs), error responses get the hashes of the `<style>` and `<script>`
  blocks of Django's debug pages (technical 404/500, CSRF failure, the default start page),
  so a traceback page is readable. Their inline `onclick=` handlers stay blocked: the page
  shows every frame's context expanded instead.

The hashes are computed from the installed Django's template files, so they follow
upgrades; blocks that contain template syntax (rendered differently each time) are left
out.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"

_DJANGO = Path(django.__file__).resolve().parent
ADMIN_TEMPLATES = _DJANGO / "contrib" / "admin" / "templates"
DEBUG_TEMPLATES = tuple(
    _DJANGO / "views" / "templates" / name
    for name in (
        "technical_404.html",
        "technical_500.html",
        "csrf_403.html",
        "default_urlconf.html",
    )
)
_INLINE_BLOCK = re.compile(r"<(style|script)(\s[^>]*)?>(.*?)</\1>", re.S | re.I)


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def inline_block_hashes(templates: Iterable[Path]) -> dict[str, tuple[str, ...]]:
    """CSP hashes of the static inline `<style>` and `<script>` blocks of `templates`,
    by tag ("style", "script"): blocks with template syntax or a `src` are skipped."""
    found: dict[str, set[str]] = {"style": set(), "script": set()}
    for template in templates:
        for tag, attributes, body in _INLINE_BLOCK.findall(template.read_text("utf-8")):
            if not body.strip() or "{{" in body or "{%" in body or "src=" in (attributes or ""):
                continue
            found[tag.lower()].add(_hash(body))
    return {tag: tuple(sorted(hashes)) for tag, hashes in found.items()}


@lru_cache(maxsize=1)
def admin_inline_hashes() -> dict[str, tuple[str, ...]]:
    return inline_block_hashes(sorted(ADMIN_TEMPLATES.rglob("*.html")))


@lru_cache(maxsize=1)
def debug_inline_hashes() -> dict[str, tuple[str, ...]]:
    return inline_block_hashes(path for path in DEBUG_TEMPLATES if path.exists())


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


@lru_cache(maxsize=16)
def _policy(
    mux: tuple[str, ...],
    extra_connect: tuple[str, ...],
    report_uri: str,
    relaxed: bool,
    style_hashes: tuple[str, ...] = (),
    script_hashes: tuple[str, ...] = (),
) -> str:
    media = " ".join(mux)
    connect = " ".join((*mux, *extra_connect))
    styles = ("'unsafe-inline'",) if relaxed else style_hashes
    directives = [
        "default-src 'self'",
        " ".join(("script-src 'self'", *script_hashes)),
        " ".join(("style-src 'self'", *styles)),
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


def content_security_policy(
    *, relaxed_styles: bool = False, admin: bool = False, debug_page: bool = False
) -> str:
    """The site's policy from the current settings (cached per distinct settings).
    `admin`: a page of the Django admin; `debug_page`: an error response while DEBUG is on
    (it may be one of Django's debug pages)."""
    style_hashes: tuple[str, ...] = ()
    script_hashes: tuple[str, ...] = ()
    if admin:
        style_hashes += admin_inline_hashes()["style"]
    if debug_page:
        style_hashes += debug_inline_hashes()["style"]
        script_hashes += debug_inline_hashes()["script"]
    return _policy(
        tuple(mux_sources()),
        tuple(settings.CSP_EXTRA_CONNECT_SRC),
        settings.CSP_REPORT_URI,
        relaxed_styles,
        tuple(sorted(set(style_hashes))),
        tuple(sorted(set(script_hashes))),
    )


class SecurityHeadersMiddleware:
    """Sets the CSP (unless a view chose its own) and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            relaxed = any(request.path.startswith(p) for p in settings.CSP_INLINE_STYLE_PATHS)
            match = getattr(request, "resolver_match", None)
            response[CSP_HEADER] = content_security_policy(
                relaxed_styles=relaxed,
                admin=match is not None and match.app_name == "admin",
                debug_page=settings.DEBUG and response.status_code >= 400,
            )
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
