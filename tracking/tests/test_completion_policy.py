"""Completion policy per lesson: the share to watch, end credits, the fastest credited speed;
lowering the bar completes who now qualifies (audited, in bulk); raising it takes nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest
from bson import ObjectId
from django.test import Client

from catalog.completion import CompletionPolicy
from catalog.documents import Course, Lesson
from catalog.services import lesson_update
from devtools.clients import client_for
from learnstream.audit import AuditEntry
from learnstream.errors import ValidationError
from tracking.completion import (
    completion_expression,
    completion_met,
    completion_requirement,
    progress_completion_reevaluate,
)
from tracking.documents import LessonProgress
from tracking.services import progress_record_heartbeat
from tracking.tests.helpers import Clock, facts, raw_progress, video_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(instructor):
    course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    return Course.objects.get(id=course.id), Lesson.objects.get(id=ObjectId(lesson_ids[0]))


def play(lesson_id, clock, start, end, *, user_id, step=10.0):
    """Play [start, end) at 1x, one beat per `step` seconds of wall time."""
    state = None
    position = start
    while position < end:
        upto = min(position + step, end)
        clock.advance(upto - position)
        state = progress_record_heartbeat(
            user_id=user_id,
            lesson=facts(lesson_id),
            position_s=upto,
            duration_s=100.0,
            played_from_s=position,
            played_to_s=upto,
            now=clock.now,
        )
        position = upto
    return state


def stored(user_id, lesson):
    return LessonProgress._get_collection().find_one({"user_id": user_id, "lesson_id": lesson.id})


def test_the_site_threshold_applies_without_a_policy(setup):
    _course, lesson = setup
    clock = Clock()
    assert play(str(lesson.id), clock, 0, 80, user_id=1).completed is False
    assert play(str(lesson.id), clock, 80, 90, user_id=1).completed is True


def test_a_lower_share_completes_earlier_for_new_beats(setup, instructor):
    course, lesson = setup
    lesson_update(lesson=lesson, course=course, user=instructor, completion_share=0.5)
    clock = Clock()
    assert play(str(lesson.id), clock, 0, 40, user_id=1).completed is False
    assert play(str(lesson.id), clock, 40, 50, user_id=1).completed is True


def test_lowering_the_share_completes_who_now_qualifies_audited(setup, instructor):
    course, lesson = setup
    clock = Clock()
    play(str(lesson.id), clock, 0, 70, user_id=1)  # 70%
    play(str(lesson.id), Clock(), 0, 50, user_id=2)  # 50%
    play(str(lesson.id), Clock(), 0, 100, user_id=3)  # complete at 90%
    completed_before = stored(3, lesson)["completed_at"]

    lesson_update(lesson=lesson, course=course, user=instructor, completion_share=0.6)

    assert stored(1, lesson)["completed_at"] is not None
    assert stored(1, lesson)["completed_by"] == "policy"
    assert stored(2, lesson)["completed_at"] is None
    assert stored(3, lesson)["completed_at"] == completed_before  # kept, not re-stamped
    entry = AuditEntry.objects.get(action="progress.completion_policy")
    assert entry.actor_id == instructor.id
    assert entry.target_id == str(lesson.id)
    assert entry.details["completed"] == 1
    assert entry.details["before"]["completion_share"] is None
    assert entry.details["policy"]["completion_share"] == 0.6
    # The learner's next beat answers from the re-evaluated progress.
    assert play(str(lesson.id), clock, 70, 80, user_id=1).completed is True


def test_raising_the_share_keeps_completions(setup, instructor):
    course, lesson = setup
    play(str(lesson.id), Clock(), 0, 90, user_id=1)
    assert stored(1, lesson)["completed_at"] is not None
    before = raw_progress()

    lesson_update(lesson=lesson, course=course, user=instructor, completion_share=1.0)

    assert raw_progress() == before
    entry = AuditEntry.objects.get(action="progress.completion_policy")
    assert (entry.details["examined"], entry.details["completed"]) == (0, 0)
    # A new learner now needs the whole video.
    clock = Clock()
    assert play(str(lesson.id), clock, 0, 90, user_id=2).completed is False
    assert play(str(lesson.id), clock, 90, 100, user_id=2).completed is True


def test_end_credits_need_no_watching(setup, instructor):
    course, lesson = setup
    lesson_update(lesson=lesson, course=course, user=instructor, credits_start_s=80.0)
    clock = Clock()
    # 90% of the 80 s before the credits: 72 s.
    assert play(str(lesson.id), clock, 0, 70, user_id=1).completed is False
    assert play(str(lesson.id), clock, 70, 72, user_id=1).completed is True


def test_watching_the_credits_does_not_stand_in_for_the_content(setup, instructor):
    course, lesson = setup
    lesson_update(lesson=lesson, course=course, user=instructor, credits_start_s=80.0)
    clock = Clock()
    play(str(lesson.id), clock, 0, 60, user_id=1)
    state = play(str(lesson.id), clock, 60, 70, user_id=1)
    state = play(str(lesson.id), clock, 80, 100, user_id=1)  # 90 s played, 70 s of content
    assert state.completed is False
    assert state.watch_time_s == 90.0


def test_moving_the_credits_earlier_completes_who_now_qualifies(setup, instructor):
    course, lesson = setup
    play(str(lesson.id), Clock(), 0, 75, user_id=1)  # 75 s: 90% of 80 s is 72 s -> qualifies
    play(str(lesson.id), Clock(), 0, 60, user_id=2)  # 60 s: not enough
    clock = Clock()
    play(str(lesson.id), clock, 0, 50, user_id=3)
    play(str(lesson.id), clock, 60, 85, user_id=3)  # 75 s played, only 70 before the credits

    lesson_update(lesson=lesson, course=course, user=instructor, credits_start_s=80.0)

    assert stored(1, lesson)["completed_at"] is not None
    assert stored(2, lesson)["completed_at"] is None
    assert stored(3, lesson)["completed_at"] is None
    entry = AuditEntry.objects.get(action="progress.completion_policy")
    assert entry.details["completed"] == 1


def test_the_fastest_credited_speed_bounds_the_span_rule(setup, instructor):
    course, lesson = setup
    lesson_update(lesson=lesson, course=course, user=instructor, max_credited_rate=1.0)
    clock = Clock()
    play(str(lesson.id), clock, 0, 10, user_id=1)
    clock.advance(10)
    with pytest.raises(ValidationError):  # 20 s of media in 10 s: 2x, above this lesson's 1x
        progress_record_heartbeat(
            user_id=1,
            lesson=facts(str(lesson.id)),
            position_s=30.0,
            duration_s=100.0,
            played_from_s=10.0,
            played_to_s=30.0,
            now=clock.now,
        )
    assert stored(1, lesson)["watch_time_s"] == 10.0
    state = progress_record_heartbeat(
        user_id=1,
        lesson=facts(str(lesson.id)),
        position_s=20.0,
        duration_s=100.0,
        played_from_s=10.0,
        played_to_s=20.0,
        now=clock.now,
    )
    assert state.watch_time_s == 20.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("completion_share", 0),
        ("completion_share", 1.5),
        ("completion_share", "0.5"),
        ("credits_start_s", -1),
        ("credits_start_s", 0),
        ("max_credited_rate", 0.5),
        ("max_credited_rate", 3.0),  # above the site's 2x
        ("reading_mode", "skim"),
        ("reading_min_s", -5),
        ("reading_min_s", 1.5),
        ("reading_min_s", True),
    ],
)
def test_invalid_policy_values_are_refused_and_change_nothing(setup, instructor, field, value):
    course, lesson = setup
    before = Lesson.objects.get(id=lesson.id).to_mongo().to_dict()
    with pytest.raises(ValidationError) as raised:
        lesson_update(lesson=lesson, course=course, user=instructor, **{field: value})
    assert list(raised.value.errors or {}) == [field]
    assert Lesson.objects.get(id=lesson.id).to_mongo().to_dict() == before
    assert AuditEntry.objects(action="progress.completion_policy").count() == 0


def test_instructor_api_reads_and_edits_the_policy(setup, instructor):
    _course, lesson = setup
    play(str(lesson.id), Clock(), 0, 60, user_id=5)
    client = client_for(instructor)
    url = f"/api/v1/instructor/lessons/{lesson.id}"
    body = client.get(url).json()
    assert {key: body[key] for key in ("completion_share", "credits_start_s")} == {
        "completion_share": None,
        "credits_start_s": None,
    }
    assert (body["max_credited_rate"], body["reading_mode"], body["reading_min_s"]) == (
        None,
        "mark_complete",
        0,
    )
    response = client.patch(
        url,
        {"completion_share": 0.6, "credits_start_s": 95, "reading_min_s": 30},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["completion_share"], body["credits_start_s"], body["reading_min_s"]) == (
        0.6,
        95.0,
        30,
    )
    assert stored(5, lesson)["completed_at"] is not None  # 60 s of the 95 s before credits
    # Back to the site's default.
    response = client.patch(url, {"completion_share": None}, format="json")
    assert response.json()["completion_share"] is None


def test_instructor_api_refuses_bad_policy_with_field_errors(setup, instructor):
    _course, lesson = setup
    client = client_for(instructor)
    url = f"/api/v1/instructor/lessons/{lesson.id}"
    before = Lesson.objects.get(id=lesson.id).to_mongo().to_dict()
    response = client.patch(url, {"completion_share": 2, "reading_mode": "x"}, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert set(problem["errors"]) == {"completion_share", "reading_mode"}
    assert Lesson.objects.get(id=lesson.id).to_mongo().to_dict() == before


def test_another_instructor_cannot_change_the_policy(setup, other_instructor):
    _course, lesson = setup
    before = Lesson.objects.get(id=lesson.id).to_mongo().to_dict()
    response = client_for(other_instructor).patch(
        f"/api/v1/instructor/lessons/{lesson.id}", {"completion_share": 0.1}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Lesson.objects.get(id=lesson.id).to_mongo().to_dict() == before


def test_admin_lesson_form_edits_the_policy(setup, instructor):
    course, lesson = setup
    play(str(lesson.id), Clock(), 0, 50, user_id=9)
    client = Client()
    client.force_login(instructor)
    url = f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'<label for="id_completion_share">Share to watch (%):</label>' in page.content
    response = client.post(
        url,
        {
            "title": lesson.title,
            "completion_share": "50",
            "credits_start_s": "",
            "max_credited_rate": "1.5",
            "reading_mode": "time_on_page",
            "reading_min_s": "20",
        },
    )
    assert response.status_code == 302
    fresh = Lesson.objects.get(id=lesson.id)
    assert (fresh.completion_share, fresh.credits_start_s, fresh.max_credited_rate) == (
        0.5,
        None,
        1.5,
    )
    assert (fresh.reading_mode, fresh.reading_min_s) == ("time_on_page", 20)
    assert stored(9, lesson)["completed_at"] is not None
    # The form shows the share as a percentage again.
    assert b'value="50.0"' in client.get(url).content


def test_admin_lesson_form_shows_service_errors(setup, instructor):
    course, lesson = setup
    client = Client()
    client.force_login(instructor)
    url = f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/change/"
    before = Lesson.objects.get(id=lesson.id).to_mongo().to_dict()
    response = client.post(url, {"title": lesson.title, "completion_share": "150"})
    assert response.status_code == 400
    assert b"Enter a share between 0.05 and 1." in response.content
    assert Lesson.objects.get(id=lesson.id).to_mongo().to_dict() == before


def test_the_three_renderings_of_the_rule_agree():
    """The heartbeat's expression, the bulk filter and the Python check: same answers."""
    rng = random.Random(7)
    collection = LessonProgress._get_collection()
    course_id, lesson_id = ObjectId(), ObjectId()
    documents: list[dict[str, Any]] = []
    for user_id in range(120):
        buckets = sorted(rng.sample(range(100), rng.randint(40, 100)))
        documents.append(
            {
                "user_id": user_id,
                "lesson_id": lesson_id,
                "course_id": course_id,
                "buckets": buckets,
                "watch_time_s": float(rng.randint(40, 110)),
                "duration_s": 100.0,
                "coverage": min(len(buckets) / 100, 1.0),
                "completed_at": None,
            }
        )
    for document in documents:
        document["coverage"] = min(document["coverage"], document["watch_time_s"] / 100.0)
    collection.insert_many(documents)
    for policy in (
        CompletionPolicy(completion_share=0.7),
        CompletionPolicy(completion_share=0.8, credits_start_s=85.0),
    ):
        requirement = completion_requirement(policy=policy, duration_s=100.0)
        by_python = {d["user_id"] for d in documents if completion_met(requirement, d)}
        by_expression = {
            d["user_id"]
            for d in collection.aggregate(
                [
                    {"$match": {"lesson_id": lesson_id}},
                    {"$project": {"user_id": 1, "met": completion_expression(requirement)}},
                    {"$match": {"met": True}},
                ]
            )
        }
        assert by_python == by_expression
        assert 0 < len(by_python) < len(documents)
        result = progress_completion_reevaluate(
            lesson_id=str(lesson_id), course_id=str(course_id), policy=policy, actor_id=0
        )
        by_bulk = {
            d["user_id"]
            for d in collection.find({"lesson_id": lesson_id, "completed_by": "policy"})
        }
        assert by_bulk == by_python
        assert result.completed == len(by_python)
        collection.update_many({"lesson_id": lesson_id}, {"$set": {"completed_at": None}})
        collection.update_many({"lesson_id": lesson_id}, {"$unset": {"completed_by": ""}})
