"""The gradebook: one row per learner of a course, one column per required item.

For instructors and admins (CSV). Learners are the course's active enrolments, its staff
excluded; the items are what the latest published version requires (`course_requirements`):
each required lesson (when it was completed) and each required quiz (best score, passed).
Reading it issues nothing: certificates are issued when learners read their own completion.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bson import ObjectId

from accounts.roles import Viewer
from accounts.selectors import user_emails_by_ids
from assessments.completion import course_requirements
from assessments.documents import QuizStanding
from catalog.documents import CourseStatus
from catalog.models import Enrollment, EnrollmentStatus
from catalog.selectors import CourseDetail, course_detail_public, course_get_for_instructor
from learnstream.csv_export import csv_cell_safe
from tracking.documents import LessonProgress

_CHUNK = 500


def gradebook_rows(*, user: Viewer, course_id: Any) -> tuple[str, Iterator[list[str]]]:
    """The course's slug (for the file name) and the rows: the header, then a learner per
    row. 404/403 as for every instructor route of the course."""
    course = course_get_for_instructor(user=user, course_id=course_id)
    published = course.status == CourseStatus.PUBLISHED
    detail = course_detail_public(slug=course.slug) if published else None
    return course.slug, _rows(course=course, detail=detail)


def _rows(*, course: Any, detail: CourseDetail | None) -> Iterator[list[str]]:
    if detail is None:  # a draft or archived course: no published version requires anything
        yield ["user_id", "email", "course_complete"]
        return
    requirements = course_requirements(detail=detail)
    lessons, quizzes = requirements.lessons, requirements.quizzes
    yield [
        "user_id",
        "email",
        *(csv_cell_safe(f"lesson: {row.title} (completed at)") for row in lessons),
        *(
            csv_cell_safe(f"quiz: {row.title} ({part})")
            for row in quizzes
            for part in ("best %", "passed")
        ),
        "course_complete",
    ]
    staff = set(course.instructor_ids())
    learner_ids = sorted(
        set(
            Enrollment.objects.filter(
                course_id=str(course.id), status=EnrollmentStatus.ACTIVE
            ).values_list("user_id", flat=True)
        )
        - staff
    )
    lesson_oids = [ObjectId(row.id) for row in lessons]
    quiz_oids = [ObjectId(row.id) for row in quizzes]
    for start in range(0, len(learner_ids), _CHUNK):
        chunk = learner_ids[start : start + _CHUNK]
        emails = user_emails_by_ids(user_ids=chunk)
        completed = {
            (doc["user_id"], str(doc["lesson_id"])): doc["completed_at"]
            for doc in LessonProgress._get_collection().find(
                {
                    "user_id": {"$in": chunk},
                    "lesson_id": {"$in": lesson_oids},
                    "completed_at": {"$ne": None},
                },
                {"user_id": True, "lesson_id": True, "completed_at": True},
            )
        }
        standings = {
            (row.user_id, str(row.lesson_id)): row
            for row in QuizStanding.objects(user_id__in=chunk, lesson_id__in=quiz_oids).only(
                "user_id", "lesson_id", "attempts", "best_percent", "passed_at"
            )
        }
        for user_id in chunk:
            cells = [str(user_id), csv_cell_safe(emails.get(user_id, ""))]
            done = True
            for row in lessons:
                at = completed.get((user_id, row.id))
                done = done and at is not None
                cells.append(at.isoformat() if at else "")
            for row in quizzes:
                standing = standings.get((user_id, row.id))
                passed = bool(standing and standing.passed_at is not None)
                done = done and passed
                best = f"{standing.best_percent:g}" if standing and standing.attempts else ""
                cells += [best, "yes" if passed else "no"]
            cells.append("yes" if done and (lessons or quizzes) else "no")
            yield cells
