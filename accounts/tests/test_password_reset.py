"""Password reset: request → mail → confirm, end to end through the in-memory
mailbox; single use, expiry, forged tokens, unknown addresses, limits, pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from rest_framework.test import APIClient

from accounts.email_tokens import password_reset_token_make
from accounts.models import RefreshToken, User
from accounts.recovery import RESET_LINK_INVALID
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token, links_in_outbox

OLD_PASSWORD = "correct-horse-battery-9"
NEW_PASSWORD = "a-brand-new-passphrase-42"
REQUESTED = {
    "detail": "If an account uses this address, a link to choose a new password is on its "
    "way. It works once, for one hour."
}


def request_reset(client: APIClient, email: str, **headers):
    return client.post("/api/v1/auth/password-reset", {"email": email}, format="json", **headers)


def confirm(client: APIClient, token: str, password: str = NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "new_password": password},
        format="json",
    )


def sign_in(client: APIClient, email: str, password: str):
    return client.post("/api/v1/auth/token", {"email": email, "password": password}, format="json")


def assert_bad_token(response) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == {"token": [RESET_LINK_INVALID]}


@pytest.mark.django_db
def test_reset_end_to_end_revokes_sessions_and_the_link_works_once(api_client, student):
    old_pair = sign_in(api_client, student.email, OLD_PASSWORD).json()

    response = request_reset(api_client, student.email.upper())
    assert response.status_code == 202
    assert response.json() == REQUESTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.email]
    assert mail.outbox[0].subject == "Reset your LearnStream password"
    token = last_token("reset")

    response = confirm(api_client, token)
    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "Password changed. Every device was signed out."}

    # Every refresh family is revoked: the old refresh token is dead.
    stale = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": old_pair["refresh"]}, format="json"
    )
    assert stale.status_code == 401
    assert stale.json()["code"] == "token_invalid"
    assert not RefreshToken.objects.filter(user=student, revoked_at__isnull=True).exists()
    # The new password signs in, the old one does not.
    assert sign_in(api_client, student.email, OLD_PASSWORD).status_code == 401
    assert sign_in(api_client, student.email, NEW_PASSWORD).status_code == 200

    # The same link a second time: refused, and the password stays the one just set.
    assert_bad_token(confirm(api_client, token, "yet-another-passphrase-77"))
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(api_client, student):
    inactive = UserFactory(is_active=False)
    known = request_reset(api_client, student.email)
    mail.outbox.clear()
    for email in ("nobody@example.com", inactive.email):
        response = request_reset(api_client, email)
        assert (response.status_code, response.json()) == (known.status_code, known.json())
        assert response["Content-Type"] == known["Content-Type"]
    assert mail.outbox == []


@pytest.mark.django_db
def test_unknown_address_does_the_same_token_work(api_client, student):
    """Same work either way: one lookup and one token computation per request."""
    with mock.patch(
        "accounts.recovery.password_reset_token_make", wraps=password_reset_token_make
    ) as made:
        request_reset(api_client, student.email)
        request_reset(api_client, "nobody@example.com")
    assert made.call_count == 2


@pytest.mark.django_db
def test_an_expired_link_is_refused_and_changes_nothing(api_client, student, settings):
    request_reset(api_client, student.email)
    token = last_token("reset")
    an_hour_later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=an_hour_later):
        assert_bad_token(confirm(api_client, token))
    student.refresh_from_db()
    assert student.check_password(OLD_PASSWORD)
    # Within the hour the same link still works.
    assert confirm(api_client, token).status_code == 200


def _forgeries(student: User, other: User) -> dict[str, str]:
    good = password_reset_token_make(user=student)
    uid, secret = good.split(".", 1)
    other_uid = password_reset_token_make(user=other).split(".", 1)[0]
    return {
        "empty-ish": "x",
        "no dot": good.replace(".", ""),
        "tampered hash": f"{uid}.{secret[:-1]}{'0' if secret[-1] != '0' else '1'}",
        "other user's uid": f"{other_uid}.{secret}",
        "uid not base64": f"!!!.{secret}",
        "uid of nobody": f"OTk5OTk5.{secret}",
        "made with another key": "MQ.c3a7k5-0123456789abcdef0123456789abcdef",
        "huge": "A" * 600,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "empty-ish",
        "no dot",
        "tampered hash",
        "other user's uid",
        "uid not base64",
        "uid of nobody",
        "made with another key",
        "huge",
    ],
)
def test_forged_tokens_are_refused_and_change_nothing(api_client, student, case):
    other = UserFactory()
    token = _forgeries(student, other)[case]
    response = confirm(api_client, token)
    if case == "huge":  # longer than the field allows: a field error on `token`
        assert response.status_code == 400
        assert "token" in response.json()["errors"]
    else:
        assert_bad_token(response)
    for user in (student, other):
        user.refresh_from_db()
        assert user.check_password(OLD_PASSWORD)


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_and_the_link_still_works(api_client, student):
    request_reset(api_client, student.email)
    token = last_token("reset")
    response = confirm(api_client, token, "12345678")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"new_password"}
    student.refresh_from_db()
    assert student.check_password(OLD_PASSWORD)
    assert confirm(api_client, token).status_code == 200


@pytest.mark.django_db
def test_unknown_fields_and_missing_fields_are_validation_errors(api_client):
    response = api_client.post(
        "/api/v1/auth/password-reset", {"email": "a@example.com", "role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"role": ["Unknown field."]}
    response = api_client.post("/api/v1/auth/password-reset/confirm", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"token", "new_password"}


@pytest.mark.django_db
def test_requests_are_limited_per_address_known_or_not(api_client, student, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_email": (2, 3600)}
    for email in (student.email, "nobody@example.com"):
        assert request_reset(api_client, email).status_code == 202
        assert request_reset(api_client, email).status_code == 202
        refused = request_reset(api_client, email)
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert int(refused["Retry-After"]) > 0
    assert len(links_in_outbox("reset")) == 2  # only the two allowed ones for the real account


@pytest.mark.django_db
def test_requests_are_limited_per_client_ip(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_ip": (3, 3600)}
    codes = [request_reset(api_client, f"n{i}@example.com").status_code for i in range(4)]
    assert codes == [202, 202, 202, 429]
    other_ip = request_reset(api_client, "n9@example.com", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 202


@pytest.mark.django_db
def test_reset_marks_the_address_verified(api_client):
    user = UserFactory(email_verified=False)
    request_reset(api_client, user.email)
    assert confirm(api_client, last_token("reset")).status_code == 200
    user.refresh_from_db()
    assert user.email_verified is True


# --- HTML pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_pages_end_to_end(client, student):
    page = client.get("/accounts/password-reset/")
    assert page.status_code == 200
    assert b'name="email"' in page.content
    sent = client.post("/accounts/password-reset/", {"email": student.email})
    assert sent.status_code == 200
    assert b"Check your inbox" in sent.content
    token = last_token("reset")

    opened = client.get(f"/accounts/reset/{token}/")
    # The token moves into the session; the form page's URL no longer carries it.
    assert opened.status_code == 302
    assert opened["Location"] == "/accounts/reset/set-password/"
    form = client.get("/accounts/reset/set-password/")
    assert form.status_code == 200
    assert b'name="new_password"' in form.content
    done = client.post("/accounts/reset/set-password/", {"new_password": NEW_PASSWORD})
    assert done.status_code == 200
    assert b"Password changed" in done.content
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)

    # The link again: the page says it does not work.
    client.get(f"/accounts/reset/{token}/")
    again = client.get("/accounts/reset/set-password/")
    assert again.status_code == 400
    assert b"This link does not work" in again.content


@pytest.mark.django_db
def test_reset_page_for_an_unknown_address_looks_the_same(client, student):
    known = client.post("/accounts/password-reset/", {"email": student.email})
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content.replace(b"\n", b"") == unknown.content.replace(b"\n", b"")


@pytest.mark.django_db
def test_reset_form_page_keeps_weak_passwords_out(client, student):
    request_reset(APIClient(), student.email)
    client.get(f"/accounts/reset/{last_token('reset')}/")
    response = client.post("/accounts/reset/set-password/", {"new_password": "12345678"})
    assert response.status_code == 400
    assert b"errorlist" in response.content
    student.refresh_from_db()
    assert student.check_password(OLD_PASSWORD)


@pytest.mark.django_db
def test_login_page_links_to_the_reset_page(client):
    assert b'href="/accounts/password-reset/"' in client.get("/accounts/login/").content
