"""Hostile input answers a documented 4xx problem, never a 500, and writes nothing."""

from __future__ import annotations

import json

import mongoengine
import pytest
from django.conf import settings
from django.test import Client

from catalog.documents import Course, CourseVersion, Lesson
from devtools.api_world import ApiWorld
from learnstream.ids import is_object_id
from tracking.documents import LessonProgress

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code
    return body


def _mongo_state() -> tuple:
    return (
        sorted((str(c.id), c.revision, c.slug, c.status) for c in Course.objects),
        CourseVersion.objects.count(),
        sorted((str(lesson.id), lesson.title) for lesson in Lesson.objects),
        LessonProgress.objects.count(),
    )


def test_object_id_with_trailing_newline_is_not_an_id():
    assert is_object_id("0" * 24)
    assert not is_object_id("0" * 24 + "\n")


def test_lesson_id_with_trailing_newline_is_404(api_world: ApiWorld):
    client = api_world.client_for("enrolled")
    response = client.get(f"/api/v1/lessons/{api_world.video_lesson.id}%0A/playback")
    _problem(response, 404, "not_found")


def test_catalogue_cursor_with_trailing_newline_is_400(api_world: ApiWorld):
    from catalog.pagination import Cursor, cursor_encode

    cursor = cursor_encode(Cursor(key="Matrix course", id="0" * 24 + "\n", direction="n"))
    response = api_world.client_for("student").get("/api/v1/courses", {"cursor": cursor})
    assert list(_problem(response, 400, "validation_error")["errors"]) == ["cursor"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/auth/token"),
        ("post", "/api/v1/instructor/courses"),
        ("patch", "/api/v1/instructor/courses/{course_id}"),
        ("post", "/api/v1/lessons/{lesson_id}/progress"),
    ],
)
def test_deeply_nested_json_is_400(api_world: ApiWorld, method: str, path: str):
    before = _mongo_state()
    body = "[" * 100_000 + "]" * 100_000
    url = path.format(course_id=api_world.course.id, lesson_id=api_world.video_lesson.id)
    client = api_world.client_for("owner" if "instructor" in path else "enrolled")
    response = getattr(client, method)(url, body, content_type="application/json")
    _problem(response, 400, "validation_error")
    assert _mongo_state() == before


def test_deeply_nested_webhook_body_is_400(api_world: ApiWorld):
    from playback.tests.helpers import deliver

    body = b'{"id": "e", "type": "video.asset.ready", "data": ' + b"[" * 100_000 + b"]" * 100_000
    body += b"}"
    response = deliver(Client(), body, secret=settings.MUX_WEBHOOK_SECRET)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("timestamp", ["²", "١٢٣", "1²", "+1", " 1", "1" * 5000])
def test_malformed_signature_timestamp_is_401(db, timestamp: str):
    from playback.tests.helpers import deliver

    header = f"t={timestamp},v1={'0' * 64}"
    response = deliver(Client(), {"id": "e", "type": "x"}, secret="unused", header=header)
    _problem(response, 401, "signature_invalid")


def test_slug_ending_in_newline_is_refused_at_save(api_world: ApiWorld):
    before = _mongo_state()
    client = api_world.client_for("owner")
    created = client.post(
        "/api/v1/instructor/courses", {"title": "New", "slug": "new-course\n"}, format="json"
    )
    assert list(_problem(created, 400, "validation_error")["errors"]) == ["slug"]
    patched = client.patch(
        f"/api/v1/instructor/courses/{api_world.course.id}", {"slug": "matrix\n"}, format="json"
    )
    assert list(_problem(patched, 400, "validation_error")["errors"]) == ["slug"]
    assert _mongo_state() == before
    # The document itself refuses it too (the admin and services save through it).
    with pytest.raises(mongoengine.ValidationError):
        Course(slug="new-course\n", title="New", owner_id=1).validate()


