"""The progress API end to end (JSON in, problem+json out), with real stores."""

from __future__ import annotations

import pytest

from catalog.documents import Lesson
from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
from catalog.services import enrollment_create
from devtools.clients import client_for
from tracking.tests.helpers import (
    BEAT,
    FIRST_BEAT_PROGRESS,
    progress_url,
    raw_progress,
    video_course,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_and_lessons(instructor):
    return video_course(owner=instructor, lessons=2, duration_s=100.0)


@pytest.fixture
def enrolled(student, course_and_lessons):
    enrollment_create(user=student, course=course_and_lessons[0])
    return student


def test_heartbeat_answers_the_progress_shape(enrolled, course_and_lessons):
    _course, lesson_ids = course_and_lessons
    response = client_for(enrolled).post(progress_url(lesson_ids[0]), BEAT, format="json")
    assert response.status_code == 200
    assert response.json() == FIRST_BEAT_PROGRESS
    assert raw_progress()[0]["user_id"] == enrolled.id


def test_unenrolled_beat_is_403_and_writes_nothing(student, course_and_lessons):
    response = client_for(student).post(progress_url(course_and_lessons[1][0]), BEAT, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert raw_progress() == []


def test_anonymous_is_401_and_unknown_lesson_404(enrolled):
    response = client_for(None).post(progress_url("a" * 24), BEAT, format="json")
    assert response.status_code == 401
    response = client_for(enrolled).post(progress_url("a" * 24), BEAT, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert raw_progress() == []


@pytest.mark.parametrize(
    "body",
    [
        '{"position_s": NaN, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": Infinity, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": 1e999, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": 250, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": "5", "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": true, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": -1, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"duration_s": 100, "played_from_s": 0, "played_to_s": 5}',
        '{"position_s": 5, "duration_s": 100, "played_from_s": 0, "played_to_s": 40}',
        "[1, 2]",
    ],
)
def test_invalid_beats_are_400_and_write_nothing(enrolled, course_and_lessons, body):
    response = client_for(enrolled).post(
        progress_url(course_and_lessons[1][0]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert raw_progress() == []


def test_too_soon_is_429_but_invalid_and_forbidden_beats_never_are(
    enrolled, student, other_instructor, course_and_lessons
):
    lesson_id = course_and_lessons[1][0]
    client = client_for(enrolled)
    assert client.post(progress_url(lesson_id), BEAT, format="json").status_code == 200
    before = raw_progress()
    response = client.post(progress_url(lesson_id), BEAT, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"] in {"1", "2"}
    bad = '{"position_s": NaN, "duration_s": 100, "played_from_s": 0, "played_to_s": 5}'
    response = client.post(progress_url(lesson_id), bad, content_type="application/json")
    assert response.status_code == 400
    outsider = client_for(other_instructor)
    assert outsider.post(progress_url(lesson_id), BEAT, format="json").status_code == 403
    assert raw_progress() == before


def _give_ready_video(lesson_id: str) -> None:
    Lesson.objects(id=lesson_id).update(
        set__video=LessonVideo(current=VideoGeneration(state=VideoState.READY, playback_id="p"))
    )


def test_complete_lessons_without_video_only(enrolled, course_and_lessons):
    _course, lesson_ids = course_and_lessons
    client = client_for(enrolled)
    response = client.post(f"/api/v1/lessons/{lesson_ids[0]}/complete")
    assert response.status_code == 200
    body = response.json()
    assert (body["completed"], body["coverage"]) == (True, 1.0)
    assert body["completed_at"] is not None
    again = client.post(f"/api/v1/lessons/{lesson_ids[0]}/complete").json()
    assert again["completed_at"] == body["completed_at"]
    _give_ready_video(lesson_ids[1])
    response = client.post(f"/api/v1/lessons/{lesson_ids[1]}/complete")
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert len(raw_progress()) == 1


def test_complete_needs_access(student, course_and_lessons):
    response = client_for(student).post(f"/api/v1/lessons/{course_and_lessons[1][0]}/complete")
    assert response.status_code == 403
    assert raw_progress() == []
