"""The bare heartbeat route (tracking.beat_api) with real sign-ins: a bearer token and a
session, as the player and the browser send them; refusals keep the DRF view's contract."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from accounts.tests.factories import UserFactory
from accounts.tokens import access_token_mint, access_tokens_revoke
from catalog.services import enrollment_create
from tracking.tests.helpers import (
    BEAT,
    FIRST_BEAT_PROGRESS,
    progress_url,
    raw_progress,
    video_course,
)
from tracking.viewing import view_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_id(student, instructor):
    course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    enrollment_create(user=student, course=course)
    return lesson_ids[0]


def _post(client: Client, lesson_id: str, body: object = BEAT, **extra):
    return client.post(
        progress_url(lesson_id),
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


def test_bearer_beat_is_recorded_with_the_progress_shape(student, lesson_id):
    token, _exp = access_token_mint(user=student)
    response = _post(Client(), lesson_id, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == FIRST_BEAT_PROGRESS
    assert raw_progress()[0]["user_id"] == student.id
    again = _post(Client(), lesson_id, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (again.status_code, again.json()["code"]) == (429, "throttled")
    assert again["Content-Type"] == "application/problem+json"
    assert int(again["Retry-After"]) >= 1


def test_revoked_and_bad_tokens_are_401_with_a_challenge(student, lesson_id):
    token, _exp = access_token_mint(user=student)
    time.sleep(0.01)  # the stamp is in ms: a token of the same ms would still be valid
    access_tokens_revoke(user_id=student.id)
    for header in (f"Bearer {token}", "Bearer not-a-token"):
        response = _post(Client(), lesson_id, HTTP_AUTHORIZATION=header)
        assert (response.status_code, response.json()["code"]) == (401, "token_invalid")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert raw_progress() == []


def test_session_beats_need_the_csrf_token(student, lesson_id):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    refused = _post(client, lesson_id)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert raw_progress() == []
    secret = get_random_string(32)  # the cookie a page sets, echoed as the JS client does
    client.cookies["csrftoken"] = secret
    response = _post(client, lesson_id, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200
    assert raw_progress()[0]["user_id"] == student.id


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"HTTP_ACCEPT": "text/html"}, 406, "not_acceptable"),
        ({"content_type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
def test_unusual_requests_get_the_full_contract(student, lesson_id, extra, status, code):
    token, _exp = access_token_mint(user=student)
    kwargs = {"content_type": "application/json", "HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = Client().post(progress_url(lesson_id), json.dumps(BEAT), **{**kwargs, **extra})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert raw_progress() == []


def test_body_errors_after_access_errors(student, instructor, lesson_id):
    token, _exp = access_token_mint(user=student)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    unknown = _post(Client(), "a" * 24, {"position_s": "x"}, **auth)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    bad = _post(Client(), lesson_id, {**BEAT, "position_s": -1}, **auth)
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")
    assert "position_s" in bad.json()["errors"]
    assert raw_progress() == []


def test_bearer_beats_carry_their_view_and_a_repeated_seq_changes_nothing(student, lesson_id):
    other_student = UserFactory(role="student")
    token, _exp = access_token_mint(user=student)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    view_id, _view = view_issue(user_id=student.id, lesson_id=lesson_id)
    first = _post(Client(), lesson_id, {**BEAT, "view_id": view_id, "seq": 1}, **bearer)
    assert (first.status_code, first.json()["credited_s"]) == (200, 5.0)
    replay = _post(Client(), lesson_id, {**BEAT, "view_id": view_id, "seq": 1}, **bearer)
    assert (replay.status_code, replay.json()["credited_s"]) == (200, 0.0)
    assert replay.json()["watch_time_s"] == 5.0
    foreign_id, _ = view_issue(user_id=other_student.id, lesson_id=lesson_id)
    forged = _post(Client(), lesson_id, {**BEAT, "view_id": foreign_id, "seq": 2}, **bearer)
    assert (forged.status_code, forged.json()["code"]) == (403, "view_invalid")
    half = _post(Client(), lesson_id, {**BEAT, "view_id": view_id}, **bearer)
    assert (half.status_code, half.json()["code"]) == (400, "validation_error")
    assert raw_progress()[0]["watch_time_s"] == 5.0
