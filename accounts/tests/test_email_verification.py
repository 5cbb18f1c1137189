"""Email verification: the link mailed at registration and after an email change,
the API and the page that verify, the resend, bad tokens, and the enrolment rule."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from rest_framework.test import APIClient

from accounts.email_tokens import VERIFY_SALT, email_verification_token_make
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token, links_in_outbox
from accounts.verification import VERIFY_LINK_EXPIRED, VERIFY_LINK_INVALID, VERIFY_LINK_STALE
from catalog.models import Enrollment
from catalog.services import VERIFY_EMAIL_FIRST
from catalog.tests.factories import published_course
from devtools.clients import client_for

PASSWORD = "correct-horse-battery-9"


def verify(client: APIClient, token: str):
    return client.post("/api/v1/auth/verify-email", {"token": token}, format="json")


def assert_refused(response, message: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["detail"], body["errors"]) == (
        "validation_error",
        message,
        {"token": [message]},
    )


@pytest.mark.django_db
def test_registration_mails_a_link_that_verifies(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register",
            {"email": "ada@example.com", "password": PASSWORD, "name": "Ada Lovelace"},
            format="json",
        )
    assert response.status_code == 201
    user = User.objects.get(email="ada@example.com")
    assert user.email_verified is False
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert mail.outbox[0].subject == "Confirm your email address for LearnStream"

    verified = verify(api_client, last_token("verify"))
    assert verified.status_code == 200
    assert verified.json() == {
        "id": user.id,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "role": "student",
        "email_verified": True,
    }
    assert client_for(user).get("/api/v1/me").json()["email_verified"] is True
    # Twice is fine: same answer, nothing else changes.
    assert verify(api_client, last_token("verify")).json() == verified.json()


@pytest.mark.django_db
def test_registration_page_mails_the_link_too(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/register/",
            {"email": "bo@example.com", "password": PASSWORD, "name": "Bo"},
        )
    assert len(links_in_outbox("verify")) == 1


@pytest.mark.django_db
def test_the_page_verifies_and_says_so(client):
    user = UserFactory(email_verified=False)
    token = email_verification_token_make(user=user)
    response = client.get(f"/accounts/verify/{token}/")
    assert response.status_code == 200
    assert b"Email address verified" in response.content
    user.refresh_from_db()
    assert user.email_verified is True

    bad = client.get("/accounts/verify/not-a-token/")
    assert bad.status_code == 400
    assert VERIFY_LINK_INVALID.encode() in bad.content


@pytest.mark.django_db
def test_an_expired_link_is_refused_and_changes_nothing(api_client, settings):
    user = UserFactory(email_verified=False)
    token = email_verification_token_make(user=user)
    later = time.time() + settings.EMAIL_VERIFICATION_MAX_AGE.total_seconds() + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert_refused(verify(api_client, token), VERIFY_LINK_EXPIRED)
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["garbage", "tampered", "other salt", "wrong payload", "no user"])
def test_forged_links_are_refused_and_change_nothing(api_client, case):
    user = UserFactory(email_verified=False)
    good = email_verification_token_make(user=user)
    token = {
        "garbage": "abc",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        # A value the site signed for another purpose cannot be replayed as a link.
        "other salt": signing.dumps({"u": user.pk, "e": good}, salt="something-else"),
        "wrong payload": signing.dumps(["u", user.pk], salt=VERIFY_SALT),
        "no user": signing.dumps({"u": 987654, "e": "0" * 32}, salt=VERIFY_SALT),
    }[case]
    assert_refused(verify(api_client, token), VERIFY_LINK_INVALID)
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.django_db
def test_changing_the_email_unverifies_and_invalidates_old_links(
    student, django_capture_on_commit_callbacks
):
    client = client_for(student)
    old_token = email_verification_token_make(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            "/api/v1/me",
            {"email": "new@example.com", "current_password": PASSWORD},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["email_verified"] is False
    assert [m.to for m in mail.outbox] == [["new@example.com"]]

    assert_refused(verify(APIClient(), old_token), VERIFY_LINK_STALE)
    student.refresh_from_db()
    assert student.email_verified is False
    assert verify(APIClient(), last_token("verify")).json()["email_verified"] is True


@pytest.mark.django_db
def test_resend_mails_a_new_link_until_verified(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify_email_resend": (2, 3600)}
    user = UserFactory(email_verified=False)
    client = client_for(user)
    response = client.post("/api/v1/me/verify-email")
    assert (response.status_code, response.json()) == (202, {"sent": True})
    assert [m.to for m in mail.outbox] == [[user.email]]
    verify(APIClient(), last_token("verify"))

    response = client.post("/api/v1/me/verify-email")
    assert (response.status_code, response.json()) == (202, {"sent": False})
    assert len(mail.outbox) == 1
    refused = client.post("/api/v1/me/verify-email")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


@pytest.mark.django_db
def test_resend_needs_a_signed_in_user(api_client):
    response = api_client.post("/api/v1/me/verify-email")
    assert response.status_code == 401
    assert mail.outbox == []


# --- enrolment needs a verified address -------------------------------------------------------


@pytest.fixture
def course(instructor):
    return published_course(owner=instructor, lessons=1)


@pytest.mark.django_db
def test_an_unverified_user_may_browse_but_not_enrol(course):
    user = UserFactory(email_verified=False)
    client = client_for(user)
    assert client.get(f"/api/v1/courses/{course.slug}").status_code == 200
    response = client.post(f"/api/v1/courses/{course.slug}/enrollment")
    assert response.status_code == 403
    assert (response.json()["code"], response.json()["detail"]) == (
        "email_not_verified",
        VERIFY_EMAIL_FIRST,
    )
    assert not Enrollment.objects.filter(user=user).exists()

    user.email_verified = True
    user.save(update_fields=["email_verified"])
    assert client.post(f"/api/v1/courses/{course.slug}/enrollment").status_code == 201


@pytest.mark.django_db
def test_the_enrol_page_explains_instead_of_enrolling(client, course):
    user = UserFactory(email_verified=False)
    client.force_login(user)
    response = client.post(f"/courses/{course.slug}/enrol/", follow=True)
    assert response.status_code == 200
    assert VERIFY_EMAIL_FIRST in response.content.decode()
    assert not Enrollment.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_an_active_enrolment_survives_losing_verification(course, student):
    client = client_for(student)
    assert client.post(f"/api/v1/courses/{course.slug}/enrollment").status_code == 201
    User.objects.filter(pk=student.pk).update(email_verified=False)
    assert client.post(f"/api/v1/courses/{course.slug}/enrollment").status_code == 200


@pytest.mark.django_db
def test_the_setting_can_allow_unverified_enrolment(course, settings):
    settings.REQUIRE_VERIFIED_EMAIL_TO_ENROL = False
    user = UserFactory(email_verified=False)
    assert client_for(user).post(f"/api/v1/courses/{course.slug}/enrollment").status_code == 201


def test_verification_links_are_valid_for_three_days_by_default(settings):
    assert timedelta(days=3) == settings.EMAIL_VERIFICATION_MAX_AGE
