"""Progress writes: heartbeats, explicit completion, audited resets.

A heartbeat is ONE atomic upsert on the learner's (user, lesson) document, an
aggregation-pipeline update that merges the beat into what is stored: last position (`$set`),
furthest point (`$max`), coverage buckets (`$setUnion`), watch time and beat count (`$add`),
coverage, and `completed_at` (set once, never cleared). Nothing is read first, so two beats
can never interleave a read-modify-write, and stale or repeated beats cannot move furthest,
coverage or completion backwards (every merge is monotone).

The update is an `update_one(..., upsert=True)` by the unique key; the state is then read back
by that key for the response. The wall-time rules live in the same update's filter, so
"check, then record" is atomic and needs no Redis:

- rate limit: an accepted beat needs `last_beat_at <= now - interval` (2 s by default);
- span rule: a span of L seconds needs `last_beat_at <= now - (L - slack) / max_rate`;

both fold into one bound, `last_beat_at <= now - max(interval, (L - slack) / rate)`. When the
filter does not match, nothing is written; one small read then tells why (400 span too long,
or 429 too soon). A refused beat therefore never counts against the limit, and a beat 2 s or
more after the last accepted one always passes the rate part. The first beat of a lesson
(no document yet) is an upsert, allowed only for spans up to the first-beat allowance; two
racing first beats meet the unique (user_id, lesson_id) index, and the loser is re-tried
once, by which time it sees the winner's document (and is usually throttled, as it should be).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.utils import timezone
from pymongo.errors import DuplicateKeyError
from redis.exceptions import RedisError

from catalog.access import LessonFacts
from catalog.completion import CompletionPolicy
from catalog.selectors import lesson_video_readiness_by_id
from catalog.video_state import VideoReadiness
from learnstream.audit import audit_record
from learnstream.errors import Conflict, Throttled, ValidationError, VideoNotReady, ViewRequired
from learnstream.outages import outage_record
from tracking import progress_buffer, viewing
from tracking.budget import budget_credit_expression, budget_start_expression
from tracking.completion import completion_expression, completion_requirement
from tracking.documents import LessonProgress
from tracking.events import LessonCompleted, lesson_completed_emit
from tracking.metrics import heartbeat_outcomes
from tracking.selectors import ProgressState, progress_state_from_document

logger = logging.getLogger(__name__)

# No lesson policy: the site's settings (read when used, so tests may override them).
_SITE_POLICY = CompletionPolicy()
# Fields returned by the heartbeat update (the bucket list stays in the database).
_STATE_PROJECTION = {"buckets": False, "seen": False}
# Direct path: how many (view, seq) tags a document remembers for dedupe.
_SEEN_KEEP = 256


@dataclass(frozen=True)
class Beat:
    """A validated heartbeat, clamped to the duration it is measured against."""

    position_s: float
    played_from_s: float
    played_to_s: float
    duration_s: float

    @property
    def span_s(self) -> float:
        return self.played_to_s - self.played_from_s


def now_ms(now: datetime | None) -> datetime:
    """MongoDB stores milliseconds: round now so comparisons with stored times are exact."""
    moment = now or timezone.now()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _heartbeat_interval_s() -> float:
    _count, period_s = settings.RATE_LIMITS["heartbeat"]
    return float(period_s)


def progress_validate_beat(
    *,
    lesson: LessonFacts,
    position_s: float,
    duration_s: float,
    played_from_s: float,
    played_to_s: float,
) -> Beat:
    """Bounds that depend on the lesson: 0 <= values <= duration (+ tolerance), from <= to.

    The lesson's known duration (from the video) wins over the client's; a lesson without a
    known duration is measured against the client's `duration_s`, and values are capped to it.
    """
    values = {
        "position_s": position_s,
        "duration_s": duration_s,
        "played_from_s": played_from_s,
        "played_to_s": played_to_s,
    }
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors[name] = ["A finite number is required."]
        elif value < 0:
            errors[name] = ["Must be zero or more."]
    if errors:
        raise ValidationError("Invalid heartbeat.", errors=errors)

    known = float(lesson.duration_s or 0)
    if known > 0:
        duration = known
    elif duration_s > 0:
        duration = float(duration_s)
    else:
        raise ValidationError(
            "Invalid heartbeat.",
            errors={"duration_s": ["The lesson's duration is unknown: send the player's."]},
        )
    limit = duration + settings.PROGRESS_DURATION_TOLERANCE_S
    for name, value in values.items():
        if value > limit:
            errors[name] = [f"Must not exceed the lesson's duration ({duration:g} s)."]
    if played_from_s > played_to_s:
        errors.setdefault("played_from_s", []).append("Must not be after played_to_s.")
    if errors:
        raise ValidationError("Invalid heartbeat.", errors=errors)
    return Beat(
        position_s=min(float(position_s), duration),
        played_from_s=min(float(played_from_s), duration),
        played_to_s=min(float(played_to_s), duration),
        duration_s=duration,
    )


def touched_buckets(beat: Beat) -> list[int]:
    """Indexes of the fixed 1% buckets a played span touches (a zero-length span: none)."""
    if beat.span_s <= 0:
        return []
    count = settings.PROGRESS_BUCKETS
    width = beat.duration_s / count
    first = int(beat.played_from_s // width)
    last = math.ceil(beat.played_to_s / width) - 1
    return list(range(max(first, 0), min(last, count - 1) + 1))


def _merge_pipeline(
    *,
    beat: Beat,
    course_id: ObjectId,
    now: datetime,
    policy: CompletionPolicy = _SITE_POLICY,
    view: viewing.View | None = None,
    tag: str | None = None,
) -> list[dict[str, Any]]:
    """The update that merges one accepted beat into the stored document.

    Coverage is the share of buckets touched, capped by watch time / duration: a learner who
    scatters tiny spans over many buckets touches buckets without playing them, and the cap
    keeps coverage at most the time really played (for normal playback the two agree).
    """
    completes = completion_expression(
        completion_requirement(policy=policy, duration_s=beat.duration_s)
    )
    played_to = beat.played_to_s if beat.span_s > 0 else 0.0
    # The watch-time budget, one rule for every path: tracking.budget.
    budget_from = budget_start_expression(view.issued_at if view is not None else None)
    credit = budget_credit_expression(
        span_s=beat.span_s, now=now, max_rate=policy.max_rate, budget_from=budget_from
    )
    return [
        {
            "$set": {
                "course_id": {"$ifNull": ["$course_id", {"$literal": course_id}]},
                "position_s": {"$literal": beat.position_s},
                "furthest_s": {"$max": [{"$ifNull": ["$furthest_s", 0.0]}, played_to]},
                "buckets": {
                    "$setUnion": [
                        {"$ifNull": ["$buckets", []]},
                        {"$literal": touched_buckets(beat)},
                    ]
                },
                "watch_time_s": {"$add": [{"$ifNull": ["$watch_time_s", 0.0]}, credit]},
                "last_credited_s": credit,
                "beats": {"$add": [{"$ifNull": ["$beats", 0]}, 1]},
                "duration_s": {"$literal": beat.duration_s},
                "last_beat_at": {"$literal": now},
                "updated_at": {"$literal": now},
                "started_at": {"$ifNull": ["$started_at", {"$literal": now}]},
                "budget_started_at": budget_from,
                **_seen_update(tag),
            }
        },
        coverage_stage(duration_s=beat.duration_s),
        completion_stage(completes=completes, now=now),
    ]


def coverage_stage(*, duration_s: float) -> dict[str, Any]:
    """The pipeline stage that recomputes `coverage` after buckets and watch time changed:
    the share of buckets touched, capped by watch time / duration, never lowered."""
    return {
        "$set": {
            "coverage": {
                "$max": [
                    {"$ifNull": ["$coverage", 0.0]},
                    {
                        "$min": [
                            {"$divide": [{"$size": "$buckets"}, settings.PROGRESS_BUCKETS]},
                            {"$divide": ["$watch_time_s", duration_s]},
                            1.0,
                        ]
                    },
                ]
            }
        }
    }


def completion_stage(*, completes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The pipeline stage that sets `completed_at` to `now` once `completes` (the lesson's
    `completion_expression`) holds; a completion already recorded stays."""
    return {
        "$set": {
            "completed_at": {
                "$ifNull": [
                    "$completed_at",
                    {"$cond": [completes, now, None]},
                ]
            }
        }
    }


