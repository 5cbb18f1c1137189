"""Sign-in answers, profile and password changes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import RefreshToken
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"


def obtain(email: str, password: str = PASSWORD):
    return APIClient().post(
        "/api/v1/auth/token", {"email": email, "password": password}, format="json"
    )


def bearer(pair: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {pair['access']}"}


@pytest.mark.django_db
def test_unknown_email_wrong_password_and_inactive_answer_identically():
    UserFactory(email="known@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    answers = [
        obtain("unknown@example.com"),
        obtain("known@example.com", "wrong-password-123"),
        obtain("gone@example.com"),
    ]
    assert {r.status_code for r in answers} == {401}
    bodies = [r.content for r in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert answers[0].json()["code"] == "invalid_credentials"
    assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
def test_a_long_passphrase_is_accepted():
    passphrase = "Ünïcode and spaces are fine in a long passphrase " * 2  # 98 chars
    response = APIClient().post(
        "/api/v1/auth/register",
        {"email": "long@example.com", "password": passphrase, "name": "Long"},
        format="json",
    )
    assert response.status_code == 201
    assert obtain("long@example.com", passphrase).status_code == 200
    assert obtain("long@example.com", passphrase.strip()).status_code == 401


@pytest.mark.django_db
def test_patch_me_changes_name_and_email_with_current_password():
    user = UserFactory(email="me@example.com", name="Old", email_verified=True)
    pair = obtain("me@example.com").json()
    client = APIClient()
    renamed = client.patch("/api/v1/me", {"name": "  New Name "}, format="json", **bearer(pair))
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "New Name"

    no_password = client.patch(
        "/api/v1/me", {"email": "new@example.com"}, format="json", **bearer(pair)
    )
    assert no_password.status_code == 400
    assert "current_password" in no_password.json()["errors"]
    wrong = client.patch(
        "/api/v1/me",
        {"email": "new@example.com", "current_password": "not-it-at-all"},
        format="json",
        **bearer(pair),
    )
    assert wrong.status_code == 400
    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("me@example.com", True)

    UserFactory(email="taken@example.com")
    taken = client.patch(
        "/api/v1/me",
        {"email": "TAKEN@example.com", "current_password": PASSWORD},
        format="json",
        **bearer(pair),
    )
    assert (taken.status_code, list(taken.json()["errors"])) == (400, ["email"])

    changed = client.patch(
        "/api/v1/me",
        {"email": "New@Example.com", "current_password": PASSWORD},
        format="json",
        **bearer(pair),
    )
    assert changed.status_code == 200
    assert changed.json() == {
        "id": user.pk,
        "email": "new@example.com",
        "name": "New Name",
        "role": "student",
        "email_verified": False,
    }


@pytest.mark.django_db
def test_patch_me_refuses_role_and_unknown_fields():
    user = UserFactory(email="me@example.com")
    pair = obtain("me@example.com").json()
    response = APIClient().patch("/api/v1/me", {"role": "admin"}, format="json", **bearer(pair))
    assert response.status_code == 400
    assert response.json()["errors"] == {"role": ["Unknown field."]}
    user.refresh_from_db()
    assert user.role == "student"


@pytest.mark.django_db
def test_password_change_revokes_every_family_and_returns_a_fresh_pair():
    UserFactory(email="pw@example.com")
    phone = obtain("pw@example.com").json()
    laptop = obtain("pw@example.com").json()
    client = APIClient()
    weak = client.post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "12345678"},
        format="json",
        **bearer(phone),
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()["errors"]
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 2

    response = client.post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "a brand new passphrase 7"},
        format="json",
        **bearer(phone),
    )
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["token_type"] == "Bearer"
    for old in (phone, laptop):
        dead = client.post("/api/v1/auth/token/refresh", {"refresh": old["refresh"]}, format="json")
        assert dead.json()["code"] == "token_invalid"
    assert (
        client.post(
            "/api/v1/auth/token/refresh", {"refresh": fresh["refresh"]}, format="json"
        ).status_code
        == 200
    )
    assert obtain("pw@example.com").status_code == 401
    assert obtain("pw@example.com", "a brand new passphrase 7").status_code == 200


@pytest.mark.django_db
def test_me_refuses_a_deactivated_account_with_a_live_access_token():
    from accounts import services

    user = UserFactory(email="soon-gone@example.com")
    pair = obtain("soon-gone@example.com").json()
    services.user_deactivate(user=user)
    response = APIClient().get("/api/v1/me", **bearer(pair))
    assert (response.status_code, response.json()["code"]) == (401, "token_invalid")


@pytest.mark.django_db
def test_logout_all_requires_sign_in():
    response = APIClient().post("/api/v1/auth/logout-all")
    assert response.status_code == 401


@pytest.mark.django_db
def test_purge_command_keeps_what_detects_replays():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    UserFactory(email="p@example.com")
    pair = obtain("p@example.com").json()
    APIClient().post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    obtain("p@example.com")  # a second sign-in, logged out long ago below
    second_family = RefreshToken.objects.order_by("-issued_at", "-pk")[0].family
    long_ago = timezone.now() - timedelta(days=30)
    RefreshToken.objects.filter(family=second_family).update(revoked_at=long_ago)
    assert RefreshToken.objects.count() == 3
    call_command("purge_refresh_tokens", "--days", "7")
    # The consumed token of the live family stays: replaying it must still be theft.
    assert RefreshToken.objects.count() == 2
    replay = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert replay.json()["code"] == "token_reused"
    assert not RefreshToken.objects.filter(family=second_family).exists()
