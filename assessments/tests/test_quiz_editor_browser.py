"""The admin quiz editor in a real browser: axe finds no serious or critical violation on
the lesson page with the editor, and an instructor using only the keyboard writes an
in-video question whose time comes from the preview player's current position."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from assessments.documents import Quiz
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium
from devtools.live_stack import connect_simulator, upload_ready_video
from learnstream.tests.test_accessibility import _session_cookie, axe_violations

pytestmark = browser_marks()


@pytest.mark.django_db(transaction=True)
def test_keyboard_instructor_writes_an_in_video_question_from_the_preview_time(
    mux_sim, live_server, settings, video_clip
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor")
    course = CourseFactory(owner_id=instructor.id, slug="editor-course")
    lesson = LessonFactory(course_id=course.id, position=0, title="Watch and answer")
    upload_ready_video(instructor=instructor, lesson_id=str(lesson.id), clip=video_clip)

    journey = Journey("quiz-editor")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.context.add_cookies([_session_cookie(live_server, instructor)])
        page.goto(f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/change/")
        use_time = page.locator("[data-quiz-use-time='q-0-at_s']")
        use_time.wait_for(state="visible")  # the preview player is there: JS shows it
        assert axe_violations(page) == []

        page.wait_for_function("() => document.querySelector('video[data-player]').readyState >= 1")
        page.evaluate("() => { document.querySelector('video[data-player]').currentTime = 1.2; }")
        page.wait_for_function(
            "() => Math.abs(document.querySelector('video[data-player]').currentTime - 1.2) < 0.05"
        )
        page.focus("#q-0-kind")
        page.select_option("#q-0-kind", "true_false")
        page.keyboard.press("Tab")
        page.keyboard.type("Did the title slide show?")
        page.focus("#q-0-answers")
        page.keyboard.type("true")
        use_time.focus()
        page.keyboard.press("Enter")
        assert page.input_value("#q-0-at_s") == "1.2"
        assert page.evaluate("() => document.activeElement.id") == "q-0-at_s"
        journey.shot(page, "editor-filled")
        page.locator("input[name=_save_quiz]").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.locator("[data-quiz-use-time='q-0-at_s']").wait_for(state="visible")
        assert page.input_value("#q-0-at_s") == "1.2"  # the saved question, shown again
        assert axe_violations(page) == []
        journey.shot(page, "editor-saved")
    assert journey.errors == []

    quiz = Quiz.objects.get(lesson_id=lesson.id)
    (question,) = quiz.questions
    assert (question.kind, question.prompt, question.at_s) == (
        "true_false",
        "Did the title slide show?",
        1.2,
    )
