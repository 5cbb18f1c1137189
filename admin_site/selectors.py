"""Reads only the admin pages need: a lesson of the course in the URL, the published
snapshot, the lesson's video summary and the audit trail. Everything else the pages call
directly: the catalogue, playback and tracking services and selectors the API uses, which
record the audit entries themselves, so the admin and the API leave the same trail.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from django.utils import timezone

from accounts.roles import Viewer, is_admin
from accounts.selectors import user_emails_by_ids
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, CourseVersion, Lesson
from catalog.lesson_video import VideoState
from catalog.video_state import lesson_has_ready_video, lesson_video_state, video_state_label
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


# An upload still waiting for its file after this long was most likely abandoned (the tab
# closed, the network dropped): the lesson page offers to cancel it and upload again.
UPLOAD_ABANDONED_AFTER = timedelta(minutes=10)


def lesson_video_summary(*, lesson: Lesson) -> dict[str, Any]:
    """What the lesson page shows before the uploader's first poll (no playback id): the
    state, in words too, and whether the pending upload can be given up."""
    video = lesson.video
    shown = None
    pending = video.pending if video is not None else None
    if video is not None:
        shown = pending if pending is not None else video.current
    state = lesson_video_state(lesson)
    error = getattr(shown, "error", None) or ""
    abandoned = False
    if pending is not None and pending.state == VideoState.AWAITING_UPLOAD:
        started = pending.created_at or pending.updated_at
        if started is not None and timezone.is_naive(started):
            started = timezone.make_aware(started, UTC)
        abandoned = started is None or timezone.now() - started >= UPLOAD_ABANDONED_AFTER
    can_cancel = pending is not None and (
        abandoned or pending.state in (VideoState.ERRORED, VideoState.CANCELLED)
    )
    return {
        "state": state,
        "label": video_state_label(state, error if state == VideoState.ERRORED else None),
        "error": error,
        "has_ready": lesson_has_ready_video(lesson),
        "abandoned": abandoned,
        "can_cancel": can_cancel,
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
    """Entries with the actor's e-mail and the titles of what they touched (one SQL query
    and two MongoDB queries for the page, whatever the number of entries)."""
    people = user_emails_by_ids(user_ids={entry.actor_id for entry in entries})
    course_ids: set[str] = set()
    lesson_ids: set[str] = set()
    for entry in entries:
        details = entry.details or {}
        if entry.target_type == catalog_services.COURSE:
            course_ids.add(str(entry.target_id))
        elif entry.target_type == catalog_services.LESSON:
            lesson_ids.add(str(entry.target_id))
        if details.get("course_id"):
            course_ids.add(str(details["course_id"]))
    titles = catalog_selectors.catalog_titles(course_ids=course_ids, lesson_ids=lesson_ids)
    return [
        {
            "entry": entry,
            "actor": people.get(entry.actor_id, f"user {entry.actor_id}"),
            "target": _target_text(entry, titles),
            "details": [
                (key, value) for key, value in (entry.details or {}).items() if key != "course_id"
            ],
        }
        for entry in entries
    ]


def _target_text(entry: Any, titles: dict[str, str]) -> str:
    """ "Course “Title”" or "Lesson “Title” in “Course”"; ids only for what no longer exists."""
    target_id = str(entry.target_id)
    kind = str(entry.target_type or "").capitalize()
    title = titles.get(target_id)
    if title is not None:
        text = f"{kind} “{title}”"
    elif entry.target_type in (catalog_services.COURSE, catalog_services.LESSON):
        text = f"{kind} {target_id} (deleted)"
    else:
        text = f"{kind} {target_id}"
    course_id = str((entry.details or {}).get("course_id") or "")
    if course_id and course_id != target_id:
        course_title = titles.get(course_id)
        text += f" in “{course_title}”" if course_title is not None else " in a deleted course"
    return text


def _about_courses(course_ids: list[str]) -> dict[str, Any]:
    return {
        "$or": [
            {"target_type": catalog_services.COURSE, "target_id": {"$in": course_ids}},
            {"details.course_id": {"$in": course_ids}},
        ]
    }
