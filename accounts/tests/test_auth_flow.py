"""The account journey over HTTP: register, sign in, rotate, replay, logout."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import RefreshToken, User

PASSWORD = "correct-horse-battery-9"


def register(client: APIClient, email: str = "ada@example.com", **extra) -> dict:
    response = client.post(
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "name": "Ada Lovelace", **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def obtain(client: APIClient, email: str = "ada@example.com", password: str = PASSWORD):
    return client.post("/api/v1/auth/token", {"email": email, "password": password}, format="json")


def refresh(client: APIClient, token: str):
    return client.post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")


@pytest.mark.django_db
def test_register_returns_a_student_and_stores_the_normalised_email(api_client):
    body = register(api_client, email="  Ada@Example.COM ")
    user = User.objects.get()
    assert body == {
        "id": user.id,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "role": "student",
    }
    assert (user.role, user.is_staff, user.is_superuser, user.is_active) == (
        "student",
        False,
        False,
        True,
    )
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_duplicate_email_is_a_validation_error_case_insensitively(api_client):
    register(api_client)
    response = api_client.post(
        "/api/v1/auth/register",
        {"email": "ADA@example.com", "password": PASSWORD, "name": "Other"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == {"email": ["An account with this email already exists."]}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_token_response_shape_and_claims(api_client):
    import jwt
    from django.conf import settings

    user_id = register(api_client)["id"]
    response = obtain(api_client)
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == sorted(
        ["access", "refresh", "token_type", "access_expires_at", "refresh_expires_at"]
    )
    assert body["token_type"] == "Bearer"
    claims = jwt.decode(
        body["access"],
        settings.SIMPLE_JWT["SIGNING_KEY"],
        algorithms=["HS256"],
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
    )
    assert claims["user_id"] == str(user_id)
    assert claims["role"] == "student"
    assert claims["token_type"] == "access"
    assert claims["exp"] - claims["iat"] == 600
    assert body["access_expires_at"].endswith("Z")

    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json() == {
        "id": user_id,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "role": "student",
        "email_verified": False,
    }


@pytest.mark.django_db
def test_rotation_replay_revokes_the_family_and_logout_all_kills_every_family(api_client):
    register(api_client)
    first = obtain(api_client).json()

    rotated = refresh(api_client, first["refresh"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert second["access"] != first["access"]

    replay = refresh(api_client, first["refresh"])
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"

    newer = refresh(api_client, second["refresh"])
    assert newer.status_code == 401
    assert newer.json()["code"] == "token_invalid"

    # A fresh sign-in starts a new family that works.
    again = obtain(api_client)
    assert again.status_code == 200
    other = obtain(api_client).json()
    assert refresh(api_client, again.json()["refresh"]).status_code == 200
    assert (
        RefreshToken.objects.filter(revoked_at__isnull=True).values("family").distinct().count()
        == 2
    )

    logout_all = api_client.post(
        "/api/v1/auth/logout-all", HTTP_AUTHORIZATION=f"Bearer {other['access']}"
    )
    assert logout_all.status_code == 204
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert refresh(api_client, other["refresh"]).json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_refresh_re_reads_role_and_refuses_a_deactivated_user(api_client):
    import jwt

    from accounts import services

    register(api_client)
    pair = obtain(api_client).json()
    user = User.objects.get()
    services.user_change_role(user=user, role="instructor")
    rotated = refresh(api_client, pair["refresh"]).json()
    assert (
        jwt.decode(rotated["access"], options={"verify_signature": False})["role"] == "instructor"
    )

    services.user_deactivate(user=user)
    response = refresh(api_client, rotated["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_logout_revokes_only_that_family(api_client):
    register(api_client)
    phone = obtain(api_client).json()
    laptop = obtain(api_client).json()
    response = api_client.post("/api/v1/auth/logout", {"refresh": phone["refresh"]}, format="json")
    assert response.status_code == 204
    assert refresh(api_client, phone["refresh"]).json()["code"] == "token_invalid"
    assert refresh(api_client, laptop["refresh"]).status_code == 200
    # Idempotent for an already revoked family; garbage is a 401.
    again = api_client.post("/api/v1/auth/logout", {"refresh": phone["refresh"]}, format="json")
    assert again.status_code == 204
    garbage = api_client.post("/api/v1/auth/logout", {"refresh": "not-a-jwt"}, format="json")
    assert garbage.status_code == 401
    assert garbage.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_family_has_an_absolute_lifetime(api_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    register(api_client)
    pair = obtain(api_client).json()
    RefreshToken.objects.update(family_expires_at=timezone.now() - timedelta(seconds=1))
    response = refresh(api_client, pair["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert RefreshToken.objects.count() == 1


@pytest.mark.django_db
def test_refresh_expiry_never_outlives_the_family(api_client, settings):
    from datetime import timedelta

    settings.REFRESH_FAMILY_MAX_AGE = timedelta(days=1)
    register(api_client)
    obtain(api_client)
    row = RefreshToken.objects.get()
    assert row.expires_at <= row.family_expires_at
    assert abs((row.family_expires_at - row.issued_at) - timedelta(days=1)) < timedelta(seconds=1)


@pytest.mark.django_db
def test_no_raw_refresh_token_is_stored(api_client):
    from django.db import connection

    register(api_client)
    pair = obtain(api_client).json()
    rotated = refresh(api_client, pair["refresh"]).json()
    secrets = [pair["refresh"], rotated["refresh"], pair["access"], rotated["access"]]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                for secret in secrets:
                    assert secret not in text, table
                    # Nor any of its three parts (header, payload, signature).
                    for part in secret.split(".")[1:]:
                        assert part not in text, table
    assert RefreshToken.objects.count() == 2
