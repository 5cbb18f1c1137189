"""Twenty simultaneous refreshes with one token against the real database: one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.models import RefreshToken
from accounts.tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_refreshes_with_one_token_yield_exactly_one_success():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises every write, so it cannot show the race this guards")
    UserFactory(email="racer@example.com")
    pair = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {"email": "racer@example.com", "password": "correct-horse-battery-9"},
            format="json",
        )
        .json()
    )
    barrier = threading.Barrier(20)
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def refresh() -> None:
        try:
            barrier.wait()
            response = APIClient().post(
                "/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
            )
            body = response.json()
            with lock:
                results.append((response.status_code, body.get("code")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * 19
    assert {code for status, code in results if status == 401} == {"token_reused"}
    # The replays revoked the family, including the winner's new token.
    assert RefreshToken.objects.count() == 2
    assert RefreshToken.objects.filter(consumed_at__isnull=False).count() == 1
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
