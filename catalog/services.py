"""Catalogue writes: courses, lessons, publishing, enrolment.

No transaction spans MongoDB and PostgreSQL, so writes are ordered to leave nothing
broken after a crash between them (see each function).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import require_user_id
from catalog.access import lesson_facts_invalidate
from catalog.documents import (
    Course,
    CourseStatus,
    CourseVersion,
    Lesson,
    PublishedSummary,
    VersionLesson,
)
from catalog.enrollment_cache import enrollment_cache_invalidate
from catalog.markdown import render_markdown
from catalog.models import Enrollment, EnrollmentStatus
from learnstream.errors import NotFound


def _keywords(*texts: str, tags: list[str]) -> list[str]:
    words: set[str] = set()
    for text in (*texts, *tags):
        words.update(
            word
            for word in "".join(ch.lower() if ch.isalnum() else " " for ch in (text or "")).split()
            if word
        )
    return sorted(words)


def lessons_in_outline(*, course: Course) -> list[Lesson]:
    return list(Lesson.objects(course_id=course.id, removed_at=None).order_by("position"))


def course_publish(*, course: Course, user: Any) -> CourseVersion:
    """Snapshot the draft as version n+1. The snapshot is written first (unique per course
    and version, so two racing publishes cannot both win), then the course points at it."""
    lessons = lessons_in_outline(course=course)
    now = timezone.now()
    version = CourseVersion(
        course_id=course.id,
        version=course.version + 1,
        published_at=now,
        published_by=require_user_id(user),
        title=course.title,
        subtitle=course.subtitle,
        description=course.description,
        description_html=render_markdown(course.description),
        cover_url=course.cover_url,
        level=course.level,
        language=course.language,
        tags=list(course.tags),
        lessons=[
            VersionLesson(
                lesson_id=lesson.id,
                title=lesson.title,
                section=lesson.section,
                summary=lesson.summary,
                body=lesson.body,
                position=index,
                is_preview=lesson.is_preview,
            )
            for index, lesson in enumerate(lessons)
        ],
    ).save(force_insert=True)
    return _course_point_at_version(course=course, version=version, lessons=lessons)


def _course_point_at_version(
    *, course: Course, version: CourseVersion, lessons: list[Lesson]
) -> CourseVersion:
    summary = PublishedSummary(
        version=version.version,
        title=version.title,
        subtitle=version.subtitle,
        level=version.level,
        language=version.language,
        tags=list(version.tags),
        keywords=_keywords(version.title, version.subtitle, tags=list(version.tags)),
        cover_url=version.cover_url,
        lesson_count=len(version.lessons),
        duration_s=sum(float(lesson.duration_s or 0) for lesson in lessons),
        published_at=version.published_at,
    )
    Course.objects(id=course.id, version__lt=version.version).update_one(
        set__version=version.version,
        set__status=CourseStatus.PUBLISHED,
        set__published=summary,
        set__updated_at=timezone.now(),
    )
    course.reload()
    lesson_facts_invalidate(lesson_ids=[item.lesson_id for item in version.lessons])
    lesson_facts_invalidate(lesson_ids=[lesson.id for lesson in lessons])
    return version


def enrollment_create(*, user: Any, course: Course) -> tuple[Enrollment, bool]:
    """Enrol (or re-activate a cancelled enrolment). The caller has checked in MongoDB that
    the course is published; only then is the SQL row committed. Returns (row, created)."""
    if course.status != CourseStatus.PUBLISHED:
        raise NotFound("Course not found.")
    user_id = require_user_id(user)
    course_id = str(course.id)
    created = False
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(user_id=user_id, course_id=course_id)
            .first()
        )
        if enrollment is None:
            try:
                with transaction.atomic():
                    enrollment = Enrollment.objects.create(user_id=user_id, course_id=course_id)
                    created = True
            except IntegrityError:  # a concurrent request enrolled first
                enrollment = Enrollment.objects.select_for_update().get(
                    user_id=user_id, course_id=course_id
                )
        if enrollment.status != EnrollmentStatus.ACTIVE:
            enrollment.status = EnrollmentStatus.ACTIVE
            enrollment.enrolled_at = timezone.now()
            enrollment.cancelled_at = None
            enrollment.save(update_fields=["status", "enrolled_at", "cancelled_at"])
            created = True
        enrollment_cache_invalidate(user_id=user_id, course_id=course_id)
    return enrollment, created


def enrollment_cancel(*, user: Any, course_id: str) -> None:
    user_id = require_user_id(user)
    with transaction.atomic():
        updated = Enrollment.objects.filter(
            user_id=user_id, course_id=course_id, status=EnrollmentStatus.ACTIVE
        ).update(status=EnrollmentStatus.CANCELLED, cancelled_at=timezone.now())
        if updated:
            enrollment_cache_invalidate(user_id=user_id, course_id=course_id)
