"""Overload shedding: a request that waited past the queue budget is answered at once."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from learnstream.shedding import request_start_epoch_s

pytestmark = pytest.mark.django_db


def _stamp(waited_s: float) -> str:
    return f"t={time.time() - waited_s:.3f}"


def test_a_request_that_waited_too_long_is_answered_503_with_retry_after():
    response = Client().get("/api/v1/courses", HTTP_X_REQUEST_START=_stamp(1.5))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) >= 1


def test_a_late_heartbeat_is_answered_429_with_retry_after():
    path = "/api/v1/lessons/0123456789abcdef01234567/progress"
    response = Client().post(
        path, {}, content_type="application/json", HTTP_X_REQUEST_START=_stamp(3)
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_pages_are_shed_too():
    response = Client().get("/courses/", HTTP_X_REQUEST_START=_stamp(2))
    assert response.status_code == 503
    assert "Retry-After" in response


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_never_shed(path):
    response = Client().get(path, HTTP_X_REQUEST_START=_stamp(60))
    assert response.status_code != 503


def test_requests_within_the_budget_or_without_a_stamp_are_served():
    assert Client().get("/api/v1/courses", HTTP_X_REQUEST_START=_stamp(0.2)).status_code == 200
    assert Client().get("/api/v1/courses").status_code == 200
    assert Client().get("/api/v1/courses", HTTP_X_REQUEST_START="t=garbage").status_code == 200


def test_request_start_formats():
    now = time.time()
    for text in (f"t={now}", f"{now * 1000:.0f}", f"t={now * 1e6:.0f}"):
        parsed = request_start_epoch_s(text)
        assert parsed is not None and abs(parsed - now) < 1
    assert request_start_epoch_s("t=nan") is None
    assert request_start_epoch_s("") is None
