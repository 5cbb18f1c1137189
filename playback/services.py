"""Lesson video writes: direct uploads, the webhook-driven state machine, removal.

A lesson's video is `video.current` (the generation students play) and `video.pending` (a
newer upload on its way). Each generation only moves forward:

    awaiting_upload → processing → ready | errored | cancelled → deleted

When the pending generation becomes ready it replaces `current` in the same atomic update,
so replacing a video never leaves students without one.

Every state change is ONE conditional `update_one` whose filter names the generation (its
upload or asset id) and the states it may move from. A repeated, late or concurrent event
therefore matches nothing and changes nothing, which is what makes the webhook ledger safe
without a transaction across PostgreSQL and MongoDB: process (idempotent), then record.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bson import ObjectId
from django.utils import timezone

from accounts.roles import Viewer
from catalog.access import (
    LessonFacts,
    lesson_audit,
    lesson_facts_for_staff,
    lesson_facts_invalidate,
)
from catalog.documents import Lesson
from catalog.lesson_video import VideoState
from catalog.services import course_require_editable, lesson_video_update
from catalog.services import lesson_video_changed as catalog_lesson_video_changed
from learnstream.errors import ApplicationError, Conflict, NotFound
from learnstream.ids import is_object_id
from playback import mux_client
from playback.captions_services import (
    UploadCaptionsRequest,
    captions_reattach,
    track_event_process,
    upload_captions_abandoned,
    upload_captions_attach,
    upload_captions_request,
    upload_captions_withdraw,
)
from playback.models import WebhookEvent
from playback.playback_source import playback_source_changed

logger = logging.getLogger(__name__)

S = VideoState

# The states each state may be reached from ("forward only", per generation).
PREDECESSORS: dict[str, tuple[str, ...]] = {
    S.PROCESSING: (S.AWAITING_UPLOAD,),
    S.READY: (S.AWAITING_UPLOAD, S.PROCESSING),
    S.ERRORED: (S.AWAITING_UPLOAD, S.PROCESSING),
    S.CANCELLED: (S.AWAITING_UPLOAD,),
    S.DELETED: (S.AWAITING_UPLOAD, S.PROCESSING, S.READY, S.ERRORED),
}

ERROR_MAX_CHARS = 2000
NO_SIGNED_PLAYBACK_ID = "The asset has no signed playback id."


def _lessons() -> Any:
    return Lesson._get_collection()


# --- uploads -------------------------------------------------------------------------------


def video_upload_create(
    *, user: Viewer, lesson_id: Any, generate_captions: Any = None
) -> mux_client.DirectUpload:
    """Ask Mux for a direct upload and make it the lesson's pending generation.

    `generate_captions` (a language Mux transcribes, e.g. "en") asks Mux for automatic
    captions of the new video: they are stored first as a generated, unreviewed caption
    waiting for the video, and arrive through the track webhooks (or fail there).

    Mux is called first: if it fails (502/503) nothing has been written (a waiting caption
    stored for it is removed again). A previous pending generation is simply superseded
    (its late events will match nothing); `current` keeps playing until the new upload is
    ready.
    """
    facts = lesson_facts_for_staff(user=user, lesson_id=lesson_id, managing="videos")
    course_require_editable(course_id=facts.course_id)
    lesson_oid = ObjectId(facts.lesson_id)
    captions = None
    if generate_captions is not None:
        captions = upload_captions_request(facts=facts, language=generate_captions)
    try:
        upload = _upload_create(user=user, facts=facts, lesson_oid=lesson_oid, captions=captions)
    except ApplicationError:
        if captions is not None:
            upload_captions_withdraw(request=captions)
        raise
    return upload


def _upload_create(
    *,
    user: Viewer,
    facts: LessonFacts,
    lesson_oid: ObjectId,
    captions: UploadCaptionsRequest | None,
) -> mux_client.DirectUpload:
    subtitles = None
    if captions is not None:
        subtitles = mux_client.GeneratedSubtitles(
            language=captions.language, name=captions.name, passthrough=captions.passthrough
        )
    upload = mux_client.direct_upload_create(
        passthrough=str(lesson_oid), generated_subtitles=subtitles
    )
    if captions is not None:
        upload_captions_attach(request=captions, upload_id=upload.id)
    now = timezone.now()
    generation = {
        "upload_id": upload.id,
        "state": S.AWAITING_UPLOAD,
        "created_at": now,
        "updated_at": now,
    }
    for _ in range(3):  # retried only if another upload replaced `pending` in between
        doc = _lessons().find_one({"_id": lesson_oid}, {"video.pending": 1})
        if doc is None:  # deleted while we were asking Mux
            raise NotFound("Lesson not found.")
        superseded = ((doc.get("video") or {}).get("pending")) or {}
        update: dict[str, Any] = {"$set": {"video.pending": generation, "updated_at": now}}
        if superseded.get("asset_id") and superseded.get("state") != S.DELETED:
            # Its asset will never play: remember it (atomically) for delete_orphan_assets.
            update["$push"] = {"video.retired": _retired(superseded["asset_id"], "superseded", now)}
        pinned = {"_id": lesson_oid, "video.pending.upload_id": superseded.get("upload_id")}
        if lesson_video_update(query=pinned, update=update)[0] == 1:
            details: dict[str, Any] = {"upload_id": upload.id}
            if captions is not None:
                details["generate_captions"] = captions.language
            lesson_audit(actor=user, action="video.upload", facts=facts, **details)
            return upload
    raise Conflict("The lesson's video changed meanwhile; please retry.")


# A pending upload in these states can be given up (it never arrived, failed, or Mux
# cancelled it): the lesson goes back to its current video, or to none.
CANCELLABLE = (S.AWAITING_UPLOAD, S.ERRORED, S.CANCELLED)


def video_upload_cancel(*, user: Viewer, lesson_id: Any) -> None:
    """Give up the lesson's pending upload: one still waiting for its file (cancelled at Mux
    first, so the link stops accepting data), one that failed, or one Mux cancelled.

    The pending generation is dropped in one conditional update pinned to the generation we
    read; students keep the current video (if any). An asset the failed upload left is
    remembered for `delete_orphan_assets`. An upload whose file already reached Mux is
    processing: 409 (wait for it, or remove the video). Audited as `video.upload_cancel`.
    """
    facts = lesson_facts_for_staff(user=user, lesson_id=lesson_id, managing="videos")
    lesson_oid = ObjectId(facts.lesson_id)
    doc = _lessons().find_one({"_id": lesson_oid}, {"video.pending": 1})
    pending = ((doc or {}).get("video") or {}).get("pending") or {}
    state = pending.get("state")
    if state not in CANCELLABLE:
        if state == S.PROCESSING:
            raise Conflict("The upload has arrived and is processing: it cannot be cancelled.")
        raise Conflict("The lesson has no upload to cancel.")
    if state == S.AWAITING_UPLOAD and pending.get("upload_id"):
        try:
            upload = mux_client.direct_upload_get(upload_id=pending["upload_id"])
        except NotFound:  # Mux forgot it: nothing to stop there
            upload = None
        if upload is not None and upload.status == "asset_created":
            raise Conflict("The upload has arrived and is processing: it cannot be cancelled.")
        if upload is not None and upload.status == "waiting":
            with contextlib.suppress(NotFound):
                mux_client.direct_upload_cancel(upload_id=pending["upload_id"])
    now = timezone.now()
    update: dict[str, Any] = {"$unset": {"video.pending": ""}, "$set": {"updated_at": now}}
    if pending.get("asset_id"):
        update["$push"] = {"video.retired": _retired(pending["asset_id"], "superseded", now)}
    pinned = {
        "_id": lesson_oid,
        "video.pending.upload_id": pending.get("upload_id"),
        "video.pending.state": state,
    }
    if lesson_video_update(query=pinned, update=update)[0] != 1:
        raise Conflict("The lesson's video changed meanwhile; reload and try again.")
    if pending.get("upload_id"):
        upload_captions_abandoned(lesson_oid=lesson_oid, upload_id=pending["upload_id"])
    lesson_audit(
        actor=user,
        action="video.upload_cancel",
        facts=facts,
        upload_id=pending.get("upload_id"),
        state=state,
    )


def _retired(asset_id: str, reason: str, now: datetime) -> dict[str, Any]:
    return {"asset_id": asset_id, "reason": reason, "retired_at": now}


def video_remove(*, user: Viewer, lesson_id: Any) -> None:
    """Delete the lesson's video at Mux and mark it deleted here.

    The Mux calls come first, so a Mux failure leaves the lesson as it was. An asset Mux
    no longer knows is treated as already deleted. The `video.asset.deleted` webhook that
    follows finds the generation already deleted and changes nothing.
    """
    facts = lesson_facts_for_staff(user=user, lesson_id=lesson_id, managing="videos")
    course_require_editable(course_id=facts.course_id)
    lesson_video_delete(lesson_oid=ObjectId(facts.lesson_id))
    lesson_audit(actor=user, action="video.remove", facts=facts)


def lesson_video_delete(*, lesson_oid: ObjectId) -> bool:
    """Delete every asset of the lesson at Mux (cancelling a pending upload), then mark the
    generations cancelled/deleted here. No access checks: callers decide (the instructor's
    `video_remove`, the maintenance of removed lessons). True if something changed here.

    The Mux calls come first, so a Mux failure leaves the lesson as it was. An asset Mux no
    longer knows is treated as already deleted, so a re-run after a crash finishes the job.
    """
    doc = _lessons().find_one({"_id": lesson_oid}, {"video": 1})
    video = (doc or {}).get("video") or {}
    pending, current = video.get("pending") or {}, video.get("current") or {}
    if pending.get("state") == S.AWAITING_UPLOAD and pending.get("upload_id"):
        with contextlib.suppress(NotFound):  # already gone at Mux
            mux_client.direct_upload_cancel(upload_id=pending["upload_id"])
    for generation in (pending, current):
        if generation.get("asset_id") and generation.get("state") != S.DELETED:
            with contextlib.suppress(NotFound):  # already gone at Mux
                mux_client.asset_delete(asset_id=generation["asset_id"])
    now = timezone.now()
    changed = False
    if pending.get("state") == S.AWAITING_UPLOAD and pending.get("upload_id"):
        changed |= _move(
            lesson_oid=lesson_oid,
            slot="pending",
            match={"upload_id": pending["upload_id"]},
            to=S.CANCELLED,
            changes={},
            now=now,
        )
    for generation in (pending, current):
        if generation.get("asset_id"):
            changed |= _asset_deleted(
                lesson_oid=lesson_oid, asset_id=generation["asset_id"], now=now
            )
    return changed


# --- the webhook state machine -------------------------------------------------------------


def _generation_query(
    *, lesson_oid: ObjectId, slot: str, match: dict[str, Any], to: str
) -> dict[str, Any] | None:
    """The filter for "the generation in `slot` identified by any of `match`'s ids, in a state
    that may precede `to`"; None when no id is known."""
    alternatives = [{f"video.{slot}.{key}": value} for key, value in match.items() if value]
    if not alternatives:
        return None
    query: dict[str, Any] = {
        "_id": lesson_oid,
        f"video.{slot}.state": {"$in": list(PREDECESSORS[to])},
    }
    if len(alternatives) == 1:
        query.update(alternatives[0])  # a plain field match is cheaper than a one-branch $or
    else:
        query["$or"] = alternatives
    return query


