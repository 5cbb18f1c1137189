"""Instructor analytics, CSV export and audited resets, on a small exact fixture."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.services import enrollment_create
from devtools.clients import client_for
from learnstream.audit import AuditEntry
from tracking.analytics import course_analytics_compute
from tracking.services import progress_record_heartbeat
from tracking.tests.helpers import Clock, facts, raw_progress, video_course

pytestmark = pytest.mark.django_db


def play(*, user, lesson_id, until, clock):
    position = 0.0
    while position < until:
        upto = min(position + 10.0, until)
        clock.advance(upto - position)
        progress_record_heartbeat(
            user_id=user.id,
            lesson=facts(lesson_id),
            position_s=upto,
            duration_s=100.0,
            played_from_s=position,
            played_to_s=upto,
            now=clock.now,
        )
        position = upto


@pytest.fixture
def fixture(instructor):
    """s1 finishes both lessons (recently), s2 watches half of the first (10 days ago), s3 is
    enrolled but never started, and the owner's own viewing is not counted."""
    course, (first, second) = video_course(owner=instructor, lessons=2, duration_s=100.0)
    s1, s2, s3 = (UserFactory(role="student") for _ in range(3))
    for learner in (s1, s2, s3):
        enrollment_create(user=learner, course=course)
    recent = Clock(timezone.now() - timedelta(hours=1))
    play(user=s1, lesson_id=first, until=100, clock=recent)
    play(user=s1, lesson_id=second, until=90, clock=recent)
    play(user=s2, lesson_id=first, until=50, clock=Clock(timezone.now() - timedelta(days=10)))
    play(user=instructor, lesson_id=first, until=10, clock=recent)
    return course, (first, second), (s1, s2, s3)


def test_analytics_exact_values(fixture):
    course, (first, second), _learners = fixture
    result = course_analytics_compute(course=course)
    assert result == {
        "enrolled": 3,
        "started": 2,
        "completed": 1,
        "completion_rate": 0.3333,
        "watch_time_s": {"total": 240.0, "median": 120.0},
        "active_learners": {"d7": 1, "d30": 2},
        "lessons": [
            {
                "id": first,
                "title": result["lessons"][0]["title"],
                "starts": 2,
                "completions": 1,
                "avg_coverage": 0.75,
                "dropoff": [1.0] * 11 + [0.5] * 10,
            },
            {
                "id": second,
                "title": result["lessons"][1]["title"],
                "starts": 1,
                "completions": 1,
                "avg_coverage": 0.9,
                "dropoff": [1.0] * 19 + [0.0] * 2,
            },
        ],
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("student", 403), ("other", 404), ("owner", 200), ("admin", 200)],
)
def test_analytics_access(fixture, instructor, other_instructor, admin_user, who, status):
    course = fixture[0]
    user = {
        "anonymous": None,
        "student": fixture[2][0],
        "other": other_instructor,
        "owner": instructor,
        "admin": admin_user,
    }[who]
    response = client_for(user).get(f"/api/v1/instructor/courses/{course.id}/analytics")
    assert response.status_code == status
    if status == 200:
        assert response.json()["started"] == 2


def test_analytics_are_cached_briefly(fixture, instructor):
    course, (first, _second), (_s1, _s2, s3) = fixture
    path = f"/api/v1/instructor/courses/{course.id}/analytics"
    assert client_for(instructor).get(path).json()["started"] == 2
    play(user=s3, lesson_id=first, until=10, clock=Clock())
    assert client_for(instructor).get(path).json()["started"] == 2  # cached
    assert course_analytics_compute(course=course)["started"] == 3


def test_progress_csv_has_a_row_per_learner_and_lesson(fixture, instructor):
    course, (first, second), (s1, s2, s3) = fixture
    response = client_for(instructor).get(f"/api/v1/instructor/courses/{course.id}/progress.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    streamed = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(streamed.decode())))
    assert rows[0] == [
        "user_id",
        "email",
        "lesson_id",
        "lesson_title",
        "position_s",
        "furthest_s",
        "coverage",
        "watch_time_s",
        "completed_at",
    ]
    body = {(row[0], row[2]): row for row in rows[1:]}
    assert len(rows) == 1 + 3 * 2
    assert body[(str(s1.id), first)][1] == s1.email
    assert body[(str(s1.id), first)][4:8] == ["100", "100", "1.0000", "100"]
    assert body[(str(s1.id), first)][8] != ""
    assert body[(str(s2.id), first)][4:9] == ["50", "50", "0.5000", "50", ""]
    assert body[(str(s3.id), second)][4:9] == ["", "", "", "", ""]
    assert str(instructor.id) not in {row[0] for row in rows[1:]}


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("student", 403), ("other", 404), ("owner", 204), ("admin", 204)],
)
def test_reset_access_and_audit(fixture, instructor, other_instructor, admin_user, who, status):
    course, _lessons, (s1, _s2, _s3) = fixture
    user = {
        "anonymous": None,
        "student": s1,
        "other": other_instructor,
        "owner": instructor,
        "admin": admin_user,
    }[who]
    before = raw_progress()
    path = f"/api/v1/instructor/courses/{course.id}/progress/{s1.id}"
    response = client_for(user).delete(path)
    assert response.status_code == status
    if status != 204:
        assert raw_progress() == before
        assert AuditEntry.objects(action="progress.reset").count() == 0
        return
    assert [d for d in raw_progress() if d["user_id"] == s1.id] == []
    assert len(raw_progress()) == len(before) - 2
    entry = AuditEntry.objects.get(action="progress.reset")
    assert (entry.actor_id, entry.action, entry.target_type) == (
        user.id,
        "progress.reset",
        "course",
    )
    assert entry.details["removed"] == 2


def test_reset_one_lesson(fixture, instructor):
    course, (first, second), (s1, _s2, _s3) = fixture
    base = f"/api/v1/instructor/courses/{course.id}/progress/{s1.id}"
    client = client_for(instructor)
    assert client.delete(f"{base}?lesson_id={'f' * 24}").status_code == 404
    assert client.delete(f"{base}?lesson_id=bad").status_code == 404
    assert client.delete(f"{base}?lesson_id={first}").status_code == 204
    left = [str(d["lesson_id"]) for d in raw_progress() if d["user_id"] == s1.id]
    assert left == [second]
    assert AuditEntry.objects.get(action="progress.reset").target_id == first