def _seen_update(tag: str | None) -> dict[str, Any]:
    """Remember the beat's (view, seq) tag, the newest `_SEEN_KEEP` of them."""
    if tag is None:
        return {}
    return {
        "seen": {
            "$slice": [
                {"$concatArrays": [{"$ifNull": ["$seen", []]}, {"$literal": [tag]}]},
                -_SEEN_KEEP,
            ]
        }
    }


def _beat_filter(
    *,
    user_id: int,
    lesson_id: ObjectId,
    beat: Beat,
    now: datetime,
    max_rate: float | None = None,
    tag: str | None = None,
) -> dict:
    bound = now - timedelta(seconds=_needed_gap_s(beat, max_rate or _SITE_POLICY.max_rate))
    last_beat: dict[str, Any]
    if beat.span_s <= settings.PROGRESS_FIRST_BEAT_MAX_SPAN_S:
        # `$not $gt` also matches a document without any beat yet (e.g. made by /complete),
        # which may take a first beat. (Not `$or`: planners, SecantusDB's among them, fall
        # back to a collection scan for a top-level $or next to the indexed equality.)
        last_beat = {"$not": {"$gt": bound}}
    else:
        last_beat = {"$lte": bound}
    query = {"user_id": user_id, "lesson_id": lesson_id, "last_beat_at": last_beat}
    if tag is not None:
        query["seen"] = {"$ne": tag}  # a repeated (view, seq) matches nothing
    return query


