"""Who may see and watch a lesson: the one rule playback and tracking share.

- Course staff (owner, co-instructors) and admins see every lesson of the course and may
  watch it, draft or not.
- Everyone else sees only lessons of a published course that are in its latest published
  version (anything else is a 404), and may watch them with an active enrolment, or, for a
  preview lesson, when signed in.

The facts needed for that decision are cached per lesson (they change only when an
instructor publishes, restores, archives or edits), so a heartbeat costs no catalogue read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from accounts.roles import (
    Viewer,
    has_staff_powers,
    is_admin,
    is_signed_in,
    require_user_id,
    user_id_of,
)
from catalog.completion import CompletionPolicy, completion_policy_of
from catalog.documents import LESSON_COMPLETION_FIELDS, Course, CourseStatus, CourseVersion, Lesson
from catalog.enrollment_cache import (
    enrollment_cache_key,
    enrollment_from_cached,
    enrollment_is_active,
)
from catalog.video_state import VideoReadiness, lesson_video_readiness
from learnstream.audit import audit_record
from learnstream.cache import cache_delete_many, cache_get, cache_get_many, cache_set
from learnstream.errors import NotFound, PermissionDenied
from learnstream.ids import object_id_or_404

FACTS_TTL_S = 60
# lesson id -> course id, learned from facts this process has loaded, so the facts and the
# viewer's enrolment come back in ONE cache round trip (a heartbeat's whole access check).
# Only a hint: the enrolment entry is used only when the facts name the same course.
_COURSE_HINTS: dict[str, str] = {}
_COURSE_HINTS_MAX = 50_000


@dataclass(frozen=True)
class LessonFacts:
    lesson_id: str
    course_id: str
    course_slug: str
    instructor_ids: tuple[int, ...]
    course_published: bool
    in_published_version: bool
    is_preview: bool  # as published
    duration_s: float
    removed: bool
    video: str = VideoReadiness.NONE  # catalog.video_state.VideoReadiness
    completion: CompletionPolicy = field(default_factory=CompletionPolicy)  # catalog.completion


@dataclass(frozen=True)
class LessonAccess:
    facts: LessonFacts
    is_course_staff: bool
    can_watch: bool
    # The cache entries the caller asked to have read along (`also`): missing keys are absent.
    also: dict[str, Any] = field(default_factory=dict)


def _facts_key(lesson_id: str) -> str:
    return f"lesson-facts:v3:{lesson_id}"


def _load_facts(lesson_oid: ObjectId) -> LessonFacts | None:
    fields = ("course_id", "duration_s", "removed_at", "video", *LESSON_COMPLETION_FIELDS)
    lesson = Lesson.objects(id=lesson_oid).only(*fields).first()
    if lesson is None:
        return None
    course = (
        Course.objects(id=lesson.course_id)
        .only("slug", "owner_id", "co_instructor_ids", "status", "version")
        .first()
    )
    if course is None:
        return None
    published_entry = None
    if course.status == CourseStatus.PUBLISHED and course.version:
        snapshot = (
            CourseVersion.objects(course_id=course.id, version=course.version)
            .only("lessons")
            .first()
        )
        published_entry = snapshot.lesson(lesson.id) if snapshot else None
    return LessonFacts(
        lesson_id=str(lesson.id),
        course_id=str(course.id),
        course_slug=course.slug,
        instructor_ids=tuple(course.instructor_ids()),
        course_published=course.status == CourseStatus.PUBLISHED,
        in_published_version=published_entry is not None,
        is_preview=bool(published_entry and published_entry.is_preview),
        duration_s=float(lesson.duration_s or 0),
        removed=lesson.removed_at is not None,
        video=lesson_video_readiness(lesson),
        completion=completion_policy_of(lesson),
    )


def _facts_cached_or_loaded(lesson_oid: ObjectId, cached: LessonFacts | None) -> LessonFacts:
    facts = cached
    if facts is None:
        facts = _load_facts(lesson_oid)
        if facts is None:
            raise NotFound("Lesson not found.")
        cache_set(_facts_key(str(lesson_oid)), facts, timeout=FACTS_TTL_S)
    if len(_COURSE_HINTS) >= _COURSE_HINTS_MAX:
        _COURSE_HINTS.clear()
    _COURSE_HINTS[facts.lesson_id] = facts.course_id
    return facts


def lesson_facts_get(*, lesson_id: Any) -> LessonFacts:
    lesson_oid = object_id_or_404(lesson_id, "Lesson")
    return _facts_cached_or_loaded(lesson_oid, cache_get(_facts_key(str(lesson_oid))))


def _facts_and_enrolment(
    lesson_oid: ObjectId, user_id: int | None, also: tuple[str, ...] = ()
) -> tuple[LessonFacts, Any, dict[str, Any]]:
    """The lesson's facts, when the lesson's course is known from an earlier request the
    viewer's cached enrolment entry (None if not fetched or not cached), and the entries
    of `also`: one MGET."""
    lesson_key = str(lesson_oid)
    course_hint = _COURSE_HINTS.get(lesson_key)
    if not also and (user_id is None or course_hint is None):
        return lesson_facts_get(lesson_id=lesson_oid), None, {}
    facts_key = _facts_key(lesson_key)
    enrolment_key = (
        enrollment_cache_key(user_id, course_hint)
        if user_id is not None and course_hint is not None
        else None
    )
    found = cache_get_many([facts_key, *([enrolment_key] if enrolment_key else []), *also])
    facts = _facts_cached_or_loaded(lesson_oid, found.get(facts_key))
    extra = {key: found[key] for key in also if key in found}
    if enrolment_key is None or facts.course_id != course_hint:
        return facts, None, extra
    return facts, found.get(enrolment_key), extra


def lesson_facts_invalidate(*, lesson_ids: list[Any]) -> None:
    """Call after any write that changes a lesson's course, publication, preview flag,
    duration, removal or completion policy."""
    cache_delete_many([_facts_key(str(lesson_id)) for lesson_id in lesson_ids])


def course_is_staff(*, user: Viewer, instructor_ids: tuple[int, ...] | list[int]) -> bool:
    return is_admin(user) or (has_staff_powers(user) and user_id_of(user) in instructor_ids)


def lesson_get_for_viewer(
    *, user: Viewer, lesson_id: Any, also: tuple[str, ...] = ()
) -> LessonAccess:
    """Raises NotFound when the viewer may not even know the lesson exists. `also`: cache
    keys the caller reads next, fetched in the same round trip (`LessonAccess.also`)."""
    lesson_oid = object_id_or_404(lesson_id, "Lesson")
    user_id = user_id_of(user)
    facts, enrolment_entry, extra = _facts_and_enrolment(lesson_oid, user_id, also)
    if course_is_staff(user=user, instructor_ids=facts.instructor_ids):
        return LessonAccess(facts=facts, is_course_staff=True, can_watch=True, also=extra)
    if not (facts.course_published and facts.in_published_version):
        raise NotFound("Lesson not found.")
    can_watch = is_signed_in(user) and (
        facts.is_preview
        or _is_enrolled(user_id=user_id, course_id=facts.course_id, entry=enrolment_entry)
    )
    return LessonAccess(facts=facts, is_course_staff=False, can_watch=can_watch, also=extra)


def _is_enrolled(*, user_id: int | None, course_id: str, entry: Any) -> bool:
    cached = enrollment_from_cached(entry)
    if cached is not None:
        return cached
    return enrollment_is_active(user_id=user_id, course_id=course_id)


def lesson_get_watchable(
    *, user: Viewer, lesson_id: Any, also: tuple[str, ...] = ()
) -> LessonAccess:
    """Raises NotFound, then PermissionDenied (enrol first) — the contract's order."""
    access = lesson_get_for_viewer(user=user, lesson_id=lesson_id, also=also)
    if not access.can_watch:
        raise PermissionDenied("Enrol in this course to watch this lesson.")
    return access


def lesson_facts_for_staff(*, user: Viewer, lesson_id: Any, managing: str) -> LessonFacts:
    """The lesson's facts if `user` teaches its course (or is an admin): 404 for a lesson
    they may not know of or that was removed, then 403 naming what only the course's
    instructors may manage (`managing`: "videos", "captions", "quizzes"…)."""
    access = lesson_get_for_viewer(user=user, lesson_id=lesson_id)
    if access.facts.removed:
        raise NotFound("Lesson not found.")
    if not access.is_course_staff:
        raise PermissionDenied(f"Only the course's instructors can manage its {managing}.")
    return access.facts


def lesson_audit(*, actor: Viewer, action: str, facts: LessonFacts, **details: Any) -> None:
    """Record `action` on the lesson in the audit log, with its course."""
    audit_record(
        actor_id=require_user_id(actor),
        action=action,
        target_type="lesson",
        target_id=facts.lesson_id,
        details={"course_id": facts.course_id, **details},
    )
