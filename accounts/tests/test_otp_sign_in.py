"""A second factor at every sign-in, and staff powers only with it.

API: the right password of an account with an authenticator answers 401 `otp_required`
with a short-lived, single-use `otp_token`; `/auth/token/otp` trades it and a code for the
pair. With ADMIN_REQUIRE_2FA_ROLES=admin a password-only token has student powers."""

from __future__ import annotations

import jwt
import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.test_two_factor import code_now, confirmed_device
from accounts.two_factor import recovery_codes_regenerate
from catalog.tests.factories import published_course

PASSWORD = "correct-horse-battery-9"


def password_step(email: str):
    return APIClient().post(
        "/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json"
    )


def otp_step(otp_token: str, code: str):
    return APIClient().post(
        "/api/v1/auth/token/otp", {"otp_token": otp_token, "code": code}, format="json"
    )


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def claims(access: str) -> dict:
    return jwt.decode(access, options={"verify_signature": False})


@pytest.mark.django_db
def test_a_totp_student_gets_no_tokens_without_the_code():
    student = UserFactory()
    device = confirmed_device(student)
    response = password_step(student.email)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "otp_required"
    assert "access" not in body and "refresh" not in body
    expires = parse_datetime(body["otp_token_expires_at"])
    assert expires is not None
    assert (expires - timezone.now()).total_seconds() <= 300

    pair = otp_step(body["otp_token"], code_now(device))
    assert pair.status_code == 200, pair.content
    assert claims(pair.json()["access"])["amr"] == ["pwd", "otp"]
    assert bearer(pair.json()["access"]).get("/api/v1/me").status_code == 200
    # A rotation keeps how the sign-in was proven.
    rotated = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": pair.json()["refresh"]}, format="json"
    )
    assert claims(rotated.json()["access"])["amr"] == ["pwd", "otp"]


@pytest.mark.django_db
def test_the_otp_token_works_once_and_a_recovery_code_works_too():
    student = UserFactory()
    confirmed_device(student)
    codes = recovery_codes_regenerate(user=student)
    otp_token = password_step(student.email).json()["otp_token"]
    assert otp_step(otp_token, codes[0]).status_code == 200
    again = otp_step(otp_token, codes[1])
    assert again.status_code == 401
    assert again.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_a_wrong_password_never_reveals_an_otp_token():
    student = UserFactory()
    confirmed_device(student)
    response = APIClient().post(
        "/api/v1/auth/token", {"email": student.email, "password": "wrong"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "otp_token" not in response.json()


@pytest.mark.django_db
def test_wrong_codes_are_limited_per_user(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp_verify_user": (3, 300)}
    student = UserFactory()
    device = confirmed_device(student)
    otp_token = password_step(student.email).json()["otp_token"]
    for _ in range(3):
        assert otp_step(otp_token, "000000").status_code == 400
    refused = otp_step(otp_token, code_now(device))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1


@pytest.mark.django_db
def test_a_forged_otp_token_is_refused():
    assert otp_step("not-a-token", "123456").status_code == 401


@pytest.fixture
def two_factor_admins(settings):
    settings.ADMIN_REQUIRE_2FA_ROLES = ["admin"]


@pytest.mark.django_db
def test_an_admin_password_only_token_has_no_staff_powers(two_factor_admins):
    owner = UserFactory(role="instructor")
    course = published_course(owner=owner)
    admin = UserFactory(role="admin")
    # No authenticator yet: the password alone gives tokens, but student powers only.
    access = password_step(admin.email).json()["access"]
    assert claims(access)["amr"] == ["pwd"]
    client = bearer(access)
    for path in (
        "/api/v1/instructor/courses",
        f"/api/v1/instructor/courses/{course.id}",
        f"/api/v1/instructor/courses/{course.id}/progress.csv",
    ):
        response = client.get(path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "otp_required"
    touched = client.patch(
        f"/api/v1/instructor/courses/{course.id}", {"title": "Taken over"}, format="json"
    )
    assert touched.status_code == 403
    course.reload()
    assert course.title != "Taken over"


@pytest.mark.django_db
def test_an_admin_after_the_otp_step_has_staff_powers(two_factor_admins):
    owner = UserFactory(role="instructor")
    course = published_course(owner=owner)
    admin = UserFactory(role="admin")
    device = confirmed_device(admin)
    challenge = password_step(admin.email).json()
    access = otp_step(challenge["otp_token"], code_now(device)).json()["access"]
    client = bearer(access)
    listed = client.get("/api/v1/instructor/courses")
    assert listed.status_code == 200
    assert str(course.id) in listed.content.decode()
    assert client.get(f"/api/v1/instructor/courses/{course.id}").status_code == 200
    assert client.get(f"/api/v1/instructor/courses/{course.id}/progress.csv").status_code == 200


@pytest.mark.django_db
def test_an_unverified_admin_session_has_no_staff_powers_on_the_api(client, two_factor_admins):
    owner = UserFactory(role="instructor")
    course = published_course(owner=owner)
    admin = UserFactory(role="admin")
    client.force_login(admin)
    response = client.get(f"/api/v1/instructor/courses/{course.id}/progress.csv")
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


@pytest.mark.django_db
def test_a_password_change_keeps_the_second_factor_of_the_sign_in(two_factor_admins):
    owner = UserFactory(role="instructor")
    course = published_course(owner=owner)
    admin = UserFactory(role="admin")
    device = confirmed_device(admin)
    challenge = password_step(admin.email).json()
    access = otp_step(challenge["otp_token"], code_now(device)).json()["access"]
    changed = bearer(access).post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "another long passphrase 7"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    pair = changed.json()
    assert claims(pair["access"])["amr"] == ["pwd", "otp"]
    client = bearer(pair["access"])
    assert client.get(f"/api/v1/instructor/courses/{course.id}/progress.csv").status_code == 200
    # A refresh of the new pair keeps it too.
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert claims(refreshed.json()["access"])["amr"] == ["pwd", "otp"]


@pytest.mark.django_db
def test_a_password_change_of_a_password_only_sign_in_adds_no_factor():
    user = UserFactory()
    access = password_step(user.email).json()["access"]
    changed = bearer(access).post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "another long passphrase 7"},
        format="json",
    )
    assert claims(changed.json()["access"])["amr"] == ["pwd"]


@pytest.mark.django_db
@pytest.mark.parametrize("with_device", [False, True], ids=["no device", "device"])
def test_an_admin_password_only_session_is_told_why_the_admin_is_closed(
    client, two_factor_admins, with_device
):
    admin = UserFactory(role="admin")
    if with_device:
        confirmed_device(admin)
    client.force_login(admin)
    for path in ("/admin/", "/admin/accounts/user/"):
        page = client.get(path, follow=True)
        final_path = page.redirect_chain[-1][0]
        expected = "/accounts/2fa/verify/" if with_device else "/accounts/2fa/setup/"
        assert final_path.startswith(expected), page.redirect_chain
        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="otp-required-notice"' in html and "otp_required" in html
        assert "Your role (admin)" in html


@pytest.mark.django_db
def test_a_verified_admin_session_sees_no_refusal_notice(client, two_factor_admins):
    admin = UserFactory(role="admin")
    device = confirmed_device(admin)
    client.force_login(admin)
    verified = client.post("/accounts/2fa/verify/", {"token": code_now(device), "next": "/admin/"})
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert "otp-required-notice" not in client.get("/accounts/2fa/verify/").content.decode()
