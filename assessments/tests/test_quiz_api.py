"""The quiz API: staff edit, learners take; keys never leak; grading; attempts; versions."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from assessments.documents import QuizAttempt, QuizStanding
from assessments.tests.helpers import ALL_RIGHT, EVERY_KIND, quiz_body, quiz_state
from catalog.services import course_publish, course_version_restore
from devtools.api_world import VIDEO_DURATION_S, ApiWorld, api_world_build
from learnstream.audit import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> ApiWorld:
    return api_world_build()


def _staff_url(lesson) -> str:
    return f"/api/v1/instructor/lessons/{lesson.id}/quiz"


def _url(lesson) -> str:
    return f"/api/v1/lessons/{lesson.id}/quiz"


def _put(world: ApiWorld, lesson, body: dict, role: str = "owner"):
    return world.client_for(role).put(_staff_url(lesson), body, format="json")


def _publish(world: ApiWorld) -> None:
    course_publish(course=world.course, user=world.users["owner"])
    world.course.reload()


# ---------------------------------------------------------------- staff


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("student", 403),
        ("enrolled", 403),
        ("other_instructor", 404),
        ("owner", 200),
        ("admin", 200),
    ],
)
def test_staff_put_and_get_by_role(world: ApiWorld, role: str, status: int):
    lesson = world.video_lesson
    before = quiz_state(lesson.id)
    response = _put(world, lesson, quiz_body(), role)
    assert response.status_code == status, response.content
    got = world.client_for(role).get(_staff_url(lesson))
    if status != 200:
        assert got.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        assert quiz_state(lesson.id) == before
        return
    body = response.json()
    assert got.json() == body
    assert body["pass_percent"] == 60 and body["max_attempts"] is None
    assert body["published_version"] is None  # not published with the course yet
    assert [q["id"] for q in body["questions"]] == [q["id"] for q in EVERY_KIND]
    assert body["questions"][0] == {
        "id": "capital",
        "kind": "single",
        "prompt": "Capital of France?",
        "choices": ["Lyon", "Paris", "Nice"],
        "answers": ["Paris"],
        "tolerance": 0.0,
        "points": 2,
        "feedback": "Paris has been the capital since 987.",
        "at_s": None,
    }
    assert body["questions"][4]["answers"] == [3.14]
    assert body["questions"][4]["tolerance"] == 0.005
    entry = AuditEntry.objects(action="quiz.update", target_id=str(lesson.id)).first()
    assert entry is not None and entry.actor_id == world.users[role].id


def test_questions_without_ids_get_ids_and_delete_removes_the_draft(world: ApiWorld):
    lesson = world.video_lesson
    questions = [{k: v for k, v in q.items() if k != "id"} for q in EVERY_KIND[:2]]
    questions.append({"id": "q1", "kind": "true_false", "prompt": "Yes?", "answers": [False]})
    body = _put(world, lesson, quiz_body(questions=questions)).json()
    assert [q["id"] for q in body["questions"]] == ["q2", "q3", "q1"]
    client = world.client_for("owner")
    assert client.delete(_staff_url(lesson)).status_code == 204
    assert client.get(_staff_url(lesson)).status_code == 404
    assert client.delete(_staff_url(lesson)).status_code == 404
    assert AuditEntry.objects(action="quiz.delete", target_id=str(lesson.id)).count() == 1


def _bad(question: dict) -> dict:
    return quiz_body(questions=[EVERY_KIND[0], question])


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        (
            {"id": "x", "kind": "single", "prompt": "?", "choices": ["a", "b"], "answers": []},
            "answers",
            "Question 2 (x): A single-choice question has exactly one correct choice.",
        ),
        (
            {"id": "x", "kind": "multiple", "prompt": "?", "choices": ["a", "b"], "answers": ["c"]},
            "answers",
            "Question 2 (x): Correct answers outside the choices: c.",
        ),
        (
            {"id": "x", "kind": "single", "prompt": "?", "choices": ["a"], "answers": ["a"]},
            "choices",
            "Question 2 (x): Give 2 to 20 choices.",
        ),
        (
            {"id": "x", "kind": "true_false", "prompt": "?", "answers": ["yes"]},
            "answers",
            "Question 2 (x): A true/false question has one answer: true or false.",
        ),
        (
            {"id": "x", "kind": "numeric", "prompt": "?", "answers": ["four"]},
            "answers",
            "Question 2 (x): A numeric question has one answer: a finite number.",
        ),
        (
            {"id": "x", "kind": "short_answer", "prompt": "?", "answers": ["  "]},
            "answers",
            "Question 2 (x): List at least one accepted answer (non-empty text).",
        ),
        (
            {"id": "x", "kind": "true_false", "prompt": "?", "answers": [True], "at_s": 61},
            "at_s",
            "Question 2 (x): at_s is beyond the video (0 to 60 s).",
        ),
        (
            {"id": "capital", "kind": "true_false", "prompt": "?", "answers": [True]},
            "id",
            "Question 2 (capital): Another question has this id.",
        ),
    ],
)
def test_invalid_quiz_is_400_naming_the_question_and_changes_nothing(
    world: ApiWorld, question: dict, field: str, message: str
):
    lesson = world.video_lesson
    assert _put(world, lesson, quiz_body()).status_code == 200
    before = quiz_state(lesson.id)
    response = _put(world, lesson, _bad(question))
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"]) == ("validation_error", message)
    assert body["errors"] == {f"questions.1.{field}": [message]}
    assert quiz_state(lesson.id) == before


def test_at_s_needs_a_video_and_shape_errors_name_the_question(world: ApiWorld):
    question = {"id": "x", "kind": "true_false", "prompt": "?", "answers": [True], "at_s": 5}
    response = _put(world, world.text_lesson, quiz_body(questions=[question]))
    assert response.json()["errors"] == {
        "questions.0.at_s": [
            "Question 1 (x): The lesson has no ready video to show this question in."
        ]
    }
    ok = _put(
        world, world.video_lesson, quiz_body(questions=[{**question, "at_s": VIDEO_DURATION_S}])
    )
    assert ok.status_code == 200 and ok.json()["questions"][0]["at_s"] == VIDEO_DURATION_S
    response = _put(world, world.video_lesson, quiz_body(questions=[{**question, "kind": "essay"}]))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["questions.0.kind"]
    assert response.json()["detail"].startswith("questions.0.kind: ")


# ---------------------------------------------------------------- learners: no keys, ever


def _keys_absent(raw: str) -> None:
    """No answer key of EVERY_KIND in a learner's body (choices are shown by design)."""
    body = json.loads(raw)
    for question in body["questions"]:
        assert set(question) == {"id", "kind", "prompt", "choices", "points", "at_s"}
    for secret in ('"answers"', '"tolerance"', "café au lait", "3.14", '"correct'):
        assert secret not in raw


