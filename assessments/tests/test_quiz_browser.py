"""The quiz in a real browser: the video pauses at an in-video question, the learner
answers and goes on with the keyboard, submits, and reads the graded result; axe finds no
serious violation on the page with the quiz and the paused question open."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from assessments.documents import QuizAttempt
from assessments.services import quiz_put
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium, session_cookie, video_js
from devtools.live_stack import connect_simulator, upload_ready_video
from learnstream.tests.test_accessibility import axe_violations

pytestmark = browser_marks()


@pytest.mark.django_db(transaction=True)
def test_in_video_question_pauses_then_the_attempt_is_graded(
    mux_sim, live_server, settings, video_clip
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, slug="quiz-course", title="Quiz course")
    lesson = LessonFactory(course_id=course.id, position=0, title="Watch and answer")
    upload_ready_video(instructor=instructor, lesson_id=str(lesson.id), clip=video_clip)
    quiz_put(
        user=instructor,
        lesson_id=lesson.id,
        show_answers=True,
        questions=[
            {
                "id": "early",
                "kind": "true_false",
                "prompt": "Is this a test clip?",
                "answers": [True],
                "at_s": 0.5,
            },
            {"id": "after", "kind": "short_answer", "prompt": "Say cafe", "answers": ["Café"]},
        ],
    )
    course_publish(course=course, user=instructor)
    learner = UserFactory(role="student")
    enrollment_create(user=learner, course=course)

    journey = Journey("quiz-in-video")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.context.add_cookies([session_cookie(live_server, learner)])
        page.goto(f"/courses/{course.slug}/lessons/{lesson.id}/")
        page.wait_for_function("() => window.LearnStreamQuiz !== undefined")
        assert page.evaluate("() => LearnStreamQuiz.questions") == [
            {"questionId": "early", "atS": 0.5}
        ]
        page.evaluate(
            "() => { window.quizEvents = [];"
            " const v = document.querySelector('video[data-player]');"
            " v.addEventListener('learnstream:quiz-question', e => quizEvents.push(e.detail));"
            " v.play(); }"
        )
        panel = page.locator(".quiz-pause")
        panel.wait_for(state="visible", timeout=30_000)
        assert page.evaluate(video_js("v.paused")) is True
        assert page.evaluate("() => quizEvents") == [{"questionId": "early", "atS": 0.5}]
        assert page.evaluate("() => document.activeElement.closest('.quiz-pause') !== null")
        journey.shot(page, "paused-for-question")
        assert axe_violations(page) == []

        # Keyboard: Tab to "True", space, Tab to "Continue the video", Enter.
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id === 'quiz-early-true'"):
                break
        page.keyboard.press(" ")
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent === 'Continue the video'"):
                break
        page.keyboard.press("Enter")
        panel.wait_for(state="hidden")
        page.wait_for_function(video_js("!v.paused"))
        # The answered question is back in the form, its answer kept.
        assert page.evaluate(
            "() => document.querySelector('[data-quiz-form] #quiz-early-true').checked"
        )

        page.fill("#quiz-after-value", "  CAFE ")
        page.focus("[data-quiz-submit]")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('[data-quiz-status]').textContent.startsWith('Attempt 1')"
        )
        status = page.text_content("[data-quiz-status]")
        assert status == "Attempt 1: 100% (2 of 2 points), passed."
        assert "Correct (1 point)." in page.text_content("#quiz-question-after")
        assert "Correct answer: Café" in page.text_content("#quiz-question-after")
        journey.shot(page, "graded")
        assert axe_violations(page) == []
    assert QuizAttempt.objects(user_id=learner.id).count() == 1
    assert journey.errors == []
