"""The instructor's workspace in the admin: publish warnings, preview, unarchive, abandoned
uploads, video states in words, the audit log's titles and the caption report. Django test
client with a session, real PostgreSQL/MongoDB, and the simulator where Mux is involved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bson import ObjectId
from django.test import Client
from django.utils import timezone

from catalog.documents import Course, CourseVersion, Lesson
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from learnstream.audit import AuditEntry, audit_record
from playback import mux_client
from playback.captions_documents import Caption, CaptionTrack
from playback.tests.helpers import set_video

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def course_url(course, page: str) -> str:
    return f"/admin/catalog/courses/{course.id}/{page}/"


def lesson_url(course, lesson, page: str = "change") -> str:
    return f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/{page}/"


def text_of(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---------------------------------------------------------------- publish warnings


def test_a_course_without_lessons_cannot_be_published(instructor):
    course = CourseFactory(owner_id=instructor.id, title="Empty")
    client = login(instructor)
    page = client.get(course_url(course, "publish"))
    assert page.status_code == 200
    assert "The course has no lesson: add at least one before publishing." in text_of(page)
    assert b"Publish version 1" not in page.content  # no button to press

    response = client.post(course_url(course, "publish"))
    assert response.status_code == 400
    assert "Nothing was published" in text_of(response)
    course.reload()
    assert (course.status, course.version) == ("draft", 0)
    assert CourseVersion.objects(course_id=course.id).count() == 0
    assert AuditEntry.objects(action="course.publish").count() == 0


def test_lessons_whose_videos_are_not_ready_need_confirmation(instructor):
    course = CourseFactory(owner_id=instructor.id, title="Half done")
    reading = LessonFactory(course_id=course.id, position=0, title="Read me")
    waiting = LessonFactory(course_id=course.id, position=1, title="Still uploading")
    failed = LessonFactory(course_id=course.id, position=2, title="Broken video")
    set_video(waiting, pending={"upload_id": "up-1", "state": "awaiting_upload"})
    set_video(failed, pending={"upload_id": "up-2", "state": "errored", "error": "Bad codec"})
    client = login(instructor)

    page = text_of(client.get(course_url(course, "publish")))
    assert "Still uploading Its video is not ready: Waiting for the upload." in page
    assert "Broken video Its video is not ready: Failed: Bad codec." in page
    assert reading.title not in page.split("Check before publishing")[1].split("Publish anyway")[0]
    assert "Publish anyway, with 2 lessons whose videos are not ready" in page

    refused = client.post(course_url(course, "publish"))
    assert refused.status_code == 400
    assert "Nothing was published: some lessons have videos that are not ready" in text_of(refused)
    assert Course.objects.get(id=course.id).version == 0

    response = client.post(course_url(course, "publish"), {"confirm_problems": "yes"})
    assert response.status_code == 302
    course.reload()
    assert (course.status, course.version) == ("published", 1)


def test_a_course_whose_videos_are_ready_publishes_without_questions(instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    set_video(
        lesson,
        current={"asset_id": "a", "playback_id": "p", "state": "ready", "duration_s": 3.0},
    )
    client = login(instructor)
    page = client.get(course_url(course, "publish"))
    assert b'id="publish-problems"' not in page.content
    assert client.post(course_url(course, "publish")).status_code == 302
    assert Course.objects.get(id=course.id).version == 1


# ---------------------------------------------------------------- preview


def test_staff_preview_the_draft_as_students_would_see_it(instructor, other_instructor, student):
    course = published_course(owner=instructor, lessons=2, title="Live title")
    first, second = Lesson.objects(course_id=course.id).order_by("position")
    Course.objects(id=course.id).update_one(set__title="Draft title", set__description="*New* text")
    Lesson.objects(id=first.id).update_one(set__title="Draft lesson", set__body="Read **this**")
    LessonFactory(course_id=course.id, position=5, title="Not yet published")
    client = login(instructor)

    page = client.get(course_url(course, "preview"))
    assert page.status_code == 200
    body = text_of(page)
    assert body.startswith("Preview: Draft title") or "Preview —" in body
    assert "Preview — the draft, as students will see it once you publish it" in body
    assert "Draft title" in body and "<em>New</em>" in page.content.decode()
    assert "Not yet published" in body and "3 lessons" in body
    assert b"<form" not in page.content.split(b'id="content-main"')[1]  # read-only

    lesson_page = client.get(lesson_url(course, first, "preview"))
    assert lesson_page.status_code == 200
    text = text_of(lesson_page)
    assert "Preview —" in text and "Draft lesson" in text
    assert "<strong>this</strong>" in lesson_page.content.decode()
    assert second.title in text  # the next lesson link

    for user in (other_instructor,):
        assert login(user).get(course_url(course, "preview")).status_code == 404
        assert login(user).get(lesson_url(course, first, "preview")).status_code == 404
    assert login(student).get(course_url(course, "preview")).status_code == 302


def test_preview_player_records_no_progress(instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    set_video(
        lesson,
        current={"asset_id": "a", "playback_id": "p", "state": "ready", "duration_s": 3.0},
    )
    page = login(instructor).get(lesson_url(course, lesson, "preview")).content.decode()
    assert "data-player" in page and f"/api/v1/lessons/{lesson.id}/playback" in page
    assert "data-progress-url" not in page


# ---------------------------------------------------------------- unarchive


def test_archive_can_be_undone_and_is_audited(instructor, other_instructor):
    course = published_course(owner=instructor, lessons=1, title="Comeback")
    client = login(instructor)
    assert client.post(course_url(course, "archive")).status_code == 302
    assert Course.objects.get(id=course.id).status == "archived"
    change = client.get(course_url(course, "change")).content.decode()
    assert f'href="/admin/catalog/courses/{course.id}/unarchive/"' in change

    assert login(other_instructor).post(course_url(course, "unarchive")).status_code == 404
    assert Course.objects.get(id=course.id).status == "archived"

    confirm = client.get(course_url(course, "unarchive"))
    assert "It becomes a draft you can edit again" in text_of(confirm)
    response = client.post(course_url(course, "unarchive"))
    assert response.status_code == 302
    course.reload()
    assert (course.status, course.version) == ("draft", 1)
    assert client.get("/api/v1/courses").json()["results"] == []  # not public until published
    entry = AuditEntry.objects(action="course.unarchive").get()
    assert (entry.actor_id, entry.target_id) == (instructor.id, str(course.id))

    # Unarchiving twice changes nothing and records nothing more.
    client.post(course_url(course, "unarchive"))
    assert AuditEntry.objects(action="course.unarchive").count() == 1
    assert client.post(course_url(course, "publish")).status_code == 302
    assert Course.objects.get(id=course.id).status == "published"


# ---------------------------------------------------------------- video states and uploads


def test_video_states_are_words_on_the_course_and_lesson_pages(instructor):
    course = CourseFactory(owner_id=instructor.id)
    waiting = LessonFactory(course_id=course.id, position=0, title="A")
    failed = LessonFactory(course_id=course.id, position=1, title="B")
    set_video(waiting, pending={"upload_id": "up-1", "state": "awaiting_upload"})
    set_video(failed, pending={"upload_id": "up-2", "state": "errored", "error": "No audio"})
    client = login(instructor)
    course_page = text_of(client.get(course_url(course, "change")))
    assert "Waiting for the upload" in course_page and "Failed: No audio" in course_page
    assert "awaiting_upload" not in course_page

    lesson_page = text_of(client.get(lesson_url(course, waiting)))
    assert "Current state: Waiting for the upload" in lesson_page
    assert "awaiting_upload" not in lesson_page
    assert "Cancel upload" not in lesson_page  # just started: not abandoned
    failed_page = client.get(lesson_url(course, failed))
    assert "Current state: Failed: No audio" in text_of(failed_page)
    assert "Cancel upload" in text_of(failed_page) and b"data-upload-again" in failed_page.content
    # The uploader keeps the state text up to date after an upload.
    assert b'data-state-target="#video-state"' in failed_page.content


def _age_pending(lesson, minutes: int) -> None:
    old = timezone.now() - timedelta(minutes=minutes)
    Lesson._get_collection().update_one(
        {"_id": lesson.id},
        {"$set": {"video.pending.created_at": old, "video.pending.updated_at": old}},
    )


def test_an_abandoned_upload_is_cancelled_at_mux_and_forgotten(mux_sim, instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    set_video(
        lesson,
        current={"asset_id": "a", "playback_id": "p", "state": "ready", "duration_s": 3.0},
    )
    client = login(instructor)
    created = client.post(lesson_url(course, lesson, "upload"))
    assert created.status_code == 201
    upload_id = created.json()["upload_id"]
    _age_pending(lesson, 30)

    page = text_of(client.get(lesson_url(course, lesson)))
    assert "This upload started more than 10 minutes ago and its file never arrived." in page
    assert "Students keep the current video." in page

    response = client.post(lesson_url(course, lesson, "upload/cancel"))
    assert response.status_code == 302
    assert response["Location"].endswith("#video")
    assert mux_client.direct_upload_get(upload_id=upload_id).status == "cancelled"
    video = Lesson._get_collection().find_one({"_id": lesson.id})["video"]
    assert "pending" not in video and video["current"]["state"] == "ready"
    entry = AuditEntry.objects(action="video.upload_cancel").get()
    assert entry.details == {
        "course_id": str(course.id),
        "upload_id": upload_id,
        "state": "awaiting_upload",
    }
    after = text_of(client.get(lesson_url(course, lesson)))
    assert "Current state: Ready" in after and "Cancel upload" not in after


def test_a_failed_upload_is_dismissed_and_its_asset_retired(mux_sim, instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    set_video(
        lesson,
        pending={"upload_id": "up-x", "asset_id": "asset-x", "state": "errored", "error": "Bad"},
    )
    response = login(instructor).post(lesson_url(course, lesson, "upload/cancel"))
    assert response.status_code == 302
    video = Lesson._get_collection().find_one({"_id": lesson.id})["video"]
    assert "pending" not in video
    assert [item["asset_id"] for item in video["retired"]] == ["asset-x"]


def test_an_upload_that_arrived_cannot_be_cancelled(mux_sim, instructor, other_instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    set_video(lesson, pending={"upload_id": "up-p", "asset_id": "as-p", "state": "processing"})
    before = Lesson._get_collection().find_one({"_id": lesson.id})["video"]
    assert (
        login(other_instructor).post(lesson_url(course, lesson, "upload/cancel")).status_code == 404
    )
    response = login(instructor).post(lesson_url(course, lesson, "upload/cancel"), follow=True)
    assert "The upload could not be cancelled: The upload has arrived and is processing" in (
        text_of(response)
    )
    assert Lesson._get_collection().find_one({"_id": lesson.id})["video"] == before
    assert AuditEntry.objects(action="video.upload_cancel").count() == 0


# ---------------------------------------------------------------- audit log


def test_audit_log_names_courses_and_lessons_by_title(instructor):
    course = published_course(owner=instructor, lessons=1, title="Titled course")
    lesson = Lesson.objects(course_id=course.id).first()
    Lesson.objects(id=lesson.id).update_one(set__title="Titled lesson")
    client = login(instructor)
    client.post(lesson_url(course, lesson, "delete"))  # audited with the lesson as target
    audit_record(
        actor_id=instructor.id,
        action="video.remove",
        target_type="lesson",
        target_id=str(lesson.id),
        details={"course_id": str(course.id)},
    )
    page = text_of(client.get("/admin/catalog/audit/"))
    assert "Course “Titled course”" in page
    assert "Lesson “Titled lesson” in “Titled course”" in page
    assert str(lesson.id) not in page and f"course_id={course.id}" not in page


def test_audit_log_says_when_the_target_is_gone(admin_user):
    missing = str(ObjectId())
    audit_record(
        actor_id=admin_user.id, action="course.archive", target_type="course", target_id=missing
    )
    page = text_of(login(admin_user).get("/admin/catalog/audit/"))
    assert f"Course {missing} (deleted)" in page


# ---------------------------------------------------------------- the caption report


def _caption(lesson, language: str, *, reviewed: bool, state: str = "ready", **fields) -> None:
    track = CaptionTrack(rev=ObjectId().__str__()[:16], asset_id="a", track_id="t", state=state)
    Caption(
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        language=language,
        label=language,
        reviewed=reviewed,
        current=track if state == "ready" else None,
        pending=track if state != "ready" else None,
        **fields,
    ).save()


def test_caption_report_lists_lessons_lacking_reviewed_captions(instructor, other_instructor):
    course = CourseFactory(owner_id=instructor.id, language="en")
    ready = {"asset_id": "a", "playback_id": "p", "state": "ready", "duration_s": 3.0}
    lessons = [
        LessonFactory(course_id=course.id, position=i, title=title)
        for i, title in enumerate(["Done", "Unreviewed", "Missing", "French only", "Reading"])
    ]
    for lesson in lessons[:4]:
        set_video(lesson, current=ready)
    _caption(lessons[0], "en-GB", reviewed=True)
    _caption(lessons[1], "en", reviewed=False, source="generated")
    _caption(lessons[3], "fr", reviewed=True)
    client = login(instructor)

    response = client.get(course_url(course, "captions"))
    assert response.status_code == 200
    html = response.content.decode()
    flags = dict(re.findall(r'data-lesson-id="(\w+)" data-needs-work="(\w+)"', html))
    assert flags == {
        str(lessons[0].id): "false",
        str(lessons[1].id): "true",
        str(lessons[2].id): "true",
        str(lessons[3].id): "true",
        str(lessons[4].id): "false",
    }
    page = text_of(response)
    assert "3 of 4 video lessons lack reviewed captions in the course language (en)." in page
    assert "Unreviewed Not reviewed (en, generated)" in page
    assert "Missing Missing" in page and "French only Missing fr" in page
    assert "Reading No video: no captions needed" in page
    for lesson in lessons:
        assert f'href="/instructor/lessons/{lesson.id}/video/#captions-heading"' in html
    assert login(other_instructor).get(course_url(course, "captions")).status_code == 404


# ---------------------------------------------------------------- the same through the API


def test_api_unarchive_and_upload_cancel_use_the_same_services(
    mux_sim, instructor, other_instructor, student
):
    from devtools.clients import client_for

    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    teacher = client_for(instructor)
    assert teacher.delete(f"/api/v1/instructor/courses/{course.id}").status_code == 204
    assert (
        client_for(other_instructor)
        .post(f"/api/v1/instructor/courses/{course.id}/unarchive")
        .status_code
        == 404
    )
    response = teacher.post(f"/api/v1/instructor/courses/{course.id}/unarchive")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("draft", 1)
    assert AuditEntry.objects(action="course.unarchive").count() == 1

    upload_url = f"/api/v1/instructor/lessons/{lesson.id}/upload"
    none = teacher.delete(upload_url)
    assert (none.status_code, none.json()["code"]) == (409, "conflict")
    upload_id = teacher.post(upload_url).json()["upload_id"]
    assert client_for(student).delete(upload_url).status_code == 404  # a draft: not found
    assert teacher.delete(upload_url).status_code == 204
    assert mux_client.direct_upload_get(upload_id=upload_id).status == "cancelled"
    video = Lesson._get_collection().find_one({"_id": lesson.id}).get("video") or {}
    assert "pending" not in video
    assert AuditEntry.objects(action="video.upload_cancel").count() == 1
