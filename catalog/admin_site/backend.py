"""The admin's one doorway to the domain: every admin page calls these, and these call the
catalogue, playback and tracking services and selectors (the same ones the API uses).

Each write that the issue wants audited (create, publish, restore, archive, upload,
progress reset) records an audit entry here after the service succeeded. Two helpers are
written here because the catalogue does not offer them yet (see `course_search_for_staff`
and `course_co_instructors_set`); both say what they stand in for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from django.utils import timezone

from accounts.roles import is_admin, require_user_id, user_id_of
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, CourseStatus, CourseVersion, Lesson
from catalog.video_state import lesson_video_state
from learnstream.audit import AuditEntry, audit_record
from learnstream.errors import Conflict, NotFound, ValidationError

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


@dataclass(frozen=True)
class CoursePage:
    results: list[Course]
    page: int
    has_next: bool
    total: int


def _search_regex(text: str) -> dict[str, Any]:
    import re

    return {"$regex": re.escape(text), "$options": "i"}


def course_search_for_staff(
    *, user: Any, q: str = "", status: str = "", page: int = 1, per_page: int = 25
) -> CoursePage:
    """The admin change list: the courses `user` may edit, searched and filtered.

    Stand-in until `catalog.selectors.course_list_for_instructor` takes `q`/`status`: the
    ownership filter is the same as that selector's (owner or co-instructor; admins all).
    """
    conditions: list[dict[str, Any]] = []
    if not is_admin(user):
        user_id = require_user_id(user)
        conditions.append({"$or": [{"owner_id": user_id}, {"co_instructor_ids": user_id}]})
    if status in CourseStatus.ALL:
        conditions.append({"status": status})
    q = q.strip()[:100]
    if q:
        conditions.append({"$or": [{"title": _search_regex(q)}, {"slug": _search_regex(q)}]})
    query = Course.objects(__raw__={"$and": conditions} if conditions else {})
    total = query.count()
    start = (page - 1) * per_page
    courses = list(query.order_by("-updated_at", "-id").skip(start).limit(per_page))
    return CoursePage(
        results=courses, page=page, has_next=start + len(courses) < total, total=total
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
        conditions.append(_about_courses([str(course.id) for course in _courses_taught(user)]))
    if course_id is not None:
        conditions.append(_about_courses([course_id]))
    query = AuditEntry.objects(__raw__={"$and": conditions} if conditions else {})
    return list(query.order_by("-at").limit(limit))


def audit_rows(entries: list) -> list[dict[str, Any]]:
    """Entries with the actor's e-mail (one SQL query for the page)."""
    from django.contrib.auth import get_user_model

    people = dict(
        get_user_model()
        .objects.filter(id__in={entry.actor_id for entry in entries})
        .values_list("id", "email")
    )
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


def _courses_taught(user: Any) -> list[Course]:
    user_id = require_user_id(user)
    return list(
        Course.objects(
            __raw__={"$or": [{"owner_id": user_id}, {"co_instructor_ids": user_id}]}
        ).only("id")
    )


# ---------------------------------------------------------------- writes (audited)


def _audit(user: Any, action: str, target_type: str, target_id: Any, **details: Any) -> None:
    audit_record(
        actor_id=require_user_id(user),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )


def course_create(*, user: Any, fields: dict[str, Any]) -> Course:
    course = catalog_services.course_create(user=user, **fields)
    _audit(user, "course.create", COURSE, course.id, title=course.title)
    return course


def course_update(*, user: Any, course: Course, revision: int, fields: dict[str, Any]) -> Course:
    return catalog_services.course_update(course=course, expected_revision=revision, **fields)


def course_co_instructors_set(
    *, user: Any, course: Course, revision: int, co_instructor_ids: list[int]
) -> Course:
    """Replace the co-instructors. Only the owner or an admin may (a co-instructor may not
    add or drop colleagues). Stand-in until the catalogue services offer it; it follows
    `course_update`'s stale-revision rule."""
    if not (is_admin(user) or user_id_of(user) == course.owner_id):
        raise ValidationError(
            "Some fields are invalid.",
            errors={"co_instructors": ["Only the owner or an admin can change co-instructors."]},
        )
    wanted = sorted({int(value) for value in co_instructor_ids} - {course.owner_id})
    if wanted == sorted(course.co_instructor_ids):
        return course
    updated = Course.objects(id=course.id, revision=revision).update_one(
        set__co_instructor_ids=wanted, inc__revision=1, set__updated_at=timezone.now()
    )
    if not updated:
        raise Conflict("The course was changed by someone else; reload and try again.")
    course.reload()
    _invalidate_lesson_facts(course)  # who counts as course staff changed
    _audit(user, "course.co_instructors", COURSE, course.id, co_instructor_ids=wanted)
    return course


def _invalidate_lesson_facts(course: Course) -> None:
    from catalog.access import lesson_facts_invalidate

    lesson_facts_invalidate(
        lesson_ids=[lesson.id for lesson in Lesson.objects(course_id=course.id).only("id")]
    )


def course_publish(*, user: Any, course: Course) -> CourseVersion:
    version = catalog_services.course_publish(course=course, user=user)
    _audit(user, "course.publish", COURSE, course.id, version=version.version)
    return version


def course_restore(*, user: Any, course: Course, version: int) -> CourseVersion:
    restored = catalog_services.course_version_restore(course=course, user=user, version=version)
    _audit(
        user,
        "course.restore",
        COURSE,
        course.id,
        restored_from=version,
        version=restored.version,
    )
    return restored


def course_archive(*, user: Any, course: Course) -> Course:
    course = catalog_services.course_archive(course=course)
    _audit(user, "course.archive", COURSE, course.id)
    return course


def lesson_create(*, user: Any, course: Course, fields: dict[str, Any]) -> Lesson:
    return catalog_services.lesson_create(course=course, **fields)


def lesson_update(*, user: Any, course: Course, lesson: Lesson, fields: dict[str, Any]) -> Lesson:
    return catalog_services.lesson_update(lesson=lesson, course=course, **fields)


def lesson_delete(*, user: Any, course: Course, lesson: Lesson) -> None:
    catalog_services.lesson_delete(lesson=lesson, course=course)
    _audit(user, "lesson.delete", LESSON, lesson.id, course_id=str(course.id), title=lesson.title)


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

    upload = create(user=user, lesson_id=str(lesson.id))
    _audit(user, "video.upload", LESSON, lesson.id, course_id=str(course.id), upload_id=upload.id)
    return upload


def video_remove(*, user: Any, course: Course, lesson: Lesson) -> None:
    from playback.services import video_remove as remove

    remove(user=user, lesson_id=str(lesson.id))
    _audit(user, "video.remove", LESSON, lesson.id, course_id=str(course.id))


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
