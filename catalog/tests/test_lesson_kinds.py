"""What the course pages say about each lesson and course: a lesson without a video and
without an upload on its way is a reading lesson (never "video coming soon"); only a pending
upload or a processing video is "coming"; a course's language shows as its name."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.languages import language_name
from catalog.lesson_video import VideoState
from catalog.services import catalog_cache_invalidate, enrollment_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from playback.services import video_upload_create
from playback.tests.helpers import ready_generation, set_video

pytestmark = pytest.mark.django_db


def _outline(slug: str) -> list[dict]:
    response = client_for(None).get(f"/api/v1/courses/{slug}")
    assert response.status_code == 200
    return [lesson for section in response.json()["sections"] for lesson in section["lessons"]]


def _flags(slug: str) -> list[tuple[bool, bool]]:
    return [(lesson["has_video"], lesson["video_coming"]) for lesson in _outline(slug)]


@pytest.fixture
def course_with_lessons(mux_sim, ready_assets):
    """Lessons: 0 reading, 1 ready video, 2 errored upload, 3 processing."""
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=4, language="fr")
    lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
    set_video(lessons[1], current=ready_generation(ready_assets[0]))
    set_video(lessons[2], pending={"upload_id": "up-err", "state": VideoState.ERRORED})
    set_video(lessons[3], pending={"upload_id": "up-proc", "asset_id": "a", "state": "processing"})
    catalog_cache_invalidate()
    return instructor, course, lessons


def test_api_outline_tells_reading_lessons_from_videos_on_their_way(course_with_lessons):
    instructor, course, lessons = course_with_lessons
    assert _flags(course.slug) == [(False, False), (True, False), (False, False), (False, True)]

    # An upload started through the real path: the cached outline follows at once.
    video_upload_create(user=instructor, lesson_id=str(lessons[0].id))
    assert _flags(course.slug)[0] == (False, True)


def test_course_page_labels_only_coming_videos_as_coming(course_with_lessons):
    _, course, lessons = course_with_lessons
    html = client_for(None).get(f"/courses/{course.slug}/").content.decode()
    assert html.count("(video coming soon)") == 1
    coming = html.index(lessons[3].title)
    assert html.index("(video coming soon)", coming) - coming < 300
    assert html.count(">Reading<") == 2  # the reading lesson and the errored one
    assert '<span lang="fr">Français</span>' in html


def test_lesson_page_of_a_reading_lesson_and_of_a_coming_video(course_with_lessons):
    _, course, lessons = course_with_lessons
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    client = Client()
    client.force_login(student)
    reading = client.get(f"/courses/{course.slug}/lessons/{lessons[0].id}/").content.decode()
    assert "This is a reading lesson" in reading and "data-mark-complete" in reading
    coming = client.get(f"/courses/{course.slug}/lessons/{lessons[3].id}/").content.decode()
    assert "on its way" in coming and "data-mark-complete" not in coming


def test_catalogue_shows_language_names():
    owner = UserFactory(role="instructor")
    published_course(owner=owner, lessons=1, language="fr", title="Cours")
    published_course(owner=owner, lessons=1, language="en", title="Course")
    html = Client().get("/").content.decode()
    assert 'lang="fr">Français</option>' in html
    assert 'lang="en">English</option>' in html
    assert '<span lang="fr">Français</span>' in html


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("en", "English"),
        ("fr", "Français"),
        ("FR", "Français"),
        ("pt-BR", "Português Brasileiro"),
        ("fr-CA", "Français"),
        ("es", "Español"),
        ("zh", "简体中文"),
        ("tlh", "tlh"),
        ("", ""),
        (None, ""),
    ],
)
def test_language_name(code, name):
    assert language_name(code) == name


def test_admin_draft_preview_labels_lessons_as_the_course_page_does(course_with_lessons):
    instructor, course, lessons = course_with_lessons
    client = Client()
    client.force_login(instructor)
    response = client.get(f"/admin/catalog/courses/{course.id}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("(video coming soon)") == 1
    coming = html.index(lessons[3].title)
    assert html.index("(video coming soon)", coming) - coming < 300
    assert html.count(" · Reading") == 2  # the reading lesson and the errored one
    assert '<span lang="fr">Français</span>' in html
