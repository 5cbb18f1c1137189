"""Automatic captions requested with a direct upload (`generated_subtitles` in the new asset
settings), end to end through the real SDK, the simulator and its signed webhooks. The
simulator has no speech recogniser: it answers like Mux, then reports the track errored."""

from __future__ import annotations

import time

import pytest
import requests
from django.test import Client

from catalog.documents import Lesson
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.clients import client_for
from devtools.fixtures import TOKEN_ID, TOKEN_SECRET
from devtools.live_stack import connect_simulator
from learnstream.audit import AuditEntry
from mux_simulator.lifecycle import ApiError, normalize_asset_settings
from mux_simulator.tracks import GENERATED_UNAVAILABLE
from playback.captions_documents import Caption
from playback.captions_services import UPLOAD_ABANDONED
from playback.tests.test_captions import SRT, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lesson(instructor):
    course = CourseFactory(owner_id=instructor.id, language="en")
    return LessonFactory(course_id=course.id, position=0, title="Talk")


def upload_url(lesson) -> str:
    return f"/api/v1/instructor/lessons/{lesson.id}/upload"


def sim_upload(mux_sim, upload_id: str) -> dict:
    response = requests.get(
        f"{mux_sim.url}/video/v1/uploads/{upload_id}", auth=(TOKEN_ID, TOKEN_SECRET), timeout=5
    )
    response.raise_for_status()
    return response.json()["data"]


