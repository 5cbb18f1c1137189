"""gradebook.csv: a learner per row, a column per required lesson and quiz; staff only."""

from __future__ import annotations

import csv
import io

import pytest

from assessments.tests.test_certificates import _pass_quiz
from assessments.tests.test_completion import _watch
from catalog.access import lesson_facts_get
from devtools.api_world import ApiWorld, api_world_build
from tracking.services import progress_mark_complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> ApiWorld:
    return api_world_build()


def _gradebook(world: ApiWorld, role: str = "owner") -> list[dict[str, str]]:
    response = world.client_for(role).get(
        f"/api/v1/instructor/courses/{world.course.id}/gradebook.csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


def _row(rows: list[dict[str, str]], user) -> dict[str, str]:
    return next(row for row in rows if row["user_id"] == str(user.id))


def test_the_gradebook_follows_each_required_item_of_a_learner(world: ApiWorld):
    learner = world.users["enrolled"]
    rows = _gradebook(world)
    assert str(world.users["owner"].id) not in {row["user_id"] for row in rows}  # staff
    row = _row(rows, learner)
    assert row["email"] == learner.email and row["course_complete"] == "no"
    lesson_columns = [name for name in row if name.startswith("lesson: ")]
    quiz_columns = [name for name in row if name.startswith("quiz: ")]
    assert lesson_columns and quiz_columns
    assert all(row[name] == "" for name in lesson_columns)

    _watch(world, world.preview_lesson)
    _watch(world, world.video_lesson)
    progress_mark_complete(
        user_id=learner.id, lesson=lesson_facts_get(lesson_id=world.text_lesson.id)
    )
    row = _row(_gradebook(world), learner)
    assert all(row[name] for name in lesson_columns), row  # completion times
    assert row["course_complete"] == "no"  # the quiz is still required

    _pass_quiz(world)
    row = _row(_gradebook(world), learner)
    passed = [name for name in quiz_columns if name.endswith("(passed)")]
    assert passed and all(row[name] == "yes" for name in passed)
    assert float(row[passed[0].replace("(passed)", "(best %)")]) == 100.0
    assert row["course_complete"] == "yes"
