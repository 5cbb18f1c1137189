"""The quiz on the lesson page: accessible markup, and no answer key in the HTML."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from assessments.services import quiz_put
from assessments.tests.helpers import EVERY_KIND
from catalog.services import course_publish
from devtools.api_world import ApiWorld, api_world_build

pytestmark = pytest.mark.django_db

IN_VIDEO = [
    {**EVERY_KIND[0], "at_s": 12.5},
    *EVERY_KIND[1:],
]


@pytest.fixture
def world(db) -> ApiWorld:
    world = api_world_build()
    owner = world.users["owner"]
    quiz_put(user=owner, lesson_id=world.video_lesson.id, questions=IN_VIDEO, show_answers=True)
    course_publish(course=world.course, user=owner)
    return world


def _page(world: ApiWorld, role: str, lesson) -> str:
    client = Client()
    client.force_login(world.users[role])
    response = client.get(f"/courses/{world.course.slug}/lessons/{lesson.id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_lesson_page_carries_the_quiz_but_no_answer_key(world: ApiWorld):
    html = _page(world, "enrolled", world.video_lesson)
    assert "data-quiz" in html and "/static/js/quiz.js" in html
    assert html.count('<fieldset class="quiz-question"') == 5
    assert len(re.findall(r"<legend>Question \d", html)) == 5
    assert 'data-at-s="12.5"' in html and "(at 0:12 in the video)" in html
    # Every input has a label pointing at it.
    for input_id in re.findall(r'<input[^>]* id="(quiz-[^"]+)"', html):
        assert f'<label for="{input_id}">' in html
    # Choices are the question; keys are not: accepted texts, numbers, tolerances, feedback.
    assert "Lyon" in html and "Paris" in html
    for secret in ("café au lait", "cafe au lait", "3.14", "0.005", "987", "tolerance", "correct"):
        assert secret not in html, secret


def test_a_learner_who_may_not_watch_gets_no_quiz(world: ApiWorld):
    html = _page(world, "student", world.video_lesson)  # not enrolled: the page is locked
    assert "data-quiz" not in html and "Capital of France?" not in html
    html = _page(world, "enrolled", world.text_lesson)  # the world's own quiz
    assert html.count('<fieldset class="quiz-question"') == 2


def test_used_up_attempts_disable_the_form(world: ApiWorld):
    owner = world.users["owner"]
    quiz_put(user=owner, lesson_id=world.text_lesson.id, questions=EVERY_KIND[2:3], max_attempts=1)
    course_publish(course=world.course, user=owner)
    client = world.client_for("enrolled")
    url = f"/api/v1/lessons/{world.text_lesson.id}/quiz/attempts"
    assert client.post(url, {"answers": {"earth": True}}, format="json").status_code == 201
    html = _page(world, "enrolled", world.text_lesson)
    assert "0 of 1 attempt left" in html and "best score 100%" in html and "passed" in html
    assert "data-quiz-submit disabled" in html
    assert "You have used every attempt of this quiz." in html