def _explain_refusal(
    *, user_id: int, lesson_id: ObjectId, beat: Beat, now: datetime, max_rate: float
) -> None:
    """The beat did not match: raise 400 (span) or 429 (too soon); return if it should be
    tried again (the document changed or vanished between the update and this read)."""
    stored = LessonProgress._get_collection().find_one(
        {"user_id": user_id, "lesson_id": lesson_id}, {"last_beat_at": True}
    )
    _refuse(
        beat=beat,
        now=now,
        last_beat_at=stored.get("last_beat_at") if stored else None,
        max_rate=max_rate,
    )


def _refuse(*, beat: Beat, now: datetime, last_beat_at: datetime | None, max_rate: float) -> None:
    """Why a beat that did not pass the time bound was refused: 400 span or 429 too soon;
    returns when it should be tried again."""
    first_beat_max = settings.PROGRESS_FIRST_BEAT_MAX_SPAN_S
    if last_beat_at is None:
        if beat.span_s > first_beat_max:
            raise ValidationError(
                "Invalid heartbeat.",
                errors={
                    "played_to_s": [
                        f"The first beat of a lesson may claim at most {first_beat_max:g} s."
                    ]
                },
            )
        return
    if timezone.is_naive(last_beat_at):
        last_beat_at = timezone.make_aware(last_beat_at, UTC)
    elapsed_s = max((now - last_beat_at).total_seconds(), 0.0)
    interval = _heartbeat_interval_s()
    # A beat that comes too soon is judged as if it had come at the earliest allowed moment:
    # 429 if it would be valid then (e.g. a retried duplicate), 400 if it never could be.
    allowed_s = max_rate * max(elapsed_s, interval) + settings.PROGRESS_SPAN_SLACK_S
    if beat.span_s > allowed_s:
        raise ValidationError(
            "Invalid heartbeat.",
            errors={
                "played_to_s": [
                    f"The played span ({beat.span_s:g} s) is longer than the time since the "
                    f"previous beat allows ({allowed_s:g} s)."
                ]
            },
        )
    if elapsed_s < interval:
        raise Throttled(math.ceil(interval - elapsed_s), "One heartbeat per lesson every 2 s.")


