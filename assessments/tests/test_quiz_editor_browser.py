"""The admin quiz editor in a real browser: axe finds no serious or critical violation on
the lesson page with the editor; an instructor using only the keyboard writes an in-video
question whose time comes from the preview player's current position; and one adds three
questions in one go, reorders and removes them with the editor's buttons, and saves the
quiz in the order shown, with focus and announcements following each step and no
Content-Security-Policy violation on the way."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from assessments.documents import Quiz
from assessments.services import quiz_put
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium, video_js
from devtools.live_stack import connect_simulator, upload_ready_video
from learnstream.tests.test_accessibility import _session_cookie, axe_violations
from learnstream.tests.test_admin_csp import LISTEN_SCRIPT

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

        page.get_by_role("button", name="Add question", exact=True).focus()
        page.keyboard.press("Enter")  # a row added in the page has its own time button
        added_time = page.locator("[data-quiz-use-time='q-1-at_s']")
        assert added_time.is_visible()
        page.wait_for_function(video_js("v.readyState >= 1"))
        page.evaluate(video_js("(v.currentTime = 0.6)"))
        page.wait_for_function(video_js("Math.abs(v.currentTime - 0.6) < 0.05"))
        added_time.focus()
        page.keyboard.press("Enter")
        assert page.input_value("#q-1-at_s") == "0.6"
        assert page.evaluate("() => document.activeElement.id") == "q-1-at_s"
    assert journey.errors == []

    quiz = Quiz.objects.get(lesson_id=lesson.id)
    (question,) = quiz.questions
    assert (question.kind, question.prompt, question.at_s) == (
        "true_false",
        "Did the title slide show?",
        1.2,
    )


def _focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, text: document.activeElement.textContent,"
        " value: document.activeElement.value})"
    )


def _announced(page, words: str) -> None:
    page.wait_for_function(
        "(words) => document.querySelector('[data-quiz-status]').textContent.includes(words)",
        arg=words,
    )


def _prompts(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-quiz-questions] [data-quiz-prompt]", "(fields) => fields.map((f) => f.value)"
    )


def _csp_then_axe(page, console: list[str], found: list[str]) -> list[dict]:
    """The page's CSP violations so far (into `found`), then axe's findings. axe itself
    adds a <style> element, which the policy blocks: what it reports is not the page's."""
    found.extend(list(page.evaluate("() => window.__csp")) + console)
    violations = axe_violations(page)
    console.clear()
    page.evaluate("() => { window.__csp = []; }")
    return violations


def _write_question(page, index: int, prompt: str, kind: str, answer: str) -> None:
    """In a new row, its prompt focused: the prompt, back to its kind, then the answer
    (the choices are hidden for a kind without them)."""
    assert _focused(page)["id"] == f"q-{index}-prompt"
    page.keyboard.type(prompt)
    page.keyboard.press("Shift+Tab")
    page.select_option(f"#q-{index}-kind", kind)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == f"q-{index}-answers"
    page.keyboard.type(answer)


def _tab_to_add_question(page) -> None:
    # From a question's last answer field: points, feedback, time, its three buttons, then
    # "Add question" (the position field is hidden once the buttons are there).
    for _ in range(7):
        page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Add question"


