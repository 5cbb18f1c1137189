"""POST /webhooks/mux: verify, hand off to the idempotent service, answer fast.

The signature covers the raw bytes, so `request.body` is read before anything parses it.
`Mux-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}." + body>`; Mux may send
several `v1` values (while a secret rotates) and any one of them may match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from learnstream.errors import ApplicationError, NotAuthenticated, ValidationError, problem_response
from learnstream.metrics import webhook_event_count
from playback.services import webhook_event_handle

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Mux-Signature"


class SignatureInvalid(NotAuthenticated):
    code, title = "signature_invalid", "Webhook signature invalid"


def _parse_signature(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        # isascii too: "²".isdigit() is true and int("²") raises.
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.strip())
    if timestamp is None or not signatures:
        raise SignatureInvalid("Malformed Mux-Signature header.")
    return timestamp, signatures


def signature_verify(
    *,
    header: str | None,
    body: bytes,
    secret: str | Sequence[str],
    tolerance_s: int,
    now: float | None = None,
) -> None:
    """Raise SignatureInvalid (401) unless one v1 signature matches one of the secrets (several
    during a rotation) and t is fresh."""
    secrets = [secret] if isinstance(secret, str) else [s for s in secret if s]
    if not header:
        raise SignatureInvalid("Missing Mux-Signature header.")
    if not any(secrets):
        # Refuse everything rather than accept unsigned events from anyone.
        logger.error("MUX_WEBHOOK_SECRET is not set; refusing webhooks")
        raise SignatureInvalid("Webhook signing is not configured.")
    timestamp, signatures = _parse_signature(header)
    signed = f"{timestamp}.".encode() + body
    expected = [hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in secrets]
    # Compare every pair (no early exit) so timing reveals nothing.
    matched = False
    for digest in expected:
        for candidate in signatures:
            matched |= hmac.compare_digest(digest.encode(), candidate.encode("ascii", "replace"))
    if not matched:
        raise SignatureInvalid("Mux-Signature does not match.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureInvalid("Mux-Signature timestamp is outside the tolerance.")


def _parse_event(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationError("The body is not valid JSON.") from exc
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 128
        and isinstance(event.get("type"), str)
    ):
        raise ValidationError("The body is not a Mux event (an object with id and type).")
    return event


@csrf_exempt
@require_POST
def mux_webhook(request: HttpRequest) -> HttpResponse:
    received_at = timezone.now()
    body = request.body  # raw bytes first: the signature covers them exactly
    try:
        signature_verify(
            header=request.headers.get(SIGNATURE_HEADER),
            body=body,
            secret=[settings.MUX_WEBHOOK_SECRET, *settings.MUX_WEBHOOK_SECRETS],
            tolerance_s=settings.MUX_WEBHOOK_TOLERANCE_S,
        )
        event = _parse_event(body)
    except ApplicationError as error:
        # The reason is safe to log; the header, body and secret are not logged.
        logger.warning("Mux webhook refused: %s", error.detail)
        webhook_event_count(event_type="other", outcome="refused")
        return problem_response(error)
    applied = webhook_event_handle(event=event, received_at=received_at)
    logger.info("Mux webhook %s %s applied=%s", event["type"], event["id"], applied)
    webhook_event_count(event_type=event["type"], outcome="applied" if applied else "ignored")
    return JsonResponse({"received": True, "applied": applied})
