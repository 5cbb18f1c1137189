"""Instructor reads over progress: course analytics and the per-learner CSV export.

Definitions (see the issue note):
- learners: users with progress in the course, excluding its own staff (owner and
  co-instructors trying their lessons are not learners); the CSV adds active enrolments
  that have not started yet.
- enrolled: active enrolment rows.  started: learners with at least one progress document.
- completed: learners who completed every lesson of the latest published version.
- completion_rate: completed learners who are actively enrolled / enrolled (so 0..1).
- watch_time_s.total: media seconds played in the course; median: of learners' totals.
- active_learners.d7/d30: learners with a beat (or completion) in the last 7/30 days.
- per lesson: starts, completions, avg_coverage (over starters), dropoff[k] = share of
  starters whose furthest played point reached k x 5% of the duration, k = 0..20.

Two aggregation pipelines (per learner, per lesson), both matching on the indexed
`course_id` (+ `lesson_id`); the result is cached briefly in Redis, keyed by course version.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.utils import timezone

from accounts.selectors import user_emails_by_ids
from catalog.documents import Course, CourseVersion, Lesson
from catalog.models import Enrollment, EnrollmentStatus
from learnstream.cache import cache_get, cache_set
from learnstream.csv_export import csv_cell_safe, csv_lines
from tracking.documents import LessonProgress

DROPOFF_STEPS = 20  # 5% steps: 21 points from 0% to 100%
_EPSILON = 1e-6
CSV_HEADER = [
    "user_id",
    "email",
    "lesson_id",
    "lesson_title",
    "position_s",
    "furthest_s",
    "coverage",
    "watch_time_s",
    "completed_at",
]
_CSV_CHUNK = 500


def course_lessons_for_analytics(*, course: Course) -> list[tuple[ObjectId, str]]:
    """(id, title) of the lessons progress is measured against: the latest published
    version, or the draft outline of a course never published."""
    if course.version:
        version = (
            CourseVersion.objects(course_id=course.id, version=course.version)
            .only("lessons.lesson_id", "lessons.title", "lessons.position")
            .first()
        )
        if version is not None:
            ordered = sorted(version.lessons, key=lambda item: item.position or 0)
            return [(item.lesson_id, item.title or "") for item in ordered]
    draft = Lesson.objects(course_id=course.id, removed_at=None).only("id", "title", "position")
    return [(lesson.id, lesson.title) for lesson in draft.order_by("position")]


def _learner_match(course: Course) -> dict[str, Any]:
    return {"course_id": course.id, "user_id": {"$nin": course.instructor_ids()}}


def _per_learner(course: Course, lesson_oids: list[ObjectId]) -> list[dict[str, Any]]:
    completed_in_version = {
        "$cond": [
            {
                "$and": [
                    {"$ne": [{"$ifNull": ["$completed_at", None]}, None]},
                    {"$in": ["$lesson_id", {"$literal": lesson_oids}]},
                ]
            },
            1,
            0,
        ]
    }
    pipeline = [
        {"$match": _learner_match(course)},
        {
            "$group": {
                "_id": "$user_id",
                "watch_time_s": {"$sum": "$watch_time_s"},
                "completed": {"$sum": completed_in_version},
                "last_active": {"$max": "$updated_at"},
            }
        },
    ]
    return list(LessonProgress._get_collection().aggregate(pipeline))


def _per_lesson(course: Course, lesson_oids: list[ObjectId]) -> dict[ObjectId, dict[str, Any]]:
    reached = {
        f"d{k}": {
            "$sum": {
                "$cond": [
                    {
                        "$gte": [
                            {"$add": ["$furthest_s", _EPSILON]},
                            {"$divide": [{"$multiply": ["$duration_s", k]}, DROPOFF_STEPS]},
                        ]
                    },
                    1,
                    0,
                ]
            }
        }
        for k in range(DROPOFF_STEPS + 1)
    }
    pipeline = [
        {"$match": {**_learner_match(course), "lesson_id": {"$in": lesson_oids}}},
        {
            "$group": {
                "_id": "$lesson_id",
                "starts": {"$sum": 1},
                "completions": {
                    "$sum": {"$cond": [{"$ne": [{"$ifNull": ["$completed_at", None]}, None]}, 1, 0]}
                },
                "coverage_sum": {"$sum": "$coverage"},
                **reached,
            }
        },
    ]
    return {row["_id"]: row for row in LessonProgress._get_collection().aggregate(pipeline)}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, UTC)
    return moment


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def course_analytics_compute(*, course: Course, now: datetime | None = None) -> dict[str, Any]:
    """The analytics, straight from the database (no cache)."""
    now = now or timezone.now()
    lessons = course_lessons_for_analytics(course=course)
    lesson_oids = [lesson_id for lesson_id, _title in lessons]
    learners = _per_learner(course, lesson_oids)
    per_lesson = _per_lesson(course, lesson_oids) if lesson_oids else {}
    enrolled_ids = set(
        Enrollment.objects.filter(
            course_id=str(course.id), status=EnrollmentStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )
    total_lessons = len(lesson_oids)
    completed_ids = {
        row["_id"] for row in learners if total_lessons and row["completed"] >= total_lessons
    }
    watch_times = [float(row["watch_time_s"] or 0) for row in learners]
    last_active = [_aware(row.get("last_active")) for row in learners]
    lesson_rows = []
    for lesson_id, title in lessons:
        row = per_lesson.get(lesson_id)
        starts = int(row["starts"]) if row else 0
        lesson_rows.append(
            {
                "id": str(lesson_id),
                "title": title,
                "starts": starts,
                "completions": int(row["completions"]) if row else 0,
                "avg_coverage": _share(float(row["coverage_sum"] or 0), starts) if row else 0.0,
                "dropoff": [
                    _share(int(row[f"d{k}"]), starts) if row else 0.0
                    for k in range(DROPOFF_STEPS + 1)
                ],
            }
        )
    return {
        "enrolled": len(enrolled_ids),
        "started": len(learners),
        "completed": len(completed_ids),
        "completion_rate": _share(len(completed_ids & enrolled_ids), len(enrolled_ids)),
        "watch_time_s": {
            "total": round(sum(watch_times), 3),
            "median": round(statistics.median(watch_times), 3) if watch_times else 0.0,
        },
        "active_learners": {
            "d7": sum(1 for t in last_active if t and t >= now - timedelta(days=7)),
            "d30": sum(1 for t in last_active if t and t >= now - timedelta(days=30)),
        },
        "lessons": lesson_rows,
    }


def course_analytics(*, course: Course) -> dict[str, Any]:
    """Cached for TRACKING_ANALYTICS_CACHE_S; a publish changes the key (new version)."""
    key = f"tracking:analytics:v1:{course.id}:{course.version}"
    cached = cache_get(key)
    if cached is not None:
        return cached
    result = course_analytics_compute(course=course)
    cache_set(key, result, timeout=settings.TRACKING_ANALYTICS_CACHE_S)
    return result


def progress_csv_rows(*, course: Course) -> Iterator[list[str]]:
    """The header, then one row per learner x lesson (learners: active enrolments and anyone
    with progress, staff excluded), read in chunks of learners so memory stays flat."""
    lessons = course_lessons_for_analytics(course=course)
    collection = LessonProgress._get_collection()
    staff = set(course.instructor_ids())
    with_progress = set(collection.distinct("user_id", {"course_id": course.id}))
    enrolled = set(
        Enrollment.objects.filter(
            course_id=str(course.id), status=EnrollmentStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )
    learner_ids = sorted((with_progress | enrolled) - staff)
    yield CSV_HEADER
    for start in range(0, len(learner_ids), _CSV_CHUNK):
        chunk = learner_ids[start : start + _CSV_CHUNK]
        emails = user_emails_by_ids(user_ids=chunk)
        documents = {
            (document["user_id"], document["lesson_id"]): document
            for document in collection.find(
                {"course_id": course.id, "user_id": {"$in": chunk}}, {"buckets": False}
            )
        }
        for user_id in chunk:
            for lesson_id, title in lessons:
                document = documents.get((user_id, lesson_id))
                yield [
                    str(user_id),
                    csv_cell_safe(emails.get(user_id, "")),
                    str(lesson_id),
                    csv_cell_safe(title),
                    *_csv_progress(document),
                ]


def _csv_progress(document: dict[str, Any] | None) -> list[str]:
    if document is None:
        return ["", "", "", "", ""]
    completed_at = _aware(document.get("completed_at"))
    return [
        f"{float(document.get('position_s') or 0):g}",
        f"{float(document.get('furthest_s') or 0):g}",
        f"{float(document.get('coverage') or 0):.4f}",
        f"{float(document.get('watch_time_s') or 0):g}",
        completed_at.isoformat() if completed_at else "",
    ]


def progress_csv_stream(*, course: Course) -> Iterator[str]:
    return csv_lines(progress_csv_rows(course=course))


def course_has_lesson(*, course: Course, lesson_id: ObjectId) -> bool:
    """Any lesson of the course, including ones removed from the outline since."""
    return Lesson.objects(id=lesson_id, course_id=course.id).only("id").first() is not None