@pytest.mark.django_db(transaction=True)
def test_keyboard_instructor_adds_reorders_and_removes_questions_in_one_go(live_server):
    instructor = UserFactory(role="instructor")
    course = CourseFactory(owner_id=instructor.id, slug="editor-rows")
    lesson = LessonFactory(course_id=course.id, position=0, title="Three at once")
    quiz_put(
        user=instructor,
        lesson_id=lesson.id,
        questions=[{"kind": "true_false", "prompt": "The sky is blue.", "answers": [True]}],
    )
    existing = Quiz.objects.get(lesson_id=lesson.id).questions[0].qid

    journey = Journey("quiz-editor-rows")
    console: list[str] = []
    csp: list[str] = []
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.context.add_init_script(script=LISTEN_SCRIPT)
        page.on(
            "console",
            lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.context.add_cookies([_session_cookie(live_server, instructor)])
        page.goto(f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/change/")
        add = page.get_by_role("button", name="Add question", exact=True)
        add.wait_for(state="visible")
        assert page.locator("[data-quiz-question]").count() == 1  # the served blank row gone
        assert page.locator("#q-0-order").is_hidden()

        add.focus()  # question 2: single choice, its choices one "Add a choice" at a time
        page.keyboard.press("Enter")
        assert _focused(page)["id"] == "q-1-prompt"
        _announced(page, "Question 2 added. 2 questions.")
        page.keyboard.type("Capital of France?")
        page.keyboard.press("Tab")
        page.keyboard.type("Paris")
        page.keyboard.press("Tab")
        assert _focused(page)["text"] == "Add a choice to question 2"
        page.keyboard.press("Enter")
        assert _focused(page)["id"] == "q-1-choices"
        page.keyboard.type("Lyon")
        assert page.input_value("#q-1-choices") == "Paris\nLyon"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("Paris")
        _tab_to_add_question(page)

        page.keyboard.press("Enter")  # question 3: short answer
        _write_question(page, 2, "Say hello", "short_answer", "hello")
        assert page.locator("#q-2-choices").is_hidden()
        _tab_to_add_question(page)

        page.keyboard.press("Enter")  # question 4: numeric, with a tolerance
        _write_question(page, 3, "Pi to two places?", "numeric", "3.14")
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == "q-3-tolerance"
        page.keyboard.type("0.01")
        _tab_to_add_question(page)
        journey.shot(page, "four-questions")

        for _ in range(3):  # back over "Remove question 4" and "Move question 4 down"
            page.keyboard.press("Shift+Tab")
        assert _focused(page)["text"] == "Move question 4 up"
        page.keyboard.press("Enter")
        _announced(page, "Question 4 moved up: it is now question 3.")
        assert _focused(page)["text"] == "Move question 3 up"  # focus stays with the question
        page.keyboard.press("Enter")
        _announced(page, "Question 3 moved up: it is now question 2.")
        assert _focused(page)["text"] == "Move question 2 up"
        assert _prompts(page) == [
            "The sky is blue.",
            "Pi to two places?",
            "Capital of France?",
            "Say hello",
        ]
        assert page.input_value("#q-1-answers") == "3.14"  # the fields moved with their row

        page.get_by_role("button", name="Remove question 3", exact=True).focus()
        page.keyboard.press("Enter")
        _announced(page, "Question 3 removed. 3 questions.")
        assert _focused(page)["id"] == "q-2-prompt"  # the next question, now question 3
        assert page.input_value("#q-2-prompt") == "Say hello"
        shown = _prompts(page)
        assert shown == ["The sky is blue.", "Pi to two places?", "Say hello"]
        assert page.input_value("input[name=q-count]") == "3"
        assert [page.input_value(f"#q-{i}-order") for i in range(3)] == ["1", "2", "3"]
        assert (
            page.get_by_role("button", name="Move question 1 up").get_attribute("aria-disabled")
            == "true"
        )
        assert _csp_then_axe(page, console, csp) == []
        journey.shot(page, "reordered")

        add.focus()  # a question added and taken out again: focus returns to "Add question"
        page.keyboard.press("Enter")
        _announced(page, "Question 4 added. 4 questions.")
        page.get_by_role("button", name="Remove question 4", exact=True).focus()
        page.keyboard.press("Enter")
        _announced(page, "Question 4 removed. 3 questions.")
        assert _focused(page)["text"] == "Add question"
        assert _prompts(page) == shown

        page.locator("input[name=_save_quiz]").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        add.wait_for(state="visible")
        assert _prompts(page) == shown  # shown again in the saved order
        assert _csp_then_axe(page, console, csp) == []
        journey.shot(page, "saved")
    assert journey.errors == []
    assert csp == [], "\n".join(csp)

    quiz = Quiz.objects.get(lesson_id=lesson.id)
    assert [q.prompt for q in quiz.questions] == shown
    assert [q.kind for q in quiz.questions] == ["true_false", "numeric", "short_answer"]
    assert quiz.questions[0].qid == existing
    assert (quiz.questions[1].answers, quiz.questions[1].tolerance) == ([3.14], 0.01)
