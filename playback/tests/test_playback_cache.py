"""GET /api/v1/lessons/{id}/playback serves what students play from the shared cache, and a
change by its writers shows on the very next request: a replacement video, a removed video,
a caption that became ready or was deleted; a write landing while a request fills the cache
is never served afterwards. The resume position follows the live heartbeat state at once."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.lesson_video import VideoState
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from playback import playback_source
from playback.captions_documents import Caption
from playback.captions_services import caption_delete, track_event_process
from playback.services import webhook_event_process
from playback.tests.helpers import asset_data, event, set_video
from tracking import progress_buffer

pytestmark = pytest.mark.django_db

OLD = {"asset_id": "as-old", "playback_id": "pb-old", "state": VideoState.READY, "duration_s": 60.0}


@pytest.fixture
def world(mux_sim, instructor):
    """An enrolled learner and a published lesson playing asset `as-old`, with a newer
    upload (`up-new`) pending."""
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, current=OLD, pending={"upload_id": "up-new", "state": "processing"})
    learner = UserFactory(role="student")
    enrollment_create(user=learner, course=course)
    return {"lesson": lesson, "learner": learner, "instructor": instructor}


def playback(world) -> dict:
    response = client_for(world["learner"]).get(f"/api/v1/lessons/{world['lesson'].id}/playback")
    assert response.status_code == 200, response.content
    return response.json()


def new_video_ready(world) -> bool:
    """Mux says the pending upload's asset is ready: it replaces the current video."""
    data = asset_data(
        asset_id="as-new",
        upload_id="up-new",
        lesson_id=str(world["lesson"].id),
        status="ready",
        playback_id="pb-new",
        duration=90.0,
    )
    return webhook_event_process(event=event("video.asset.ready", data))


def ready_caption(world, *, asset_id: str, language: str = "en") -> Caption:
    """A caption version on `asset_id` that Mux has just made ready (its track webhook)."""
    now = timezone.now()
    caption = Caption(
        lesson_id=world["lesson"].id,
        course_id=world["lesson"].course_id,
        language=language,
        label=f"Label {language}",
        closed_captions=True,
        pending={
            "rev": "r1",
            "asset_id": asset_id,
            "state": "processing",
            "vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n",
            "created_at": now,
            "updated_at": now,
        },
    )
    caption.save()
    data = {
        "type": "text",
        "id": f"trk-{language}",
        "passthrough": f"{caption.id}:r1",
        "asset_id": asset_id,
        "status": "ready",
    }
    assert track_event_process(event_type="video.asset.track.ready", data=data)
    return caption


def test_between_changes_playback_is_served_from_the_cache(world):
    """A document edited behind the writers' backs is not seen: the playback id, duration
    and captions come from the cache (so the tests below do show invalidation at work)."""
    assert playback(world)["playback_id"] == "pb-old"
    Lesson._get_collection().update_one(
        {"_id": world["lesson"].id}, {"$set": {"video.current.playback_id": "pb-behind"}}
    )
    assert playback(world)["playback_id"] == "pb-old"


def test_a_replacement_video_plays_on_the_next_request(world):
    before = playback(world)
    assert before["playback_id"] == "pb-old"
    assert new_video_ready(world)
    after = playback(world)
    assert after["playback_id"] == "pb-new"
    assert "/pb-new.m3u8?token=" in after["stream_url"]
    # The tokens cover the new video's duration.
    assert after["expires_at"] != before["expires_at"]


def test_a_removed_video_is_409_on_the_next_request(world):
    playback(world)
    data = asset_data(
        asset_id="as-old", upload_id=None, lesson_id=str(world["lesson"].id), status="deleted"
    )
    assert webhook_event_process(event=event("video.asset.deleted", data))
    response = client_for(world["learner"]).get(f"/api/v1/lessons/{world['lesson'].id}/playback")
    assert response.status_code == 409
    assert response.json()["code"] == "video_not_ready"


def test_a_video_becoming_ready_plays_on_the_next_request(mux_sim, instructor):
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, pending={"upload_id": "up-new", "state": "processing"})
    learner = UserFactory(role="student")
    enrollment_create(user=learner, course=course)
    world = {"lesson": lesson, "learner": learner}
    url = f"/api/v1/lessons/{lesson.id}/playback"
    assert client_for(learner).get(url).status_code == 409  # "nothing ready" is cached too
    assert new_video_ready(world)
    assert playback(world)["playback_id"] == "pb-new"


def test_a_caption_shows_once_ready_and_goes_once_deleted(world):
    assert playback(world)["captions"] == []
    caption = ready_caption(world, asset_id="as-old")
    captions = playback(world)["captions"]
    assert [(c["id"], c["language"], c["label"], c["closed_captions"]) for c in captions] == [
        (str(caption.id), "en", "Label en", True)
    ]
    assert "/pb-old/text/trk-en.vtt?token=" in captions[0]["url"]

    second = ready_caption(world, asset_id="as-old", language="fr")
    assert [c["language"] for c in playback(world)["captions"]] == ["en", "fr"]
    # Mux deleted the French track: it stops serving at once.
    gone = {"type": "text", "id": "trk-fr", "passthrough": f"{second.id}:r1", "status": "deleted"}
    assert track_event_process(event_type="video.asset.track.deleted", data=gone)
    assert [c["language"] for c in playback(world)["captions"]] == ["en"]
    # The instructor deletes the English caption: gone at once too.
    caption_delete(user=world["instructor"], lesson_id=world["lesson"].id, caption_id=caption.id)
    assert playback(world)["captions"] == []


def test_captions_follow_the_video_they_belong_to(world):
    ready_caption(world, asset_id="as-old")
    assert [c["language"] for c in playback(world)["captions"]] == ["en"]
    # The replacement video plays at once; the caption serves again once it is on it.
    assert new_video_ready(world)
    assert playback(world)["captions"] == []


def test_a_change_while_a_request_fills_the_cache_is_never_served(world, monkeypatch):
    """The video is replaced after a request read MongoDB and before it stored what it read:
    the stale entry it stores does not count, and the next request plays the new video."""
    original = playback_source._load

    def load_then_replace(lesson_oid):
        loaded = original(lesson_oid)
        assert new_video_ready(world)  # the writer lands between the read and the fill
        return loaded

    monkeypatch.setattr(playback_source, "_load", load_then_replace)
    assert playback(world)["playback_id"] == "pb-old"  # what this request read
    monkeypatch.setattr(playback_source, "_load", original)
    assert playback(world)["playback_id"] == "pb-new"
    assert playback(world)["playback_id"] == "pb-new"


@pytest.mark.skipif(not progress_buffer.enabled(), reason="live progress needs REDIS_URL")
@override_settings(PROGRESS_FLUSH_INTERVAL_S=3600.0)  # beats stay in Redis until flushed
def test_the_resume_position_is_the_latest_beat_before_it_reaches_mongodb(world):
    lesson_url = f"/api/v1/lessons/{world['lesson'].id}"
    client = client_for(world["learner"])
    first = playback(world)
    assert first["resume_position_s"] == 0.0
    beat = {
        "position_s": 12.0,
        "duration_s": 60.0,
        "played_from_s": 0.0,
        "played_to_s": 12.0,
        "view_id": first["view"]["id"],
        "seq": 1,
    }
    assert client.post(f"{lesson_url}/progress", beat, format="json").status_code == 200
    assert playback(world)["resume_position_s"] == 12.0
    assert progress_buffer.flush_all() == 1  # MongoDB had nothing until now
    assert playback(world)["resume_position_s"] == 12.0
