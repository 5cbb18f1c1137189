"""POST /webhooks/mux: signature checks, the ledger, and the forward-only state machine."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from catalog.access import lesson_facts_get
from catalog.documents import Lesson
from catalog.lesson_video import VideoState
from catalog.tests.factories import LessonFactory
from playback.models import WebhookEvent
from playback.tests.helpers import asset_data, deliver, event, set_video, sign, upload_data

SECRET = "whsec-test"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.MUX_WEBHOOK_SECRET = SECRET
    settings.MUX_WEBHOOK_TOLERANCE_S = 300


@pytest.fixture
def lesson():
    lesson = LessonFactory()
    return set_video(lesson, pending={"upload_id": "up-1", "state": VideoState.AWAITING_UPLOAD})


def video_of(lesson) -> dict:
    return Lesson._get_collection().find_one({"_id": lesson.id})["video"]


def lesson_doc(lesson) -> dict:
    return Lesson._get_collection().find_one({"_id": lesson.id})


def asset_created_event(lesson, **kwargs):
    return event(
        "video.upload.asset_created",
        upload_data(
            upload_id="up-1", lesson_id=str(lesson.id), status="asset_created", asset_id="as-1"
        ),
        **kwargs,
    )


def asset_ready_event(lesson, duration=12.5, **kwargs):
    return event(
        "video.asset.ready",
        asset_data(
            asset_id="as-1",
            upload_id="up-1",
            lesson_id=str(lesson.id),
            status="ready",
            playback_id="pb-ready",
            duration=duration,
            aspect_ratio="16:9",
        ),
        **kwargs,
    )


# --- signatures ------------------------------------------------------------------------


def test_valid_signature_is_accepted_and_recorded(client: Client, lesson):
    payload = asset_created_event(lesson)
    response = deliver(client, payload, secret=SECRET)
    assert response.status_code == 200
    assert response.json() == {"received": True, "applied": True}
    assert video_of(lesson)["pending"]["state"] == VideoState.PROCESSING
    assert video_of(lesson)["pending"]["asset_id"] == "as-1"
    row = WebhookEvent.objects.get()
    assert (row.event_id, row.type) == (payload["id"], "video.upload.asset_created")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="missing"),
        pytest.param("t=123", id="no-v1"),
        pytest.param("v1=abc", id="no-timestamp"),
        pytest.param("garbage", id="garbage"),
        pytest.param("wrong-secret", id="wrong-secret"),
        pytest.param("tampered", id="body-tampered"),
    ],
)
def test_bad_signature_is_401_and_changes_nothing(client: Client, lesson, header):
    payload = asset_created_event(lesson)
    body = json.dumps(payload).encode()
    if header == "wrong-secret":
        header = sign(body, "not-the-secret")
    elif header == "tampered":
        header = sign(body.replace(b"asset_created", b"cancelled", 1), SECRET)
    before = lesson_doc(lesson)
    response = deliver(client, body, secret=SECRET, header=header)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert lesson_doc(lesson) == before
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("skew_s", [-301, 301], ids=["stale", "future"])
def test_timestamp_outside_tolerance_is_401(client: Client, lesson, skew_s):
    before = lesson_doc(lesson)
    response = deliver(
        client, asset_created_event(lesson), secret=SECRET, timestamp=int(time.time()) + skew_s
    )
    assert response.status_code == 401
    assert lesson_doc(lesson) == before
    assert WebhookEvent.objects.count() == 0


def test_timestamp_inside_tolerance_is_accepted(client: Client, lesson):
    response = deliver(
        client, asset_created_event(lesson), secret=SECRET, timestamp=int(time.time()) - 290
    )
    assert response.status_code == 200


def test_any_of_several_v1_signatures_may_match(client: Client, lesson):
    body = json.dumps(asset_created_event(lesson)).encode()
    t = int(time.time())
    good = sign(body, SECRET, t).split("v1=")[1]
    old = sign(body, "rotated-out-secret", t).split("v1=")[1]
    response = deliver(client, body, secret=SECRET, header=f"t={t},v1={old},v1={good}")
    assert response.status_code == 200
    assert video_of(lesson)["pending"]["state"] == VideoState.PROCESSING


def test_no_configured_secret_refuses_everything(client: Client, lesson, settings):
    settings.MUX_WEBHOOK_SECRET = ""
    response = deliver(client, asset_created_event(lesson), secret="")
    assert response.status_code == 401


def test_secret_and_signature_are_never_logged(client: Client, lesson, caplog):
    body = json.dumps(asset_created_event(lesson)).encode()
    header = sign(body, "not-the-secret")
    with caplog.at_level("DEBUG"):
        deliver(client, body, secret=SECRET, header=header)
        deliver(client, body, secret=SECRET)
    assert SECRET not in caplog.text
    assert header.split("v1=")[1] not in caplog.text


# --- bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"type": "video.asset.ready"}', b"\xff\xfe"],
    ids=["broken", "array", "no-id", "not-utf8"],
)
def test_malformed_body_is_400(client: Client, body):
    response = deliver(client, body, secret=SECRET)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert WebhookEvent.objects.count() == 0


def test_unknown_type_is_200_and_changes_nothing(client: Client, lesson):
    before = lesson_doc(lesson)
    payload = event("video.live_stream.idle", {"id": "ls-1", "passthrough": str(lesson.id)})
    response = deliver(client, payload, secret=SECRET)
    assert response.status_code == 200
    assert response.json() == {"received": True, "applied": False}
    assert lesson_doc(lesson) == before


def test_event_for_an_unknown_lesson_is_acknowledged(client: Client):
    payload = event(
        "video.asset.ready",
        asset_data(asset_id="x", upload_id="y", lesson_id="0" * 24, status="ready"),
    )
    response = deliver(client, payload, secret=SECRET)
    assert response.status_code == 200
    assert response.json()["applied"] is False


def test_get_is_not_allowed(client: Client):
    assert client.get("/webhooks/mux").status_code == 405


# --- the ledger ------------------------------------------------------------------------


def test_replayed_event_changes_nothing(client: Client, lesson):
    first = asset_created_event(lesson)
    deliver(client, first, secret=SECRET)
    before = lesson_doc(lesson)
    recorded = WebhookEvent.objects.get()
    response = deliver(client, first, secret=SECRET)
    assert response.status_code == 200
    assert response.json() == {"received": True, "applied": False}
    assert lesson_doc(lesson) == before
    assert list(WebhookEvent.objects.values_list("event_id", "processed_at")) == [
        (recorded.event_id, recorded.processed_at)
    ]


def test_replay_of_an_old_event_after_ready_does_not_move_backwards(client: Client, lesson):
    created = asset_created_event(lesson)
    deliver(client, created, secret=SECRET)
    deliver(client, asset_ready_event(lesson), secret=SECRET)
    before = lesson_doc(lesson)
    # The same state change under a new event id (Mux retries keep the id; this is worse).
    deliver(client, {**created, "id": "another-id"}, secret=SECRET)
    assert lesson_doc(lesson) == before


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared-cache in-memory test database locks whole tables across threads",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_are_processed_once(lesson):
    payload = asset_ready_event(lesson)
    body = json.dumps(payload).encode()
    barrier = threading.Barrier(4)
    results: list[dict] = []

    def post() -> None:
        try:
            barrier.wait()
            response = deliver(Client(), body, secret=SECRET)
            results.append({"status": response.status_code, **response.json()})
        finally:
            connection.close()  # each thread has its own; leave none open for teardown

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r["status"] for r in results] == [200] * 4
    assert sum(r["applied"] for r in results) == 1
    assert WebhookEvent.objects.filter(event_id=payload["id"]).count() == 1
    video = video_of(lesson)
    assert video["current"]["state"] == VideoState.READY
    assert "pending" not in video


# --- the state machine ------------------------------------------------------------------


def test_lifecycle_in_order_ends_ready_and_current(client: Client, lesson):
    lesson_id = str(lesson.id)
    lesson_facts_get(lesson_id=lesson_id)  # cached with duration 0
    deliver(client, asset_created_event(lesson), secret=SECRET)
    deliver(
        client,
        event(
            "video.asset.created",
            asset_data(asset_id="as-1", upload_id="up-1", lesson_id=lesson_id, status="preparing"),
        ),
        secret=SECRET,
    )
    assert video_of(lesson)["pending"]["state"] == VideoState.PROCESSING
    deliver(client, asset_ready_event(lesson, duration=12.5), secret=SECRET)
    doc = lesson_doc(lesson)
    assert "pending" not in doc["video"]
    current = doc["video"]["current"]
    assert {k: current[k] for k in ("upload_id", "asset_id", "playback_id", "state")} == {
        "upload_id": "up-1",
        "asset_id": "as-1",
        "playback_id": "pb-ready",
        "state": VideoState.READY,
    }
    assert (current["duration_s"], current["aspect_ratio"], current["error"]) == (
        12.5,
        "16:9",
        None,
    )
    assert doc["duration_s"] == 12.5
    # The cached lesson facts were invalidated, so the new duration shows at once.
    assert lesson_facts_get(lesson_id=lesson_id).duration_s == 12.5


def test_ready_before_asset_created_still_ends_ready(client: Client, lesson):
    deliver(client, asset_ready_event(lesson), secret=SECRET)
    deliver(client, asset_created_event(lesson), secret=SECRET)
    deliver(
        client,
        event(
            "video.asset.created",
            asset_data(
                asset_id="as-1", upload_id="up-1", lesson_id=str(lesson.id), status="preparing"
            ),
        ),
        secret=SECRET,
    )
    video = video_of(lesson)
    assert video["current"]["state"] == VideoState.READY
    assert video["current"]["playback_id"] == "pb-ready"
    assert "pending" not in video


def test_asset_errored_keeps_mux_messages_and_the_current_video(client: Client):
    lesson = set_video(
        LessonFactory(),
        current={"asset_id": "old", "playback_id": "pb-old", "state": "ready", "duration_s": 3.0},
        pending={"upload_id": "up-1", "state": VideoState.PROCESSING, "asset_id": "as-1"},
    )
    payload = event(
        "video.asset.errored",
        asset_data(
            asset_id="as-1",
            upload_id="up-1",
            lesson_id=str(lesson.id),
            status="errored",
            errors={"type": "invalid_input", "messages": ["Invalid file", "No video track"]},
        ),
    )
    deliver(client, payload, secret=SECRET)
    video = video_of(lesson)
    assert video["pending"]["state"] == VideoState.ERRORED
    assert video["pending"]["error"] == "Invalid file; No video track"
    assert video["current"]["playback_id"] == "pb-old"
    assert video["current"]["state"] == VideoState.READY
    # A late ready for the errored asset does not resurrect it.
    deliver(client, asset_ready_event(lesson), secret=SECRET)
    assert video_of(lesson)["pending"]["state"] == VideoState.ERRORED


def test_upload_errored_and_cancelled(client: Client):
    errored = set_video(
        LessonFactory(), pending={"upload_id": "up-e", "state": VideoState.AWAITING_UPLOAD}
    )
    cancelled = set_video(
        LessonFactory(), pending={"upload_id": "up-c", "state": VideoState.AWAITING_UPLOAD}
    )
    deliver(
        client,
        event(
            "video.upload.errored",
            upload_data(
                upload_id="up-e",
                lesson_id=str(errored.id),
                status="errored",
                error={"type": "invalid_file", "message": "The file is too large"},
            ),
        ),
        secret=SECRET,
    )
    deliver(
        client,
        event(
            "video.upload.cancelled",
            upload_data(upload_id="up-c", lesson_id=str(cancelled.id), status="cancelled"),
        ),
        secret=SECRET,
    )
    assert video_of(errored)["pending"]["state"] == VideoState.ERRORED
    assert video_of(errored)["pending"]["error"] == "The file is too large"
    assert video_of(cancelled)["pending"]["state"] == VideoState.CANCELLED


def test_replacement_becomes_current_when_ready(client: Client):
    lesson = set_video(
        LessonFactory(),
        current={"asset_id": "old", "playback_id": "pb-old", "state": "ready", "duration_s": 3.0},
        pending={"upload_id": "up-1", "state": VideoState.AWAITING_UPLOAD},
    )
    deliver(client, asset_ready_event(lesson, duration=40.0), secret=SECRET)
    video = video_of(lesson)
    assert video["current"]["playback_id"] == "pb-ready"
    assert lesson_doc(lesson)["duration_s"] == 40.0


def test_events_of_a_superseded_upload_are_ignored(client: Client):
    lesson = set_video(
        LessonFactory(), pending={"upload_id": "up-new", "state": VideoState.AWAITING_UPLOAD}
    )
    before = lesson_doc(lesson)
    deliver(client, asset_ready_event(lesson), secret=SECRET)  # for up-1
    assert lesson_doc(lesson) == before


def test_passthrough_of_another_lesson_does_not_match(client: Client, lesson):
    other = LessonFactory()
    payload = asset_ready_event(lesson)
    payload["data"]["passthrough"] = str(other.id)
    before = lesson_doc(lesson)
    deliver(client, payload, secret=SECRET)
    assert lesson_doc(lesson) == before


def test_asset_deleted_marks_the_current_video_deleted(client: Client):
    lesson = set_video(
        LessonFactory(),
        current={"asset_id": "as-1", "playback_id": "pb", "state": "ready", "duration_s": 9.0},
    )
    payload = event(
        "video.asset.deleted",
        asset_data(asset_id="as-1", upload_id=None, lesson_id=str(lesson.id), status="ready"),
    )
    deliver(client, payload, secret=SECRET)
    doc = lesson_doc(lesson)
    assert doc["video"]["current"]["state"] == VideoState.DELETED
    assert doc["duration_s"] == 0.0
    # Nothing moves a deleted video back.
    deliver(client, asset_ready_event(lesson), secret=SECRET)
    assert lesson_doc(lesson)["video"]["current"]["state"] == VideoState.DELETED


def test_ready_video_refreshes_the_published_course_duration(client: Client, instructor):
    from catalog.documents import Course
    from catalog.tests.factories import published_course

    course = published_course(owner=instructor, lessons=2)
    first, second = Lesson.objects(course_id=course.id).order_by("position")
    set_video(first, pending={"upload_id": "up-1", "state": VideoState.AWAITING_UPLOAD})
    set_video(
        second, current={"asset_id": "x", "playback_id": "p", "state": "ready", "duration_s": 7.5}
    )
    deliver(client, asset_ready_event(first, duration=12.5), secret=SECRET)
    assert Course.objects(id=course.id).first().published.duration_s == 20.0
