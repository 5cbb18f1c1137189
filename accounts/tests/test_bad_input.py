"""Bad input and forged tokens: each a 4xx in the error contract, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import RefreshToken, User
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"
PROBLEM = "application/problem+json"


def snapshot() -> tuple:
    return (
        list(User.objects.order_by("pk").values_list("pk", "email", "name", "role", "password")),
        list(RefreshToken.objects.order_by("pk").values_list("pk", "consumed_at", "revoked_at")),
    )


@pytest.fixture
def existing(db):
    user = UserFactory(email="kept@example.com", name="Kept")
    pair = (
        APIClient()
        .post(
            "/api/v1/auth/token", {"email": "kept@example.com", "password": PASSWORD}, format="json"
        )
        .json()
    )
    return user, pair


REGISTER_OK = {"email": "new@example.com", "password": PASSWORD, "name": "New Person"}


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [
        (
            "/api/v1/auth/register",
            {"email": "new@example.com", "password": PASSWORD},
            400,
            "validation_error",
            "name",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "role": "admin"},
            400,
            "validation_error",
            "role",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "email": "not-an-email"},
            400,
            "validation_error",
            "email",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "password": "x" * 10_240},
            400,
            "validation_error",
            "password",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "password": "short1"},
            400,
            "validation_error",
            "password",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "password": "password123"},
            400,
            "validation_error",
            "password",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "password": "new@example.com"},
            400,
            "validation_error",
            "password",
        ),
        ("/api/v1/auth/register", {**REGISTER_OK, "name": "   "}, 400, "validation_error", "name"),
        ("/api/v1/auth/register", [REGISTER_OK], 400, "validation_error", "non_field_errors"),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "name": "Nul\x00"},
            400,
            "validation_error",
            "name",
        ),
        (
            "/api/v1/auth/register",
            {**REGISTER_OK, "password": PASSWORD + "\ud800"},
            400,
            "validation_error",
            "password",
        ),
        ("/api/v1/auth/token", {"email": "kept@example.com"}, 400, "validation_error", "password"),
        (
            "/api/v1/auth/token",
            {"email": "kept@example.com", "password": "x" * 10_240},
            400,
            "validation_error",
            "password",
        ),
        (
            "/api/v1/auth/token",
            {"email": "kept@example.com", "password": PASSWORD, "extra": 1},
            400,
            "validation_error",
            "extra",
        ),
        (
            "/api/v1/auth/token",
            {"email": "nope", "password": PASSWORD},
            400,
            "validation_error",
            "email",
        ),
        ("/api/v1/auth/token/refresh", {}, 400, "validation_error", "refresh"),
        ("/api/v1/auth/token/refresh", {"refresh": 12}, 401, "token_invalid", None),
        ("/api/v1/auth/token/refresh", {"refresh": "a.b.c"}, 401, "token_invalid", None),
        ("/api/v1/auth/logout", {"refresh": ""}, 400, "validation_error", "refresh"),
    ],
)
def test_json_bad_input(existing, path, body, status, code, field):
    before = snapshot()
    # json.dumps escapes lone surrogates (\ud800), as a hostile client would send them.
    response = APIClient().post(path, data=json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    if field:
        assert field in problem["errors"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/token/refresh"]
)
def test_non_json_body_wrong_type_and_huge_body(existing, path):
    before = snapshot()
    client = APIClient()
    broken = client.post(path, data="{not json", content_type="application/json")
    assert (broken.status_code, broken.json()["code"]) == (400, "validation_error")
    wrong_type = client.post(
        path, data="email=a@b.c", content_type="application/x-www-form-urlencoded"
    )
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (415, "unsupported_media_type")
    huge = client.post(
        path,
        data=json.dumps({"email": "a@example.com", "password": "x" * (2 * 1024 * 1024)}),
        content_type="application/json",
    )
    assert (huge.status_code, huge.json()["code"]) == (413, "payload_too_large")
    assert snapshot() == before


def _forge(
    claims: dict, key: str = "another-key-entirely-32-bytes-long!", alg: str = "HS256"
) -> str:
    now = datetime.now(UTC)
    payload = {
        "token_type": "access",
        "user_id": "1",
        "role": "admin",
        "jti": "f" * 32,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        **claims,
    }
    if alg == "none":
        return jwt.encode(payload, None, algorithm="none")  # type: ignore[arg-type]
    return jwt.encode(payload, key, algorithm=alg)


def _with_real_key(**claims) -> str:
    return _forge(claims, key=settings.SIMPLE_JWT["SIGNING_KEY"])


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda pair: pair["refresh"], id="refresh-as-access"),
        pytest.param(lambda pair: _forge({}), id="other-key"),
        pytest.param(lambda pair: _forge({}, alg="none"), id="alg-none"),
        pytest.param(
            lambda pair: _forge({}, key=settings.SIMPLE_JWT["SIGNING_KEY"], alg="HS512"),
            id="other-alg",
        ),
        pytest.param(lambda pair: _with_real_key(aud="someone-else"), id="wrong-aud"),
        pytest.param(lambda pair: _with_real_key(iss="someone-else"), id="wrong-iss"),
        pytest.param(
            lambda pair: _with_real_key(
                exp=int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())
            ),
            id="expired",
        ),
        pytest.param(lambda pair: _with_real_key(role="superhero"), id="unknown-role"),
        pytest.param(lambda pair: pair["access"] + "x", id="tampered"),
        pytest.param(lambda pair: "garbage", id="garbage"),
    ],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_bad_bearer_tokens_are_token_invalid(existing, make_token):
    _, pair = existing
    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {make_token(pair)}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_correctly_signed_token_works(existing):
    user, _ = existing
    token = _with_real_key(user_id=str(user.pk), role="student")
    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda pair: pair["access"], id="access-as-refresh"),
        pytest.param(lambda pair: _forge({"token_type": "refresh"}), id="other-key"),
        pytest.param(lambda pair: _forge({"token_type": "refresh"}, alg="none"), id="alg-none"),
        pytest.param(
            lambda pair: _with_real_key(token_type="refresh"), id="valid-but-never-issued"
        ),
        pytest.param(
            lambda pair: _with_real_key(
                token_type="refresh",
                exp=int((datetime.now(UTC) - timedelta(minutes=5)).timestamp()),
            ),
            id="expired",
        ),
    ],
)
def test_bad_refresh_tokens_are_token_invalid_and_change_nothing(existing, make_token):
    _, pair = existing
    before = snapshot()
    response = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": make_token(pair)}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert snapshot() == before


def test_missing_bearer_is_not_authenticated(existing):
    response = APIClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_refresh_ignores_a_stale_authorization_header(existing):
    _, pair = existing
    response = APIClient().post(
        "/api/v1/auth/token/refresh",
        {"refresh": pair["refresh"]},
        format="json",
        HTTP_AUTHORIZATION="Bearer expired.or.garbage",
    )
    assert response.status_code == 200
