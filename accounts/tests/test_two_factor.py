"""Staff two-factor: set-up with a QR code, recovery codes, verification, and the
admin gate under ADMIN_REQUIRE_2FA_ROLES (production default: admins)."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token
from accounts.two_factor import recovery_codes_regenerate
from learnstream.tests.test_settings import run_manage


def code_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def require_for_admins(settings):
    settings.ADMIN_REQUIRE_2FA_ROLES = ["admin"]


@pytest.mark.django_db
def test_an_admin_without_a_device_cannot_enter_the_admin(client, admin_user, require_for_admins):
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    login_page = client.get(response["Location"])
    assert login_page.status_code == 302
    assert login_page["Location"] == "/accounts/2fa/setup/?next=%2Fadmin%2F"
    # Every admin page is closed, not only the index.
    assert client.get("/admin/accounts/user/").status_code == 302


@pytest.mark.django_db
def test_an_admin_with_a_device_enters_after_verifying(client, admin_user, require_for_admins):
    device = confirmed_device(admin_user)
    client.force_login(admin_user)
    login_page = client.get("/admin/login/?next=/admin/accounts/user/")
    assert login_page["Location"] == "/accounts/2fa/verify/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert client.get("/admin/").status_code == 302

    verified = client.post("/accounts/2fa/verify/", {"token": code_now(device), "next": "/admin/"})
    assert verified.status_code == 302
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_keeps_the_admin_closed(client, admin_user, require_for_admins):
    confirmed_device(admin_user)
    client.force_login(admin_user)
    wrong = client.post("/accounts/2fa/verify/", {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 400
    assert b"That code is not correct" in wrong.content
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_verify_refuses_an_offsite_next(client, admin_user):
    device = confirmed_device(admin_user)
    client.force_login(admin_user)
    response = client.post(
        "/accounts/2fa/verify/", {"token": code_now(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/accounts/2fa/"


@pytest.mark.django_db
def test_setup_flow_shows_a_qr_code_and_recovery_codes_once(client, admin_user, require_for_admins):
    client.force_login(admin_user)
    first = client.get("/accounts/2fa/setup/?next=/admin/")
    assert "otp_required" in first.content.decode()  # why the admin was sent here
    assert "<svg" not in first.content.decode()  # the mailed link comes first
    assert client.post("/accounts/2fa/setup/email/", {"next": "/admin/"}).status_code == 302
    followed = client.post(f"/accounts/2fa/enrol/{last_token('2fa/enrol')}/")
    assert followed["Location"] == "/accounts/2fa/setup/?next=%2Fadmin%2F"
    page = client.get("/accounts/2fa/setup/?next=/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<path" in html  # the QR code, inline
    assert page["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)
    assert found
    secret = found.group(1)
    assert len(secret) == 32
    # A reload shows the same secret (the app may already have scanned it).
    assert secret in client.get("/accounts/2fa/setup/").content.decode()

    wrong = client.post("/accounts/2fa/setup/", {"token": "123456", "next": "/admin/"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert device.confirmed is False

    done = client.post("/accounts/2fa/setup/", {"token": code_now(device), "next": "/admin/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed is True
    # The setting-up session is verified: the admin opens.
    assert client.get("/admin/").status_code == 200
    # Codes are not shown again anywhere.
    status = client.get("/accounts/2fa/").content.decode()
    assert "Recovery codes left: <strong>10</strong>" in status
    assert not any(code in status for code in codes)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, admin_user, require_for_admins):
    confirmed_device(admin_user)
    codes = recovery_codes_regenerate(user=admin_user)
    client.force_login(admin_user)
    response = client.post("/accounts/2fa/verify/", {"token": codes[0].upper(), "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=admin_user).count() == 9

    client.logout()
    client.force_login(admin_user)
    again = client.post("/accounts/2fa/verify/", {"token": codes[0], "next": "/admin/"})
    assert again.status_code == 400
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_verification_attempts_are_limited(client, admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp_verify_user": (3, 300)}
    confirmed_device(admin_user)
    client.force_login(admin_user)
    codes = [
        client.post("/accounts/2fa/verify/", {"token": "000000"}).status_code for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


@pytest.mark.django_db
def test_roles_outside_the_setting_enter_without_a_device(client, instructor, require_for_admins):
    client.force_login(instructor)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_with_the_setting_empty_admins_enter_without_a_device(client, admin_user, settings):
    settings.ADMIN_REQUIRE_2FA_ROLES = []
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_students_may_protect_their_account_too(client, student):
    client.force_login(student)
    assert client.get("/accounts/2fa/").status_code == 200


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_turning_off_and_new_codes_need_a_verified_session(client, instructor):
    device = confirmed_device(instructor)
    old = recovery_codes_regenerate(user=instructor)
    client.force_login(instructor)
    for path in ("/accounts/2fa/disable/", "/accounts/2fa/recovery-codes/"):
        response = client.post(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/verify/")
    assert TOTPDevice.objects.filter(user=instructor, confirmed=True).count() == 1
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)

    client.post("/accounts/2fa/verify/", {"token": code_now(device)})
    fresh = client.post("/accounts/2fa/recovery-codes/")
    assert fresh.status_code == 200
    assert not set(StaticToken.objects.values_list("token", flat=True)) & set(old)
    assert client.post("/accounts/2fa/disable/").status_code == 302
    assert not TOTPDevice.objects.filter(user=instructor).exists()
    assert not StaticToken.objects.filter(device__user=instructor).exists()


def test_production_settings_require_two_factor_for_admins():
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.ADMIN_REQUIRE_2FA_ROLES)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['admin']"


def test_local_default_requires_nothing(settings):
    assert settings.ADMIN_REQUIRE_2FA_ROLES == []


@pytest.mark.django_db
def test_setting_up_twice_is_refused(client, instructor):
    confirmed_device(instructor)
    client.force_login(instructor)
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    assert TOTPDevice.objects.filter(user=instructor).count() == 1


@pytest.mark.django_db
def test_recovery_codes_alone_do_not_make_a_device(admin_user):
    UserFactory(role="instructor")
    codes = recovery_codes_regenerate(user=admin_user)
    assert len(codes) == 10
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