@heartbeat_outcomes
def progress_record_heartbeat(
    *,
    user_id: int,
    lesson: LessonFacts,
    position_s: float,
    duration_s: float,
    played_from_s: float,
    played_to_s: float,
    now: datetime | None = None,
    # Typed `object` so callers may splat the four beat numbers from a dict[str, float];
    # anything but a ViewBeat or None is refused.
    view_beat: object = None,
) -> ProgressState:
    """Merge one heartbeat (the caller has checked the viewer may watch the lesson).

    `view_beat` is the beat's viewing session (`tracking.viewing`): the view must be this
    learner's, of this lesson, unexpired (403 otherwise); a repeated (view, seq) is answered
    with the current state and changes nothing (`credited_s` 0). Without one the beat is an
    old client's, refused when PROGRESS_REQUIRE_VIEW is on (400 view_required).
    `now` is injectable so tests can drive the wall-time rules without sleeping.
    Raises ValidationError, VideoNotReady, Throttled, ViewInvalid or ViewExpired (nothing
    written in each case).
    """
    if view_beat is not None and not isinstance(view_beat, viewing.ViewBeat):
        raise TypeError("view_beat must be a tracking.viewing.ViewBeat")
    view: viewing.View | None = None
    tag: str | None = None
    if view_beat is not None:
        view = viewing.view_check(
            view_id=view_beat.view_id, user_id=user_id, lesson_id=lesson.lesson_id, now=now
        )
        tag = f"{view.key}:{view_beat.seq}"
    elif settings.PROGRESS_REQUIRE_VIEW:
        raise ViewRequired("Heartbeats must carry the view_id and seq of a playback response.")
    if lesson.video == VideoReadiness.NOT_READY:
        # Nothing can be watched: a client's own duration_s must not earn coverage or a
        # completion that would then stand once a real video is ready.
        raise VideoNotReady("This lesson's video is not ready: the beat was not recorded.")
    beat = progress_validate_beat(
        lesson=lesson,
        position_s=position_s,
        duration_s=duration_s,
        played_from_s=played_from_s,
        played_to_s=played_to_s,
    )
    accepted = _AcceptedBeat(
        user_id=user_id,
        lesson=lesson,
        lesson_id=ObjectId(lesson.lesson_id),
        beat=beat,
        now=now,
        view=view,
        tag=tag,
    )
    if progress_buffer.enabled():
        try:
            return _record_live(accepted)
        except RedisError as exc:
            if not outage_record(exc):
                raise
            logger.warning("live progress unavailable: beat written to MongoDB directly")
    return _record_direct(accepted)


@dataclass(frozen=True)
class _AcceptedBeat:
    """A validated beat on its way to storage: whose, of which lesson, and its viewing
    session (`tag` is the view's "key:seq", the dedupe mark; None without a view)."""

    user_id: int
    lesson: LessonFacts
    lesson_id: ObjectId
    beat: Beat
    now: datetime | None
    view: viewing.View | None = None
    tag: str | None = None


def progress_completed_emit_if_now(
    *, user_id: int, lesson: LessonFacts, state: ProgressState, moment: datetime
) -> None:
    """Emit LessonCompleted when the state's completion is the write made at `moment`
    (`completed_at` is set once, to the moment of the write that completed it)."""
    if state.completed_at is not None and _same_ms(state.completed_at, moment):
        _completed_emit(user_id=user_id, lesson=lesson)


def progress_live_state_write_out(*, user_id: int, lesson_id: ObjectId) -> None:
    """Before a write that changes the learner's document of the lesson directly (an offline
    sync): write the live state's unwritten beats to MongoDB and take it out of Redis,
    waiting for a flusher that was writing it; the next beat seeds from the document. A
    Redis outage is recorded and skipped (beats go to MongoDB directly then). The resume
    read's "nothing saved" mark goes too: the document is what the next read must see."""
    if not progress_buffer.enabled():
        return
    try:
        if _live_state_settle(user_id=user_id, lesson_ids=[lesson_id], keep=True):
            _claims_wait(user_id=user_id, lesson_ids=[lesson_id])
        progress_buffer.resume_mark_drop(user_id=user_id, lesson_id=lesson_id)
    except RedisError as exc:
        if not outage_record(exc):
            raise


def _completed_emit(*, user_id: int, lesson: LessonFacts) -> None:
    """Tell the layers above that the lesson newly became complete (only then: a beat that
    completes nothing pays nothing for it)."""
    lesson_completed_emit(
        LessonCompleted(
            user_id=user_id,
            lesson_id=lesson.lesson_id,
            course_id=lesson.course_id,
            course_slug=lesson.course_slug,
        )
    )


def _needed_gap_s(beat: Beat, max_rate: float) -> float:
    """How long after the last accepted beat this one may come: the rate limit and the span
    rule in one bound, `max(interval, (span - slack) / max_rate)`; `max_rate` is the
    lesson's fastest credited speed (`CompletionPolicy.max_rate`, never above the site's)."""
    return max(_heartbeat_interval_s(), (beat.span_s - settings.PROGRESS_SPAN_SLACK_S) / max_rate)


