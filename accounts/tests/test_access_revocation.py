"""Ending a user's sign-ins refuses the access tokens already out there at once (the
per-user "not before" stamp), not at their expiry: logout-all, password change and reset,
deactivation, deletion and a role change."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.email_tokens import password_reset_token_make
from accounts.models import User
from accounts.recovery import password_reset_confirm
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"


def sign_in(email: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def assert_refused(access: str) -> None:
    response = bearer(access).get("/api/v1/me")
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "token_invalid"
    assert "ErrorDetail" not in body["detail"] and body["detail"].endswith(".")


@pytest.mark.django_db
def test_logout_all_refuses_the_old_access_token_at_once():
    user = UserFactory()
    access = sign_in(user.email)
    assert bearer(access).get("/api/v1/me").status_code == 200
    assert bearer(access).post("/api/v1/auth/logout-all").status_code == 204
    assert_refused(access)


@pytest.mark.django_db
def test_password_change_refuses_old_tokens_and_keeps_the_new_pair():
    user = UserFactory()
    old = sign_in(user.email)
    other_device = sign_in(user.email)
    response = bearer(old).post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "another long passphrase 7"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert_refused(old)
    assert_refused(other_device)
    assert bearer(response.json()["access"]).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_password_reset_refuses_old_tokens():
    user = UserFactory()
    access = sign_in(user.email)
    password_reset_confirm(
        token=password_reset_token_make(user=user),
        new_password="another long passphrase 7",
        ip="127.0.0.1",
    )
    assert_refused(access)


@pytest.mark.django_db
def test_deactivation_refuses_and_reactivation_needs_a_new_sign_in():
    user = UserFactory()
    access = sign_in(user.email)
    services.user_deactivate(user=user)
    assert_refused(access)
    services.user_activate(user=user)
    assert_refused(access)
    assert bearer(sign_in(user.email)).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_account_deletion_refuses_the_old_token_so_nothing_more_is_written():
    user = UserFactory()
    access = sign_in(user.email)
    keep = sign_in(user.email)
    response = bearer(access).delete("/api/v1/me", {"current_password": PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert_refused(keep)


@pytest.mark.django_db
def test_demotion_refuses_the_instructor_token_at_once():
    user = UserFactory(role="instructor")
    access = sign_in(user.email)
    created = bearer(access).post(
        "/api/v1/instructor/courses", {"title": "Before demotion"}, format="json"
    )
    assert created.status_code == 201, created.content
    services.user_change_role(user=user, role="student")
    assert_refused(access)


@pytest.mark.django_db
def test_the_stamp_survives_a_cache_flush():
    from django.core.cache import cache

    user = UserFactory()
    access = sign_in(user.email)
    services.refresh_families_revoke_all(user_id=user.pk)
    cache.clear()  # Redis restarted or evicted the key: the row still has the stamp
    assert_refused(access)
