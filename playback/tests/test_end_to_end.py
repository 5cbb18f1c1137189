"""The whole video lifecycle with nothing faked: the real SDK asks the simulator for a direct
upload, the clip is PUT in chunks like UpChunk does, ffmpeg transcodes it, the simulator's
signed webhooks reach the app on a live server and turn the lesson ready, and the signed
stream plays."""

from __future__ import annotations

import time

import pytest
import requests
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from devtools.live_stack import put_in_chunks


def wait_for_state(client: APIClient, lesson_id: str, state: str, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    body: dict = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/instructor/lessons/{lesson_id}/video").json()
        if body["state"] == state:
            return body
        time.sleep(0.2)
    raise AssertionError(f"video never became {state}; last status {body}")


@pytest.mark.django_db(transaction=True)
def test_upload_webhooks_ready_playback(mux_sim, live_server, video_clip):
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    lesson_id = str(lesson.id)
    teacher = client_for(instructor)

    upload = teacher.post(f"/api/v1/instructor/lessons/{lesson_id}/upload")
    assert upload.status_code == 201
    assert teacher.get(f"/api/v1/instructor/lessons/{lesson_id}/video").json()["state"] == (
        "awaiting_upload"
    )
    put_in_chunks(upload.json()["url"], video_clip)

    status = wait_for_state(teacher, lesson_id, "ready")
    assert status["error"] is None
    assert status["duration_s"] == pytest.approx(2.0, abs=0.2)
    assert status["aspect_ratio"] == "4:3"
    assert requests.get(status["thumbnail_url"], timeout=10).status_code == 200

    lesson.reload()
    assert lesson.duration_s == status["duration_s"]
    delivered = {e["type"] for e in mux_sim.webhooks() if e["state"] == "delivered"}
    assert {"video.upload.asset_created", "video.asset.created", "video.asset.ready"} <= delivered

    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    playback = client_for(student).get(f"/api/v1/lessons/{lesson_id}/playback")
    assert playback.status_code == 200
    master = requests.get(playback.json()["stream_url"], timeout=10)
    assert master.status_code == 200
    rendition_uri = next(
        line for line in master.text.splitlines() if line and not line.startswith("#")
    )
    rendition = requests.get(requests.compat.urljoin(master.url, rendition_uri), timeout=10)
    assert rendition.status_code == 200
    segment_uri = next(
        line for line in rendition.text.splitlines() if line and not line.startswith("#")
    )
    segment = requests.get(requests.compat.urljoin(rendition.url, segment_uri), timeout=10)
    assert segment.status_code == 200
    assert len(segment.content) > 0
