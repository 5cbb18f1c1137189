"""The one error contract of the API: RFC 7807 problem+json with a machine-readable `code`.

Domain code raises an `ApplicationError` subclass; DRF views hand every exception to
`api_exception_handler`; non-DRF code paths under /api/ (unknown routes, oversized bodies,
outages caught by middleware, 500s) build the same body through `problem_response`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from learnstream.outages import outage_record

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
BEARER_CHALLENGE = 'Bearer realm="api"'  # WWW-Authenticate of every 401


class ApplicationError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.detail)


class ValidationError(ApplicationError):
    status, code, title = 400, "validation_error", "Invalid input"


class NotAuthenticated(ApplicationError):
    status, code, title = 401, "not_authenticated", "Authentication required"


class InvalidCredentials(ApplicationError):
    status, code, title = 401, "invalid_credentials", "Invalid email or password"


class TokenInvalid(ApplicationError):
    status, code, title = 401, "token_invalid", "Token is invalid or expired"


class TokenReused(ApplicationError):
    status, code, title = 401, "token_reused", "Refresh token was already used"


class PermissionDenied(ApplicationError):
    status, code, title = 403, "permission_denied", "Permission denied"


class EmailNotVerified(PermissionDenied):
    """An action that needs a verified e-mail address (e.g. enrolling) before it is verified."""

    code, title = "email_not_verified", "Email address not verified"


class ViewInvalid(PermissionDenied):
    """A heartbeat's view_id is not a view this server issued to this learner for this
    lesson (forged, altered, another learner's or another lesson's)."""

    code, title = "view_invalid", "Invalid viewing session"


class ViewExpired(PermissionDenied):
    code, title = "view_expired", "Viewing session expired"


class GrantInvalid(PermissionDenied):
    """An offline grant this server did not issue, or another learner's or lesson's."""

    code, title = "grant_invalid", "Invalid offline grant"


class GrantExpired(PermissionDenied):
    code, title = "grant_expired", "Offline grant expired"


class ViewRequired(ValidationError):
    code, title = "view_required", "Viewing session required"


class NotFound(ApplicationError):
    status, code, title = 404, "not_found", "Not found"


class DownloadsDisabled(NotFound):
    """Offline downloads are switched off on this deployment (MUX_DOWNLOADS)."""

    code, title = "downloads_disabled", "Downloads are not available"


class MethodNotAllowed(ApplicationError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class NotAcceptable(ApplicationError):
    status, code, title = 406, "not_acceptable", "Not acceptable"


class Conflict(ApplicationError):
    status, code, title = 409, "conflict", "Conflict"


class VideoNotReady(ApplicationError):
    status, code, title = 409, "video_not_ready", "The video is not ready"


class DownloadPreparing(ApplicationError):
    """The lesson's MP4 is being made: retry after `Retry-After` seconds."""

    status, code, title = 409, "download_preparing", "The download is being prepared"


class SyncConflict(Conflict):
    """A batch id already used for a batch with other content."""

    code, title = "batch_conflict", "Batch id already used"


class SyncInProgress(Conflict):
    """The same batch is being applied by another request: retry after `Retry-After`."""

    code, title = "sync_in_progress", "Batch is being applied"


class Throttled(ApplicationError):
    status, code, title = 429, "throttled", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            detail or f"Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class UnsupportedMediaType(ApplicationError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class ServerError(ApplicationError):
    status, code, title = 500, "server_error", "Server error"


class UpstreamError(ApplicationError):
    status, code, title = 502, "upstream_error", "The video service failed"


class ServiceUnavailable(ApplicationError):
    status, code, title = 503, "service_unavailable", "Service temporarily unavailable"


def problem_body(
    *, status: int, code: str, title: str, detail: str, errors: dict | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:learnstream:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def error_body(error: ApplicationError) -> dict[str, Any]:
    """The problem+json body of `error`."""
    return problem_body(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
    )


def problem_response(error: ApplicationError) -> JsonResponse:
    """A plain Django response for code paths outside DRF views."""
    response = JsonResponse(
        error_body(error),
        status=error.status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Flatten DRF's nested ValidationError detail into {field: [messages]}."""
    if isinstance(detail, list):
        detail = {"non_field_errors": detail}
    if not isinstance(detail, dict):
        return {"non_field_errors": [str(detail)]}
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(f"{prefix}.{index}", inner)
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return flat


def _sentence(detail: Any) -> str | None:
    """The human sentence of a DRF/SimpleJWT `detail`, which may be a dict such as
    `{"detail": ErrorDetail(...), "code": ...}` or a list: never its Python repr."""
    if isinstance(detail, dict):
        detail = detail.get("detail") or next(iter(detail.values()), None)
    if isinstance(detail, list | tuple):
        detail = detail[0] if detail else None
    if isinstance(detail, dict | list | tuple):
        return _sentence(detail)
    text = str(detail).strip() if detail else ""
    if not text:
        return None
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


_DRF_MAPPING: list[tuple[type[Exception], type[ApplicationError]]] = [
    (drf.ParseError, ValidationError),
    (drf.NotAuthenticated, NotAuthenticated),
    (drf.AuthenticationFailed, TokenInvalid),
    (drf.PermissionDenied, PermissionDenied),
    (DjangoPermissionDenied, PermissionDenied),
    (drf.NotFound, NotFound),
    (Http404, NotFound),
    (drf.MethodNotAllowed, MethodNotAllowed),
    (drf.NotAcceptable, NotAcceptable),
    (drf.UnsupportedMediaType, UnsupportedMediaType),
]


def to_application_error(exc: Exception) -> ApplicationError | None:
    """Translate framework and outage exceptions into the contract; None if unknown."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return ValidationError(errors=_field_errors(exc.detail))
    if isinstance(exc, drf.Throttled):
        return Throttled(int(exc.wait or 1))  # type: ignore[attr-defined]  # stubs omit `wait`
    for exc_type, error_type in _DRF_MAPPING:
        if isinstance(exc, exc_type):
            return error_type(_sentence(getattr(exc, "detail", None)))
    if outage_record(exc):
        logger.warning("Backing service unavailable: %s", type(exc).__name__)
        return ServiceUnavailable("A backing service is unavailable; please retry shortly.")
    return None


def _contract_error(exc: Exception) -> ApplicationError:
    """The contract's error for any exception a view raised (unknown ones: a logged 500)."""
    error = to_application_error(exc)
    if error is None:
        logger.exception("Unhandled API error", exc_info=exc)
        error = ServerError("An unexpected error occurred.")
    return error


def view_error_response(exc: Exception) -> JsonResponse:
    """What `api_exception_handler` answers, for API views written without DRF."""
    error = _contract_error(exc)
    response = problem_response(error)
    if error.status == 401:
        response["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    error = _contract_error(exc)
    set_rollback()
    response = Response(
        error_body(error),
        status=error.status,
        headers=error.headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    request = context.get("request")
    if error.status == 401 and request is not None:
        view = context.get("view")
        authenticate_header = view.get_authenticate_header(request) if view else None
        response["WWW-Authenticate"] = authenticate_header or BEARER_CHALLENGE
    return response


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def is_api_request(request: HttpRequest) -> bool:
    return is_api_path(request.path)
