"""The account page (/accounts/): every action it offers, each checked through the JSON API
afterwards, since both go through the same services."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token

PASSWORD = "correct-horse-battery-9"
NEW_PASSWORD = "another-long-passphrase-42"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api_sign_in(email: str, password: str = PASSWORD, agent: str = "PhoneApp/1.0") -> dict:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        format="json",
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 200, response.content
    return response.json()


def _refresh(refresh: str) -> int:
    return (
        APIClient()
        .post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
        .status_code
    )


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in():
    response = Client().get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/")


@pytest.mark.django_db
def test_header_links_the_account_page_and_every_section_is_there():
    user = UserFactory(email="me@example.com", name="Ada Learner")
    html = _signed_in(user).get("/accounts/").content.decode()
    assert '<a href="/accounts/">Your account</a>' in html
    for heading in (
        "Name and email",
        "Password",
        "Two-factor authentication",
        "Apps and devices signed in",
        "Your data",
        "Delete my account",
    ):
        assert heading in html
    assert 'value="Ada Learner"' in html
    assert 'href="/api/v1/me/export"' in html


@pytest.mark.django_db
def test_name_change_shows_in_the_api():
    user = UserFactory(email="me@example.com", name="Old Name")
    client = _signed_in(user)
    response = client.post(
        "/accounts/profile/",
        {"profile-name": "New Name", "profile-email": "me@example.com"},
    )
    assert (response.status_code, response["Location"]) == (302, "/accounts/")
    me = client.get("/api/v1/me").json()
    assert me["name"] == "New Name"
    assert me["email_verified"] is True  # the address did not change


@pytest.mark.django_db
def test_email_change_needs_the_password_and_reverifies():
    user = UserFactory(email="me@example.com")
    client = _signed_in(user)
    refused = client.post(
        "/accounts/profile/", {"profile-name": user.name, "profile-email": "new@example.com"}
    )
    assert refused.status_code == 400
    assert "Required to change the email address." in refused.content.decode()
    assert client.get("/api/v1/me").json()["email"] == "me@example.com"

    response = client.post(
        "/accounts/profile/",
        {
            "profile-name": user.name,
            "profile-email": "new@example.com",
            "profile-current_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    me = client.get("/api/v1/me").json()
    assert (me["email"], me["email_verified"]) == ("new@example.com", False)
    page = client.get("/accounts/").content.decode()
    assert "not verified yet" in page
    assert "Send a new verification link" in page


@pytest.mark.django_db(transaction=True)
def test_resend_verification_mails_a_link_that_verifies():
    user = UserFactory(email="me@example.com", email_verified=False)
    client = _signed_in(user)
    mail.outbox.clear()
    response = client.post("/accounts/verify-email/resend/")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["me@example.com"]]
    assert client.get(f"/accounts/verify/{last_token('verify')}/").status_code == 200
    assert client.get("/api/v1/me").json()["email_verified"] is True


@pytest.mark.django_db
def test_resend_is_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify_email_resend": (1, 60)}
    client = _signed_in(UserFactory(email_verified=False))
    assert client.post("/accounts/verify-email/resend/").status_code == 302
    throttled = client.post("/accounts/verify-email/resend/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1


@pytest.mark.django_db
def test_password_change_keeps_this_browser_and_ends_api_sign_ins():
    user = UserFactory(email="me@example.com")
    tokens = _api_sign_in("me@example.com")
    client = _signed_in(user)
    wrong = client.post(
        "/accounts/password/",
        {"password-current_password": "not-my-password", "password-new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.content.decode()

    response = client.post(
        "/accounts/password/",
        {"password-current_password": PASSWORD, "password-new_password": NEW_PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, "/accounts/")
    assert client.get("/api/v1/me").status_code == 200  # still signed in here
    assert _refresh(tokens["refresh"]) == 401  # the app must sign in again
    assert (
        APIClient()
        .post(
            "/api/v1/auth/token", {"email": "me@example.com", "password": PASSWORD}, format="json"
        )
        .status_code
        == 401
    )
    _api_sign_in("me@example.com", NEW_PASSWORD)
    # The browser's own change does not leave a phantom sign-in behind.
    page = client.get("/accounts/").content.decode()
    assert page.count('/end/"') == 1  # only the app signed in with the new password


@pytest.mark.django_db
def test_weak_new_password_is_refused_with_the_rule():
    client = _signed_in(UserFactory())
    response = client.post(
        "/accounts/password/",
        {"password-current_password": PASSWORD, "password-new_password": "12345678"},
    )
    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()


@pytest.mark.django_db
def test_active_sign_ins_are_listed_and_one_can_be_ended():
    user = UserFactory(email="me@example.com")
    phone = _api_sign_in("me@example.com", agent="PhoneApp/1.0")
    tablet = _api_sign_in("me@example.com", agent="TabletApp/2.0")
    client = _signed_in(user)
    page = client.get("/accounts/").content.decode()
    assert "PhoneApp/1.0" in page and "TabletApp/2.0" in page

    from accounts.selectors import refresh_families_active

    phone_family = next(
        row.family
        for row in refresh_families_active(user_id=user.pk)
        if row.user_agent == "PhoneApp/1.0"
    )
    response = client.post(f"/accounts/sign-ins/{phone_family}/end/")
    assert response.status_code == 302
    assert _refresh(phone["refresh"]) == 401
    assert _refresh(tablet["refresh"]) == 200
    assert "PhoneApp/1.0" not in client.get("/accounts/").content.decode()


@pytest.mark.django_db
def test_someone_elses_or_a_malformed_sign_in_is_404():
    me = UserFactory(email="me@example.com")
    UserFactory(email="other@example.com")
    other = _api_sign_in("other@example.com")
    from accounts.selectors import refresh_families_active

    other_user = User.objects.get(email="other@example.com")
    family = refresh_families_active(user_id=other_user.pk)[0].family
    client = _signed_in(me)
    assert client.post(f"/accounts/sign-ins/{family}/end/").status_code == 404
    assert client.post("/accounts/sign-ins/not-a-uuid/end/").status_code == 404
    assert _refresh(other["refresh"]) == 200


@pytest.mark.django_db
def test_sign_out_everywhere_ends_every_api_sign_in():
    user = UserFactory(email="me@example.com")
    first = _api_sign_in("me@example.com")
    second = _api_sign_in("me@example.com")
    client = _signed_in(user)
    assert client.post("/accounts/sign-ins/end-all/").status_code == 302
    assert (_refresh(first["refresh"]), _refresh(second["refresh"])) == (401, 401)
    assert "No app or device is signed in" in client.get("/accounts/").content.decode()


@pytest.mark.django_db
def test_download_my_data_link_serves_the_export():
    user = UserFactory(email="me@example.com", name="Ada")
    response = _signed_in(user).get("/api/v1/me/export")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="learnstream-export.json"'
    assert response.json()["profile"]["email"] == "me@example.com"


@pytest.mark.django_db
def test_two_factor_section_follows_the_service():
    student_page = _signed_in(UserFactory(role="student")).get("/accounts/").content.decode()
    instructor = UserFactory(role="instructor")
    off = _signed_in(instructor).get("/accounts/").content.decode()
    assert "Turn on two-factor authentication" in off
    assert 'href="/accounts/2fa/setup/?next=/accounts/"' in off
    TOTPDevice.objects.create(user=instructor, name="Authenticator app", confirmed=True)
    on = _signed_in(instructor).get("/accounts/").content.decode()
    assert "Status: <strong>on</strong>" in on
    assert 'href="/accounts/2fa/"' in on
    # Whatever the two-factor service says about students, the page says the same.
    from accounts import two_factor
    from learnstream.errors import PermissionDenied

    try:
        two_factor.two_factor_allowed(user=User.objects.get(role="student"))
    except PermissionDenied as exc:
        assert exc.detail in student_page
    else:
        assert "Turn on two-factor authentication" in student_page


@pytest.mark.django_db
def test_delete_needs_the_password_then_erases_and_signs_out():
    user = UserFactory(email="me@example.com")
    client = _signed_in(user)
    wrong = client.post("/accounts/delete/", {"delete-current_password": "nope-nope-nope"})
    assert wrong.status_code == 400
    assert User.objects.filter(email="me@example.com").exists()

    response = client.post("/accounts/delete/", {"delete-current_password": PASSWORD})
    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(email="me@example.com").exists()
    assert client.get("/api/v1/me").status_code in (401, 403)
    assert (
        APIClient()
        .post(
            "/api/v1/auth/token", {"email": "me@example.com", "password": PASSWORD}, format="json"
        )
        .status_code
        == 401
    )


@pytest.mark.django_db
def test_an_instructor_who_owns_courses_is_told_why_not():
    from catalog.tests.factories import CourseFactory

    instructor = UserFactory(role="instructor")
    CourseFactory(owner_id=instructor.pk)
    response = _signed_in(instructor).post(
        "/accounts/delete/", {"delete-current_password": PASSWORD}
    )
    assert response.status_code == 409
    assert "owns 1 course" in response.content.decode()
    assert User.objects.filter(pk=instructor.pk).exists()


@pytest.mark.django_db
def test_verify_first_message_links_the_account_page(settings):
    settings.REQUIRE_VERIFIED_EMAIL_TO_ENROL = True
    from catalog.tests.factories import published_course

    course = published_course(owner=UserFactory(role="instructor"))
    client = _signed_in(UserFactory(email_verified=False))
    page = client.post(f"/courses/{course.slug}/enrol/", follow=True).content.decode()
    assert "Verify your email address first" in page
    assert '<a href="/accounts/#profile">Go to your account page</a>' in page
