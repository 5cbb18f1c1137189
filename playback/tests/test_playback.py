"""GET /api/v1/lessons/{id}/playback: who gets tokens, what the tokens say, and that the
simulator's media endpoints accept exactly those tokens."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from devtools.clients import client_for
from playback import signing
from playback.tests.helpers import ready_generation, set_video

pytestmark = pytest.mark.django_db


def public_key():
    pem = base64.b64decode(settings.MUX_SIGNING_PRIVATE_KEY)
    return serialization.load_pem_private_key(pem, password=None).public_key()


@pytest.fixture
def course(instructor):
    return published_course(owner=instructor, lessons=2, preview_first=True)


@pytest.fixture
def lessons(course, ready_assets):
    """Lesson A (preview) plays asset A, lesson B plays asset B."""
    found = list(Lesson.objects(course_id=course.id).order_by("position"))
    for lesson, asset in zip(found, ready_assets, strict=True):
        set_video(lesson, current=ready_generation(asset))
    return found


@pytest.fixture
def enrolled(course):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    return student


def playback_url(lesson) -> str:
    return f"/api/v1/lessons/{lesson.id}/playback"


def test_enrolled_student_gets_signed_playback(mux_sim, lessons, enrolled, ready_assets):
    lesson_b, asset_b = lessons[1], ready_assets[1]
    started = int(time.time())
    response = client_for(enrolled).get(playback_url(lesson_b))
    finished = int(time.time())
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    playback_id = ready_generation(asset_b)["playback_id"]
    assert set(body) == {
        "playback_id",
        "stream_url",
        "thumbnail_url",
        "storyboard_url",
        "tokens",
        "expires_at",
        "resume_position_s",
        "captions",
        "view",
    }
    # A viewing session for the heartbeats, bound to this learner and lesson.
    assert set(body["view"]) == {"id", "expires_at"}
    assert body["view"]["id"]
    assert body["captions"] == []  # none uploaded (test_captions covers the ready ones)
    assert body["playback_id"] == playback_id
    tokens = body["tokens"]
    assert body["stream_url"] == f"{mux_sim.url}/stream/{playback_id}.m3u8?token={tokens['video']}"
    assert body["thumbnail_url"] == (
        f"{mux_sim.url}/image/{playback_id}/thumbnail.jpg?token={tokens['thumbnail']}"
    )
    assert body["storyboard_url"] == (
        f"{mux_sim.url}/image/{playback_id}/storyboard.vtt?token={tokens['storyboard']}"
    )
    assert body["resume_position_s"] == 0.0

    duration = float(asset_b["duration"])
    margin = settings.MUX_PLAYBACK_TOKEN_MARGIN_S
    for name, audience in (("video", "v"), ("thumbnail", "t"), ("storyboard", "s")):
        token = tokens[name]
        header = jwt.get_unverified_header(token)
        assert header == {"alg": "RS256", "typ": "JWT", "kid": settings.MUX_SIGNING_KEY_ID}
        claims = jwt.decode(token, public_key(), algorithms=["RS256"], audience=audience)
        assert set(claims) == {"sub", "aud", "exp"}
        assert (claims["sub"], claims["aud"]) == (playback_id, audience)
        assert int(started + duration + margin) <= claims["exp"] <= finished + duration + margin
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert int(expires_at.timestamp()) == claims["exp"]


def test_tokens_play_their_own_media_only(mux_sim, lessons, enrolled, ready_assets):
    a = client_for(enrolled).get(playback_url(lessons[0])).json()
    b = client_for(enrolled).get(playback_url(lessons[1])).json()

    stream = requests.get(a["stream_url"], timeout=10)
    assert stream.status_code == 200
    assert stream.text.startswith("#EXTM3U")
    assert requests.get(a["thumbnail_url"], timeout=10).status_code == 200
    storyboard = requests.get(a["storyboard_url"], timeout=10)
    assert storyboard.ok and storyboard.text.startswith("WEBVTT")
    assert "storyboard.jpg?token=" in storyboard.text

    # Lesson A's token does not play lesson B.
    foreign = f"{mux_sim.url}/stream/{b['playback_id']}.m3u8?token={a['tokens']['video']}"
    assert requests.get(foreign, timeout=10).status_code == 403
    # Each token is for its own audience only.
    wrong_aud = f"{mux_sim.url}/stream/{a['playback_id']}.m3u8?token={a['tokens']['thumbnail']}"
    assert requests.get(wrong_aud, timeout=10).status_code == 403
    # No token, no stream.
    bare = f"{mux_sim.url}/stream/{a['playback_id']}.m3u8"
    assert requests.get(bare, timeout=10).status_code in (401, 403)


def test_expired_token_is_refused(mux_sim, lessons, ready_assets):
    playback_id = ready_generation(ready_assets[0])["playback_id"]
    long_ago = datetime.now(UTC) - timedelta(seconds=settings.MUX_PLAYBACK_TOKEN_MARGIN_S + 60)
    tokens = signing.playback_tokens_issue(playback_id=playback_id, duration_s=2, now=long_ago)
    assert tokens.expires_at < datetime.now(UTC)
    url = signing.stream_url(playback_id=playback_id, token=tokens.video)
    assert requests.get(url, timeout=10).status_code == 403


@pytest.mark.parametrize(
    ("who", "lesson_index", "status"),
    [
        ("anonymous", 1, 401),
        ("unenrolled", 1, 403),
        ("other_instructor", 1, 403),
        ("enrolled", 1, 200),
        ("owner", 1, 200),
        ("admin", 1, 200),
        ("unenrolled", 0, 200),  # preview: any signed-in user
        ("anonymous", 0, 401),
    ],
)
def test_playback_permissions(mux_sim, lessons, enrolled, instructor, who, lesson_index, status):
    user = {
        "anonymous": None,
        "unenrolled": UserFactory(role="student"),
        "other_instructor": UserFactory(role="instructor"),
        "enrolled": enrolled,
        "owner": instructor,
        "admin": UserFactory(role="admin"),
    }[who]
    response = client_for(user).get(playback_url(lessons[lesson_index]))
    assert response.status_code == status
    if status != 200:
        text = response.content.decode()
        assert "token" not in response.json()
        assert "eyJ" not in text  # no JWT anywhere in the refusal
        assert ready_generation_id(lessons[lesson_index]) not in text


def ready_generation_id(lesson) -> str:
    return Lesson._get_collection().find_one({"_id": lesson.id})["video"]["current"]["playback_id"]


def test_cancelled_enrolment_is_403(mux_sim, lessons, enrolled, course):
    from catalog.services import enrollment_cancel

    enrollment_cancel(user=enrolled, course_id=str(course.id))
    assert client_for(enrolled).get(playback_url(lessons[1])).status_code == 403


def test_unpublished_course_is_404_for_students(mux_sim, student):
    lesson = LessonFactory(course_id=CourseFactory(owner_id=999_999).id)
    assert client_for(student).get(playback_url(lesson)).status_code == 404


def test_malformed_lesson_id_is_404(mux_sim, student):
    assert client_for(student).get("/api/v1/lessons/zzz/playback").status_code == 404


@pytest.mark.parametrize(
    "video",
    [
        {},
        {"pending": {"upload_id": "u", "state": "processing"}},
        {"current": {"asset_id": "a", "playback_id": "p", "state": "deleted"}},
    ],
    ids=["none", "processing", "deleted"],
)
def test_no_ready_video_is_409(mux_sim, course, enrolled, video):
    lesson = Lesson.objects(course_id=course.id).order_by("position")[1]
    set_video(lesson, **video)
    response = client_for(enrolled).get(playback_url(lesson))
    assert response.status_code == 409
    assert response.json()["code"] == "video_not_ready"


def test_missing_signing_key_is_503_not_500(mux_sim, lessons, enrolled, settings):
    settings.MUX_SIGNING_KEY_ID = ""
    response = client_for(enrolled).get(playback_url(lessons[1]))
    assert response.status_code == 503


def test_no_public_endpoint_or_page_exposes_a_playback_id(
    mux_sim, course, lessons, enrolled, client
):
    playback_ids = [ready_generation_id(lesson) for lesson in lessons]
    client.force_login(enrolled)
    anonymous = APIClient()
    responses = [
        client_for(enrolled).get("/api/v1/courses"),
        client_for(enrolled).get(f"/api/v1/courses/{course.slug}"),
        anonymous.get("/api/v1/courses"),
        anonymous.get(f"/api/v1/courses/{course.slug}"),
        client.get("/"),
        client.get(f"/courses/{course.slug}/"),
        anonymous.get(f"/courses/{course.slug}/"),
    ]
    for lesson in lessons:
        responses.append(client.get(f"/courses/{course.slug}/lessons/{lesson.id}/"))
        responses.append(anonymous.get(f"/courses/{course.slug}/lessons/{lesson.id}/"))
    lesson_pages = responses[-2 * len(lessons) :]
    assert [r.status_code for r in lesson_pages] == [200] * len(lesson_pages)
    for response in responses:
        text = response.content.decode()
        for playback_id in playback_ids:
            assert playback_id not in text, response.request["PATH_INFO"]


def test_mux_being_down_does_not_affect_issuing_tokens(mux_sim, lessons, enrolled):
    # Tokens are signed locally: no Mux API call on the playback path.
    mux_sim.configure(fail_api=True)
    assert client_for(enrolled).get(playback_url(lessons[1])).status_code == 200
