"""The quiz editor on the admin lesson page, through the Django test client: every kind of
question saved, edited, removed and deleted; several new questions saved at once in the
order of their positions; errors beside the question's field; other instructors refused;
the published quiz unchanged until the next publish."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from assessments.documents import Quiz, QuizVersion
from catalog.services import course_publish
from catalog.tests.factories import CourseFactory, LessonFactory
from learnstream.audit import AuditEntry

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _urls(course, lesson) -> tuple[str, str]:
    base = f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/"
    return base + "change/", base + "quiz/"


def _question(index: int, **fields: str) -> dict[str, str]:
    return {f"q-{index}-{name}": value for name, value in fields.items()}


def _every_kind() -> dict[str, str]:
    return {
        "q-count": "6",
        "pass_percent": "60",
        "max_attempts": "3",
        "show_answers": "on",
        **_question(
            0,
            kind="single",
            prompt="Capital of France?",
            choices="Paris\nLyon",
            answers="Paris",
            points="2",
            feedback="It is Paris.",
        ),
        **_question(1, kind="multiple", prompt="Primes?", choices="2\n3\n4", answers="2\n3"),
        **_question(2, kind="true_false", prompt="The sky is blue.", answers="true"),
        **_question(3, kind="short_answer", prompt="Say hello", answers="hello\nhi"),
        **_question(4, kind="numeric", prompt="Pi?", answers="3.14", tolerance="0.01"),
        **_question(5, kind="single", prompt="", choices="", answers=""),  # the blank row
    }


@pytest.fixture
def lesson_of(instructor):
    course = CourseFactory(owner_id=instructor.id, title="Quizzes")
    return course, LessonFactory(course_id=course.id, position=0, title="Intro")


def test_the_editor_saves_every_kind_edits_and_deletes(instructor, lesson_of):
    course, lesson = lesson_of
    client = _login(instructor)
    page_url, quiz_url = _urls(course, lesson)
    page = client.get(page_url).content.decode()
    assert 'id="quiz-editor"' in page and "<legend data-quiz-legend>Add a question</legend>" in page
    assert '<label for="q-0-prompt">Question:</label>' in page

    response = client.post(quiz_url, _every_kind())
    assert response.status_code == 302 and response["Location"].endswith("#quiz-editor")
    quiz = Quiz.objects.get(lesson_id=lesson.id)
    assert [q.kind for q in quiz.questions] == [
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "numeric",
    ]
    assert (quiz.pass_percent, quiz.max_attempts, quiz.show_answers) == (60, 3, True)
    assert quiz.questions[0].answers == ["Paris"] and quiz.questions[0].points == 2
    assert quiz.questions[2].answers == [True]
    assert quiz.questions[4].answers == [3.14] and quiz.questions[4].tolerance == 0.01
    assert AuditEntry.objects.filter(action="quiz.update", target_id=str(lesson.id)).count() == 1

    page = client.get(page_url).content.decode()  # shown again as stored, plus a blank row
    assert "<legend data-quiz-legend>Question 5</legend>" in page and 'value="3.14"' not in page
    assert "Capital of France?</textarea>" in page

    ids = [q.qid for q in quiz.questions]
    edit = {
        "q-count": "2",
        "pass_percent": "80",
        "max_attempts": "",  # unlimited
        **_question(
            0,
            id=ids[0],
            kind="single",
            prompt="Capital of Italy?",
            choices="Rome\nMilan",
            answers="Rome",
        ),
        **_question(
            1,
            id=ids[1],
            kind="multiple",
            prompt="Primes?",
            choices="2\n3",
            answers="2",
            remove="on",
        ),
    }
    assert client.post(quiz_url, edit).status_code == 302
    quiz.reload()
    assert [q.prompt for q in quiz.questions] == ["Capital of Italy?"]
    assert quiz.questions[0].qid == ids[0] and quiz.max_attempts is None

    assert client.post(quiz_url, {"_delete_quiz": "1"}).status_code == 302
    assert Quiz.objects(lesson_id=lesson.id).count() == 0
    assert AuditEntry.objects.filter(action="quiz.delete", target_id=str(lesson.id)).count() == 1


def test_errors_name_the_question_beside_its_field(instructor, lesson_of):
    course, lesson = lesson_of
    _page_url, quiz_url = _urls(course, lesson)
    bad = {
        "q-count": "3",
        "pass_percent": "70",
        **_question(0, kind="single", prompt="Fine", choices="a\nb", answers="a"),
        **_question(1, kind="single", prompt="No key", choices="a\nb", answers="c"),
        **_question(2, kind="true_false", prompt="In the video", answers="true", at_s="30"),
    }
    response = _login(instructor).post(quiz_url, bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The quiz was not saved" in html
    errors = re.findall(r'<ul class="errorlist" id="(q-\d-\w+)-error"><li>([^<]+)</li>', html)
    fields = dict(errors)
    assert fields["q-1-answers"].startswith("Question 2")
    assert fields["q-2-at_s"].startswith("Question 3")  # the lesson has no video
    assert 'aria-describedby="q-1-answers-help q-1-answers-error"' in html
    assert "No key</textarea>" in html  # what was typed is kept
    assert Quiz.objects(lesson_id=lesson.id).count() == 0  # nothing saved


def test_other_staff_are_refused(other_instructor, lesson_of):
    course, lesson = lesson_of
    _page_url, quiz_url = _urls(course, lesson)
    client = _login(other_instructor)
    assert client.post(quiz_url, _every_kind()).status_code == 404
    assert Quiz.objects(lesson_id=lesson.id).count() == 0


def test_an_editor_save_after_publish_waits_for_the_next_publish(instructor, lesson_of):
    course, lesson = lesson_of
    client = _login(instructor)
    _page_url, quiz_url = _urls(course, lesson)
    assert client.post(quiz_url, _every_kind()).status_code == 302
    course_publish(course=course, user=instructor)
    one = {"q-count": "1", **_question(0, kind="true_false", prompt="Changed", answers="false")}
    assert client.post(quiz_url, one).status_code == 302
    published = QuizVersion.objects.get(lesson_id=lesson.id, version=1)
    assert len(published.questions) == 5  # learners still take version 1's quiz
    course.reload()
    course_publish(course=course, user=instructor)
    republished = QuizVersion.objects.get(lesson_id=lesson.id, version=2)
    assert [q.prompt for q in republished.questions] == ["Changed"]


def test_the_page_carries_the_row_template_and_the_positions(instructor, lesson_of):
    course, lesson = lesson_of
    page_url, _quiz_url = _urls(course, lesson)
    page = _login(instructor).get(page_url).content.decode()
    template = page[page.index("<template data-quiz-template>") : page.index("</template>")]
    assert 'name="q-__prefix__-prompt"' in template and 'name="q-__prefix__-order"' in template
    assert 'name="q-0-order" value="1"' in page  # the served blank row is question 1
    assert "data-quiz-add hidden" not in page and "data-quiz-add-row hidden" in page  # JS shows
    assert 'data-quiz-max="50"' in page
    assert " style=" not in page[page.index('id="quiz-editor"') :]  # the CSP forbids them


def test_several_new_questions_are_saved_at_once_in_their_order(instructor, lesson_of):
    course, lesson = lesson_of
    client = _login(instructor)
    page_url, quiz_url = _urls(course, lesson)
    three = {
        "q-count": "4",
        **_question(0, kind="true_false", prompt="Third", answers="true", order="3"),
        **_question(1, kind="short_answer", prompt="First", answers="yes", order="1"),
        **_question(2, kind="single", prompt="", order="2"),  # blank: left out
        **_question(3, kind="numeric", prompt="Second", answers="2", order="2"),
    }
    assert client.post(quiz_url, three).status_code == 302
    quiz = Quiz.objects.get(lesson_id=lesson.id)
    assert [q.prompt for q in quiz.questions] == ["First", "Second", "Third"]
    assert AuditEntry.objects.filter(action="quiz.update", target_id=str(lesson.id)).count() == 1

    page = client.get(page_url).content.decode()  # shown in the saved order, numbered 1, 2, 3
    assert page.index(">First</textarea>") < page.index(">Second</textarea>")
    assert page.index(">Second</textarea>") < page.index(">Third</textarea>")
    assert 'name="q-2-order" value="3"' in page

    ids = {q.prompt: q.qid for q in quiz.questions}
    moved = {  # the last moved first (as "Move up" twice leaves it); a position that is
        # not a whole number keeps its row in place
        "q-count": "3",
        **_question(0, id=ids["First"], kind="short_answer", prompt="First", answers="yes"),
        **_question(1, id=ids["Second"], kind="numeric", prompt="Second", answers="2"),
        **_question(2, id=ids["Third"], kind="true_false", prompt="Third", answers="true"),
    }
    moved.update({"q-0-order": "2", "q-1-order": "two", "q-2-order": "1"})
    assert client.post(quiz_url, moved).status_code == 302
    quiz.reload()
    assert [q.prompt for q in quiz.questions] == ["Third", "First", "Second"]
    assert [q.qid for q in quiz.questions] == [ids["Third"], ids["First"], ids["Second"]]


def test_an_invalid_reordered_quiz_names_the_question_by_its_new_place(instructor, lesson_of):
    course, lesson = lesson_of
    client = _login(instructor)
    _page_url, quiz_url = _urls(course, lesson)
    assert client.post(quiz_url, _every_kind()).status_code == 302
    before = Quiz.objects.get(lesson_id=lesson.id)
    bad = {
        "q-count": "3",
        **_question(0, kind="single", prompt="Fine", choices="a\nb", answers="a", order="2"),
        **_question(1, kind="single", prompt="No key", choices="a\nb", answers="c", order="1"),
        **_question(2, kind="true_false", prompt="Also fine", answers="false", order="3"),
    }
    response = client.post(quiz_url, bad)
    assert response.status_code == 400
    html = response.content.decode()
    fields = dict(re.findall(r'<ul class="errorlist" id="(q-\d-\w+)-error"><li>([^<]+)</li>', html))
    assert list(fields) == ["q-0-answers"] and fields["q-0-answers"].startswith("Question 1")
    assert html.index("No key</textarea>") < html.index("Fine</textarea>")  # shown as ordered
    after = Quiz.objects.get(lesson_id=lesson.id)  # nothing half-saved
    assert [q.prompt for q in after.questions] == [q.prompt for q in before.questions]
    assert after.revision == before.revision