def _record_live(accepted: _AcceptedBeat) -> ProgressState:
    """The beat judged and merged in Redis (one script), answered from that state; written
    to MongoDB by the flusher, or right now when it completes the lesson."""
    beat, lesson = accepted.beat, accepted.lesson
    outcome = progress_buffer.beat_apply(
        user_id=accepted.user_id,
        lesson_id=accepted.lesson_id,
        course_id=ObjectId(lesson.course_id),
        now=now_ms(accepted.now) if accepted.now is not None else None,
        gap_s=_needed_gap_s(beat, lesson.completion.max_rate),
        first_beat_allowed=beat.span_s <= settings.PROGRESS_FIRST_BEAT_MAX_SPAN_S,
        position_s=beat.position_s,
        played_to_s=beat.played_to_s if beat.span_s > 0 else 0.0,
        span_s=beat.span_s,
        duration_s=beat.duration_s,
        buckets=touched_buckets(beat),
        requirement=completion_requirement(policy=lesson.completion, duration_s=beat.duration_s),
        budget_rate=lesson.completion.max_rate,
        budget_from=accepted.view.issued_at if accepted.view is not None else None,
        seen_tag=accepted.tag,
    )
    if outcome.duplicate:
        assert outcome.state is not None
        return replace(progress_state_from_document(outcome.state), credited_s=0.0)
    if not outcome.accepted:
        _refuse(
            beat=beat,
            now=outcome.now,
            last_beat_at=outcome.last_beat_at,
            max_rate=lesson.completion.max_rate,
        )
        raise Throttled(1, "Another heartbeat for this lesson was just recorded.")
    if outcome.completed_now or not progress_buffer.write_behind():
        snapshot = progress_buffer.snapshot_read(
            user_id=accepted.user_id, lesson_id=accepted.lesson_id
        )
        if snapshot is not None:
            # A completion the learner is told about is in MongoDB before the answer.
            progress_buffer.snapshot_write(snapshot)
    else:
        progress_buffer.flusher.ensure_running()
    assert outcome.state is not None
    if outcome.completed_now:
        _completed_emit(user_id=accepted.user_id, lesson=lesson)
    return progress_state_from_document(outcome.state)


def _record_direct(accepted: _AcceptedBeat) -> ProgressState:
    """The beat as one conditional MongoDB upsert (no shared Redis); the (view, seq) dedupe
    is in the same update's filter (`seen`), so it is atomic too."""
    beat, lesson = accepted.beat, accepted.lesson
    moment = now_ms(accepted.now)
    collection = LessonProgress._get_collection()
    pipeline = _merge_pipeline(
        beat=beat,
        course_id=ObjectId(lesson.course_id),
        now=moment,
        policy=lesson.completion,
        view=accepted.view,
        tag=accepted.tag,
    )
    max_rate = lesson.completion.max_rate
    query = _beat_filter(
        user_id=accepted.user_id,
        lesson_id=accepted.lesson_id,
        beat=beat,
        now=moment,
        max_rate=max_rate,
        tag=accepted.tag,
    )
    key = {"user_id": accepted.user_id, "lesson_id": accepted.lesson_id}
    for _attempt in range(2):
        try:
            result = collection.update_one(
                query, pipeline, upsert=beat.span_s <= settings.PROGRESS_FIRST_BEAT_MAX_SPAN_S
            )
            written = result.matched_count > 0 or result.upserted_id is not None
        except DuplicateKeyError:
            # The document exists but did not match (too soon / span too long), or a racing
            # first beat inserted it a moment ago.
            written = False
        if written:
            state = _read_state(key)
            # `completed_at` is set once, to this beat's moment when this beat completed it.
            if state.completed_at is not None and _same_ms(state.completed_at, moment):
                _completed_emit(user_id=accepted.user_id, lesson=lesson)
            return state
        if accepted.tag is not None and collection.find_one(
            {**key, "seen": accepted.tag}, {"_id": True}
        ):
            return replace(_read_state(key), credited_s=0.0)  # a retry: nothing changes
        _explain_refusal(
            user_id=accepted.user_id,
            lesson_id=accepted.lesson_id,
            beat=beat,
            now=moment,
            max_rate=max_rate,
        )
    raise Throttled(1, "Another heartbeat for this lesson was just recorded.")


