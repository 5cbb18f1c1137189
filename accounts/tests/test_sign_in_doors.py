"""Every door that checks a password goes through the accounts sign-in service: the admin
login shares the per-account limit with the API, asks for the code of an authenticator like
the login page, and the admin password change ends every sign-in."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import RefreshToken
from accounts.tests.factories import UserFactory
from accounts.tests.test_two_factor import code_now, confirmed_device

PASSWORD = "correct-horse-battery-9"


def admin_login(client, email: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


@pytest.mark.django_db
def test_admin_login_refuses_after_ten_wrong_passwords_even_the_right_one(client):
    admin = UserFactory(role="admin")
    for _ in range(10):
        response = admin_login(client, admin.email, "wrong guess")
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
    for password in ("wrong guess", PASSWORD):
        refused = admin_login(client, admin.email, password)
        assert "Too many attempts" in refused.content.decode()
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_attempts_on_the_api_count_at_the_admin_door(client):
    admin = UserFactory(role="admin")
    for _ in range(10):
        APIClient().post(
            "/api/v1/auth/token", {"email": admin.email, "password": "nope"}, format="json"
        )
    refused = admin_login(client, admin.email, PASSWORD)
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_with_the_right_password_signs_in(client):
    admin = UserFactory(role="admin")
    response = admin_login(client, admin.email, PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_login_page_asks_for_the_code_of_an_authenticator(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own delay after a wrong code
    student = UserFactory()
    device = confirmed_device(student)
    response = client.post(
        "/accounts/login/", {"email": student.email, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session  # not signed in yet
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Enter your code" in page.content.decode()
    wrong = client.post("/accounts/login/code/", {"token": "000000", "next": "/"})
    assert wrong.status_code == 400
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/login/code/", {"token": code_now(device), "next": "/"})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)


@pytest.mark.django_db
def test_the_admin_login_asks_for_the_code_too(client):
    instructor = UserFactory(role="instructor")
    confirmed_device(instructor)
    response = admin_login(client, instructor.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_password_change_ends_every_refresh_family(client):
    admin = UserFactory(role="admin")
    pair = (
        APIClient()
        .post("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD}, format="json")
        .json()
    )
    client.force_login(admin)
    new_password = "a brand new passphrase 42"
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin.refresh_from_db()
    assert admin.check_password(new_password)
    assert not RefreshToken.objects.filter(user=admin, revoked_at__isnull=True).exists()
    stolen = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert stolen.status_code == 401
    assert client.get("/admin/").status_code == 200  # this browser stays signed in


@pytest.mark.django_db
def test_admin_password_change_with_a_wrong_current_password_changes_nothing(client):
    admin = UserFactory(role="admin")
    client.force_login(admin)
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "wrong",
            "new_password1": "x new pass 99",
            "new_password2": "x new pass 99",
        },
    )
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