def test_learner_quiz_has_no_answer_keys(world: ApiWorld):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(max_attempts=3))
    client = world.client_for("enrolled")
    assert client.get(_url(lesson)).status_code == 404  # not published yet
    _publish(world)
    response = client.get(_url(lesson))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    raw = response.content.decode()
    _keys_absent(raw)
    body = response.json()
    assert body["version"] == 2
    assert (body["attempts_used"], body["attempts_left"], body["best_score_percent"]) == (
        0,
        3,
        None,
    )
    assert body["points_possible"] == 6 and body["passed"] is False
    assert body["questions"][0]["choices"] == ["Lyon", "Paris", "Nice"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("student", 403),
        ("other_instructor", 403),
        ("enrolled", 200),
        ("owner", 200),
        ("admin", 200),
    ],
)
def test_who_may_take_the_quiz(world: ApiWorld, role: str, status: int):
    lesson = world.text_lesson  # the world's published quiz
    client = world.client_for(role)
    before = quiz_state(lesson.id)
    assert client.get(_url(lesson)).status_code == status
    response = client.post(f"{_url(lesson)}/attempts", {"answers": {"q1": "b"}}, format="json")
    assert response.status_code == (201 if status == 200 else status)
    if status != 200:
        assert quiz_state(lesson.id) == before


# ---------------------------------------------------------------- grading


@pytest.mark.parametrize(
    ("answers", "correct"),
    [
        (ALL_RIGHT, {"capital", "primes", "earth", "drink", "pi"}),
        ({}, set()),
        ({"capital": "Lyon", "primes": ["2"], "earth": False, "drink": "cafe", "pi": 3.15}, set()),
        ({"primes": ["2", "5", "9"], "pi": 3.145, "drink": "Café au lait"}, {"pi", "drink"}),
        ({"pi": 3.1349, "capital": "Paris"}, {"capital"}),
        ({"pi": 3.1449}, {"pi"}),
    ],
)
def test_grading_is_exact_for_every_kind(world: ApiWorld, answers: dict, correct: set):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body())
    _publish(world)
    response = world.client_for("enrolled").post(
        f"{_url(lesson)}/attempts", {"answers": answers}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {r["question_id"] for r in body["results"] if r["correct"]} == correct
    points = {"capital": 2, "primes": 1, "earth": 1, "drink": 1, "pi": 1}
    earned = sum(points[q] for q in correct)
    assert (body["points_earned"], body["points_possible"]) == (earned, 6)
    assert body["score_percent"] == round(100 * earned / 6, 2)
    assert body["passed"] is (earned * 100 >= 60 * 6)
    assert all("correct_answer" not in r for r in body["results"])  # show_answers is off
    capital = next(r for r in body["results"] if r["question_id"] == "capital")
    assert capital["feedback"] == "Paris has been the capital since 987."
    assert "feedback" not in next(r for r in body["results"] if r["question_id"] == "pi")


def test_answers_shown_only_when_the_quiz_says_so(world: ApiWorld):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(show_answers=True))
    _publish(world)
    body = (
        world.client_for("enrolled")
        .post(f"{_url(lesson)}/attempts", {"answers": {}}, format="json")
        .json()
    )
    assert {r["question_id"]: r["correct_answer"] for r in body["results"]} == {
        "capital": "Paris",
        "primes": ["2", "5"],
        "earth": True,
        "drink": ["café au lait"],
        "pi": 3.14,
    }


