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
