"""Mux's own payload shapes (fixtures/mux/*.json: every top-level member Mux sends, not only
the ones we read), delivered signed through the webhook endpoint: the event builders in
helpers.py must not drift from what Mux posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from catalog.documents import Lesson
from catalog.lesson_video import VideoState
from catalog.tests.factories import LessonFactory
from playback.services import WEBHOOK_HANDLERS
from playback.tests.helpers import deliver, set_video

FIXTURES = Path(__file__).parent / "fixtures" / "mux"
SECRET = "whsec-test"
UPLOAD_ID = "OA02dAZEJQUgLTt3Xv6OQWUE35EWwuC1EqtxjdmNDhX8"
ASSET_ID = "kNn00vTfWKhHy6Ae2k1ZbyE9t8wUBTfeu01kvG02YQJmYc"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.MUX_WEBHOOK_SECRET = SECRET
    settings.MUX_WEBHOOK_TOLERANCE_S = 300


def payload(name: str, lesson: Lesson) -> dict:
    text = (FIXTURES / f"{name}.json").read_text()
    return json.loads(text.replace("__LESSON_ID__", str(lesson.id)))


def video_of(lesson: Lesson) -> dict:
    return Lesson._get_collection().find_one({"_id": lesson.id})["video"]


@pytest.fixture
def lesson() -> Lesson:
    return set_video(
        LessonFactory(), pending={"upload_id": UPLOAD_ID, "state": VideoState.AWAITING_UPLOAD}
    )


def test_every_fixture_names_a_handled_event_type():
    types = {json.loads(path.read_text())["type"] for path in FIXTURES.glob("*.json")}
    assert types <= set(WEBHOOK_HANDLERS)


def test_upload_then_ready_plays_the_video(client: Client, lesson):
    assert (
        deliver(client, payload("video.upload.asset_created", lesson), secret=SECRET).status_code
        == 200
    )
    assert video_of(lesson)["pending"]["state"] == VideoState.PROCESSING
    assert video_of(lesson)["pending"]["asset_id"] == ASSET_ID

    assert deliver(client, payload("video.asset.ready", lesson), secret=SECRET).status_code == 200
    video = video_of(lesson)
    assert "pending" not in video
    assert video["current"]["state"] == VideoState.READY
    assert video["current"]["playback_id"] == "bnD9UHWjh1pZk4V6bl00Yy6qO02lCz5tTq8J"
    assert video["current"]["duration_s"] == 62.4
    assert video["current"]["aspect_ratio"] == "16:9"


def test_errored_asset_keeps_mux_message(client: Client, lesson):
    assert deliver(client, payload("video.asset.errored", lesson), secret=SECRET).status_code == 200
    pending = video_of(lesson)["pending"]
    assert pending["state"] == VideoState.ERRORED
    assert pending["error"] == "The input file contains no video track."
