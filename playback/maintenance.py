"""Scheduled maintenance of the video side (run by the management commands of the same
names and by `manage.py maintenance`). Every function is idempotent and safe to run while
traffic flows and from several machines at once.

- `webhook_events_purge`: forget ledger rows older than the retention.
- `videos_reconcile`: lessons whose pending video has not moved for a while ask Mux what
  happened to their upload/asset, and the answer is applied through the same webhook state
  machine (`playback.services.webhook_event_process`) as if Mux's event had arrived: a lost
  webhook never leaves a lesson stuck.
- `orphan_assets_delete`: Mux assets that were replaced (or superseded while pending), and
  the videos of lessons removed from the course, are deleted at Mux after the grace period.

Mux is always asked (or told) first and our records change after, one lesson at a time:
when Mux is unreachable the functions raise (`ServiceUnavailable` / `UpstreamError`)
before changing anything for the lesson at hand; earlier lessons are complete.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from django.utils import timezone

from catalog.documents import Course, CourseVersion, Lesson
from catalog.lesson_video import VideoState
from catalog.services import lesson_video_update
from learnstream.errors import NotFound
from playback import mux_client
from playback.models import WebhookEvent
from playback.services import lesson_video_delete, webhook_event_process

logger = logging.getLogger(__name__)

S = VideoState
STUCK_STATES = (S.AWAITING_UPLOAD, S.PROCESSING)


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)  # lesson ids


@dataclass
class OrphanReport:
    assets_deleted: list[str] = field(default_factory=list)
    lessons_cleared: list[str] = field(default_factory=list)


def _lessons() -> Any:
    return Lesson._get_collection()


# --- the webhook ledger --------------------------------------------------------------------


def webhook_events_purge(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete ledger rows received before now - older_than. Mux stops retrying a delivery
    after about a day, so a replay older than the retention cannot arrive."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = WebhookEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted


# --- reconciliation ------------------------------------------------------------------------


def _upload_event(upload: mux_client.DirectUpload, lesson_id: str) -> dict[str, Any] | None:
    """The webhook Mux would have sent about this upload's present status (None: nothing
    to tell yet)."""
    data = {
        "id": upload.id,
        "status": upload.status,
        "asset_id": upload.asset_id,
        "new_asset_settings": {"passthrough": lesson_id},
    }
    if upload.status == "asset_created" and upload.asset_id:
        return {"type": "video.upload.asset_created", "data": data}
    if upload.status == "errored":
        data["error"] = {"message": upload.error or "The upload failed."}
        return {"type": "video.upload.errored", "data": data}
    if upload.status in ("cancelled", "timed_out"):
        return {"type": "video.upload.cancelled", "data": data}
    return None  # waiting: the file has not arrived (yet)


def _asset_event(asset: mux_client.Asset, lesson_id: str) -> dict[str, Any] | None:
    data = {
        "id": asset.id,
        "status": asset.status,
        "passthrough": lesson_id,
        "upload_id": asset.upload_id,
        "playback_ids": [{"id": pid, "policy": policy} for pid, policy in asset.playback_ids],
        "duration": asset.duration_s,
        "aspect_ratio": asset.aspect_ratio,
        "errors": {"messages": asset.errors},
    }
    if asset.status == "ready":
        return {"type": "video.asset.ready", "data": data}
    if asset.status == "errored":
        return {"type": "video.asset.errored", "data": data}
    return {"type": "video.asset.created", "data": data}  # preparing: at least processing


def _deleted_asset_event(asset_id: str, lesson_id: str) -> dict[str, Any]:
    return {"type": "video.asset.deleted", "data": {"id": asset_id, "passthrough": lesson_id}}


def _events_for(pending: dict[str, Any], lesson_id: str) -> list[dict[str, Any]]:
    """Ask Mux (reads only) what happened to the pending generation; the events that
    describe it, in the order Mux would have sent them."""
    events: list[dict[str, Any]] = []
    asset_id = pending.get("asset_id")
    if not asset_id and pending.get("upload_id"):
        try:
            upload = mux_client.direct_upload_get(upload_id=pending["upload_id"])
        except NotFound:
            # Mux no longer knows the upload: no file can ever arrive through it.
            upload = mux_client.DirectUpload(
                id=pending["upload_id"],
                url="",
                status="cancelled",
                asset_id=None,
                expires_at=timezone.now(),
            )
        event = _upload_event(upload, lesson_id)
        if event:
            events.append(event)
        asset_id = upload.asset_id
    if asset_id:
        try:
            asset_event = _asset_event(mux_client.asset_get(asset_id=asset_id), lesson_id)
        except NotFound:
            asset_event = _deleted_asset_event(asset_id, lesson_id)
        if asset_event:
            events.append(asset_event)
    return events


def videos_reconcile(*, stuck_for: timedelta, now: datetime | None = None) -> ReconcileReport:
    """Bring lessons whose pending video sat in awaiting_upload/processing for longer than
    `stuck_for` up to date with Mux. Repeating it changes nothing more (the state machine
    only moves forward)."""
    cutoff = (now or timezone.now()) - stuck_for
    report = ReconcileReport()
    stuck = _lessons().find(
        {
            "video.pending.state": {"$in": list(STUCK_STATES)},
            "video.pending.updated_at": {"$lt": cutoff},
        },
        {"video.pending": 1},
    )
    for doc in stuck:
        lesson_id = str(doc["_id"])
        report.checked += 1
        events = _events_for(doc["video"]["pending"], lesson_id)  # Mux first: may raise
        changed = False
        for event in events:
            changed |= webhook_event_process(event=event)
        if changed:
            report.changed.append(lesson_id)
            logger.info("Reconciled lesson %s with Mux: %s", lesson_id, [e["type"] for e in events])
    return report


# --- orphaned assets -----------------------------------------------------------------------


def _published_lesson_ids(
    course_id: ObjectId, cache: dict[ObjectId, set[ObjectId]]
) -> set[ObjectId]:
    if course_id not in cache:
        course = Course.objects(id=course_id).only("version").first()
        version = course.version if course is not None else None
        snapshot = (
            CourseVersion.objects(course_id=course_id, version=version).only("lessons").first()
            if version
            else None
        )
        cache[course_id] = {item.lesson_id for item in snapshot.lessons} if snapshot else set()
    return cache[course_id]


def _asset_in_use(asset_id: str) -> bool:
    """Whether a playing or pending generation anywhere still names the asset (a retired
    entry must never delete a video someone plays)."""
    live = [S.AWAITING_UPLOAD, S.PROCESSING, S.READY]
    return (
        _lessons().count_documents(
            {
                "$or": [
                    {"video.current.asset_id": asset_id, "video.current.state": {"$in": live}},
                    {"video.pending.asset_id": asset_id, "video.pending.state": {"$in": live}},
                ]
            },
            limit=1,
        )
        > 0
    )


def orphan_assets_delete(*, grace: timedelta, now: datetime | None = None) -> OrphanReport:
    """Delete at Mux (then forget) assets retired more than `grace` ago, and the videos of
    lessons removed from their course more than `grace` ago that the published version
    does not list either."""
    cutoff = (now or timezone.now()) - grace
    report = OrphanReport()
    retired = _lessons().find({"video.retired.retired_at": {"$lt": cutoff}}, {"video.retired": 1})
    for doc in retired:
        for entry in doc["video"]["retired"]:
            if entry["retired_at"].replace(tzinfo=cutoff.tzinfo) >= cutoff:
                continue
            asset_id = entry["asset_id"]
            if not _asset_in_use(asset_id):
                with contextlib.suppress(NotFound):  # already gone at Mux
                    mux_client.asset_delete(asset_id=asset_id)
                report.assets_deleted.append(asset_id)
            # Forgotten only after Mux confirmed: a crash in between deletes it again
            # next run (Mux answers 404, which counts as done).
            lesson_video_update(
                query={"_id": doc["_id"]},
                update={"$pull": {"video.retired": {"asset_id": asset_id}}},
            )

    published: dict[ObjectId, set[ObjectId]] = {}
    live = [S.AWAITING_UPLOAD, S.PROCESSING, S.READY, S.ERRORED]
    removed = _lessons().find(
        {
            "removed_at": {"$lt": cutoff},
            "$or": [{"video.current.state": {"$in": live}}, {"video.pending.state": {"$in": live}}],
        },
        {"course_id": 1},
    )
    for doc in removed:
        if doc["_id"] in _published_lesson_ids(doc["course_id"], published):
            continue  # students of the published version still watch it
        if lesson_video_delete(lesson_oid=doc["_id"]):
            report.lessons_cleared.append(str(doc["_id"]))
    return report
