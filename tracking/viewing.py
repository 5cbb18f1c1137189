"""Viewing sessions: the opaque `view_id` a playback request hands out and heartbeats carry.

A view is stateless: `<payload>.<mac>`, the payload naming the learner, the lesson, the
moment it was issued and a random nonce, the mac an HMAC-SHA256 under a key derived from
SECRET_KEY. Any app server can check one without a lookup; a changed byte, another
learner's view or another lesson's fails the check (403 view_invalid), an old one expires
(403 view_expired). The issue time is what the watch-time budget counts from
(`tracking.budget`), so the clock starts at the playback request, not at the first beat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from learnstream.errors import ValidationError, ViewExpired, ViewInvalid

_MAX_VIEW_ID = 256
MAX_SEQ = 2**31 - 1


@dataclass(frozen=True)
class View:
    """A checked view: `key` names it in dedupe records, `issued_at` starts the budget."""

    key: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ViewBeat:
    """What a heartbeat says of its view: the view id and the beat's sequence number."""

    view_id: str
    seq: int


def _mac(payload: bytes) -> str:
    key = hashlib.sha256(b"learnstream.progress.view:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:32]


def view_issue(*, user_id: int, lesson_id: str, now: datetime | None = None) -> tuple[str, View]:
    """A new view of the lesson for the learner (the playback request)."""
    moment = now or timezone.now()
    issued_ms = int(moment.timestamp() * 1000)
    nonce = secrets.token_hex(8)
    payload = f"{int(user_id)}:{lesson_id}:{issued_ms}:{nonce}".encode()
    text = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    issued = datetime.fromtimestamp(issued_ms / 1000, tz=UTC)
    return f"{text}.{_mac(payload)}", View(
        key=nonce,
        issued_at=issued,
        expires_at=issued + timedelta(seconds=settings.PROGRESS_VIEW_TTL_S),
    )


def view_check(*, view_id: str, user_id: int, lesson_id: str, now: datetime | None) -> View:
    """The view behind `view_id` if it was issued to this learner for this lesson and has not
    expired; ViewInvalid / ViewExpired otherwise."""
    text, _, mac = view_id.partition(".")
    try:
        payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ViewInvalid("This view_id was not issued by this server.") from None
    if not mac or not hmac.compare_digest(_mac(payload).encode(), mac.encode()):
        raise ViewInvalid("This view_id was not issued by this server.")
    user_text, lesson_text, issued_text, nonce = payload.decode().split(":")
    if user_text != str(int(user_id)) or lesson_text != str(lesson_id):
        raise ViewInvalid("This view belongs to another learner or another lesson.")
    issued = datetime.fromtimestamp(int(issued_text) / 1000, tz=UTC)
    expires = issued + timedelta(seconds=settings.PROGRESS_VIEW_TTL_S)
    moment = now or timezone.now()
    if moment >= expires:
        raise ViewExpired("This view has expired: request playback again for a new one.")
    if issued > moment:
        raise ViewInvalid("This view was issued in the future.")
    return View(key=nonce, issued_at=issued, expires_at=expires)


def view_beat_parse(data: object) -> ViewBeat | None:
    """`view_id` and `seq` of a heartbeat body (both or neither; 400 otherwise)."""
    if not isinstance(data, dict):
        return None
    view_id = data.get("view_id")
    seq = data.get("seq")
    if view_id is None and seq is None:
        return None
    errors: dict[str, list[str]] = {}
    if not isinstance(view_id, str) or not 0 < len(view_id) <= _MAX_VIEW_ID:
        errors["view_id"] = ["The view_id of the playback response is required with seq."]
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        errors["seq"] = [f"A whole number from 1 to {MAX_SEQ} is required with view_id."]
    if errors:
        raise ValidationError("Invalid heartbeat.", errors=errors)
    assert isinstance(view_id, str) and isinstance(seq, int)
    return ViewBeat(view_id=view_id, seq=seq)
