import pytest


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_check(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: body["checks"][name]["status"] for name in ("sql", "mongo", "cache")} == {
        "sql": "ok",
        "mongo": "ok",
        "cache": "ok",
    }
    assert "mux" in body["checks"]


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert response.json()["status"] == 404


def test_oversized_body_is_413(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 100
    response = client.post("/api/v1/anything", data="x" * 200, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_schema_and_docs_work_offline(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_mongo_indexes_command_covers_every_document_in_a_fresh_process(tmp_path):
    """The deploy step runs in a process that has imported no document module: it must
    still create lesson_progress's unique index and the audit log's."""
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "manage.py", "mongo_indexes"],
        cwd=settings.BASE_DIR,
        env={**__import__("os").environ, "TEST_MONGODB_URI": settings.MONGODB_URI},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ensured = {line.split(": ", 1)[1] for line in result.stdout.splitlines() if ": " in line}
    assert ensured == {
        "courses",
        "lessons",
        "course_versions",
        "lesson_progress",
        "audit_log",
        "captions",
        "quizzes",
        "quiz_versions",
        "quiz_attempts",
        "quiz_standings",
        "completion_rules",
        "certificates",
        "offline_sync_batches",
    }
