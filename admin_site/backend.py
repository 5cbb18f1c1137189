"""The admin's one doorway to the domain: every admin page calls these, and these call the
catalogue, playback and tracking services and selectors (the same ones the API uses).

The services record the audit entries (create, publish, restore, archive, lesson delete,
video upload/remove, progress reset), so the admin and the API leave the same trail.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from accounts.roles import is_admin, require_user_id
from accounts.selectors import user_emails_by_ids
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, CourseVersion, Lesson
from catalog.video_state import lesson_video_state
from learnstream.audit import AuditEntry
from learnstream.errors import NotFound

COURSE = "course"
LESSON = "lesson"


# ---------------------------------------------------------------- reads


def course_for_staff(*, user: Any, course_id: Any) -> Course:
    """The course if `user` owns or co-teaches it (admins: any course); NotFound otherwise."""
    return catalog_selectors.course_get_for_instructor(user=user, course_id=course_id)


def lesson_for_staff(*, user: Any, course: Course, lesson_id: Any) -> Lesson:
    """A draft lesson of `course` (already checked with `course_for_staff`)."""
    lesson, lesson_course = catalog_selectors.lesson_get_for_instructor(
        user=user, lesson_id=lesson_id
    )
    if lesson_course.id != course.id:  # a lesson id from another course in this URL
        raise NotFound("Lesson not found.")
    return lesson


def course_lessons(*, course: Course) -> list[Lesson]:
    return catalog_services.lessons_in_outline(course=course)


def course_versions(*, course: Course) -> list[CourseVersion]:
    return catalog_selectors.course_versions_list(course=course)


def course_published_version(*, course: Course) -> CourseVersion | None:
    """The snapshot students see now (None before the first publish)."""
    if not course.version:
        return None
    return CourseVersion.objects(course_id=course.id, version=course.version).first()


def course_search_for_staff(
    *, user: Any, q: str = "", status: str = "", page: int = 1, per_page: int = 25
) -> catalog_selectors.NumberedPage:
    """The admin change list: the courses `user` may edit, searched and filtered."""
    return catalog_selectors.course_list_for_instructor(
        user=user, q=q, status=status, page=page, page_size=per_page, with_total=True
    )


def lesson_video_summary(*, lesson: Lesson) -> dict[str, Any]:
    """What the lesson page shows before the uploader's first poll (no playback id)."""
    video = lesson.video
    shown = None
    if video is not None:
        shown = video.pending if video.pending is not None else video.current
    return {
        "state": lesson_video_state(lesson),
        "error": getattr(shown, "error", None) or "",
        "has_ready": bool(
            video is not None and video.current is not None and video.current.state == "ready"
        ),
    }


def audit_entries(*, user: Any, course_id: str | None = None, limit: int = 200) -> list:
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
            {"target_type": COURSE, "target_id": {"$in": course_ids}},
            {"details.course_id": {"$in": course_ids}},
        ]
    }


# ---------------------------------------------------------------- writes
# The catalogue and playback services audit these themselves (so the API is audited too).


def course_create(*, user: Any, fields: dict[str, Any]) -> Course:
    return catalog_services.course_create(user=user, **fields)


def course_update(*, user: Any, course: Course, revision: int, fields: dict[str, Any]) -> Course:
    return catalog_services.course_update(course=course, expected_revision=revision, **fields)


def co_instructors_validate(*, emails: list[str]) -> list[int]:
    return catalog_services.course_co_instructors_validate(emails=emails)


def course_co_instructors_set(
    *, user: Any, course: Course, revision: int, emails: list[str]
) -> Course:
    return catalog_services.course_co_instructors_set(
        user=user, course=course, emails=emails, expected_revision=revision
    )


def course_publish(*, user: Any, course: Course) -> CourseVersion:
    return catalog_services.course_publish(course=course, user=user)


def course_restore(*, user: Any, course: Course, version: int) -> CourseVersion:
    return catalog_services.course_version_restore(course=course, user=user, version=version)


def course_archive(*, user: Any, course: Course) -> Course:
    return catalog_services.course_archive(course=course, user=user)


def lesson_create(*, user: Any, course: Course, fields: dict[str, Any]) -> Lesson:
    return catalog_services.lesson_create(course=course, **fields)


def lesson_update(*, user: Any, course: Course, lesson: Lesson, fields: dict[str, Any]) -> Lesson:
    return catalog_services.lesson_update(lesson=lesson, course=course, **fields)


def lesson_delete(*, user: Any, course: Course, lesson: Lesson) -> None:
    catalog_services.lesson_delete(lesson=lesson, course=course, user=user)


def lesson_move(*, user: Any, course: Course, lesson: Lesson, offset: int) -> list[Lesson]:
    """Swap a lesson with its neighbour (offset -1: up, +1: down) through the reorder
    service. Moving past either end changes nothing."""
    order = [item.id for item in course_lessons(course=course)]
    index = order.index(lesson.id)
    target = index + offset
    if not 0 <= target < len(order):
        return course_lessons(course=course)
    order[index], order[target] = order[target], order[index]
    return catalog_services.lesson_reorder(course=course, lesson_ids=order)


def video_upload_create(*, user: Any, course: Course, lesson: Lesson) -> Any:
    from playback.services import video_upload_create as create

    return create(user=user, lesson_id=str(lesson.id))


def video_remove(*, user: Any, course: Course, lesson: Lesson) -> None:
    from playback.services import video_remove as remove

    remove(user=user, lesson_id=str(lesson.id))


def object_id(value: Any) -> ObjectId:
    return ObjectId(str(value))


# ---------------------------------------------------------------- tracking


def course_analytics(*, course: Course) -> dict[str, Any]:
    """The tracking figures in the API's shape (`GET …/analytics`)."""
    from tracking.analytics import course_analytics as analytics

    return analytics(course=course)


def progress_reset(
    *, user: Any, course: Course, learner_id: int, lesson: Lesson | None = None
) -> int:
    """Forget a learner's progress (the tracking service audits it)."""
    from tracking.services import progress_reset as reset

    return reset(
        actor_id=require_user_id(user),
        course_id=course.id,
        user_id=learner_id,
        lesson_id=lesson.id if lesson is not None else None,
    )