def wait_for(check, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_upload_with_automatic_captions_arrives_generated_then_errored_without_text(
    mux_sim, live_server, settings, instructor, lesson, video_clip
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    teacher = client_for(instructor)
    response = teacher.post(upload_url(lesson), {"generate_captions": "en"}, format="json")
    assert response.status_code == 201, response.content
    upload_id = response.json()["upload_id"]

    caption = Caption.objects.get(lesson_id=lesson.id)
    assert (caption.language, caption.source, caption.reviewed) == ("en", "generated", False)
    assert (caption.pending.state, caption.pending.upload_id) == ("processing", upload_id)
    listed = teacher.get(f"/api/v1/instructor/lessons/{lesson.id}/captions").json()
    assert [(c["source"], c["state"], c["reviewed"]) for c in listed] == [
        ("generated", "processing", False)
    ]
    # Mux was asked in the new asset's settings, with the caption named in the passthrough.
    settings_sent = sim_upload(mux_sim, upload_id)["new_asset_settings"]
    assert settings_sent["inputs"] == [
        {
            "generated_subtitles": [
                {
                    "language_code": "en",
                    "name": "en (automatic)",
                    "passthrough": f"{caption.id}:{caption.pending.rev}",
                }
            ]
        }
    ]
    entry = AuditEntry.objects(action="video.upload").get()
    assert entry.details["generate_captions"] == "en"

    requests.put(response.json()["url"], data=video_clip, timeout=30).raise_for_status()

    def settled():
        doc = Caption._get_collection().find_one({"lesson_id": lesson.id})
        return doc if (doc.get("pending") or {}).get("state") == "errored" else None

    doc = wait_for(settled)
    assert doc["pending"]["error"] == GENERATED_UNAVAILABLE
    assert doc["pending"]["vtt"] == "" and doc["cues"] == [] and not doc.get("current")
    asset_id = doc["pending"]["asset_id"]
    track = next(t for t in mux_sim.asset(asset_id)["tracks"] if t["type"] == "text")
    assert (track["text_source"], track["status"]) == ("generated_vod", "errored")
    # The video itself became ready, and the caption was not re-sent as an upload.
    wait_for(lambda: Lesson.objects.get(id=lesson.id).video.current is not None)
    assert Lesson.objects.get(id=lesson.id).video.current.state == "ready"
    listed = teacher.get(f"/api/v1/instructor/lessons/{lesson.id}/captions").json()
    assert [(c["source"], c["state"], c["error"]) for c in listed] == [
        ("generated", "errored", GENERATED_UNAVAILABLE)
    ]
    # Nothing invented: no caption reaches students.
    assert teacher.get(f"/api/v1/lessons/{lesson.id}/transcript").status_code == 404


@pytest.mark.parametrize("language", ["xx", "", "en-" + "a" * 40, 5])
def test_a_language_mux_cannot_transcribe_is_400_and_writes_nothing(
    mux_sim, instructor, lesson, language
):
    response = client_for(instructor).post(
        upload_url(lesson), {"generate_captions": language}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "generate_captions" in response.json()["errors"]
    assert Caption.objects(lesson_id=lesson.id).count() == 0
    assert not (Lesson._get_collection().find_one({"_id": lesson.id}).get("video") or {})


def test_a_language_with_captions_already_is_409(
    mux_sim, live_server, settings, instructor, lesson
):
    settings.SITE_URL = live_server.url
    teacher = client_for(instructor)
    assert upload(teacher, str(lesson.id), SRT.encode()).status_code == 201
    response = teacher.post(upload_url(lesson), {"generate_captions": "en"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert not (Lesson._get_collection().find_one({"_id": lesson.id}).get("video") or {})
    assert Caption.objects.get(lesson_id=lesson.id).source == "uploaded"


def test_mux_refusing_the_upload_leaves_no_caption(mux_sim, instructor, lesson):
    mux_sim.configure(fail_api=True)
    response = client_for(instructor).post(
        upload_url(lesson), {"generate_captions": "en"}, format="json"
    )
    assert response.status_code == 502
    assert Caption.objects(lesson_id=lesson.id).count() == 0


def test_a_second_upload_takes_over_a_caption_still_waiting(mux_sim, instructor, lesson):
    teacher = client_for(instructor)
    first = teacher.post(upload_url(lesson), {"generate_captions": "en"}, format="json")
    second = teacher.post(upload_url(lesson), {"generate_captions": "en"}, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    caption = Caption.objects.get(lesson_id=lesson.id)
    assert caption.pending.upload_id == second.json()["upload_id"]


def test_the_admin_uploader_requests_captions_and_cancelling_says_so(mux_sim, instructor, lesson):
    client = Client()
    client.force_login(instructor)
    base = f"/admin/catalog/courses/{lesson.course_id}/lessons/{lesson.id}/"
    page = client.get(base + "change/").content.decode()
    assert "data-generate-captions" in page and '<option value="en">en</option>' in page
    response = client.post(
        base + "upload/", data={"generate_captions": "fr"}, content_type="application/json"
    )
    assert response.status_code == 201
    upload_id = response.json()["upload_id"]
    assert Caption.objects.get(lesson_id=lesson.id).language == "fr"
    bad = client.post(base + "upload/", data=[1], content_type="application/json")
    assert bad.status_code == 400

    Lesson._get_collection().update_one(
        {"_id": lesson.id}, {"$set": {"video.pending.state": "errored"}}
    )
    assert client.post(base + "upload/cancel/").status_code == 302
    caption = Caption.objects.get(lesson_id=lesson.id)
    assert (caption.pending.state, caption.pending.error) == ("errored", UPLOAD_ABANDONED)
    assert caption.pending.upload_id == upload_id


def test_the_simulator_checks_generated_subtitles_in_asset_settings():
    kept = normalize_asset_settings(
        {"inputs": [{"generated_subtitles": [{"language_code": "en", "name": "English"}]}]}
    )
    assert kept["inputs"] == [{"generated_subtitles": [{"language_code": "en", "name": "English"}]}]
    assert "inputs" not in normalize_asset_settings({"inputs": [{}]})
    for bad in (
        {"inputs": "en"},
        {"inputs": [{"url": "https://example.com/a.mp4"}]},
        {"inputs": [{"generated_subtitles": [{"language_code": "not a tag"}]}]},
        {"input": [{"generated_subtitles": "en"}]},
    ):
        with pytest.raises(ApiError):
            normalize_asset_settings(bad)
