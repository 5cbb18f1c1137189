"""Course progress: completed lessons / lessons of the latest published version."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.documents import Course, Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import LessonFactory
from devtools.clients import client_for
from tracking.selectors import course_progress_for_user
from tracking.services import progress_mark_complete, progress_record_heartbeat
from tracking.tests.helpers import Clock, facts, video_course

pytestmark = pytest.mark.django_db


def percent(user, course) -> tuple[int, int, float]:
    progress = course_progress_for_user(user_id=user.id, course_ids=[str(course.id)])
    entry = progress[str(course.id)]
    return entry.completed_lessons, entry.total_lessons, entry.percent


def republish(course, owner) -> None:
    course.reload()
    course_publish(course=course, user=owner)


def test_percent_follows_lessons_added_and_removed(instructor, student):
    course, (first, second) = video_course(owner=instructor, lessons=2)
    progress_mark_complete(user_id=student.id, lesson=facts(first))
    assert percent(student, course) == (1, 2, 50.0)

    LessonFactory(course_id=course.id, position=5)  # added to the draft only
    assert percent(student, course) == (1, 2, 50.0)
    republish(course, instructor)
    assert percent(student, course) == (1, 3, 33.3)

    Lesson.objects(id=first).update(set__removed_at=timezone.now())  # the completed one
    republish(course, instructor)
    assert percent(student, course) == (0, 2, 0.0)

    progress_mark_complete(user_id=student.id, lesson=facts(second))
    assert percent(student, course) == (1, 2, 50.0)


def test_never_above_100_and_many_courses_at_once(instructor, student):
    course_a, lessons_a = video_course(owner=instructor, lessons=2)
    course_b, lessons_b = video_course(owner=instructor, lessons=1)
    for lesson_id in (*lessons_a, *lessons_b):
        progress_mark_complete(user_id=student.id, lesson=facts(lesson_id))
    Lesson.objects(id=lessons_a[0]).update(set__removed_at=timezone.now())
    republish(course_a, instructor)
    result = course_progress_for_user(
        user_id=student.id, course_ids=[str(course_a.id), str(course_b.id), "f" * 24, "bad"]
    )
    assert {
        key: (v.completed_lessons, v.total_lessons, v.percent) for key, v in result.items()
    } == {
        str(course_a.id): (1, 1, 100.0),
        str(course_b.id): (1, 1, 100.0),
        "f" * 24: (0, 0, 0.0),
    }
    assert result[str(course_a.id)].continue_lesson_id is None


def test_continue_points_at_the_last_unfinished_lesson(instructor, student):
    course, (_first, second) = video_course(owner=instructor, lessons=2)

    progress_record_heartbeat(
        user_id=student.id,
        lesson=facts(second),
        position_s=754.0 / 10,
        duration_s=100,
        played_from_s=70,
        played_to_s=75,
        now=Clock().now,
    )
    entry = course_progress_for_user(user_id=student.id, course_ids=[str(course.id)])[
        str(course.id)
    ]
    assert (entry.continue_lesson_id, entry.continue_position_s) == (second, 75.4)
    assert entry.continue_title == Lesson.objects.get(id=second).title


def test_course_progress_api(instructor, student, other_instructor, admin_user):
    course, (first, second) = video_course(owner=instructor, lessons=2)
    path = f"/api/v1/courses/{course.slug}/progress"
    assert client_for(None).get(path).status_code == 401
    assert client_for(student).get(path).status_code == 403
    assert client_for(other_instructor).get(path).status_code == 403
    assert client_for(student).get("/api/v1/courses/no-such-course/progress").status_code == 404
    enrollment_create(user=student, course=Course.objects.get(id=course.id))
    progress_mark_complete(user_id=student.id, lesson=facts(first))
    response = client_for(student).get(path)
    assert response.status_code == 200
    body = response.json()
    assert (body["completed_lessons"], body["total_lessons"], body["percent"]) == (1, 2, 50.0)
    assert [(item["id"], item["completed"], item["coverage"]) for item in body["lessons"]] == [
        (first, True, 1.0),
        (second, False, 0.0),
    ]
    assert body["continue_lesson_id"] == second
    for staff in (instructor, admin_user):
        assert client_for(staff).get(path).json()["completed_lessons"] == 0
