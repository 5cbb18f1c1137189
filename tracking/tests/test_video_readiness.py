"""Completion needs a watchable video: a lesson whose video is pending, processing, errored
or removed cannot be completed, and nothing recorded while it was so stands once it plays."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.access import lesson_facts_get, lesson_facts_invalidate
from catalog.documents import Lesson
from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
from catalog.services import enrollment_create
from learnstream.errors import VideoNotReady
from tracking.services import progress_mark_complete
from tracking.tests.helpers import raw_progress, video_course

pytestmark = pytest.mark.django_db

NOT_READY = {
    "pending upload": LessonVideo(pending=VideoGeneration(state=VideoState.AWAITING_UPLOAD)),
    "processing": LessonVideo(pending=VideoGeneration(state=VideoState.PROCESSING)),
    "errored": LessonVideo(current=VideoGeneration(state=VideoState.ERRORED)),
    "removed": LessonVideo(current=VideoGeneration(state=VideoState.DELETED)),
}


def _set_video(lesson_id: str, video: LessonVideo) -> None:
    Lesson.objects(id=lesson_id).update(set__video=video)
    lesson_facts_invalidate(lesson_ids=[lesson_id])  # as playback does on every video change


@pytest.fixture
def setup(instructor, student):
    # No known duration: the client's duration_s is all a beat would be measured against.
    course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=0.0)
    enrollment_create(user=student, course=course)
    client = APIClient()
    client.force_authenticate(user=student)
    return client, lesson_ids[0]


@pytest.mark.parametrize("state", sorted(NOT_READY))
def test_a_lesson_whose_video_is_not_ready_cannot_be_completed(setup, state):
    client, lesson_id = setup
    _set_video(lesson_id, NOT_READY[state])
    response = client.post(f"/api/v1/lessons/{lesson_id}/complete")
    assert (response.status_code, response.json()["code"]) == (409, "video_not_ready")
    beat = {"position_s": 5.0, "duration_s": 5.0, "played_from_s": 0.0, "played_to_s": 5.0}
    response = client.post(f"/api/v1/lessons/{lesson_id}/progress", beat, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "video_not_ready")
    assert raw_progress() == []


def test_nothing_from_the_pending_time_is_carried_into_the_ready_video(setup):
    client, lesson_id = setup
    _set_video(lesson_id, NOT_READY["processing"])
    assert client.post(f"/api/v1/lessons/{lesson_id}/complete").status_code == 409
    _set_video(
        lesson_id,
        LessonVideo(current=VideoGeneration(state=VideoState.READY, playback_id="p")),
    )
    assert raw_progress() == []  # no completion waiting to be carried over
    response = client.post(f"/api/v1/lessons/{lesson_id}/complete")
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    beat = {"position_s": 5.0, "duration_s": 5.0, "played_from_s": 0.0, "played_to_s": 5.0}
    body = client.post(f"/api/v1/lessons/{lesson_id}/progress", beat, format="json").json()
    assert (body["completed"], body["watch_time_s"]) == (True, 5.0)  # earned by playing
    assert len(raw_progress()) == 1


def test_a_reading_lesson_is_still_completed_explicitly(setup):
    client, lesson_id = setup
    response = client.post(f"/api/v1/lessons/{lesson_id}/complete")
    assert (response.status_code, response.json()["completed"]) == (200, True)


def test_a_lesson_whose_only_upload_was_cancelled_is_a_reading_lesson(setup):
    client, lesson_id = setup
    _set_video(lesson_id, LessonVideo(pending=VideoGeneration(state=VideoState.CANCELLED)))
    response = client.post(f"/api/v1/lessons/{lesson_id}/complete")
    assert (response.status_code, response.json()["completed"]) == (200, True)


def test_a_removed_video_stays_uncompletable_after_a_cancelled_replacement(setup):
    client, lesson_id = setup
    _set_video(
        lesson_id,
        LessonVideo(
            current=VideoGeneration(state=VideoState.DELETED),
            pending=VideoGeneration(state=VideoState.CANCELLED),
        ),
    )
    response = client.post(f"/api/v1/lessons/{lesson_id}/complete")
    assert (response.status_code, response.json()["code"]) == (409, "video_not_ready")
    assert raw_progress() == []


@pytest.mark.parametrize("state", sorted(NOT_READY))
def test_the_completion_rule_is_the_service_s_own(setup, student, state):
    _client, lesson_id = setup
    _set_video(lesson_id, NOT_READY[state])
    facts = lesson_facts_get(lesson_id=lesson_id)
    with pytest.raises(VideoNotReady):
        progress_mark_complete(user_id=student.pk, lesson=facts)
    assert raw_progress() == []