def _same_ms(stored: datetime, moment: datetime) -> bool:
    """MongoDB gives dates back naive (UTC) and to the millisecond."""
    if timezone.is_naive(stored):
        stored = timezone.make_aware(stored, UTC)
    return abs((stored - moment).total_seconds()) < 0.001


def _read_state(key: dict[str, Any]) -> ProgressState:
    """The document as it stands after our write, read by its unique key. (A separate
    indexed read rather than findAndModify: SecantusDB's findAndModify scans the collection;
    on mongod the two cost about the same.)"""
    document = LessonProgress._get_collection().find_one(key, _STATE_PROJECTION)
    return progress_state_from_document(document or {})


def progress_completion_allowed(*, lesson: LessonFacts) -> None:
    """An explicit completion is for lessons without video only
    (`catalog.video_state.lesson_video_readiness`, read now rather than from the cached
    facts): a ready video is completed by watching it (409 conflict); a video pending,
    processing, errored or removed cannot be completed at all yet (409 video_not_ready)."""
    readiness = lesson_video_readiness_by_id(lesson_id=lesson.lesson_id)
    if readiness == VideoReadiness.READY:
        raise Conflict("This lesson has a video: it is completed by watching it.")
    if readiness == VideoReadiness.NOT_READY:
        raise VideoNotReady("This lesson's video is not ready: nothing can complete it yet.")


def progress_lesson_opened(
    *, user_id: int, lesson: LessonFacts, now: datetime | None = None
) -> None:
    """The learner opened the page of a lesson without video that asks for a minimum time on
    the page (`CompletionPolicy.reading_min_s`): remember the first time (kept, never moved
    later), from which `progress_mark_complete` counts. Other lessons: nothing is written."""
    if lesson.completion.reading_min_s <= 0 or lesson.video != VideoReadiness.NONE:
        return
    moment = now_ms(now)
    key = {"user_id": user_id, "lesson_id": ObjectId(lesson.lesson_id)}
    update = {
        "$min": {"opened_at": moment},
        "$setOnInsert": {
            "course_id": ObjectId(lesson.course_id),
            "position_s": 0.0,
            "furthest_s": 0.0,
            "buckets": [],
            "watch_time_s": 0.0,
            "duration_s": 0.0,
            "beats": 0,
            "coverage": 0.0,
            "started_at": moment,
            "updated_at": moment,
            "completed_at": None,
        },
    }
    collection = LessonProgress._get_collection()
    for _attempt in range(2):
        try:
            collection.update_one(key, update, upsert=True)
            return
        except DuplicateKeyError:  # a racing first open: the retry updates its document
            continue


def _reading_time_check(*, key: dict[str, Any], lesson: LessonFacts, now: datetime) -> None:
    """A lesson asking for a minimum time on the page completes only that long after the
    learner first opened it (409 conflict otherwise, nothing written); a completion already
    recorded stands."""
    minimum = lesson.completion.reading_min_s
    if minimum <= 0:
        return
    stored = LessonProgress._get_collection().find_one(
        key, {"opened_at": True, "completed_at": True}
    )
    if stored and stored.get("completed_at") is not None:
        return
    opened_at = stored.get("opened_at") if stored else None
    if opened_at is None:
        raise Conflict(f"Open the lesson's page and read it for {minimum} s first.")
    if timezone.is_naive(opened_at):
        opened_at = timezone.make_aware(opened_at, UTC)
    remaining = minimum - (now - opened_at).total_seconds()
    if remaining > 0:
        raise Conflict(
            f"This lesson completes after {minimum} s on its page: {math.ceil(remaining)} s to go."
        )


