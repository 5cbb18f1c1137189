"""Course completion: required lessons completed and required quizzes passed."""

from __future__ import annotations

import pytest
from django.test import Client

from assessments.documents import CompletionRules
from catalog.access import lesson_facts_get
from devtools.api_world import VIDEO_DURATION_S, ApiWorld, api_world_build
from learnstream.audit import AuditEntry
from tracking.services import progress_mark_complete, progress_record_heartbeat
from tracking.tests.helpers import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> ApiWorld:
    return api_world_build()


def _watch(world: ApiWorld, lesson) -> None:
    """Play the whole video through the heartbeat service (as the player would)."""
    clock = Clock()
    user_id = world.users["enrolled"].id
    facts = lesson_facts_get(lesson_id=lesson.id)
    position = 0.0
    first = True
    while position < VIDEO_DURATION_S:
        step = 10.0 if first else 20.0
        end = min(position + step, VIDEO_DURATION_S)
        progress_record_heartbeat(
            user_id=user_id,
            lesson=facts,
            position_s=end,
            duration_s=VIDEO_DURATION_S,
            played_from_s=position,
            played_to_s=end,
            now=clock.advance(10.0),
        )
        position, first = end, False


def _completion(world: ApiWorld, role: str = "enrolled") -> dict:
    response = world.client_for(role).get(f"/api/v1/courses/{world.course.slug}/completion")
    assert response.status_code == 200, response.content
    return response.json()


def _pass_quiz(world: ApiWorld, answers: dict) -> dict:
    url = f"/api/v1/lessons/{world.text_lesson.id}/quiz/attempts"
    return world.client_for("enrolled").post(url, {"answers": answers}, format="json").json()


def test_default_rule_needs_every_video_or_quiz_lesson_and_every_quiz(world: ApiWorld):
    state = _completion(world)
    assert (state["complete"], state["custom_rules"]) == (False, False)
    assert [item["id"] for item in state["required_lessons"]] == [
        str(world.preview_lesson.id),
        str(world.video_lesson.id),
        str(world.text_lesson.id),
    ]
    assert state["required_quizzes"] == [
        {
            "lesson_id": str(world.text_lesson.id),
            "title": world.text_lesson.title,
            "passed": False,
            "best_score_percent": None,
        }
    ]
    _watch(world, world.preview_lesson)
    _watch(world, world.video_lesson)
    progress_mark_complete(
        user_id=world.users["enrolled"].id, lesson=lesson_facts_get(lesson_id=world.text_lesson.id)
    )
    state = _completion(world)
    assert (state["lessons_completed"], state["lessons_required"]) == (3, 3)
    assert (state["quizzes_passed"], state["quizzes_required"], state["complete"]) == (0, 1, False)
    assert _pass_quiz(world, {"q1": "a", "q2": 4})["passed"] is False  # 50% < 70%
    state = _completion(world)
    assert state["required_quizzes"][0]["best_score_percent"] == 50.0
    assert state["complete"] is False
    assert _pass_quiz(world, {"q1": "b", "q2": 4})["passed"] is True
    state = _completion(world)
    assert (state["quizzes_passed"], state["complete"]) == (1, True)
    # Another learner's standing is their own.
    assert _completion(world, "owner")["complete"] is False


def test_custom_rules_name_the_required_lessons_and_quizzes(world: ApiWorld):
    url = f"/api/v1/instructor/courses/{world.course.id}/completion"
    owner = world.client_for("owner")
    assert owner.get(url).json() == {
        "required_lesson_ids": None,
        "required_quiz_lesson_ids": None,
        "updated_at": None,
        "certificates": True,
    }
    text = str(world.text_lesson.id)
    body = {"required_lesson_ids": [text], "required_quiz_lesson_ids": []}
    response = owner.put(url, body, format="json")
    assert response.status_code == 200
    assert (
        response.json()["required_lesson_ids"],
        response.json()["required_quiz_lesson_ids"],
    ) == (
        [text],
        [],
    )
    assert AuditEntry.objects(action="course.completion_rules").count() == 1
    state = _completion(world)
    assert (state["custom_rules"], state["lessons_required"], state["quizzes_required"]) == (
        True,
        1,
        0,
    )
    progress_mark_complete(
        user_id=world.users["enrolled"].id, lesson=lesson_facts_get(lesson_id=text)
    )
    assert _completion(world)["complete"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"required_lesson_ids": ["0" * 24], "required_quiz_lesson_ids": None},
            "required_lesson_ids",
        ),
        (
            {"required_lesson_ids": None, "required_quiz_lesson_ids": ["VIDEO"]},
            "required_quiz_lesson_ids",
        ),
    ],
)
def test_rules_naming_other_lessons_are_400_and_change_nothing(world: ApiWorld, body, field):
    if body["required_quiz_lesson_ids"] == ["VIDEO"]:  # a lesson of the course without a quiz
        body = {**body, "required_quiz_lesson_ids": [str(world.video_lesson.id)]}
    url = f"/api/v1/instructor/courses/{world.course.id}/completion"
    response = world.client_for("owner").put(url, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert CompletionRules.objects.count() == 0


def test_the_course_page_shows_required_lessons_and_quizzes(world: ApiWorld):
    client = Client()
    client.force_login(world.users["enrolled"])
    html = client.get(f"/courses/{world.course.slug}/").content.decode()
    assert "To complete this course: 0 of 3 required lessons done · 0 of 1 quiz passed." in html
    assert f"{world.text_lesson.title}: not taken yet" in html
    _pass_quiz(world, {"q1": "b", "q2": 4})
    html = client.get(f"/courses/{world.course.slug}/").content.decode()
    assert "0 of 1 quiz passed" not in html and "1 of 1 quiz passed" in html
    assert f"{world.text_lesson.title}: passed" in html
