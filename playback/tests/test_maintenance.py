"""Scheduled maintenance against the simulator: reconciliation of stuck videos (the lost
webhook acceptance test), deletion of retired and removed lessons' assets, the ledger
purge, the lock, and Mux outages that change nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.documents import Course, Lesson
from catalog.lesson_video import VideoState
from catalog.services import course_publish, lesson_delete
from catalog.tests.factories import LessonFactory, published_course
from learnstream.locks import cross_process_lock
from learnstream.maintenance import StepDeferred
from playback import mux_client
from playback.models import WebhookEvent
from playback.services import video_upload_create, webhook_event_process
from playback.tests.helpers import asset_data, event, ready_generation, set_video

pytestmark = pytest.mark.django_db

S = VideoState
LONG_AGO = timezone.now() - timedelta(days=30)


def video_of(lesson) -> dict:
    return Lesson._get_collection().find_one({"_id": lesson.id})["video"]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def age_pending(lesson, when=LONG_AGO) -> None:
    Lesson._get_collection().update_one(
        {"_id": lesson.id}, {"$set": {"video.pending.updated_at": when}}
    )


def fresh_ready_asset(mux_sim, clip: bytes) -> dict:
    """A ready asset of our own (tests here delete assets, so the shared ones won't do)."""
    upload = mux_client.direct_upload_create(passthrough="maintenance-test")
    requests.put(upload.url, data=clip, timeout=30).raise_for_status()
    asset_id = mux_client.direct_upload_get(upload_id=upload.id).asset_id
    return mux_sim.wait_asset(asset_id)


def asset_status_at_mux(mux_sim, asset_id: str) -> int:
    return requests.get(
        f"{mux_sim.url}/video/v1/assets/{asset_id}",
        auth=("test-token-id", "test-token-secret"),
        timeout=5,
    ).status_code


# --- reconcile_videos ----------------------------------------------------------------------


def test_lost_ready_webhook_is_recovered_by_maintenance(mux_sim, video_clip, settings):
    """Acceptance: no webhook is ever delivered; `manage.py maintenance` makes it ready."""
    mux_sim.configure(deliver_webhooks=False)
    settings.RECONCILE_STUCK_AFTER_MINUTES = 0
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    upload = video_upload_create(user=instructor, lesson_id=str(lesson.id))
    requests.put(upload.url, data=video_clip, timeout=30).raise_for_status()
    asset = mux_sim.wait_asset(mux_client.direct_upload_get(upload_id=upload.id).asset_id)
    assert video_of(lesson)["pending"]["state"] == S.AWAITING_UPLOAD  # nothing arrived

    output = run("maintenance")

    assert "reconcile_videos: ok — Checked 1 stuck lesson video(s); updated 1" in output
    video = video_of(lesson)
    assert "pending" not in video
    assert video["current"]["state"] == S.READY
    assert video["current"]["asset_id"] == asset["id"]
    assert video["current"]["upload_id"] == upload.id
    assert video["current"]["playback_id"] == ready_generation(asset)["playback_id"]
    assert video["current"]["duration_s"] == pytest.approx(2.0, abs=0.2)
    lesson.reload()
    assert lesson.duration_s == video["current"]["duration_s"]

    assert "Checked 0 stuck lesson video(s); updated 0." in run(
        "reconcile_videos", "--minutes", "0"
    )
    assert video_of(lesson) == video  # idempotent


def test_processing_lesson_becomes_ready(mux_sim, ready_assets):
    asset = ready_assets[0]
    lesson = set_video(
        LessonFactory(),
        pending={"upload_id": asset["upload_id"], "asset_id": asset["id"], "state": S.PROCESSING},
    )
    age_pending(lesson)
    assert "updated 1" in run("reconcile_videos")
    assert video_of(lesson)["current"]["state"] == S.READY
    assert video_of(lesson)["current"]["asset_id"] == asset["id"]


def test_cancelled_upload_is_cancelled_and_recent_lessons_are_left_alone(mux_sim):
    cancelled = mux_client.direct_upload_create(passthrough="x")
    mux_client.direct_upload_cancel(upload_id=cancelled.id)
    waiting = mux_client.direct_upload_create(passthrough="y")
    stuck = set_video(
        LessonFactory(), pending={"upload_id": cancelled.id, "state": S.AWAITING_UPLOAD}
    )
    age_pending(stuck)
    still_waiting = set_video(
        LessonFactory(), pending={"upload_id": waiting.id, "state": S.AWAITING_UPLOAD}
    )
    age_pending(still_waiting)
    recent = set_video(
        LessonFactory(), pending={"upload_id": cancelled.id, "state": S.AWAITING_UPLOAD}
    )
    before_recent, before_waiting = video_of(recent), video_of(still_waiting)

    assert "Checked 2 stuck lesson video(s); updated 1" in run("reconcile_videos")

    assert video_of(stuck)["pending"]["state"] == S.CANCELLED
    assert video_of(still_waiting) == before_waiting  # the file has not arrived: no change
    assert video_of(recent) == before_recent  # not stuck for 30 minutes yet


def test_mux_unreachable_changes_nothing_and_maintenance_exits_zero(mux_sim, ready_assets):
    asset = ready_assets[0]
    lesson = set_video(
        LessonFactory(),
        pending={"upload_id": asset["upload_id"], "asset_id": asset["id"], "state": S.PROCESSING},
    )
    age_pending(lesson)
    before = video_of(lesson)
    mux_sim.configure(fail_api=True)

    with pytest.raises(StepDeferred):
        run("reconcile_videos")
    output = run("maintenance")  # does not raise: exit status 0

    assert "reconcile_videos: deferred" in output
    assert "purge_webhook_events: ok" in output
    assert video_of(lesson) == before

    mux_sim.configure(fail_api=False)  # the next run retries and succeeds
    assert "reconcile_videos: ok" in run("maintenance")
    assert video_of(lesson)["current"]["state"] == S.READY


def test_a_held_lock_makes_a_second_run_skip(mux_sim, ready_assets):
    asset = ready_assets[0]
    lesson = set_video(
        LessonFactory(),
        pending={"upload_id": asset["upload_id"], "asset_id": asset["id"], "state": S.PROCESSING},
    )
    age_pending(lesson)
    before = video_of(lesson)
    with cross_process_lock("maintenance", ttl_s=60) as held:
        assert held
        assert run("maintenance").strip() == (
            "Another maintenance run holds the lock; skipping this run."
        )
        assert video_of(lesson) == before
    assert "reconcile_videos: ok" in run("maintenance")  # released after the holder is done


def test_lock_is_exclusive_and_released():
    with cross_process_lock("t", ttl_s=60) as first, cross_process_lock("t", ttl_s=60) as second:
        assert (first, second) == (True, False)
    with cross_process_lock("t", ttl_s=60) as again:
        assert again is True


# --- purge_webhook_events ------------------------------------------------------------------


def test_purge_webhook_events_keeps_recent_rows():
    now = timezone.now()
    WebhookEvent.objects.create(
        event_id="old", type="video.asset.ready", received_at=now - timedelta(days=31)
    )
    WebhookEvent.objects.create(
        event_id="new", type="video.asset.ready", received_at=now - timedelta(days=29)
    )
    assert "Deleted 1 webhook ledger row(s) older than 30 days." in run("purge_webhook_events")
    assert "Deleted 0" in run("purge_webhook_events")
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == ["new"]
    with pytest.raises(CommandError):
        run("purge_webhook_events", "--days", "1")
    assert WebhookEvent.objects.count() == 1


# --- delete_orphan_assets ------------------------------------------------------------------


def test_replaced_asset_is_retired_then_deleted_after_the_grace_period(mux_sim, video_clip):
    old, new = fresh_ready_asset(mux_sim, video_clip), fresh_ready_asset(mux_sim, video_clip)
    lesson = set_video(
        LessonFactory(),
        current=ready_generation(old),
        pending={"upload_id": new["upload_id"], "asset_id": new["id"], "state": S.PROCESSING},
    )
    data = asset_data(
        asset_id=new["id"],
        upload_id=new["upload_id"],
        lesson_id=str(lesson.id),
        status="ready",
        playback_id=ready_generation(new)["playback_id"],
    )
    assert webhook_event_process(event=event("video.asset.ready", data)) is True
    retired = video_of(lesson)["retired"]
    assert [(r["asset_id"], r["reason"]) for r in retired] == [(old["id"], "replaced")]

    assert "Deleted 0 retired asset(s)" in run("delete_orphan_assets")  # within the grace
    assert asset_status_at_mux(mux_sim, old["id"]) == 200

    mux_sim.configure(fail_api=True)
    with pytest.raises(StepDeferred):
        run("delete_orphan_assets", "--days", "0")
    assert video_of(lesson)["retired"] == retired  # nothing forgotten
    mux_sim.configure(fail_api=False)

    assert "Deleted 1 retired asset(s)" in run("delete_orphan_assets", "--days", "0")
    assert asset_status_at_mux(mux_sim, old["id"]) == 404
    assert asset_status_at_mux(mux_sim, new["id"]) == 200
    video = video_of(lesson)
    assert video["retired"] == []
    assert video["current"]["asset_id"] == new["id"]
    assert video["current"]["state"] == S.READY
    assert "Deleted 0 retired asset(s)" in run("delete_orphan_assets", "--days", "0")


def test_superseded_pending_asset_is_retired(mux_sim, ready_assets):
    asset = ready_assets[1]
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, pending={"upload_id": "up-old", "asset_id": asset["id"], "state": S.ERRORED})
    upload = video_upload_create(user=instructor, lesson_id=str(lesson.id))
    video = video_of(lesson)
    assert video["pending"]["upload_id"] == upload.id
    assert [(r["asset_id"], r["reason"]) for r in video["retired"]] == [(asset["id"], "superseded")]


