"""Login, registration and refresh limits (settings.RATE_LIMITS), checked before hashing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import RefreshToken, User
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"


def login(client: APIClient, email: str, password: str = "wrong-password-123", **extra):
    return client.post(
        "/api/v1/auth/token", {"email": email, "password": password}, format="json", **extra
    )


@pytest.fixture
def count_hashes(monkeypatch):
    """Counts password verifications (the expensive step the limits must come before)."""
    from django.contrib.auth import hashers

    calls = {"n": 0}
    real = hashers.check_password

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.check_password", counting)
    monkeypatch.setattr("accounts.services.check_password", counting)
    return calls


@pytest.mark.django_db
def test_eleventh_login_for_one_account_is_throttled_before_hashing(api_client, count_hashes):
    UserFactory(email="target@example.com")
    statuses = [login(api_client, "target@example.com").status_code for _ in range(10)]
    assert statuses == [401] * 10
    assert count_hashes["n"] == 10

    response = login(api_client, "TARGET@example.com", password=PASSWORD)  # even the right one
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert count_hashes["n"] == 10
    assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
def test_login_limit_per_ip_spans_accounts(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (3, 60)}
    statuses = [login(api_client, f"nobody{i}@example.com").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    other_ip = login(api_client, "nobody9@example.com", REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 401


@pytest.mark.django_db
def test_registration_limit_per_ip(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_ip": (2, 60)}

    def register(i: int):
        return api_client.post(
            "/api/v1/auth/register",
            {"email": f"new{i}@example.com", "password": PASSWORD, "name": "New"},
            format="json",
        )

    assert [register(i).status_code for i in range(3)] == [201, 201, 429]
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_invalid_input_is_400_even_when_throttled(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (1, 60)}
    UserFactory(email="someone@example.com")
    login(api_client, "someone@example.com")
    assert login(api_client, "someone@example.com").status_code == 429
    missing = api_client.post("/api/v1/auth/token", {"email": "someone@example.com"}, format="json")
    assert missing.status_code == 400


@pytest.mark.django_db
def test_refresh_limit_per_family_comes_after_reuse_detection(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "refresh_family": (2, 60)}
    UserFactory(email="r@example.com")
    pair = login(api_client, "r@example.com", PASSWORD).json()
    first = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    second = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": first.json()["refresh"]}, format="json"
    )
    assert (first.status_code, second.status_code) == (200, 200)
    current = second.json()["refresh"]
    throttled = api_client.post("/api/v1/auth/token/refresh", {"refresh": current}, format="json")
    assert throttled.status_code == 429
    assert "Retry-After" in throttled
    # The throttled token was not consumed: it still counts as the live one...
    assert (
        RefreshToken.objects.filter(consumed_at__isnull=True, revoked_at__isnull=True).count() == 1
    )
    # ...and a replay of an old token is still detected although the family is throttled.
    replay = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"


@pytest.mark.django_db
def test_client_ip_comes_from_trusted_proxies_only(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (1, 60)}
    # No trusted proxy: a forged X-Forwarded-For does not dodge the per-IP limit.
    assert login(api_client, "a@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 401
    assert login(api_client, "b@example.com", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
