"""POST /api/v1/instructor/lessons/{id}/upload and GET …/video, through the real SDK and the
simulator."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Course, Lesson
from catalog.lesson_video import VideoState
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from devtools.clients import client_for
from devtools.mongo_server import free_port
from learnstream.errors import UpstreamError
from playback import mux_client
from playback.services import video_remove
from playback.tests.helpers import set_video

pytestmark = pytest.mark.django_db


def video_doc(lesson) -> dict:
    return Lesson._get_collection().find_one({"_id": lesson.id}).get("video") or {}


@pytest.fixture
def course(instructor):
    return published_course(owner=instructor, lessons=2)


@pytest.fixture
def lesson(course):
    return Lesson.objects(course_id=course.id).order_by("position").first()


def upload_url(lesson) -> str:
    return f"/api/v1/instructor/lessons/{lesson.id}/upload"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("student", 403),
        ("other_instructor", 403),
        ("owner", 201),
        ("co_instructor", 201),
        ("admin", 201),
    ],
)
def test_upload_permissions(mux_sim, course, lesson, instructor, who, status):
    user = {
        "anonymous": None,
        "student": UserFactory(role="student"),
        "other_instructor": UserFactory(role="instructor"),
        "owner": instructor,
        "co_instructor": UserFactory(role="instructor"),
        "admin": UserFactory(role="admin"),
    }[who]
    if who == "co_instructor":
        Course.objects(id=course.id).update_one(push__co_instructor_ids=user.id)
    before = video_doc(lesson)
    response = client_for(user).post(upload_url(lesson))
    assert response.status_code == status
    if status != 201:
        assert video_doc(lesson) == before


def test_upload_creates_pending_generation(mux_sim, instructor, lesson):
    response = client_for(instructor).post(upload_url(lesson))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"upload_id", "url", "expires_at"}
    assert body["url"] == f"{mux_sim.url}/upload/{body['upload_id']}"
    pending = video_doc(lesson)["pending"]
    assert (pending["upload_id"], pending["state"]) == (body["upload_id"], "awaiting_upload")
    assert mux_client.direct_upload_get(upload_id=body["upload_id"]).status == "waiting"

    status = client_for(instructor).get(f"/api/v1/instructor/lessons/{lesson.id}/video")
    assert status.json() == {
        "state": "awaiting_upload",
        "error": None,
        "duration_s": None,
        "aspect_ratio": None,
        "thumbnail_url": None,
        "playable": False,
    }


def test_upload_for_a_draft_lesson_of_someone_else_is_404(mux_sim, other_instructor):
    lesson = LessonFactory(course_id=CourseFactory(owner_id=999_999).id)
    response = client_for(other_instructor).post(upload_url(lesson))
    assert response.status_code == 404
    assert video_doc(lesson) == {}


def test_malformed_lesson_id_is_404(mux_sim, instructor):
    response = client_for(instructor).post("/api/v1/instructor/lessons/not-an-id/upload")
    assert response.status_code == 404


def test_replacing_keeps_the_current_video(mux_sim, instructor, lesson):
    current = {"asset_id": "a", "playback_id": "pb-old", "state": "ready", "duration_s": 5.0}
    set_video(lesson, current=current)
    response = client_for(instructor).post(upload_url(lesson))
    assert response.status_code == 201
    video = video_doc(lesson)
    assert video["current"]["playback_id"] == "pb-old"
    assert video["pending"]["state"] == "awaiting_upload"
    status = client_for(instructor).get(f"/api/v1/instructor/lessons/{lesson.id}/video").json()
    assert (status["state"], status["playable"], status["duration_s"]) == (
        "awaiting_upload",
        True,
        5.0,
    )


def test_mux_failing_is_502_and_writes_nothing(mux_sim, instructor, lesson):
    mux_sim.configure(fail_api=True)
    response = client_for(instructor).post(upload_url(lesson))
    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"
    assert video_doc(lesson) == {}


def test_mux_down_is_503_and_writes_nothing(mux_sim, instructor, lesson, settings):
    settings.MUX_API_HOST = f"http://127.0.0.1:{free_port()}"
    response = client_for(instructor).post(upload_url(lesson))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert video_doc(lesson) == {}


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("student", 403), ("other_instructor", 403), ("admin", 200)],
)
def test_video_status_permissions(lesson, who, status):
    user = None if who == "anonymous" else UserFactory(role=who.replace("other_", ""))
    response = client_for(user).get(f"/api/v1/instructor/lessons/{lesson.id}/video")
    assert response.status_code == status


def test_video_status_shows_mux_error(instructor, lesson):
    set_video(lesson, pending={"upload_id": "u", "state": "errored", "error": "Invalid file"})
    body = client_for(instructor).get(f"/api/v1/instructor/lessons/{lesson.id}/video").json()
    assert (body["state"], body["error"], body["playable"]) == ("errored", "Invalid file", False)


def test_video_status_of_a_ready_video_has_a_signed_thumbnail(mux_sim, instructor, lesson):
    set_video(
        lesson,
        current={
            "asset_id": "a",
            "playback_id": "pb-1",
            "state": "ready",
            "duration_s": 2.0,
            "aspect_ratio": "4:3",
        },
    )
    body = client_for(instructor).get(f"/api/v1/instructor/lessons/{lesson.id}/video").json()
    assert body["state"] == "ready"
    assert (body["duration_s"], body["aspect_ratio"], body["playable"]) == (2.0, "4:3", True)
    assert body["thumbnail_url"].startswith(f"{mux_sim.url}/image/pb-1/thumbnail.jpg?token=")


def test_video_status_none(instructor, lesson):
    body = client_for(instructor).get(f"/api/v1/instructor/lessons/{lesson.id}/video").json()
    assert body["state"] == "none"


def test_video_remove_cancels_the_upload_and_deletes_the_asset(mux_sim, instructor, lesson):
    upload = client_for(instructor).post(upload_url(lesson)).json()
    # The current asset is unknown to Mux (already gone there): still marked deleted.
    Lesson._get_collection().update_one(
        {"_id": lesson.id},
        {"$set": {"video.current": {"asset_id": "gone", "playback_id": "p", "state": "ready"}}},
    )
    video_remove(user=instructor, lesson_id=str(lesson.id))
    video = video_doc(lesson)
    assert video["pending"]["state"] == VideoState.CANCELLED
    assert video["current"]["state"] == VideoState.DELETED
    assert mux_client.direct_upload_get(upload_id=upload["upload_id"]).status == "cancelled"


def test_video_remove_when_mux_fails_changes_nothing(mux_sim, instructor, lesson):
    current = {"asset_id": "a", "playback_id": "p", "state": "ready", "duration_s": 1.0}
    set_video(lesson, current=current)
    before = video_doc(lesson)
    mux_sim.configure(fail_api=True)
    with pytest.raises(UpstreamError):
        video_remove(user=instructor, lesson_id=str(lesson.id))
    assert video_doc(lesson) == before


def test_upload_and_remove_are_audited_once_each(mux_sim, instructor, course, lesson):
    from learnstream.audit import AuditEntry

    AuditEntry.objects.delete()  # the fixture's publish
    response = client_for(instructor).post(upload_url(lesson))
    assert response.status_code == 201
    video_remove(user=instructor, lesson_id=str(lesson.id))
    entries = [
        (e.actor_id, e.action, e.target_type, e.target_id, e.details)
        for e in AuditEntry.objects.order_by("at")
    ]
    assert entries == [
        (
            instructor.id,
            "video.upload",
            "lesson",
            str(lesson.id),
            {"course_id": str(course.id), "upload_id": response.json()["upload_id"]},
        ),
        (instructor.id, "video.remove", "lesson", str(lesson.id), {"course_id": str(course.id)}),
    ]


def test_refused_upload_records_nothing(mux_sim, other_instructor, lesson):
    from learnstream.audit import AuditEntry

    AuditEntry.objects.delete()
    assert client_for(other_instructor).post(upload_url(lesson)).status_code == 403
    assert AuditEntry.objects.count() == 0


def test_uploads_and_removals_for_an_archived_course_are_409(mux_sim, instructor, course, lesson):
    from catalog.services import course_archive
    from learnstream.audit import AuditEntry
    from learnstream.errors import Conflict

    set_video(lesson, current={"asset_id": "a-1", "playback_id": "p-1", "state": "ready"})
    course_archive(course=course, user=instructor)
    AuditEntry.objects.delete()
    before = video_doc(lesson)
    response = client_for(instructor).post(upload_url(lesson))
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    with pytest.raises(Conflict):
        video_remove(user=instructor, lesson_id=str(lesson.id))
    assert video_doc(lesson) == before
    assert AuditEntry.objects.count() == 0
