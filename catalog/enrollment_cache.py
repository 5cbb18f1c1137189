"""The enrolment check every access decision uses, and the viewer's enrolment as the course
detail renders it, cached and invalidated on change."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from catalog.models import Enrollment, EnrollmentStatus
from learnstream.cache import cache_delete_many, cache_get, cache_set

ENROLLMENT_TTL_S = 300


def enrollment_cache_key(user_id: int, course_id: str) -> str:
    """Public so callers can fetch the entry together with other keys (one MGET); read the
    value with `enrollment_from_cached`."""
    return f"enrolled:v1:{user_id}:{course_id}"


_key = enrollment_cache_key


def _rendered_key(user_id: int, course_id: str) -> str:
    return f"enrolment-rendered:v1:{user_id}:{course_id}"


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


def enrollment_rendered_cached(
    *, user_id: int, course_id: str, render: Callable[[], bytes]
) -> bytes:
    """The learner's enrolment in the course (or its absence) as `render` encodes it, cached
    until the enrolment changes (`enrollment_cache_invalidate` drops it with the check)."""
    key = _rendered_key(user_id, course_id)
    cached = cache_get(key)
    if isinstance(cached, bytes):
        return cached
    rendered = render()
    cache_set(key, rendered, timeout=ENROLLMENT_TTL_S)
    return rendered


def enrollment_cache_invalidate(*, user_id: int, course_id: str) -> None:
    """Call inside the transaction that changes the row: the entry is dropped now and again
    once the change commits, so a reader racing the commit cannot keep a stale answer."""
    keys = [_key(user_id, course_id), _rendered_key(user_id, course_id)]
    cache_delete_many(keys)
    transaction.on_commit(lambda: cache_delete_many(keys))