@pytest.mark.parametrize(
    "answers",
    [
        {"capital": "Marseille"},
        {"primes": "2"},
        {"earth": "true"},
        {"pi": "3.14"},
        {"nope": 1},
        {"drink": 5},
    ],
)
def test_answers_of_the_wrong_shape_are_400_and_record_nothing(world: ApiWorld, answers: dict):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(max_attempts=1))
    _publish(world)
    before = quiz_state(lesson.id)
    response = world.client_for("enrolled").post(
        f"{_url(lesson)}/attempts", {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"answers.{next(iter(answers))}"]
    assert quiz_state(lesson.id) == before


# ---------------------------------------------------------------- attempts


def test_attempts_beyond_max_are_409_and_change_nothing(world: ApiWorld):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(max_attempts=2))
    _publish(world)
    client = world.client_for("enrolled")
    url = f"{_url(lesson)}/attempts"
    first = client.post(url, {"answers": {}}, format="json").json()
    second = client.post(url, {"answers": ALL_RIGHT}, format="json").json()
    assert (first["attempt"], first["attempts_left"], first["passed"]) == (1, 1, False)
    assert (second["attempt"], second["attempts_left"], second["passed"]) == (2, 0, True)
    before = quiz_state(lesson.id)
    refused = client.post(url, {"answers": ALL_RIGHT}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert quiz_state(lesson.id) == before
    body = client.get(_url(lesson)).json()
    assert (body["attempts_used"], body["attempts_left"], body["passed"]) == (2, 0, True)
    assert body["best_score_percent"] == 100.0
    assert [(a["attempt"], a["passed"]) for a in body["attempts"]] == [(2, True), (1, False)]


@pytest.mark.django_db(transaction=True)
def test_racing_attempts_never_exceed_max():
    world = api_world_build()  # committed, so the request threads see the users
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(max_attempts=3))
    _publish(world)
    url = f"{_url(lesson)}/attempts"
    access = world.token_pair(world.users["enrolled"])["access"]
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        barrier.wait()
        statuses.append(client.post(url, {"answers": {}}, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 3 + [409] * 5
    user_id = world.users["enrolled"].id
    assert QuizStanding.objects.get(user_id=user_id, lesson_id=lesson.id).attempts == 3
    numbers = sorted(a.number for a in QuizAttempt.objects(user_id=user_id, lesson_id=lesson.id))
    assert numbers == [1, 2, 3]


# ---------------------------------------------------------------- versions


def _learner_prompts(world: ApiWorld, lesson) -> list[str] | int:
    response = world.client_for("enrolled").get(_url(lesson))
    if response.status_code != 200:
        return response.status_code
    return [q["prompt"] for q in response.json()["questions"]]


def test_edits_after_publish_wait_for_the_next_publish(world: ApiWorld):
    lesson = world.video_lesson
    _put(world, lesson, quiz_body(questions=EVERY_KIND[:1]))
    _publish(world)  # version 2
    assert _learner_prompts(world, lesson) == ["Capital of France?"]
    _put(world, lesson, quiz_body(questions=EVERY_KIND[2:3]))
    assert _learner_prompts(world, lesson) == ["Capital of France?"]
    staff = world.client_for("owner").get(_staff_url(lesson)).json()
    assert staff["published_version"] == 2 and staff["questions"][0]["id"] == "earth"
    # Graded against what the learner is shown, not the draft.
    graded = world.client_for("enrolled").post(
        f"{_url(lesson)}/attempts", {"answers": {"capital": "Paris"}}, format="json"
    )
    assert graded.status_code == 201 and graded.json()["passed"] is True
    _publish(world)  # version 3
    assert _learner_prompts(world, lesson) == ["The earth is round."]
    world.client_for("owner").delete(_staff_url(lesson))
    assert _learner_prompts(world, lesson) == ["The earth is round."]
    _publish(world)  # version 4: no quiz
    assert _learner_prompts(world, lesson) == 404
    restored = course_version_restore(course=world.course, user=world.users["owner"], version=2)
    assert restored.version == 5
    assert _learner_prompts(world, lesson) == ["Capital of France?"]
    staff = world.client_for("owner").get(_staff_url(lesson)).json()
    assert (staff["published_version"], staff["questions"][0]["id"]) == (5, "capital")


def test_staff_preview_the_draft_quiz_of_an_unpublished_lesson(world: ApiWorld):
    from catalog.tests.factories import LessonFactory

    lesson = LessonFactory(course_id=world.course.id, position=5)
    _put(world, lesson, quiz_body(questions=EVERY_KIND[:1]))
    response = world.client_for("owner").get(_url(lesson))
    assert response.status_code == 200 and response.json()["version"] is None
    _keys_absent(response.content.decode())
    assert world.client_for("enrolled").get(_url(lesson)).status_code == 404
