"""Shared set-up for the tracking tests: courses whose lessons have a known duration, a
controllable clock, a first heartbeat and its answer, and a raw view of the progress
collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from catalog.access import LessonFacts, lesson_facts_get, lesson_facts_invalidate
from catalog.documents import Lesson
from catalog.tests.factories import published_course
from tracking.documents import LessonProgress

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

# A first heartbeat on a 100 s video (`video_course`'s default) and the progress it answers.
BEAT = {"position_s": 5.0, "duration_s": 100.0, "played_from_s": 0.0, "played_to_s": 5.0}
FIRST_BEAT_PROGRESS = {
    "position_s": 5.0,
    "furthest_s": 5.0,
    "coverage": 0.05,
    "watch_time_s": 5.0,
    "completed": False,
    "completed_at": None,
    "duration_s": 100.0,
    "credited_s": 5.0,
}


def progress_url(lesson_id: str) -> str:
    """The lesson's heartbeat route."""
    return f"/api/v1/lessons/{lesson_id}/progress"


# The video length of the lessons the shared `course_lessons` fixture makes.
LESSON_DURATION_S = 100.0


class Clock:
    """Server wall time for the service's `now=` parameter: tests advance it, never sleep."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now = self.now + timedelta(seconds=seconds)
        return self.now


def video_course(*, owner, lessons: int = 2, duration_s: float = 100.0, **fields):
    """A published course whose lessons have a video of `duration_s` seconds."""
    course = published_course(owner=owner, lessons=lessons, **fields)
    lesson_ids = [lesson.id for lesson in Lesson.objects(course_id=course.id).order_by("position")]
    Lesson.objects(course_id=course.id).update(set__duration_s=duration_s)
    lesson_facts_invalidate(lesson_ids=lesson_ids)
    return course, [str(lesson_id) for lesson_id in lesson_ids]


def ready_video_course(*, owner, assets: list[dict], duration_s: float):
    """A published course with one lesson per simulator asset, each playing it (ready, as
    the webhooks would have left it) and lasting `duration_s`."""
    # Imported here: only the tests that use the simulator's assets need playback's helpers.
    from playback.tests.helpers import ready_generation, set_video

    course = published_course(owner=owner, lessons=len(assets))
    found = list(Lesson.objects(course_id=course.id).order_by("position"))
    for lesson, asset in zip(found, assets, strict=True):
        set_video(lesson, current=ready_generation(asset))
    Lesson.objects(course_id=course.id).update(set__duration_s=duration_s)
    lesson_facts_invalidate(lesson_ids=[lesson.id for lesson in found])
    return course, [str(lesson.id) for lesson in found]


def facts(lesson_id: str) -> LessonFacts:
    return lesson_facts_get(lesson_id=lesson_id)


def completed_progress_insert(
    *, user_id: int, course_id: ObjectId, lesson_id: ObjectId, duration_s: float, at: datetime = T0
) -> None:
    """A lesson watched to its end and completed at `at`, written as stored (for pages that
    show progress, without driving heartbeats)."""
    LessonProgress._get_collection().insert_one(
        {
            "user_id": user_id,
            "course_id": course_id,
            "lesson_id": lesson_id,
            "position_s": duration_s,
            "duration_s": duration_s,
            "completed_at": at,
            "updated_at": at,
        }
    )


def raw_progress() -> list[dict]:
    """Every progress document as stored (for "nothing changed" assertions)."""
    return list(LessonProgress._get_collection().find({}, sort=[("_id", 1)]))
