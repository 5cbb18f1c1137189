"""The enrolment check every access decision uses, cached and invalidated on change."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Enrollment, EnrollmentStatus
from learnstream.cache import cache_delete_many, cache_get, cache_set

ENROLLMENT_TTL_S = 300


def enrollment_cache_key(user_id: int, course_id: str) -> str:
    """Public so callers can fetch the entry together with other keys (one MGET); read the
    value with `enrollment_from_cached`."""
    return f"enrolled:v1:{user_id}:{course_id}"


_key = enrollment_cache_key


def enrollment_from_cached(value: object) -> bool | None:
    """The cached entry's answer, or None when it was not cached."""
    return None if value is None else value == 1


def enrollment_is_active(*, user_id: int | None, course_id: str) -> bool:
    if user_id is None:
        return False
    key = _key(user_id, course_id)
    answer = enrollment_from_cached(cache_get(key))
    if answer is not None:
        return answer

    active = Enrollment.objects.filter(
        user_id=user_id, course_id=course_id, status=EnrollmentStatus.ACTIVE
    ).exists()
    cache_set(key, 1 if active else 0, timeout=ENROLLMENT_TTL_S)
    return active


def enrollment_cache_invalidate(*, user_id: int, course_id: str) -> None:
    """Call inside the transaction that changes the row: the entry is dropped now and again
    once the change commits, so a reader racing the commit cannot keep a stale answer."""
    keys = [_key(user_id, course_id)]
    cache_delete_many(keys)
    transaction.on_commit(lambda: cache_delete_many(keys))
