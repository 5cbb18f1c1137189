"""The student lesson page and the instructor upload page."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from catalog.documents import Course, Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from playback.tests.helpers import set_video
from tracking.tests.helpers import completed_progress_insert

pytestmark = pytest.mark.django_db

READY = {"asset_id": "a", "playback_id": "pb-secret-id", "state": "ready", "duration_s": 4.0}


@pytest.fixture
def course(instructor):
    course = published_course(owner=instructor, lessons=3, preview_first=True)
    lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
    Lesson.objects(id=lessons[0].id).update_one(set__body="Hello **world**", set__section="Intro")
    for lesson in lessons:
        set_video(lesson, current=READY)
    course_publish(course=course, user=instructor)  # v2 carries the edited body/section
    course.reload()
    return course


@pytest.fixture
def lessons(course):
    return list(Lesson.objects(course_id=course.id).order_by("position"))


def page_url(course, lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.id}/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_enrolled_student_sees_the_player(course, lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    response = signed_in(student).get(page_url(course, lessons[1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-playback-url="/api/v1/lessons/{lessons[1].id}/playback"' in html
    assert f'data-progress-url="/api/v1/lessons/{lessons[1].id}/progress"' in html
    assert "<video data-player" in html
    assert "data-player-status" in html
    assert "vendor/hls/hls.min.js" in html
    assert "js/player.js" in html
    # Our own controls (player_controls.js swaps them for the browser's) and the region
    # that keeps the outline and course progress up to date.
    assert "data-player-controls" in html and "js/player_controls.js" in html
    assert f'data-progress-url="/api/v1/courses/{course.slug}/progress"' in html
    assert "js/progress_region.js" in html
    assert f'<li data-lesson-id="{lessons[1].id}" class="current" aria-current="page">' in html
    assert "data-locked" not in html
    assert "pb-secret-id" not in html
    csp = response["Content-Security-Policy"]
    assert "media-src 'self' blob:" in csp
    assert "worker-src 'self' blob:" in csp
    assert "script-src 'self'" in csp


def test_outline_and_neighbours(course, lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    html = signed_in(student).get(page_url(course, lessons[1])).content.decode()
    for lesson in lessons:
        assert f'href="/courses/{course.slug}/lessons/{lesson.id}/"' in html
    assert f'rel="prev" href="/courses/{course.slug}/lessons/{lessons[0].id}/"' in html
    assert f'rel="next" href="/courses/{course.slug}/lessons/{lessons[2].id}/"' in html
    assert 'aria-current="page"' in html
    first = signed_in(student).get(page_url(course, lessons[0])).content.decode()
    assert 'rel="prev"' not in first
    assert "<strong>world</strong>" in first  # the lesson body, rendered Markdown
    assert "<h3>Intro</h3>" in first


def test_unenrolled_student_sees_the_enrol_prompt(course, lessons):
    response = signed_in(UserFactory(role="student")).get(page_url(course, lessons[1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-locked" in html
    assert "Enrol in" in html
    assert "data-player" not in html
    assert "player.js" not in html


def _with_secret_text(course, lesson, instructor) -> None:
    Lesson.objects(id=lesson.id).update_one(
        set__body="The **secret** answer is zebra-quartz.",
        set__summary="Summary only learners read.",
    )
    course_publish(course=course, user=instructor)


@pytest.mark.parametrize("who", ["anonymous", "student", "cancelled"])
def test_a_locked_lesson_shows_only_its_title_and_the_enrol_prompt(
    course, lessons, instructor, who
):
    _with_secret_text(course, lessons[1], instructor)
    client = Client()
    if who != "anonymous":
        learner = UserFactory(role="student")
        if who == "cancelled":
            from catalog.services import enrollment_cancel

            enrollment_create(user=learner, course=course)
            enrollment_cancel(user=learner, course_id=str(course.id))
        client = signed_in(learner)
    html = client.get(page_url(course, lessons[1])).content.decode()
    assert lessons[1].title in html
    assert "data-locked" in html
    for secret in ("secret", "zebra-quartz", "Summary only learners read", "lesson-body"):
        assert secret not in html


@pytest.mark.parametrize("who", ["enrolled", "owner"])
def test_who_may_watch_reads_the_body_and_summary(course, lessons, instructor, who):
    _with_secret_text(course, lessons[1], instructor)
    viewer = instructor
    if who == "enrolled":
        viewer = UserFactory(role="student")
        enrollment_create(user=viewer, course=course)
    html = signed_in(viewer).get(page_url(course, lessons[1])).content.decode()
    assert "The <strong>secret</strong> answer is zebra-quartz." in html
    assert "Summary only learners read." in html


def test_a_preview_lesson_shows_its_body_to_visitors(client, course, lessons, instructor):
    _with_secret_text(course, lessons[0], instructor)
    html = client.get(page_url(course, lessons[0])).content.decode()
    assert "data-locked" in html  # visitors sign in to watch the video
    assert "The <strong>secret</strong> answer is zebra-quartz." in html


def test_preview_lesson_plays_for_any_signed_in_user(course, lessons):
    html = signed_in(UserFactory(role="student")).get(page_url(course, lessons[0]))
    assert "<video data-player" in html.content.decode()


@pytest.mark.parametrize("index", [0, 1])
def test_anonymous_sees_a_sign_in_prompt(client, course, lessons, index):
    response = client.get(page_url(course, lessons[index]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-locked" in html
    next_path = f"/courses/{course.slug}/lessons/{lessons[index].id}/"
    assert f'href="/accounts/login/?next={next_path}"' in html
    assert "data-player" not in html


def test_lesson_without_video(course, lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    set_video(lessons[2])
    html = signed_in(student).get(page_url(course, lessons[2])).content.decode()
    assert "data-no-video" in html
    assert "data-player" not in html


def test_unpublished_lesson_is_404_for_students_but_shown_to_its_instructor(instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    assert signed_in(UserFactory(role="student")).get(page_url(course, lesson)).status_code == 404
    assert Client().get(page_url(course, lesson)).status_code == 404
    assert signed_in(instructor).get(page_url(course, lesson)).status_code == 200


def test_wrong_slug_or_bad_id_is_404(course, lessons):
    other = CourseFactory()
    client = signed_in(UserFactory(role="student"))
    assert client.get(page_url(other, lessons[0])).status_code == 404
    assert client.get(f"/courses/{course.slug}/lessons/nonsense/").status_code == 404
    assert client.get(f"/courses/{course.slug}/lessons/{'0' * 24}/").status_code == 404


def test_published_content_is_shown_not_the_draft(course, lessons, instructor):
    Lesson.objects(id=lessons[0].id).update_one(set__title="Unpublished draft title")
    Course.objects(id=course.id).update_one(set__title="Draft course title")
    html = signed_in(UserFactory(role="student")).get(page_url(course, lessons[0]))
    text = html.content.decode()
    assert "Unpublished draft title" not in text
    assert "Draft course title" not in text


# --- the instructor upload page --------------------------------------------------------


def test_instructor_upload_page(course, lessons, instructor):
    response = signed_in(instructor).get(f"/instructor/lessons/{lessons[0].id}/video/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-uploader" in html
    assert f'data-create-url="/api/v1/instructor/lessons/{lessons[0].id}/upload"' in html
    assert f'data-status-url="/api/v1/instructor/lessons/{lessons[0].id}/video"' in html
    assert 'data-initial-state="ready"' in html
    assert "vendor/upchunk/upchunk.js" in html
    assert "js/uploader.js" in html


def test_instructor_upload_page_refuses_others(client, course, lessons):
    url = f"/instructor/lessons/{lessons[0].id}/video/"
    assert signed_in(UserFactory(role="student")).get(url).status_code == 403
    assert signed_in(UserFactory(role="instructor")).get(url).status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def _complete(student, course, lesson) -> None:
    completed_progress_insert(
        user_id=student.id, course_id=course.id, lesson_id=lesson.id, duration_s=4.0
    )


def _outline_marks(html: str, lessons) -> list[bool]:
    """For each lesson link in the outline, whether a ✓ follows it."""
    outline = html[html.index('aria-label="Course outline"') :]
    marks = []
    for lesson in lessons:
        start = outline.index(f'/lessons/{lesson.id}/">')
        item = outline[start : outline.index("</li>", start)]
        marks.append("data-completed" in item)
    return marks


def test_lesson_page_marks_completed_lessons_and_shows_the_course_percent(course, lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    _complete(student, course, lessons[0])
    _complete(student, course, lessons[2])
    html = signed_in(student).get(page_url(course, lessons[1])).content.decode()
    assert _outline_marks(html, lessons) == [True, False, True]
    assert "2 of 3 lessons completed · 67%" in html
    assert 'value="67"' in html


def test_lesson_page_shows_no_progress_to_visitors_and_staff(course, lessons, instructor):
    for client in (Client(), signed_in(instructor)):
        html = client.get(page_url(course, lessons[0])).content.decode()
        assert "lessons completed" not in html
        assert "data-completed" not in html


def test_lesson_page_progress_costs_the_same_queries_for_3_and_30_lessons(instructor):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.services import lesson_create
    from devtools.mongo_queries import capture_mongo_commands
    from tracking.documents import LessonProgress

    student = UserFactory(role="student")
    course = published_course(owner=instructor, lessons=3)
    enrollment_create(user=student, course=course)
    client = signed_in(student)

    def counted() -> tuple[int, list[str]]:
        lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
        for lesson in lessons[::2]:
            if not LessonProgress._get_collection().find_one(
                {"user_id": student.id, "lesson_id": lesson.id}
            ):
                _complete(student, course, lesson)
        cache.clear()
        with CaptureQueriesContext(connection) as sql, capture_mongo_commands() as mongo:
            response = client.get(page_url(course, lessons[1]))
        assert response.status_code == 200
        assert response.content.decode().count("data-completed") == len(lessons[::2])
        return len(sql), mongo.names

    small = counted()
    for index in range(27):
        lesson_create(course=course, title=f"Extra {index}")
    course_publish(course=course, user=instructor)
    large = counted()
    assert small == large
    # lesson facts (3), outline (course, version), video, progress, the lesson's quiz (of
    # the version already read): no second version read
    assert len(small[1]) == 8, small


def test_a_completed_reading_lesson_shows_it_and_offers_no_mark_complete(course, lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    set_video(lessons[2])
    url = page_url(course, lessons[2])
    html = signed_in(student).get(url).content.decode()
    assert "data-mark-complete" in html and " hidden disabled>Mark as complete" not in html
    assert "<p data-lesson-complete hidden" in html
    _complete(student, course, lessons[2])
    html = signed_in(student).get(url).content.decode()
    assert " hidden disabled>Mark as complete" in html
    assert '<p data-lesson-complete data-completed="true"' in html
