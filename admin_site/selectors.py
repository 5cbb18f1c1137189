"""Reads only the admin pages need: a lesson of the course in the URL, the published
snapshot, the lesson's video summary and the audit trail. Everything else the pages call
directly: the catalogue, playback and tracking services and selectors the API uses, which
record the audit entries themselves, so the admin and the API leave the same trail.
"""

from __future__ import annotations

from typing import Any

from accounts.roles import Viewer, is_admin
from accounts.selectors import user_emails_by_ids
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, CourseVersion, Lesson
from catalog.video_state import lesson_has_ready_video, lesson_video_state
from learnstream.audit import AuditEntry
from learnstream.errors import NotFound

# ---------------------------------------------------------------- reads


def lesson_for_staff(*, user: Viewer, course: Course, lesson_id: Any) -> Lesson:
    """A draft lesson of `course` (already checked with `course_for_staff`)."""
    lesson, lesson_course = catalog_selectors.lesson_get_for_instructor(
        user=user, lesson_id=lesson_id
    )
    if lesson_course.id != course.id:  # a lesson id from another course in this URL
        raise NotFound("Lesson not found.")
    return lesson


def course_published_version(*, course: Course) -> CourseVersion | None:
    """The snapshot students see now (None before the first publish)."""
    if not course.version:
        return None
    return CourseVersion.objects(course_id=course.id, version=course.version).first()


def lesson_video_summary(*, lesson: Lesson) -> dict[str, Any]:
    """What the lesson page shows before the uploader's first poll (no playback id)."""
    video = lesson.video
    shown = None
    if video is not None:
        shown = video.pending if video.pending is not None else video.current
    return {
        "state": lesson_video_state(lesson),
        "error": getattr(shown, "error", None) or "",
        "has_ready": lesson_has_ready_video(lesson),
    }


def audit_entries(*, user: Viewer, course_id: str | None = None, limit: int = 200) -> list:
    """Audit entries an admin page may show, newest first: admins see all; instructors the
    entries of the courses they teach (lesson entries carry `details.course_id`)."""
    conditions: list[dict[str, Any]] = []
    if not is_admin(user):
        conditions.append(_about_courses(catalog_selectors.course_ids_taught(user=user)))
    if course_id is not None:
        conditions.append(_about_courses([course_id]))
    query = AuditEntry.objects(__raw__={"$and": conditions} if conditions else {})
    return list(query.order_by("-at").limit(limit))


def audit_rows(entries: list) -> list[dict[str, Any]]:
    """Entries with the actor's e-mail (one SQL query for the page)."""
    people = user_emails_by_ids(user_ids={entry.actor_id for entry in entries})
    return [
        {"entry": entry, "actor": people.get(entry.actor_id, f"user {entry.actor_id}")}
        for entry in entries
    ]


def _about_courses(course_ids: list[str]) -> dict[str, Any]:
    return {
        "$or": [
            {"target_type": catalog_services.COURSE, "target_id": {"$in": course_ids}},
            {"details.course_id": {"$in": course_ids}},
        ]
    }
