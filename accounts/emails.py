"""The account mails (password reset, email verification): composed from templates under
templates/accounts/email/, sent through the configured `EMAIL_BACKEND`."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def mail_compose(*, to: str, subject: str, template: str, context: dict[str, Any]) -> EmailMessage:
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    return EmailMessage(subject=subject, body=body, to=[to])


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # a mail server outage must not fail the request that asked for it
        logger.exception("could not send %r to %d recipient(s)", message.subject, len(message.to))


def mail_send(message: EmailMessage, *, detached: bool = False) -> None:
    """Send now, or, with `detached` and a network backend (SMTP), from a background
    thread: then a request that mails (a known address) costs the same time as one that
    does not (an unknown address), and a slow server cannot stall a worker. Console,
    file and in-memory backends are instant and always send inline (tests read them)."""
    if detached and settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        threading.Thread(target=_send, args=(message,), daemon=True).start()
    else:
        _send(message)
