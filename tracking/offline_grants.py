"""Offline grants: what a video download hands out so that spans watched offline can be
synced later (`tracking.offline_sync`).

A grant is stateless, like a view (`tracking.viewing`): its id is `<payload>.<mac>` naming
the learner, the lesson, the moment it was issued and a nonce, signed under a key of its own
(a view id never passes as a grant, nor the other way round). Any app server checks one
without a lookup; a changed byte, another learner's grant or another lesson's is 403
grant_invalid. A grant covers spans watched from its issue until it expires
(PROGRESS_OFFLINE_GRANT_TTL_S): its issue time is where the watch-time budget
(`tracking.budget`) counts from for what it credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from learnstream.errors import GrantInvalid
from tracking.viewing import signed_id_make, signed_id_open

_PURPOSE = "learnstream.progress.offline-grant"
MAX_GRANT_ID = 256


@dataclass(frozen=True)
class OfflineGrant:
    id: str
    lesson_id: str
    issued_at: datetime
    expires_at: datetime


def _expiry(issued_at: datetime) -> datetime:
    return issued_at + timedelta(seconds=settings.PROGRESS_OFFLINE_GRANT_TTL_S)


def offline_grant_issue(
    *, user_id: int, lesson_id: str, now: datetime | None = None
) -> OfflineGrant:
    """A new grant of the lesson for the learner (the download request)."""
    grant_id, signed = signed_id_make(
        purpose=_PURPOSE, user_id=user_id, lesson_id=lesson_id, now=now or timezone.now()
    )
    return OfflineGrant(
        id=grant_id,
        lesson_id=str(lesson_id),
        issued_at=signed.issued_at,
        expires_at=_expiry(signed.issued_at),
    )


def offline_grant_check(*, grant_id: object, user_id: int, lesson_id: str) -> OfflineGrant:
    """The grant behind `grant_id` if this server issued it to this learner for this lesson
    (GrantInvalid otherwise). Whether a span falls inside it is the caller's to check."""
    signed = None
    if isinstance(grant_id, str) and 0 < len(grant_id) <= MAX_GRANT_ID:
        signed = signed_id_open(purpose=_PURPOSE, signed=grant_id)
    if signed is None:
        raise GrantInvalid("This grant_id was not issued by this server.")
    if signed.user_id != str(int(user_id)) or signed.lesson_id != str(lesson_id):
        raise GrantInvalid("This grant belongs to another learner or another lesson.")
    assert isinstance(grant_id, str)
    return OfflineGrant(
        id=grant_id,
        lesson_id=signed.lesson_id,
        issued_at=signed.issued_at,
        expires_at=_expiry(signed.issued_at),
    )
