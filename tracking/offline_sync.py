"""Offline progress sync: spans a learner watched from a download (`playback.downloads`)
applied to their progress, under the same rules as online heartbeats.

- Idempotent by batch id, per learner: the first request records the batch
  (`OfflineSyncBatch`, kept when progress is reset), applies it and stores its answer; the same
  batch again is answered with that answer and changes nothing (409 batch_conflict if the id
  comes back with other content, 409 sync_in_progress while another request applies it).
  Each progress document also remembers the batches it took (`synced`), so a batch whose
  request died half-way is finished, not applied twice, when it is re-sent.
- Everything is checked before anything is written: the batch's shape
  (`tracking.offline_batch`), then per item the playback route's access rule, a ready video,
  the grant (403 grant_invalid: forged, another learner's or another lesson's), and the spans:
  inside the lesson, not in the future, not before the grant, 403 grant_expired when watched
  after it expired (exact repeats of a span count once).
- Credit: each span, in the order it was watched, is credited by the watch-time budget of
  `tracking.budget` evaluated at its `watched_at` (never after the sync), from the earlier of
  the stored budget start and the grant's issue time — one budget shared with online viewing.
- Position: taken only when `position_at` is newer than the last position the server knows
  (the last online beat, or an earlier sync), so an old device's stale position never wins.
- Completion: the heartbeat's own pipeline stages (coverage, `completion_expression`) decide,
  and a newly completed lesson emits LessonCompleted as a completing beat does.
- Live state: the learner's Redis state of the lesson is written to MongoDB and taken out
  before the write and again after it (`progress_live_state_write_out`), so the next beat
  seeds from the document that includes the sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from django.conf import settings
from pymongo.errors import DuplicateKeyError

from accounts.roles import Viewer, require_user_id
from catalog.access import LessonFacts, lesson_get_watchable
from catalog.video_state import VideoReadiness
from learnstream.errors import (
    ApplicationError,
    GrantExpired,
    SyncConflict,
    SyncInProgress,
    VideoNotReady,
)
from learnstream.ratelimit import rate_limits_check
from tracking.budget import budget_credit_expression, budget_start_expression
from tracking.completion import completion_expression, completion_requirement
from tracking.documents import LessonProgress, OfflineSyncBatch
from tracking.offline_batch import OfflineItem, OfflineSpan, SyncBatch, refuse
from tracking.offline_grants import OfflineGrant, offline_grant_check
from tracking.selectors import ProgressState, progress_state_from_document
from tracking.services import (
    Beat,
    completion_stage,
    coverage_stage,
    now_ms,
    progress_completed_emit_if_now,
    progress_live_state_write_out,
    touched_buckets,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How many synced batch ids a progress document remembers.
_SYNCED_KEEP = 64
# A batch still "applying" after this long was left by a request that died: finish it.
_STALE_APPLY_S = 60
_STATE_FIELDS = (
    "position_s",
    "furthest_s",
    "coverage",
    "watch_time_s",
    "completed_at",
    "duration_s",
    "last_credited_s",
)


@dataclass(frozen=True)
class SyncedItem:
    lesson_id: str
    claimed_s: float  # media seconds the item's spans claim (repeats counted once)
    credited_s: float  # of those, what the budget credited
    position_applied: bool
    state: ProgressState


@dataclass(frozen=True)
class SyncResult:
    batch_id: str
    device_id: str
    applied_at: datetime
    replayed: bool
    items: tuple[SyncedItem, ...]


@dataclass(frozen=True)
class _Checked:
    item: OfflineItem
    facts: LessonFacts
    grant: OfflineGrant
    duration_s: float
    spans: tuple[OfflineSpan, ...]  # repeats removed, in the order watched


def _ms(moment: datetime) -> datetime:
    return now_ms(moment.astimezone(UTC))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _named(exc: ApplicationError, place: str) -> ApplicationError:
    """The same refusal, naming the place in the batch it is about."""
    return type(exc)(f"{place}: {exc.detail}", errors={place: [exc.detail]}, headers=exc.headers)


def _check(*, user: Viewer, user_id: int, item: OfflineItem, place: str, now: datetime) -> _Checked:
    try:
        facts = lesson_get_watchable(user=user, lesson_id=item.lesson_id).facts
    except ApplicationError as exc:
        raise _named(exc, f"{place}.lesson_id") from exc
    if facts.video != VideoReadiness.READY or not facts.duration_s:
        raise _named(VideoNotReady("This lesson has no playable video."), f"{place}.lesson_id")
    try:
        grant = offline_grant_check(
            grant_id=item.grant_id, user_id=user_id, lesson_id=facts.lesson_id
        )
    except ApplicationError as exc:
        raise _named(exc, f"{place}.grant_id") from exc
    duration = float(facts.duration_s)
    limit = duration + settings.PROGRESS_DURATION_TOLERANCE_S
    for j, span in enumerate(item.spans):
        _check_moment(span.watched_at, grant, now, f"{place}.spans.{j}.watched_at")
        if span.to_s > limit:
            raise refuse(
                f"{place}.spans.{j}.to_s",
                f"Must not exceed the lesson's duration ({duration:g} s).",
            )
    if item.position_at is not None and item.position_s is not None:
        _check_moment(item.position_at, grant, now, f"{place}.position_at")
        if item.position_s > limit:
            raise refuse(
                f"{place}.position_s", f"Must not exceed the lesson's duration ({duration:g} s)."
            )
    spans = _in_order_played(item)
    return _Checked(item=item, facts=facts, grant=grant, duration_s=duration, spans=spans)


def _check_moment(moment: datetime, grant: OfflineGrant, now: datetime, place: str) -> None:
    if moment > now:
        raise refuse(place, "Must not be in the future.")
    if moment < grant.issued_at:
        raise refuse(place, "Must not be before the grant was issued (the download).")
    if moment > grant.expires_at:
        raise _named(GrantExpired("Watched after the grant expired: not credited."), place)


def _in_order_played(item: OfflineItem) -> tuple[OfflineSpan, ...]:
    """The item's spans without exact repeats (a device re-sending what it queued), in the
    order they were watched: the order the budget credits them in."""
    return tuple(sorted(set(item.spans), key=lambda s: (s.watched_at, s.from_s, s.to_s)))


def _pipeline(checked: _Checked, *, tag: str, now: datetime) -> list[dict[str, Any]]:
    facts, duration = checked.facts, checked.duration_s
    beats = [
        Beat(
            position_s=min(span.to_s, duration),
            played_from_s=min(span.from_s, duration),
            played_to_s=min(span.to_s, duration),
            duration_s=duration,
        )
        for span in checked.spans
    ]
    buckets = sorted({index for beat in beats for index in touched_buckets(beat)})
    furthest = max((beat.played_to_s for beat in beats), default=0.0)
    stages: list[dict[str, Any]] = [
        {
            "$set": {
                "course_id": {"$ifNull": ["$course_id", {"$literal": ObjectId(facts.course_id)}]},
                # The budget is the lesson's one budget: it begins at the grant if earlier.
                "budget_started_at": budget_start_expression(checked.grant.issued_at),
                "started_at": {"$ifNull": ["$started_at", {"$literal": now}]},
                "position_s": {"$ifNull": ["$position_s", 0.0]},
                "furthest_s": {"$max": [{"$ifNull": ["$furthest_s", 0.0]}, furthest]},
                "buckets": {"$setUnion": [{"$ifNull": ["$buckets", []]}, {"$literal": buckets}]},
                "watch_time_s": {"$ifNull": ["$watch_time_s", 0.0]},
                "last_credited_s": 0.0,
                "beats": {"$ifNull": ["$beats", 0]},
                "duration_s": {"$literal": duration},
                "updated_at": {"$literal": now},
                "synced": {
                    "$slice": [
                        {"$concatArrays": [{"$ifNull": ["$synced", []]}, {"$literal": [tag]}]},
                        -_SYNCED_KEEP,
                    ]
                },
            }
        }
    ]
    for beat, span in zip(beats, checked.spans, strict=True):
        credit = budget_credit_expression(
            span_s=beat.span_s,
            now=_ms(span.watched_at),
            max_rate=facts.completion.max_rate,
            budget_from="$budget_started_at",
        )
        stages.append(
            {
                "$set": {
                    "watch_time_s": {"$add": ["$watch_time_s", credit]},
                    "last_credited_s": {"$add": ["$last_credited_s", credit]},
                }
            }
        )
    requirement = completion_requirement(policy=facts.completion, duration_s=duration)
    stages += [
        coverage_stage(duration_s=duration),
        completion_stage(completes=completion_expression(requirement), now=now),
    ]
    item = checked.item
    if item.position_at is not None and item.position_s is not None:
        at = _ms(item.position_at)
        known = {"$ifNull": [{"$max": ["$position_at", "$last_beat_at"]}, {"$literal": _EPOCH}]}
        newer = {"$gt": [{"$literal": at}, known]}
        stages.append(
            {
                "$set": {
                    "position_s": {"$cond": [newer, min(item.position_s, duration), "$position_s"]},
                    "position_at": {"$cond": [newer, {"$literal": at}, "$position_at"]},
                }
            }
        )
    return stages


def _apply(*, user_id: int, checked: _Checked, tag: str, now: datetime) -> SyncedItem:
    lesson_oid = ObjectId(checked.facts.lesson_id)
    key = {"user_id": user_id, "lesson_id": lesson_oid}
    collection = LessonProgress._get_collection()
    progress_live_state_write_out(user_id=user_id, lesson_id=lesson_oid)
    existing = collection.find_one(key, {"synced": True})
    if existing is None or tag not in (existing.get("synced") or []):
        pipeline = _pipeline(checked, tag=tag, now=now)
        query = {**key, "synced": {"$ne": tag}}
        try:
            collection.update_one(query, pipeline, upsert=existing is None)
        except DuplicateKeyError:  # a first beat made the document meanwhile
            collection.update_one(query, pipeline)
        # A beat that came during the write was merged in Redis from the older document.
        progress_live_state_write_out(user_id=user_id, lesson_id=lesson_oid)
    document = collection.find_one(key, dict.fromkeys((*_STATE_FIELDS, "position_at"), True))
    state = progress_state_from_document(document or {})
    progress_completed_emit_if_now(user_id=user_id, lesson=checked.facts, state=state, moment=now)
    item = checked.item
    applied = (
        item.position_at is not None
        and document is not None
        and _aware(document.get("position_at")) == _ms(item.position_at)
    )
    return SyncedItem(
        lesson_id=checked.facts.lesson_id,
        claimed_s=round(sum(span.to_s - span.from_s for span in checked.spans), 3),
        credited_s=state.credited_s or 0.0,
        position_applied=applied,
        state=state,
    )


def _result_document(result: SyncResult) -> dict[str, Any]:
    return {
        "device_id": result.device_id,
        "applied_at": result.applied_at,
        "items": [
            {
                "lesson_id": item.lesson_id,
                "claimed_s": item.claimed_s,
                "credited_s": item.credited_s,
                "position_applied": item.position_applied,
                "state": {
                    "position_s": item.state.position_s,
                    "furthest_s": item.state.furthest_s,
                    "coverage": item.state.coverage,
                    "watch_time_s": item.state.watch_time_s,
                    "completed_at": item.state.completed_at,
                    "duration_s": item.state.duration_s,
                    "last_credited_s": item.state.credited_s,
                },
            }
            for item in result.items
        ],
    }


def _result_from(stored: dict[str, Any], batch_id: str) -> SyncResult:
    result = stored["result"]
    return SyncResult(
        batch_id=batch_id,
        device_id=result["device_id"],
        applied_at=_aware(result["applied_at"]) or _EPOCH,
        replayed=True,
        items=tuple(
            SyncedItem(
                lesson_id=item["lesson_id"],
                claimed_s=item["claimed_s"],
                credited_s=item["credited_s"],
                position_applied=item["position_applied"],
                state=progress_state_from_document(item["state"]),
            )
            for item in result["items"]
        ),
    )


def _replay(
    stored: dict[str, Any], *, fingerprint: str, batch_id: str, now: datetime
) -> SyncResult | None:
    """The stored answer of a batch already applied; None when a dead request left it
    half-applied (finish it). 409 for other content under the id, or while it is applied."""
    if stored["fingerprint"] != fingerprint:
        raise SyncConflict("This batch_id was already used for a different batch.")
    if stored["state"] == "applied":
        return _result_from(stored, batch_id)
    started = _aware(stored.get("created_at")) or _EPOCH
    if now - started < timedelta(seconds=_STALE_APPLY_S):
        raise SyncInProgress(
            "This batch is being applied by another request.", headers={"Retry-After": "2"}
        )
    return None


def progress_offline_sync(
    *, user: Viewer, batch: SyncBatch, now: datetime | None = None
) -> SyncResult:
    """Apply an offline sync batch for the learner (see the module docstring); the answer,
    also for a re-sent batch. Raises before writing anything when any item is refused, and
    `Throttled` when the learner sent more batches than the `progress_sync` limit allows."""
    user_id = require_user_id(user)
    rate_limits_check(("progress_sync", str(user_id)))
    moment = now_ms(now)
    fingerprint = batch.fingerprint()
    collection = OfflineSyncBatch._get_collection()
    key = {"user_id": user_id, "batch_id": batch.batch_id}
    stored = collection.find_one(key)
    if stored is not None and (
        done := _replay(stored, fingerprint=fingerprint, batch_id=batch.batch_id, now=moment)
    ):
        return done
    checked = [
        _check(user=user, user_id=user_id, item=item, place=f"items.{i}", now=moment)
        for i, item in enumerate(batch.items)
    ]
    if stored is None:
        record = {
            **key,
            "device_id": batch.device_id,
            "fingerprint": fingerprint,
            "state": "applying",
            "result": {},
            "created_at": moment,
        }
        try:
            collection.insert_one(record)
        except DuplicateKeyError:  # the same batch in a racing request
            raced = collection.find_one(key) or record
            if done := _replay(raced, fingerprint=fingerprint, batch_id=batch.batch_id, now=moment):
                return done
    tag = f"b:{batch.batch_id}"
    items = tuple(_apply(user_id=user_id, checked=c, tag=tag, now=moment) for c in checked)
    result = SyncResult(
        batch_id=batch.batch_id,
        device_id=batch.device_id,
        applied_at=moment,
        replayed=False,
        items=items,
    )
    collection.update_one(
        key,
        {"$set": {"state": "applied", "result": _result_document(result), "applied_at": moment}},
    )
    return result
