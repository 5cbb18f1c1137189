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


def _browser(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _signed_in_page(client) -> bool:
    response = client.get("/accounts/")
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
        return False
    assert response.status_code == 200
    return True


@pytest.mark.django_db
def test_api_logout_all_ends_the_browser_sessions_too():
    user = UserFactory()
    browser = _browser(user)
    other_browser = _browser(user)
    assert _signed_in_page(browser) and _signed_in_page(other_browser)
    access = sign_in(user.email)
    assert bearer(access).post("/api/v1/auth/logout-all").status_code == 204
    assert not _signed_in_page(browser)
    assert not _signed_in_page(other_browser)
    # Signing in again works, and is not ended by the stamp of the earlier logout-all.
    assert _signed_in_page(_browser(User.objects.get(pk=user.pk)))


@pytest.mark.django_db
def test_sign_out_everywhere_on_the_page_keeps_only_this_browser():
    user = UserFactory()
    this_browser = _browser(user)
    other_browser = _browser(user)
    assert this_browser.post("/accounts/sign-ins/end-all/").status_code == 302
    assert _signed_in_page(this_browser)
    assert not _signed_in_page(other_browser)


@pytest.mark.django_db
def test_a_password_change_ends_the_other_browsers_and_keeps_this_one():
    user = UserFactory()
    this_browser = _browser(user)
    other_browser = _browser(user)
    response = this_browser.post(
        "/accounts/password/",
        {
            "password-current_password": PASSWORD,
            "password-new_password": "another long passphrase 7",
        },
    )
    assert response.status_code == 302, response.content[:400]
    assert _signed_in_page(this_browser)
    assert not _signed_in_page(other_browser)


@pytest.mark.django_db
def test_demotion_ends_the_browser_sessions():
    user = UserFactory(role="instructor")
    browser = _browser(user)
    services.user_change_role(user=user, role="student")
    assert not _signed_in_page(browser)
