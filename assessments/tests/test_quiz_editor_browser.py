"""The admin quiz editor in a real browser: axe finds no serious or critical violation on
the lesson page with the editor; an instructor using only the keyboard writes an in-video
question whose time comes from the preview player's current position; and one adds three
questions in one go, reorders and removes them with the editor's buttons, and saves the
quiz in the order shown, with focus and announcements following each step and no
Content-Security-Policy violation on the way; and an invalid question added in the page
comes back with its error named by its new place, nothing saved."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from assessments.documents import Quiz
from assessments.services import quiz_put
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium, session_cookie, video_js
from devtools.live_stack import connect_simulator, upload_ready_video
from learnstream.tests.test_accessibility import axe_violations
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
        page.context.add_cookies([session_cookie(live_server, instructor)])
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


def _lesson_with_a_question(slug: str, question: dict) -> tuple:
    """An instructor, a lesson of their course whose draft quiz has `question`, and the
    lesson's admin page."""
    instructor = UserFactory(role="instructor")
    course = CourseFactory(owner_id=instructor.id, slug=slug)
    lesson = LessonFactory(course_id=course.id, position=0, title="Quiz rows")
    quiz_put(user=instructor, lesson_id=lesson.id, questions=[question])
    return instructor, lesson, f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/change/"


def _editor_page(journey, browser, live_server, instructor, console: list[str], path: str):
    """`path` signed in as `instructor`, recording CSP violations (window.__csp) and the
    console's CSP errors (into `console`) from the start."""
    page = journey.new_page(browser, live_server.url)
    page.context.add_init_script(script=LISTEN_SCRIPT)
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.context.add_cookies([session_cookie(live_server, instructor)])
    page.goto(path)
    return page


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
    instructor, lesson, path = _lesson_with_a_question(
        "editor-rows", {"kind": "true_false", "prompt": "The sky is blue.", "answers": [True]}
    )
    existing = Quiz.objects.get(lesson_id=lesson.id).questions[0].qid

    journey = Journey("quiz-editor-rows")
    console: list[str] = []
    csp: list[str] = []
    with chromium() as browser:
        page = _editor_page(journey, browser, live_server, instructor, console, path)
        add = page.get_by_role("button", name="Add question", exact=True)
        add.wait_for(state="visible")
        assert page.locator("[data-quiz-question]").count() == 1  # the served blank row gone
        assert page.locator("#q-0-order").is_hidden()

        add.focus()  # question 2: short answer
        page.keyboard.press("Enter")
        _announced(page, "Question 2 added. 2 questions.")
        _write_question(page, 1, "Say hello", "short_answer", "hello")
        assert page.locator("#q-1-choice-0").is_hidden()  # no choices for this kind
        _tab_to_add_question(page)

        page.keyboard.press("Enter")  # question 3: single choice, one field a choice
        _announced(page, "Question 3 added. 3 questions.")
        assert _focused(page)["id"] == "q-2-prompt"
        page.keyboard.type("Capital of France?")
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == "q-2-choice-0"
        page.keyboard.type("Paris")
        page.keyboard.press("Enter")  # on to the next, empty choice: the quiz is not saved
        assert _focused(page)["id"] == "q-2-choice-1"
        page.keyboard.type("Lyon")
        page.keyboard.press("Enter")  # no empty choice left: Enter adds one
        _announced(page, "Choice 3 added to question 3.")
        assert _focused(page)["id"] == "q-2-choice-2"
        page.keyboard.type("Marseille")
        page.keyboard.press("Tab")
        assert _focused(page)["text"] == "Remove choice 3 of question 3"
        page.keyboard.press("Enter")
        _announced(page, "Choice 3 removed from question 3.")
        assert _focused(page)["text"] == "Add a choice to question 3"  # no choice after it
        assert page.input_value("#q-2-choices") == "Paris\nLyon"  # what the server reads
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == "q-2-answers"
        page.keyboard.type("Paris")
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
            "Say hello",
            "Capital of France?",
        ]
        assert page.input_value("#q-1-answers") == "3.14"  # the fields moved with their row

        page.get_by_role("button", name="Remove question 3", exact=True).focus()
        page.keyboard.press("Enter")
        _announced(page, "Question 3 removed. 3 questions.")
        assert _focused(page)["id"] == "q-2-prompt"  # the next question, now question 3
        assert page.input_value("#q-2-prompt") == "Capital of France?"
        assert page.locator("#q-2-choice-1").input_value() == "Lyon"  # renumbered with it
        assert page.get_by_role("button", name="Remove choice 2 of question 3").is_visible()
        shown = _prompts(page)
        assert shown == ["The sky is blue.", "Pi to two places?", "Capital of France?"]
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
    assert [q.kind for q in quiz.questions] == ["true_false", "numeric", "single"]
    assert (quiz.questions[2].choices, quiz.questions[2].answers) == (["Paris", "Lyon"], ["Paris"])
    assert quiz.questions[0].qid == existing
    assert (quiz.questions[1].answers, quiz.questions[1].tolerance) == ([3.14], 0.01)


@pytest.mark.django_db(transaction=True)
def test_an_invalid_question_added_in_the_page_comes_back_with_its_error(live_server):
    instructor, lesson, path = _lesson_with_a_question(
        "editor-errors", {"kind": "short_answer", "prompt": "Say hi", "answers": ["hi"]}
    )
    journey = Journey("quiz-editor-errors")
    console: list[str] = []
    csp: list[str] = []
    with chromium() as browser:
        page = _editor_page(journey, browser, live_server, instructor, console, path)
        page.get_by_role("button", name="Add question", exact=True).focus()
        page.keyboard.press("Enter")
        page.keyboard.type("Pick b")
        page.keyboard.press("Tab")
        page.keyboard.type("a")
        page.keyboard.press("Enter")
        page.keyboard.type("b")
        page.focus("#q-1-answers")
        page.keyboard.type("c")  # not one of the choices
        page.get_by_role("button", name="Move question 2 up", exact=True).focus()
        page.keyboard.press("Enter")
        page.locator("input[name=_save_quiz]").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.locator(".errornote").wait_for()
        error = page.locator("#q-0-answers-error")  # named by its new place, first
        assert error.inner_text().startswith("Question 1")
        assert page.get_attribute("#q-0-answers", "aria-describedby") == (
            "q-0-answers-help q-0-answers-error"
        )
        assert page.input_value("#q-0-choice-0") == "a" and page.input_value("#q-0-choice-1") == "b"
        assert page.locator("[data-quiz-question]").count() == 2  # no blank row with JS
        assert _csp_then_axe(page, console, csp) == []
        journey.shot(page, "error-shown")
    assert journey.errors == []
    assert csp == [], "\n".join(csp)
    (question,) = Quiz.objects.get(lesson_id=lesson.id).questions  # nothing half-saved
    assert question.prompt == "Say hi"
