"""What a learner sees of their own learning: enrolments with progress, and the progress
shown on a course page. These compose the catalogue (courses, enrolments) with progress
tracking, so they live above both apps; neither of them imports this package."""

from __future__ import annotations

import dataclasses
from typing import Any

from bson import ObjectId

from accounts.roles import Viewer, require_user_id
from catalog.documents import Course
from catalog.models import Enrollment, EnrollmentStatus
from catalog.selectors import INSTRUCTOR_PAGE_SIZE, NumberedPage, page_number
from tracking.selectors import course_progress_for_user


def enrollment_list_for_user(
    *, user: Viewer, status: str = EnrollmentStatus.ACTIVE, page: Any = 1
) -> NumberedPage:
    """The user's enrolments (newest first) with course summary and progress: one SQL
    query, one MongoDB query and one progress call for the whole page."""
    number = page_number(page)
    user_id = require_user_id(user)
    rows_query = Enrollment.objects.filter(user_id=user_id).order_by("-enrolled_at", "-id")
    if status != "all":
        rows_query = rows_query.filter(status=status)
    start = (number - 1) * INSTRUCTOR_PAGE_SIZE
    rows = list(rows_query[start : start + INSTRUCTOR_PAGE_SIZE + 1])
    has_next = len(rows) > INSTRUCTOR_PAGE_SIZE
    rows = rows[:INSTRUCTOR_PAGE_SIZE]
    course_ids = [row.course_id for row in rows]
    courses = {
        str(course.id): course
        for course in Course.objects(id__in=[ObjectId(value) for value in course_ids]).only(
            "slug", "title", "status", "published"
        )
    }
    progress = (
        course_progress_for_user(user_id=user_id, course_ids=course_ids) if course_ids else {}
    )
    results = []
    for row in rows:
        course = courses.get(row.course_id)
        if course is None:  # deleted out of band; nothing to show
            continue
        published = course.published
        total = int(published.lesson_count) if published else 0
        course_progress = progress.get(row.course_id)
        results.append(
            {
                "course": {
                    "id": row.course_id,
                    "slug": course.slug,
                    "title": published.title if published else course.title,
                    "status": course.status,
                    "cover_url": (published.cover_url if published else "") or "",
                },
                "status": row.status,
                "enrolled_at": row.enrolled_at,
                "progress": _progress_dict(course_progress, total),
            }
        )
    return NumberedPage(results=results, page=number, has_next=has_next)


def _progress_dict(progress: Any, total_lessons: int) -> dict[str, Any]:
    if progress is None:
        return {"completed_lessons": 0, "total_lessons": total_lessons, "percent": 0.0}
    # Tracking's course progress may carry more fields (e.g. where to continue): pass them on.
    extra = (
        dataclasses.asdict(progress)
        if dataclasses.is_dataclass(progress) and not isinstance(progress, type)
        else {}
    )
    return {
        **extra,
        "completed_lessons": int(progress.completed_lessons),
        "total_lessons": int(progress.total_lessons),
        "percent": float(progress.percent),
    }


def course_progress_of_viewer(
    *, user: Viewer, course_id: str, total_lessons: int
) -> dict[str, Any]:
    progress = course_progress_for_user(user_id=require_user_id(user), course_ids=[course_id])
    return _progress_dict(progress.get(course_id), total_lessons)