def _move(
    *,
    lesson_oid: ObjectId,
    slot: str,
    match: dict[str, Any],
    to: str,
    changes: dict[str, Any],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Move the generation in `slot` that matches `match` (any of the given ids) to `to`,
    if it is in a state that may precede it. True if something changed."""
    query = _generation_query(lesson_oid=lesson_oid, slot=slot, match=match, to=to)
    if query is None:
        return False
    update = {f"video.{slot}.{key}": value for key, value in changes.items()}
    update.update({f"video.{slot}.state": to, f"video.{slot}.updated_at": now, "updated_at": now})
    update.update(extra or {})
    return lesson_video_update(query=query, update={"$set": update})[1] == 1


def _promote_ready(
    *, lesson_oid: ObjectId, match: dict[str, Any], ready: dict[str, Any], now: datetime
) -> bool:
    """The pending generation is ready: it becomes `current` in one conditional update."""
    query = _generation_query(lesson_oid=lesson_oid, slot="pending", match=match, to=S.READY)
    if query is None:
        return False
    doc = _lessons().find_one(query, {"video.pending": 1, "video.current": 1})
    if doc is None:
        return False
    pending = doc["video"]["pending"]
    replaced = doc["video"].get("current") or {}
    current = {**pending, **ready, "state": S.READY, "error": None, "updated_at": now}
    # Pin the exact generation we read, so a newer upload that replaced it in between wins,
    # and the current asset we retire, so a concurrent promotion cannot lose one.
    query["video.pending.upload_id"] = pending.get("upload_id")
    query["video.current.asset_id"] = replaced.get("asset_id")
    update: dict[str, Any] = {
        "$set": {
            "video.current": current,
            "duration_s": float(ready.get("duration_s") or 0),
            "updated_at": now,
        },
        "$unset": {"video.pending": ""},
    }
    old_asset = replaced.get("asset_id")
    if old_asset and old_asset != ready.get("asset_id") and replaced.get("state") != S.DELETED:
        # The replaced asset is remembered in the same atomic update that stops playing it.
        update["$push"] = {"video.retired": _retired(old_asset, "replaced", now)}
    return lesson_video_update(query=query, update=update)[1] == 1


def _upload_passthrough(data: dict) -> Any:
    return (data.get("new_asset_settings") or {}).get("passthrough")


def _signed_playback_id(data: dict) -> str | None:
    playback_ids = [p for p in data.get("playback_ids") or [] if isinstance(p, dict)]
    signed = [p.get("id") for p in playback_ids if p.get("policy") == "signed"]
    return signed[0] if signed else None


def _error_text(messages: Iterable[Any]) -> str:
    return "; ".join(str(m) for m in messages if m)[:ERROR_MAX_CHARS] or "Unknown error"


# A handler applies one event to the lesson named by its passthrough: (lesson, the event's
# `data`, its object id, now) -> whether it changed the lesson.
WebhookHandler = Callable[[ObjectId, dict[str, Any], str, datetime], bool]


def _on_upload_asset_created(
    lesson_oid: ObjectId, data: dict, object_id: str, now: datetime
) -> bool:
    return _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match={"upload_id": object_id},
        to=S.PROCESSING,
        changes={"asset_id": data.get("asset_id")},
        now=now,
    )


def _on_upload_cancelled(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    return _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match={"upload_id": object_id},
        to=S.CANCELLED,
        changes={},
        now=now,
    )


def _on_upload_errored(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    error = data.get("error") or {}
    return _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match={"upload_id": object_id},
        to=S.ERRORED,
        changes={"error": _error_text([error.get("message") or error.get("type")])},
        now=now,
    )


def _asset_match(data: dict, object_id: str) -> dict[str, Any]:
    # An asset names its upload, so asset events match the generation even when they
    # overtake `video.upload.asset_created`.
    return {"asset_id": object_id, "upload_id": data.get("upload_id")}


def _on_asset_created(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    return _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match=_asset_match(data, object_id),
        to=S.PROCESSING,
        changes={"asset_id": object_id},
        now=now,
    )


def _on_asset_ready(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    playback_id = _signed_playback_id(data)
    if playback_id is None:
        return _move(
            lesson_oid=lesson_oid,
            slot="pending",
            match=_asset_match(data, object_id),
            to=S.ERRORED,
            changes={"asset_id": object_id, "error": NO_SIGNED_PLAYBACK_ID},
            now=now,
        )
    changed = _promote_ready(
        lesson_oid=lesson_oid,
        match=_asset_match(data, object_id),
        ready={
            "asset_id": object_id,
            "playback_id": playback_id,
            "duration_s": float(data.get("duration") or 0),
            "aspect_ratio": data.get("aspect_ratio"),
        },
        now=now,
    )
    if changed:
        lesson_video_changed(lesson_oid=lesson_oid)
        # Captions follow the video: each is added to the new asset.
        captions_reattach(
            lesson_oid=lesson_oid, asset_id=object_id, upload_id=data.get("upload_id")
        )
    return changed


def _on_asset_errored(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    errors = data.get("errors") or {}
    return _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match=_asset_match(data, object_id),
        to=S.ERRORED,
        changes={"asset_id": object_id, "error": _error_text(errors.get("messages") or [])},
        now=now,
    )


def _on_asset_deleted(lesson_oid: ObjectId, data: dict, object_id: str, now: datetime) -> bool:
    return _asset_deleted(lesson_oid=lesson_oid, asset_id=object_id, now=now)


# The Mux events that move a lesson's video; every other type is acknowledged and ignored.
WEBHOOK_HANDLERS: dict[str, WebhookHandler] = {
    "video.upload.asset_created": _on_upload_asset_created,
    "video.upload.cancelled": _on_upload_cancelled,
    "video.upload.errored": _on_upload_errored,
    "video.asset.created": _on_asset_created,
    "video.asset.ready": _on_asset_ready,
    "video.asset.errored": _on_asset_errored,
    "video.asset.deleted": _on_asset_deleted,
}


def webhook_event_process(*, event: dict[str, Any]) -> bool:
    """Apply one Mux event to the lesson named by its passthrough. True if it changed the
    lesson; events for unknown lessons, generations or types change nothing."""
    event_type = event.get("type")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return False
    if isinstance(event_type, str) and event_type.startswith("video.asset.track."):
        return track_event_process(event_type=event_type, data=data)
    handler = WEBHOOK_HANDLERS.get(event_type) if isinstance(event_type, str) else None
    # Uploads carry the passthrough in the settings of the asset they will create.
    if isinstance(event_type, str) and event_type.startswith("video.upload."):
        passthrough = _upload_passthrough(data)
    else:
        passthrough = data.get("passthrough")
    if handler is None or not is_object_id(passthrough):
        return False
    return handler(ObjectId(passthrough), data, data["id"], timezone.now())


def _asset_deleted(*, lesson_oid: ObjectId, asset_id: str, now: datetime) -> bool:
    current_deleted = _move(
        lesson_oid=lesson_oid,
        slot="current",
        match={"asset_id": asset_id},
        to=S.DELETED,
        changes={},
        now=now,
        extra={"duration_s": 0.0},
    )
    pending_deleted = _move(
        lesson_oid=lesson_oid,
        slot="pending",
        match={"asset_id": asset_id},
        to=S.DELETED,
        changes={},
        now=now,
    )
    if current_deleted:
        lesson_video_changed(lesson_oid=lesson_oid)
    return current_deleted or pending_deleted


def lesson_video_changed(*, lesson_oid: ObjectId) -> None:
    """The playable video (and so the lesson's duration) changed: retire what playback
    requests serve from the cache, drop the cached lesson facts, and let the catalogue
    recompute the published duration and retire its cached listings (has_video and
    durations show there)."""
    playback_source_changed(lesson_oid=lesson_oid)
    lesson_facts_invalidate(lesson_ids=[lesson_oid])
    doc = _lessons().find_one({"_id": lesson_oid}, {"course_id": 1})
    if doc is not None:
        catalog_lesson_video_changed(course_id=doc["course_id"])


# --- the webhook ledger --------------------------------------------------------------------


def webhook_event_seen(*, event_id: str) -> bool:
    return WebhookEvent.objects.filter(event_id=event_id).exists()


def webhook_event_record(*, event_id: str, event_type: str, received_at: datetime) -> None:
    """Record the event id: INSERT … ON CONFLICT DO NOTHING, so a concurrent delivery that
    records it first is not an error (and no savepoint is needed under ATOMIC_REQUESTS)."""
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                event_id=event_id,
                type=event_type[:100],
                received_at=received_at,
                processed_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )


def webhook_event_handle(*, event: dict[str, Any], received_at: datetime) -> bool:
    """Process a verified event once: a recorded id is acknowledged and ignored; otherwise
    the (idempotent, forward-only) state change runs first and the id is recorded after, so
    a crash in between only means the next delivery runs it again, harmlessly.

    Returns True if the event was applied now (False: a replay, or nothing to change)."""
    event_id, event_type = event["id"], event["type"]
    if webhook_event_seen(event_id=event_id):
        return False
    changed = webhook_event_process(event=event)
    webhook_event_record(event_id=event_id, event_type=event_type, received_at=received_at)
    return changed
