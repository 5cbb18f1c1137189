"""GET /api/v1/me/export: the user's profile, enrolments and progress as JSON."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.tests.lifecycle_fixtures import DOOMED_ID, T0, build_world
from tracking.documents import LessonProgress


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.mark.django_db
def test_export_holds_profile_enrolments_and_progress():
    world = build_world()
    client = APIClient()
    client.force_authenticate(user=world.user)
    response = client.get("/api/v1/me/export")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="learnstream-export.json"'
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    user = world.user
    assert set(body) == {
        "exported_at",
        "profile",
        "two_factor_enabled",
        "enrollments",
        "progress",
        "quiz_attempts",
        "certificates",
    }
    assert (body["quiz_attempts"], body["certificates"]) == ([], [])
    assert body["profile"] == {
        "id": DOOMED_ID,
        "email": "doomed.person@example.com",
        "name": user.name,
        "role": "instructor",
        "email_verified": True,
        "date_joined": iso(user.date_joined),
        "last_login": None,
    }
    assert body["two_factor_enabled"] is True

    enrolments = {item["course"]["slug"]: item for item in body["enrollments"]}
    assert set(enrolments) == {"kept", "left"}
    assert enrolments["kept"]["course"] == {
        "id": str(world.course.id),
        "slug": "kept",
        "title": world.course.published.title,
    }
    assert (enrolments["kept"]["status"], enrolments["kept"]["cancelled_at"]) == ("active", None)
    assert enrolments["left"]["status"] == "cancelled"
    assert enrolments["left"]["cancelled_at"] is not None

    # Progress: the documents still stored (the one on "left" was reset by its owner).
    stored = {str(doc.lesson_id): doc for doc in LessonProgress.objects(user_id=DOOMED_ID)}
    assert {item["lesson_id"] for item in body["progress"]} == set(stored) == set(world.lesson_ids)
    first = next(item for item in body["progress"] if item["lesson_id"] == world.lesson_ids[0])
    assert first == {
        "lesson_id": world.lesson_ids[0],
        "course_id": str(world.course.id),
        "position_s": 10.0,
        "furthest_s": 10.0,
        "coverage": stored[world.lesson_ids[0]].coverage,
        "watch_time_s": 10.0,
        "duration_s": 100.0,
        "completed": False,
        "completed_at": None,
        "started_at": iso(T0),
        "updated_at": iso(T0),
    }
    assert first["coverage"] == pytest.approx(0.1, abs=0.011)


@pytest.mark.django_db
def test_export_holds_nothing_of_other_users():
    world = build_world()
    client = APIClient()
    client.force_authenticate(user=world.other)
    body = client.get("/api/v1/me/export").json()
    assert body["profile"]["id"] == world.other.id
    assert [item["course"]["slug"] for item in body["enrollments"]] == ["kept"]
    assert len(body["progress"]) == 1
    assert body["two_factor_enabled"] is False
    assert str(DOOMED_ID) not in response_text(client)


def response_text(client: APIClient) -> str:
    return client.get("/api/v1/me/export").content.decode()


@pytest.mark.django_db
def test_export_needs_a_signed_in_user(api_client):
    response = api_client.get("/api/v1/me/export")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_every_lifecycle_endpoint_is_in_the_openapi_schema(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/auth/password-reset": {"post"},
        "/api/v1/auth/password-reset/confirm": {"post"},
        "/api/v1/auth/verify-email": {"post"},
        "/api/v1/me/verify-email": {"post"},
        "/api/v1/me/export": {"get"},
        "/api/v1/me": {"get", "patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), (path, set(paths[path]))
    # Besides the standard refusals every operation documents (400, 401, 413, 415, 503):
    # a reset never tells whether the email exists (no 404), and deletion may be refused.
    reset = set(paths["/api/v1/auth/password-reset"]["post"]["responses"])
    assert "202" in reset and "404" not in reset
    assert {"204", "409"} <= set(paths["/api/v1/me"]["delete"]["responses"])
