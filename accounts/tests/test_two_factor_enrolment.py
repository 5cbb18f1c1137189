"""Putting an authenticator on an account needs a one-time link mailed to its address, on
the two-factor pages and on the API; every authenticator added and every turning off is
mailed to the account. Mails are read from Django's outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import two_factor
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token, links_in_outbox
from accounts.tests.test_two_factor import code_now, confirmed_device

# Real commits: the notices are mailed once the change is committed (on_commit).
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"
KIND = "2fa/enrol"


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _subjects() -> list[str]:
    return [str(message.subject) for message in mail.outbox]


def _enrol_by_mail(client: Client, user) -> TOTPDevice:
    """The page flow up to the QR code: ask for the link, follow it, continue."""
    assert client.post("/accounts/2fa/setup/email/", {"next": "/accounts/"}).status_code == 302
    token = last_token(KIND)
    assert client.get(f"/accounts/2fa/enrol/{token}/").status_code == 200
    followed = client.post(f"/accounts/2fa/enrol/{token}/")
    assert followed.status_code == 302
    assert followed["Location"] == "/accounts/2fa/setup/?next=%2Faccounts%2F"
    return TOTPDevice.objects.get(user=user, confirmed=False)


def _secret_on(page) -> str:
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.content.decode())
    assert found, page.content[:500]
    return found.group(1)


# --- the pages ------------------------------------------------------------------------------


def test_the_password_alone_shows_no_qr_code_and_makes_no_device():
    user = UserFactory()
    client = _browser(user)
    for method in ("get", "post"):
        page = getattr(client, method)("/accounts/2fa/setup/", {"token": "123456"})
        html = page.content.decode()
        assert "<svg" not in html and "totp-secret" not in html
        assert "Mail me the link" in html
    assert page.status_code == 409  # a code posted without the mailed step
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert mail.outbox == []


def test_the_mailed_link_leads_to_the_qr_code_and_the_account_is_told(client):
    user = UserFactory()
    client.force_login(user)
    device = _enrol_by_mail(client, user)
    (request_mail,) = mail.outbox
    assert request_mail.to == [user.email]
    assert "Confirm: set up two-factor" in request_mail.subject
    assert "works once" in request_mail.body and "15 minutes" in request_mail.body

    page = client.get("/accounts/2fa/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert _secret_on(page) == two_factor.totp_secret_base32(device)
    done = client.post("/accounts/2fa/setup/", {"token": code_now(device)})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    assert StaticToken.objects.filter(device__user=user).count() == 10
    added = mail.outbox[-1]
    assert added.to == [user.email]
    assert added.subject == "An authenticator app was added to your LearnStream account"
    assert "/accounts/password-reset/" in added.body


def test_a_link_works_once():
    user = UserFactory()
    client = _browser(user)
    first = _enrol_by_mail(client, user)
    token = last_token(KIND)
    again = client.post(f"/accounts/2fa/enrol/{token}/")
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [first.pk]


def test_a_link_expires(settings):
    user = UserFactory()
    client = _browser(user)
    assert client.post("/accounts/2fa/setup/email/").status_code == 302
    token = last_token(KIND)
    settings.TWO_FACTOR_ENROL_LINK_MAX_AGE = timedelta(seconds=-1)  # as if it were 15 min on
    late = client.post(f"/accounts/2fa/enrol/{token}/")
    assert late.status_code == 400
    assert "expired" in late.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_pending_authenticator_waits_only_for_the_window():
    user = UserFactory()
    client = _browser(user)
    device = _enrol_by_mail(client, user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )
    late = client.post("/accounts/2fa/setup/", {"token": code_now(device)})
    assert late.status_code == 409  # back to the email step
    assert "Mail me the link" in late.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert [s for s in _subjects() if "was added" in s] == []


def test_another_browser_with_the_password_cannot_use_the_pending_authenticator():
    user = UserFactory()
    owner = _browser(user)
    device = _enrol_by_mail(owner, user)
    intruder = _browser(user)  # signed in with the password elsewhere
    page = intruder.get("/accounts/2fa/setup/")
    assert "totp-secret" not in page.content.decode()
    refused = intruder.post("/accounts/2fa/setup/", {"token": code_now(device)})
    assert refused.status_code == 409
    device.refresh_from_db()
    assert device.confirmed is False


def test_a_link_of_another_account_is_refused():
    owner, other = UserFactory(), UserFactory()
    assert _browser(owner).post("/accounts/2fa/setup/email/").status_code == 302
    token = last_token(KIND)
    refused = _browser(other).post(f"/accounts/2fa/enrol/{token}/")
    assert refused.status_code == 400
    assert "another account" in refused.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_forged_link_and_a_changed_password_are_refused():
    user = UserFactory()
    client = _browser(user)
    assert client.post("/accounts/2fa/enrol/not-a-token/").status_code == 400
    assert client.post("/accounts/2fa/setup/email/").status_code == 302
    token = last_token(KIND)
    user.set_password("a different passphrase 3")
    user.save()
    client = _browser(user)
    assert client.post(f"/accounts/2fa/enrol/{token}/").status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_mail_scanner_opening_the_link_does_not_use_it():
    user = UserFactory()
    client = _browser(user)
    assert client.post("/accounts/2fa/setup/email/").status_code == 302
    token = last_token(KIND)
    for _ in range(3):
        assert client.get(f"/accounts/2fa/enrol/{token}/").status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.post(f"/accounts/2fa/enrol/{token}/").status_code == 302


def test_asking_for_links_is_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "two_factor_enrol_mail": (2, 3600)}
    user = UserFactory()
    client = _browser(user)
    assert client.post("/accounts/2fa/setup/email/").status_code == 302
    assert client.post("/accounts/2fa/setup/email/").status_code == 302
    third = client.post("/accounts/2fa/setup/email/")
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert len(mail.outbox) == 2


def test_no_link_once_it_is_on():
    user = UserFactory()
    confirmed_device(user)
    client = _browser(user)
    response = client.post("/accounts/2fa/setup/email/")
    assert response["Location"] == "/accounts/2fa/"
    assert mail.outbox == []


def test_turning_it_off_on_the_page_is_mailed():
    user = UserFactory()
    device = confirmed_device(user)
    client = _browser(user)
    assert client.post("/accounts/2fa/verify/", {"token": code_now(device)}).status_code == 302
    assert client.post("/accounts/2fa/disable/").status_code == 302
    (off,) = mail.outbox
    assert off.to == [user.email]
    assert off.subject == "Two-factor authentication was turned off on your LearnStream account"


def test_the_account_page_offers_the_mailed_set_up():
    user = UserFactory()
    client = _browser(user)
    page = client.get("/accounts/").content.decode()
    assert 'href="/accounts/2fa/setup/?next=/accounts/"' in page
    setup = client.get("/accounts/2fa/setup/?next=/accounts/").content.decode()
    assert "Mail me the link" in setup and "totp-secret" not in setup


# --- the API --------------------------------------------------------------------------------


def _bearer(user) -> APIClient:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def test_the_api_enrols_only_with_the_mailed_token():
    user = UserFactory()
    api = _bearer(user)
    # The password (a token) alone: no secret without the mailed step.
    assert api.post("/api/v1/me/2fa/totp", {"token": "x"}, format="json").status_code == 400
    no_pending = api.post("/api/v1/me/2fa/totp/confirm", {"code": "123456"}, format="json")
    assert (no_pending.status_code, no_pending.json()["code"]) == (409, "conflict")

    mailed = api.post("/api/v1/me/2fa/enrolment")
    assert mailed.status_code == 202
    assert mailed.json()["sent_to"] == user.email
    token = last_token(KIND)
    pending = api.post("/api/v1/me/2fa/totp", {"token": token}, format="json")
    assert pending.status_code == 201, pending.content
    body = pending.json()
    assert body["provisioning_uri"].startswith("otpauth://totp/")
    assert pending["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert body["secret"] == two_factor.totp_secret_base32(device)
    again = api.post("/api/v1/me/2fa/totp", {"token": token}, format="json")
    assert again.status_code == 400  # once

    wrong = api.post("/api/v1/me/2fa/totp/confirm", {"code": "000000"}, format="json")
    assert wrong.status_code == 400
    done = api.post("/api/v1/me/2fa/totp/confirm", {"code": code_now(device)}, format="json")
    assert done.status_code == 200, done.content
    assert len(done.json()["recovery_codes"]) == 10
    assert _subjects()[-1] == "An authenticator app was added to your LearnStream account"
    status = api.get("/api/v1/me/2fa").json()
    assert status == {"enabled": True, "recovery_codes_left": 10, "signed_in_with_otp": False}
    # From now on the password step answers otp_required.
    sign_in = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert sign_in.json()["code"] == "otp_required"


def test_the_api_turns_it_off_only_from_a_sign_in_made_with_the_code():
    user = UserFactory()
    device = confirmed_device(user)
    # A session signed in with the password only (e.g. a browser that skipped the code).
    browser = APIClient()
    browser.force_login(user)
    refused = browser.delete("/api/v1/me/2fa")
    assert (refused.status_code, refused.json()["code"]) == (403, "otp_required")
    assert TOTPDevice.objects.filter(user=user).exists() and mail.outbox == []

    challenge = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )
    otp_token = challenge.json()["otp_token"]

    pair = APIClient().post(
        "/api/v1/auth/token/otp", {"otp_token": otp_token, "code": code_now(device)}, format="json"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
    assert api.get("/api/v1/me/2fa").json()["signed_in_with_otp"] is True
    assert api.delete("/api/v1/me/2fa").status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _subjects() == ["Two-factor authentication was turned off on your LearnStream account"]
    assert api.delete("/api/v1/me/2fa").status_code == 409


def test_an_api_link_mailed_for_one_account_does_not_serve_another():
    owner, other = UserFactory(), UserFactory()
    assert _bearer(owner).post("/api/v1/me/2fa/enrolment").status_code == 202
    token = last_token(KIND)
    refused = _bearer(other).post("/api/v1/me/2fa/totp", {"token": token}, format="json")
    assert refused.status_code == 400
    assert links_in_outbox(KIND) == [token]
    assert not TOTPDevice.objects.exists()
