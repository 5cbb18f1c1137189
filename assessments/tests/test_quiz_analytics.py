"""Quiz results for staff: attempts, learners, pass rate and the share right per question,
on the course's analytics page."""

from __future__ import annotations

import pytest
from django.test import Client

from assessments.analytics import course_quiz_analytics
from assessments.tests.test_certificates import _pass_quiz
from devtools.api_world import ApiWorld, api_world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> ApiWorld:
    return api_world_build()


def test_attempts_pass_rate_and_share_right_per_question(world: ApiWorld):
    url = f"/api/v1/lessons/{world.text_lesson.id}/quiz/attempts"
    wrong = {"answers": {"q1": "a", "q2": 4}}  # q1 wrong, q2 right
    assert world.client_for("enrolled").post(url, wrong, format="json").status_code == 201
    _pass_quiz(world)  # both right

    [quiz] = course_quiz_analytics(user=world.users["owner"], course_id=world.course.id)
    assert quiz.lesson_id == str(world.text_lesson.id)
    assert (quiz.attempts, quiz.learners, quiz.learners_passed) == (2, 1, 1)
    assert quiz.pass_rate == 1.0
    by_id = {question.question_id: question for question in quiz.questions}
    assert (by_id["q1"].attempts, by_id["q1"].share_correct) == (2, 0.5)
    assert (by_id["q2"].attempts, by_id["q2"].share_correct) == (2, 1.0)

    browser = Client()
    browser.force_login(world.users["owner"])
    html = browser.get(f"/admin/catalog/courses/{world.course.id}/analytics/").content.decode()
    assert 'id="quiz-results"' in html
    assert "2 attempts by 1 learner, 1 passed (100%)" in html
    assert "50%" in html


def test_only_the_course_staff_see_quiz_results(world: ApiWorld):
    from learnstream.errors import NotFound, PermissionDenied

    for role in ("other_instructor", "enrolled"):
        with pytest.raises((NotFound, PermissionDenied)):
            course_quiz_analytics(user=world.users[role], course_id=world.course.id)