def test_progress_csv_of_a_course_whose_stored_slug_ends_in_newline(api_world: ApiWorld):
    """A document saved before the slug rule was tightened still downloads its CSV."""
    Course._get_collection().update_one(
        {"_id": api_world.course.id}, {"$set": {"slug": "matrix-course\n"}}
    )
    client = api_world.client_for("owner")
    response = client.get(f"/api/v1/instructor/courses/{api_world.course.id}/progress.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="matrix-course-progress.csv"'
    # The header, then the enrolled learner's row for each of the three lessons.
    assert len(response.getvalue().decode().splitlines()) == 1 + 3


HUGE = 2**63


@pytest.mark.parametrize("value", [HUGE, 10**30, -(2**63) - 1])
def test_expected_revision_beyond_bson_is_400(api_world: ApiWorld, value: int):
    before = _mongo_state()
    response = api_world.client_for("owner").patch(
        f"/api/v1/instructor/courses/{api_world.course.id}",
        json.dumps({"title": "Renamed", "expected_revision": value}),
        content_type="application/json",
    )
    assert list(_problem(response, 400, "validation_error")["errors"]) == ["expected_revision"]
    assert _mongo_state() == before


@pytest.mark.parametrize("version", [HUGE, 10**30])
def test_restore_of_a_version_beyond_bson_is_400(api_world: ApiWorld, version: int):
    before = _mongo_state()
    response = api_world.client_for("owner").post(
        f"/api/v1/instructor/courses/{api_world.course.id}/versions/{version}/restore"
    )
    _problem(response, 400, "validation_error")
    assert _mongo_state() == before


def test_progress_reset_of_a_user_beyond_bigint_is_404(api_world: ApiWorld):
    response = api_world.client_for("owner").delete(
        f"/api/v1/instructor/courses/{api_world.course.id}/progress/{10**30}"
    )
    _problem(response, 404, "not_found")


@pytest.mark.parametrize("field", ["position_s", "duration_s", "played_from_s", "played_to_s"])
@pytest.mark.parametrize("value", ["1" + "0" * 30, "1" + "0" * 400, "1e30", "1e400"])
def test_heartbeat_with_huge_numbers_is_400(api_world: ApiWorld, field: str, value: str):
    before = _mongo_state()
    beat = {"position_s": 1, "duration_s": 60, "played_from_s": 0, "played_to_s": 1}
    raw = json.dumps(beat).replace(f'"{field}": {beat[field]}', f'"{field}": {value}')
    url = f"/api/v1/lessons/{api_world.video_lesson.id}/progress"
    response = api_world.client_for("enrolled").post(url, raw, content_type="application/json")
    assert list(_problem(response, 400, "validation_error")["errors"]) == [field]
    assert _mongo_state() == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("role", ["anonymous", "student"])
def test_unknown_api_path_is_404_for_every_method(api_world: ApiWorld, method: str, role: str):
    client = api_world.client_for(role)
    client.handler.enforce_csrf_checks = True
    response = getattr(client, method)("/api/v1/no-such-thing", {}, format="json")
    _problem(response, 404, "not_found")


def test_session_api_calls_to_real_routes_keep_csrf(api_world: ApiWorld):
    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world.users["owner"])
    response = client.post(
        "/api/v1/instructor/courses", {"title": "Forged"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Course.objects(title="Forged").count()


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer x y", "Bearer garbage", "Bearer a.b.c", "Bearer  ", "Basic abc"]
)
def test_401_detail_is_a_sentence(db, header: str):
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    body = response.json()
    assert response.status_code == 401
    assert body["code"] in ("token_invalid", "not_authenticated")
    assert "ErrorDetail" not in body["detail"] and "{" not in body["detail"]
    assert body["detail"][0].isupper() and body["detail"].endswith(".")


def test_admin_upload_with_deeply_nested_json_is_400(api_world: ApiWorld):
    client = Client()
    client.force_login(api_world.users["owner"])
    lesson = api_world.video_lesson
    before = _mongo_state()
    response = client.post(
        f"/admin/catalog/courses/{api_world.course.id}/lessons/{lesson.id}/upload/",
        "[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _mongo_state() == before


def test_request_id_with_a_trailing_newline_is_replaced(db):
    response = Client().get("/healthz", headers={"X-Request-ID": "abc\n"})
    assert response.status_code == 200
    assert response["X-Request-ID"] != "abc\n" and len(response["X-Request-ID"]) == 32
