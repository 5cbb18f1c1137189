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


_VIEW_PURPOSE = "learnstream.progress.view"


def _mac(payload: bytes, purpose: str) -> str:
    key = hashlib.sha256(f"{purpose}:".encode() + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class SignedId:
    """What a signed id (a view, an offline grant) names: learner, lesson, issue time and a
    random nonce."""

    user_id: str
    lesson_id: str
    issued_at: datetime
    nonce: str


def signed_id_make(
    *, purpose: str, user_id: int, lesson_id: str, now: datetime
) -> tuple[str, SignedId]:
    """`<payload>.<mac>` for the learner and lesson, issued `now` (to the millisecond); the
    key is derived from SECRET_KEY and `purpose`, so an id of one kind never passes as
    another."""
    issued_ms = int(now.timestamp() * 1000)
    nonce = secrets.token_hex(8)
    payload = f"{int(user_id)}:{lesson_id}:{issued_ms}:{nonce}".encode()
    text = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    issued = datetime.fromtimestamp(issued_ms / 1000, tz=UTC)
    return f"{text}.{_mac(payload, purpose)}", SignedId(
        user_id=str(int(user_id)), lesson_id=str(lesson_id), issued_at=issued, nonce=nonce
    )


def signed_id_open(*, purpose: str, signed: str) -> SignedId | None:
    """What `signed` names if this server signed it for `purpose`; None otherwise."""
    text, _, mac = signed.partition(".")
    try:
        payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None
    if not mac or not hmac.compare_digest(_mac(payload, purpose).encode(), mac.encode()):
        return None
    user_text, lesson_text, issued_text, nonce = payload.decode().split(":")
    issued = datetime.fromtimestamp(int(issued_text) / 1000, tz=UTC)
    return SignedId(user_id=user_text, lesson_id=lesson_text, issued_at=issued, nonce=nonce)


def view_issue(*, user_id: int, lesson_id: str, now: datetime | None = None) -> tuple[str, View]:
    """A new view of the lesson for the learner (the playback request)."""
    view_id, signed = signed_id_make(
        purpose=_VIEW_PURPOSE, user_id=user_id, lesson_id=lesson_id, now=now or timezone.now()
    )
    return view_id, View(
        key=signed.nonce,
        issued_at=signed.issued_at,
        expires_at=signed.issued_at + timedelta(seconds=settings.PROGRESS_VIEW_TTL_S),
    )


def view_check(*, view_id: str, user_id: int, lesson_id: str, now: datetime | None) -> View:
    """The view behind `view_id` if it was issued to this learner for this lesson and has not
    expired; ViewInvalid / ViewExpired otherwise."""
    signed = signed_id_open(purpose=_VIEW_PURPOSE, signed=view_id)
    if signed is None:
        raise ViewInvalid("This view_id was not issued by this server.")
    if signed.user_id != str(int(user_id)) or signed.lesson_id != str(lesson_id):
        raise ViewInvalid("This view belongs to another learner or another lesson.")
    issued, nonce = signed.issued_at, signed.nonce
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
