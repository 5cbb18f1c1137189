"""Reading links out of Django's in-memory mailbox (test settings use the locmem backend)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core import mail


def links_in_outbox(kind: str) -> list[str]:
    """The tokens of every `SITE_URL/accounts/<kind>/<token>/` link mailed so far."""
    pattern = re.compile(re.escape(settings.SITE_URL) + rf"/accounts/{kind}/([^/\s]+)/")
    return [match for message in mail.outbox for match in pattern.findall(message.body)]


def last_token(kind: str) -> str:
    tokens = links_in_outbox(kind)
    assert tokens, f"no {kind} link in {[m.subject for m in mail.outbox]}"
    return tokens[-1]