def test_asset_still_played_is_never_deleted(mux_sim, ready_assets):
    asset = ready_assets[0]
    lesson = set_video(LessonFactory(), current=ready_generation(asset))
    Lesson._get_collection().update_one(
        {"_id": lesson.id},
        {
            "$push": {
                "video.retired": {
                    "asset_id": asset["id"],
                    "reason": "replaced",
                    "retired_at": LONG_AGO,
                }
            }
        },
    )
    assert "Deleted 0 retired asset(s)" in run("delete_orphan_assets")
    assert asset_status_at_mux(mux_sim, asset["id"]) == 200
    assert video_of(lesson)["retired"] == []


def test_removed_lessons_video_is_deleted_once_unpublished(mux_sim, video_clip):
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=2)
    gone, kept = Lesson.objects(course_id=course.id).order_by("position")
    asset = fresh_ready_asset(mux_sim, video_clip)
    set_video(gone, current=ready_generation(asset))
    lesson_delete(lesson=gone, course=course, user=instructor)
    Lesson._get_collection().update_one({"_id": gone.id}, {"$set": {"removed_at": LONG_AGO}})

    # Still in the published version: students keep watching it.
    assert "cleared the videos of 0 removed lesson(s)" in run("delete_orphan_assets")
    assert asset_status_at_mux(mux_sim, asset["id"]) == 200

    course_publish(course=Course.objects.get(id=course.id), user=instructor)
    assert "cleared the videos of 1 removed lesson(s)" in run("delete_orphan_assets")
    assert asset_status_at_mux(mux_sim, asset["id"]) == 404
    assert video_of(gone)["current"]["state"] == S.DELETED
    assert "cleared the videos of 0 removed lesson(s)" in run("delete_orphan_assets")
    assert kept.reload().removed_at is None
