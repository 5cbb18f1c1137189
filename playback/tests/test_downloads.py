"""Offline downloads through the API, against the Mux simulator over HTTP: who may download,
the switch, the static rendition asked for at upload or on the first download, and the
signed MP4 URL (served with its token, refused without)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from accounts.tests.factories import UserFactory
from catalog.access import lesson_facts_invalidate
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from learnstream.errors import GrantInvalid, NotFound, UpstreamError
from playback import mux_client, signing
from playback.tests.helpers import ready_generation, set_video
from tracking.offline_grants import offline_grant_check

pytestmark = pytest.mark.django_db


def _new_asset(mux_sim, clip: bytes) -> dict:
    upload = mux_client.direct_upload_create(passthrough="offline")
    requests.put(upload.url, data=clip, timeout=30).raise_for_status()
    asset_id = mux_client.direct_upload_get(upload_id=upload.id).asset_id
    assert asset_id
    return mux_sim.wait_asset(asset_id)


def _rendition_ready(mux_sim, asset_id: str, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        asset = mux_sim.asset(asset_id)
        files = (asset.get("static_renditions") or {}).get("files") or []
        if files and all(f["status"] == "ready" for f in files):
            return asset
        time.sleep(0.1)
    raise AssertionError("the static rendition never became ready")


def _lesson_with(asset: dict, owner) -> tuple[Any, str]:
    course = published_course(owner=owner, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, current=ready_generation(asset))
    lesson_facts_invalidate(lesson_ids=[lesson.id])
    return course, str(lesson.id)


def _download(user, lesson_id: str):
    return client_for(user).post(f"/api/v1/lessons/{lesson_id}/download")


@pytest.fixture
def downloads_on(settings):
    settings.MUX_DOWNLOADS = True


@pytest.fixture
def mp4_asset(mux_sim, video_clip, downloads_on):
    """A signed asset uploaded while downloads are on: Mux makes its MP4 with it."""
    asset = _new_asset(mux_sim, video_clip)
    return _rendition_ready(mux_sim, asset["id"])


def test_an_upload_asks_for_the_mp4_and_the_url_serves_it_only_with_its_token(
    mux_sim, mp4_asset, instructor
):
    files = mp4_asset["static_renditions"]["files"]
    assert [(f["name"], f["resolution"], f["status"]) for f in files] == [
        ("highest.mp4", "highest", "ready")
    ]
    course, lesson_id = _lesson_with(mp4_asset, instructor)
    learner = UserFactory(role="student")
    enrollment_create(user=learner, course=course)

    response = _download(learner, lesson_id)

    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    playback_id = ready_generation(mp4_asset)["playback_id"]
    assert body["rendition"] == "highest.mp4"
    assert body["url"].startswith(f"{mux_sim.url}/stream/{playback_id}/highest.mp4?token=")
    token = body["url"].split("?token=", 1)[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    assert (claims["sub"], claims["aud"], header["alg"]) == (playback_id, "v", "RS256")
    assert set(body["grant"]) == {"id", "lesson_id", "issued_at", "expires_at"}
    assert body["grant"]["lesson_id"] == lesson_id
    grant = offline_grant_check(
        grant_id=body["grant"]["id"], user_id=learner.id, lesson_id=lesson_id
    )
    assert grant.expires_at > grant.issued_at
    with pytest.raises(GrantInvalid):
        offline_grant_check(
            grant_id=body["grant"]["id"], user_id=learner.id + 1, lesson_id=lesson_id
        )

    served = requests.get(body["url"], timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "video/mp4"
    assert served.content[4:8] == b"ftyp"  # an MP4 file
    assert len(served.content) == int(files[0]["filesize"])

    bare = requests.get(body["url"].split("?", 1)[0], timeout=10)
    assert bare.status_code == 403
    tampered = requests.get(body["url"][:-4] + "AAAA", timeout=10)
    assert tampered.status_code == 403
    # A valid token of the same playback id for thumbnails (aud t) does not open the MP4.
    thumbnail = signing.playback_tokens_issue(playback_id=playback_id, duration_s=2).thumbnail
    other_aud = requests.get(f"{body['url'].split('?')[0]}?token={thumbnail}", timeout=10)
    assert other_aud.status_code == 403


def test_an_asset_without_the_mp4_gets_it_on_the_first_download(
    mux_sim, video_clip, settings, instructor
):
    asset = _new_asset(mux_sim, video_clip)  # downloads were off at upload
    assert not (asset.get("static_renditions") or {}).get("files")
    settings.MUX_DOWNLOADS = True
    _course, lesson_id = _lesson_with(asset, instructor)

    first = _download(instructor, lesson_id)

    assert first.status_code == 409, first.content
    assert first.json()["code"] == "download_preparing"
    assert int(first["Retry-After"]) > 0
    ready = _rendition_ready(mux_sim, asset["id"])
    assert [f["name"] for f in ready["static_renditions"]["files"]] == ["highest.mp4"]
    again = _download(instructor, lesson_id)
    assert again.status_code == 201, again.content
    assert requests.get(again.json()["url"], timeout=10).status_code == 200
    rendition_id = ready["static_renditions"]["files"][0]["id"]
    events = [e["type"] for e in mux_sim.webhooks() if e["object_id"] == rendition_id]
    assert events == [
        "video.asset.static_rendition.created",
        "video.asset.static_rendition.ready",
    ]


def test_downloads_switched_off_are_404_downloads_disabled_and_ask_mux_for_nothing(
    mux_sim, ready_assets, instructor, settings
):
    settings.MUX_DOWNLOADS = False
    course, lesson_id = _lesson_with(ready_assets[1], instructor)
    learner = UserFactory(role="student")
    enrollment_create(user=learner, course=course)
    before = mux_sim.asset(ready_assets[1]["id"]).get("static_renditions")

    response = _download(learner, lesson_id)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "downloads_disabled"
    assert mux_sim.asset(ready_assets[1]["id"]).get("static_renditions") == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("stranger", 403),
        ("other_instructor", 403),
        ("enrolled", 201),
        ("owner", 201),
        ("admin", 201),
    ],
)
def test_download_is_for_whoever_may_watch_the_lesson(
    mp4_asset, instructor, other_instructor, admin_user, who, expected
):
    course, lesson_id = _lesson_with(mp4_asset, instructor)
    enrolled = UserFactory(role="student")
    enrollment_create(user=enrolled, course=course)
    users = {
        "anonymous": None,
        "stranger": UserFactory(role="student"),
        "other_instructor": other_instructor,
        "enrolled": enrolled,
        "owner": instructor,
        "admin": admin_user,
    }
    response = _download(users[who], lesson_id)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "url" not in response.json()


def test_an_unknown_lesson_is_404(mp4_asset, student):
    response = _download(student, "0123456789abcdef01234567")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_simulator_answers_static_rendition_requests_as_the_sdk_expects(mux_sim, mp4_asset):
    with pytest.raises(UpstreamError):  # it has the rendition already
        mux_client.static_rendition_create(asset_id=mp4_asset["id"], resolution="highest")
    with pytest.raises(UpstreamError):  # a resolution the simulator does not make (see its docs)
        mux_client.static_rendition_create(asset_id=mp4_asset["id"], resolution="720p")
    with pytest.raises(NotFound):
        mux_client.static_rendition_create(asset_id="no-such-asset", resolution="highest")
    asset = mux_client.asset_get(asset_id=mp4_asset["id"])
    assert [(r.name, r.resolution, r.status) for r in asset.static_renditions] == [
        ("highest.mp4", "highest", "ready")
    ]
