"""Progress reads used by this app's APIs and by other apps (playback's resume position,
the catalogue's enrolments list, course page and "my learning").

Course progress = completed lessons / lessons in the course's latest published version:
lessons removed later don't count, lessons added later lower it, and it never exceeds 100%
because only lessons of that version are counted as completed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from django.conf import settings
from redis.exceptions import RedisError

from accounts.roles import Viewer, user_id_of
from catalog.access import course_is_staff
from catalog.documents import Course, CourseVersion
from catalog.enrollment_cache import enrollment_is_active
from catalog.selectors import course_get_published_by_slug
from learnstream.errors import PermissionDenied
from learnstream.ids import is_object_id
from learnstream.outages import outage_record
from tracking import progress_buffer
from tracking.documents import LessonProgress


@dataclass(frozen=True)
class ProgressState:
    """What a heartbeat or completion answers (the contract's progress shape)."""

    position_s: float
    furthest_s: float
    coverage: float
    watch_time_s: float
    completed_at: datetime | None
    duration_s: float = 0.0
    # Of the last beat's span, the media seconds credited (the watch-time budget may credit
    # less); None in answers that are not a heartbeat's.
    credited_s: float | None = None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass(frozen=True)
class LessonProgressItem:
    id: str
    title: str
    completed: bool
    position_s: float
    coverage: float


@dataclass(frozen=True)
class CourseProgress:
    completed_lessons: int
    total_lessons: int
    percent: float
    # "Continue: lesson X at 12:34" — None when every lesson is complete (or none exist).
    continue_lesson_id: str | None = None
    continue_title: str = ""
    continue_position_s: float = 0.0
    lessons: tuple[LessonProgressItem, ...] = field(default=())


def progress_state_from_document(document: dict[str, Any]) -> ProgressState:
    return ProgressState(
        position_s=float(document.get("position_s") or 0.0),
        furthest_s=float(document.get("furthest_s") or 0.0),
        coverage=round(float(document.get("coverage") or 0.0), 4),
        watch_time_s=round(float(document.get("watch_time_s") or 0.0), 3),
        completed_at=document.get("completed_at"),
        duration_s=float(document.get("duration_s") or 0.0),
        credited_s=(
            round(float(document["last_credited_s"]), 3)
            if document.get("last_credited_s") is not None
            else None
        ),
    )


def _resume_from(document: dict[str, Any] | None) -> float:
    """Start from the last position, or from 0 when completed or within the last 5%."""
    if not document or document.get("completed_at") is not None:
        return 0.0
    position = float(document.get("position_s") or 0.0)
    duration = float(document.get("duration_s") or 0.0)
    if duration > 0 and position >= duration * (1 - settings.PROGRESS_RESUME_TAIL):
        return 0.0
    return position


def progress_get(*, user_id: int, lesson_id: str) -> ProgressState | None:
    if not is_object_id(lesson_id):
        return None
    document = LessonProgress._get_collection().find_one(
        {"user_id": int(user_id), "lesson_id": ObjectId(lesson_id)}, {"buckets": False}
    )
    return progress_state_from_document(document) if document else None


def progress_resume_position(*, user_id: int, lesson_id: str) -> float:
    """Where the player should start for this learner (0 when nothing is saved).

    The live state in Redis, when the learner has one for the lesson, is the newest
    progress there is (MongoDB gets it from the flusher, a few seconds later): it is read
    first, together with the mark of a learner known to have nothing saved on the lesson;
    MongoDB answers when neither is there (or Redis is unreachable)."""
    if not is_object_id(str(lesson_id)):
        return 0.0
    lesson_oid = ObjectId(str(lesson_id))
    live = progress_buffer.enabled()
    if live:
        try:
            fields = progress_buffer.resume_fields(user_id=int(user_id), lesson_id=lesson_oid)
        except RedisError as exc:
            if not outage_record(exc):
                raise
            fields, live = None, False
        if fields is not None:
            return _resume_from(fields)
    document = LessonProgress._get_collection().find_one(
        {"user_id": int(user_id), "lesson_id": lesson_oid},
        {"position_s": True, "duration_s": True, "completed_at": True},
    )
    if document is None and live:
        with contextlib.suppress(RedisError):
            progress_buffer.resume_nothing_saved(user_id=int(user_id), lesson_id=lesson_oid)
    return _resume_from(document)


def _latest_versions(course_oids: list[ObjectId]) -> dict[ObjectId, CourseVersion]:
    """The latest published version of each course, in two queries whatever the count."""
    courses = Course.objects(id__in=course_oids).only("id", "version")
    pairs = [{"course_id": c.id, "version": c.version} for c in courses if c.version]
    if not pairs:
        return {}
    versions = CourseVersion.objects(__raw__={"$or": pairs}).only(
        "course_id", "version", "lessons.lesson_id", "lessons.title", "lessons.position"
    )
    return {version.course_id: version for version in versions}


def course_progress_for_user(*, user_id: int, course_ids: list[str]) -> dict[str, CourseProgress]:
    """Course progress for many courses in a constant number of queries (three)."""
    course_oids = [
        ObjectId(c) for c in dict.fromkeys(str(c) for c in course_ids) if is_object_id(c)
    ]
    if not course_oids:
        return {}
    versions = _latest_versions(course_oids)
    documents = _progress_documents(user_id=user_id, versions=list(versions.values()))
    return {
        str(course_oid): _course_progress(versions.get(course_oid), documents)
        for course_oid in course_oids
    }


def course_progress_of_version(*, user_id: int, version: CourseVersion) -> CourseProgress:
    """The same as `course_progress_for_user` for a caller that already holds the course's
    latest published version (the lesson page): one query."""
    documents = _progress_documents(user_id=user_id, versions=[version])
    return _course_progress(version, documents)


def _progress_documents(
    *, user_id: int, versions: list[CourseVersion]
) -> dict[ObjectId, dict[str, Any]]:
    """The learner's progress documents for every lesson of these versions, in one query."""
    lesson_oids = [item.lesson_id for version in versions for item in version.lessons]
    if not lesson_oids:
        return {}
    cursor = LessonProgress._get_collection().find(
        {"user_id": int(user_id), "lesson_id": {"$in": lesson_oids}},
        {"buckets": False},
    )
    return {document["lesson_id"]: document for document in cursor}


def _course_progress(
    version: CourseVersion | None, documents: dict[ObjectId, dict[str, Any]]
) -> CourseProgress:
    if version is None:
        return CourseProgress(completed_lessons=0, total_lessons=0, percent=0.0)
    lessons = sorted(version.lessons, key=lambda item: item.position or 0)
    items = []
    for entry in lessons:
        document = documents.get(entry.lesson_id) or {}
        items.append(
            LessonProgressItem(
                id=str(entry.lesson_id),
                title=entry.title or "",
                completed=document.get("completed_at") is not None,
                position_s=float(document.get("position_s") or 0.0),
                coverage=round(float(document.get("coverage") or 0.0), 4),
            )
        )
    completed = sum(1 for item in items if item.completed)
    total = len(items)
    resume = _continue_with(lessons, documents)
    return CourseProgress(
        completed_lessons=completed,
        total_lessons=total,
        percent=round(100.0 * completed / total, 1) if total else 0.0,
        continue_lesson_id=str(resume.lesson_id) if resume else None,
        continue_title=(resume.title or "") if resume else "",
        continue_position_s=_resume_from(documents.get(resume.lesson_id)) if resume else 0.0,
        lessons=tuple(items),
    )


def _continue_with(lessons: list, documents: dict[ObjectId, dict[str, Any]]):
    """The lesson to continue: the most recently watched unfinished one, else the first
    unfinished one in outline order, else None."""
    unfinished = [
        e for e in lessons if (documents.get(e.lesson_id) or {}).get("completed_at") is None
    ]
    started = [e for e in unfinished if e.lesson_id in documents]
    if started:
        return max(started, key=lambda e: documents[e.lesson_id].get("updated_at") or datetime.min)
    return unfinished[0] if unfinished else None


def course_progress_for_viewer(*, user: Viewer, slug: str) -> CourseProgress:
    """GET /courses/{slug}/progress: enrolled learners and course staff (404, then 403)."""
    course = course_get_published_by_slug(slug=slug)
    user_id = user_id_of(user)
    if user_id is None:
        raise PermissionDenied()
    staff = course_is_staff(user=user, instructor_ids=course.instructor_ids())
    if not staff and not enrollment_is_active(user_id=user_id, course_id=str(course.id)):
        raise PermissionDenied("Enrol in this course to track progress.")
    return course_progress_for_user(user_id=user_id, course_ids=[str(course.id)])[str(course.id)]