def progress_mark_complete(
    *, user_id: int, lesson: LessonFacts, now: datetime | None = None
) -> ProgressState:
    """Complete a lesson without video (`progress_completion_allowed`, else 409, nothing
    written). Idempotent: the first completion time is kept."""
    progress_completion_allowed(lesson=lesson)
    moment = now_ms(now)
    collection = LessonProgress._get_collection()
    key = {"user_id": user_id, "lesson_id": ObjectId(lesson.lesson_id)}
    _reading_time_check(key=key, lesson=lesson, now=moment)
    _live_state_settle(user_id=user_id, lesson_ids=[ObjectId(lesson.lesson_id)], keep=True)
    pipeline = [
        {
            "$set": {
                "course_id": {"$ifNull": ["$course_id", {"$literal": ObjectId(lesson.course_id)}]},
                "position_s": {"$ifNull": ["$position_s", 0.0]},
                "furthest_s": {"$ifNull": ["$furthest_s", 0.0]},
                "buckets": {"$ifNull": ["$buckets", []]},
                "watch_time_s": {"$ifNull": ["$watch_time_s", 0.0]},
                "duration_s": {"$ifNull": ["$duration_s", 0.0]},
                "beats": {"$ifNull": ["$beats", 0]},
                "coverage": 1.0,
                "started_at": {"$ifNull": ["$started_at", {"$literal": moment}]},
                "updated_at": {"$literal": moment},
                "completed_at": {"$ifNull": ["$completed_at", {"$literal": moment}]},
            }
        }
    ]
    for _attempt in range(2):
        try:
            collection.update_one(key, pipeline, upsert=True)
            state = _read_state(key)
            if state.completed_at is not None and _same_ms(state.completed_at, moment):
                _completed_emit(user_id=user_id, lesson=lesson)
            return replace(state, credited_s=None)
        except DuplicateKeyError:  # a racing first write: the retry updates its document
            continue
    raise Throttled(1, "Another request for this lesson was just recorded.")


def progress_reset(
    *,
    actor_id: int,
    course_id: ObjectId,
    user_id: int,
    lesson_id: ObjectId | None = None,
) -> int:
    """Forget one learner's progress on a lesson of the course, or on the whole course.
    The caller has checked the actor is staff of the course. Audited; returns how many
    progress documents were removed."""
    query: dict[str, Any] = {"user_id": user_id, "course_id": course_id}
    if lesson_id is not None:
        query["lesson_id"] = lesson_id
    collection = LessonProgress._get_collection()
    live = _live_lessons(user_id=user_id, course_id=course_id, lesson_id=lesson_id)
    claimed = _live_state_settle(user_id=user_id, lesson_ids=live, keep=False)
    removed = collection.delete_many(query).deleted_count
    if claimed:
        # A flusher was writing one of them: once its write has landed, delete again.
        _claims_wait(user_id=user_id, lesson_ids=live)
        removed += collection.delete_many(query).deleted_count
    audit_record(
        actor_id=actor_id,
        action="progress.reset",
        target_type="course" if lesson_id is None else "lesson",
        target_id=lesson_id if lesson_id is not None else course_id,
        details={
            "course_id": str(course_id),
            "lesson_id": str(lesson_id) if lesson_id is not None else None,
            "user_id": user_id,
            "removed": removed,
        },
    )
    return removed


# ---------------------------------------------------------------- live state housekeeping


def _live_lessons(*, user_id: int, course_id: ObjectId, lesson_id: ObjectId | None) -> list:
    """Lessons of the course with a live state for this learner (or the one lesson)."""
    if not progress_buffer.enabled():
        return []
    if lesson_id is not None:
        return [lesson_id]
    found = []
    for member in progress_buffer.live_members_of_user(user_id):
        snapshot = progress_buffer.snapshot_read(
            user_id=user_id, lesson_id=ObjectId(member.split(":", 1)[1])
        )
        if snapshot is not None and snapshot.course_id == course_id:
            found.append(snapshot.lesson_id)
    return found


def _live_state_settle(*, user_id: int, lesson_ids: list, keep: bool) -> bool:
    """Take these live states out of Redis before the document is changed directly: their
    unwritten beats are written first (`keep`) or dropped (a reset). Returns whether a
    flusher was writing one of them at that moment."""
    if not progress_buffer.enabled():
        return False
    claimed_any = False
    for lesson_id in lesson_ids:
        snapshot, claimed = progress_buffer.state_evict(user_id=user_id, lesson_id=lesson_id)
        claimed_any = claimed_any or claimed
        if keep and snapshot is not None:
            progress_buffer.snapshot_write(snapshot)
    return claimed_any


def _claims_wait(*, user_id: int, lesson_ids: list) -> None:
    members = [progress_buffer.member_of(user_id, lesson_id) for lesson_id in lesson_ids]
    deadline = time.monotonic() + settings.PROGRESS_FLUSH_CLAIM_TIMEOUT_S + 1
    while progress_buffer.claims_pending(members) and time.monotonic() < deadline:
        time.sleep(0.05)
