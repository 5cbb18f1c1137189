"""When a lesson counts as complete: the one rule, and its re-evaluation after a policy change.

`completion_requirement` turns a lesson's policy (`catalog.completion.CompletionPolicy`) and a
duration into what a learner must have played: at least `buckets_needed` of the first
`content_buckets` 1%-buckets (those before the end credits), and at least `watch_time_s`
media seconds. Both must hold, as for coverage: touching buckets without playing them, or
playing one stretch over and over, completes nothing. The heartbeat's atomic update renders
it as an aggregation expression (`completion_expression`); the bulk re-evaluation selects
candidates with a plain query filter on the stored `coverage` (exactly the rule for the whole
video) and checks them with `completion_met` (needed with end credits); a test holds the
three to the same answers.

`completed_at` is set once and never cleared: a stricter policy keeps existing completions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.utils import timezone
from pymongo import UpdateOne
from redis.exceptions import RedisError

from catalog.completion import CompletionPolicy, CompletionPolicyChange
from learnstream.audit import audit_record
from learnstream.outages import outage_record
from tracking import progress_buffer
from tracking.documents import LessonProgress

# Floating-point sums of spans may land a hair under the threshold (0.8999999…).
EPSILON = 1e-9
# Writes of one bulk_write call in the re-evaluation.
_BULK_BATCH = 1000


@dataclass(frozen=True)
class CompletionRequirement:
    content_buckets: int  # the buckets before the end credits (all of them: no credits)
    buckets_needed: int  # of those, how many must have been played
    watch_time_s: float  # media seconds that must have been played

    @property
    def whole_video(self) -> bool:
        return self.content_buckets >= settings.PROGRESS_BUCKETS


def completion_requirement(*, policy: CompletionPolicy, duration_s: float) -> CompletionRequirement:
    """What completes a lesson of `duration_s` seconds under `policy`."""
    count = settings.PROGRESS_BUCKETS
    content = count
    if policy.credits_start_s is not None and duration_s > 0:
        content = min(count, max(1, math.floor(policy.credits_start_s / duration_s * count)))
    share = policy.share - EPSILON
    return CompletionRequirement(
        content_buckets=content,
        buckets_needed=max(1, math.ceil(share * content)),
        watch_time_s=share * duration_s * content / count,
    )


def completion_expression(requirement: CompletionRequirement) -> dict[str, Any]:
    """The requirement as an aggregation expression over a progress document's `buckets`
    and `watch_time_s` (true when met)."""
    played: dict[str, Any]
    if requirement.whole_video:
        played = {"$size": "$buckets"}
    else:
        played = {
            "$size": {
                "$filter": {
                    "input": "$buckets",
                    "cond": {"$lt": ["$$this", requirement.content_buckets]},
                }
            }
        }
    return {
        "$and": [
            {"$gte": [played, requirement.buckets_needed]},
            {"$gte": ["$watch_time_s", requirement.watch_time_s]},
        ]
    }


def completion_met(requirement: CompletionRequirement, document: dict[str, Any]) -> bool:
    """The requirement checked on a stored progress document."""
    buckets = document.get("buckets") or []
    played = sum(1 for index in buckets if index < requirement.content_buckets)
    watched = float(document.get("watch_time_s") or 0.0)
    return played >= requirement.buckets_needed and watched >= requirement.watch_time_s


def _coverage_floor(requirement: CompletionRequirement, duration_s: float) -> float:
    """Stored coverage is min(buckets / count, watch time / duration), so a document that
    meets the requirement has at least this much. For the whole video the converse holds
    too (coverage >= floor is the rule itself); with credits it only narrows the candidates,
    hence the margin for rounding."""
    floor = min(
        requirement.buckets_needed / settings.PROGRESS_BUCKETS,
        requirement.watch_time_s / duration_s,
    )
    return floor if requirement.whole_video else floor - EPSILON


def _live_states_write_out(lesson_oid: ObjectId) -> None:
    """Write the lesson's live states (Redis) to MongoDB and take them out, so the bulk pass
    sees every accepted beat and the next beat starts from the re-evaluated document."""
    if not progress_buffer.enabled():
        return
    try:
        for member in progress_buffer.live_members_of_lesson(lesson_oid):
            user_id = int(member.split(":", 1)[0])
            snapshot, _claimed = progress_buffer.state_evict(user_id=user_id, lesson_id=lesson_oid)
            if snapshot is not None:  # merged order-safely, even next to a flusher's write
                progress_buffer.snapshot_write(snapshot)
    except RedisError as exc:
        if not outage_record(exc):
            raise


@dataclass(frozen=True)
class PolicyApplied:
    lesson_id: str
    examined: int
    completed: int


def progress_completion_reevaluate(
    *,
    lesson_id: str,
    course_id: str,
    policy: CompletionPolicy,
    actor_id: int,
    before: CompletionPolicy | None = None,
    now: datetime | None = None,
) -> PolicyApplied:
    """Complete, in one bulk pass, every learner of the lesson who has not completed it and
    meets `policy` now. Audited (one entry with the count). Never clears a completion."""
    moment = now or timezone.now()
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    collection = LessonProgress._get_collection()
    lesson_oid = ObjectId(lesson_id)
    # course_id first: the (course_id, lesson_id) index serves the query.
    open_filter = {"course_id": ObjectId(course_id), "lesson_id": lesson_oid, "completed_at": None}
    completion = {"completed_at": moment, "completed_by": "policy"}
    examined = completed = 0
    _live_states_write_out(lesson_oid)
    durations = collection.distinct("duration_s", {**open_filter, "duration_s": {"$gt": 0}})
    for duration in durations:
        requirement = completion_requirement(policy=policy, duration_s=float(duration))
        query = {
            **open_filter,
            "duration_s": duration,
            "coverage": {"$gte": _coverage_floor(requirement, float(duration))},
        }
        # Candidates (for the whole video, exactly who qualifies) are read once and completed
        # with bulk_write in batches: no single command runs for long, so a lesson with
        # 100,000 learners never meets a server's per-operation timeout.
        projection = {"watch_time_s": True}
        if not requirement.whole_video:  # only the buckets before the credits count
            projection["buckets"] = True
        candidates = list(collection.find(query, projection))
        examined += len(candidates)
        qualifying = [
            document["_id"]
            for document in candidates
            if requirement.whole_video or completion_met(requirement, document)
        ]
        for start in range(0, len(qualifying), _BULK_BATCH):
            batch = [
                UpdateOne({"_id": document_id, "completed_at": None}, {"$set": completion})
                for document_id in qualifying[start : start + _BULK_BATCH]
            ]
            completed += collection.bulk_write(batch, ordered=False).modified_count
    # A beat that came during the pass was merged in Redis from the document as it was.
    _live_states_write_out(lesson_oid)
    audit_record(
        actor_id=actor_id,
        action="progress.completion_policy",
        target_type="lesson",
        target_id=lesson_id,
        details={
            "course_id": course_id,
            "before": before.as_dict() if before else None,
            "policy": policy.as_dict(),
            "examined": examined,
            "completed": completed,
        },
    )
    return PolicyApplied(lesson_id=lesson_id, examined=examined, completed=completed)


def _easier(before: CompletionPolicy, after: CompletionPolicy) -> bool:
    """Could someone who did not qualify before qualify now?"""
    if after.share < before.share:
        return True
    earlier_credits = after.credits_start_s is not None and (
        before.credits_start_s is None or after.credits_start_s < before.credits_start_s
    )
    return earlier_credits


def on_completion_policy_change(change: CompletionPolicyChange) -> None:
    """Listener of `catalog.completion`: a change that lowers the bar completes who now
    qualifies; any other change is audited and completes nobody."""
    if _easier(change.before, change.after):
        progress_completion_reevaluate(
            lesson_id=change.lesson_id,
            course_id=change.course_id,
            policy=change.after,
            before=change.before,
            actor_id=change.actor_id,
        )
        return
    audit_record(
        actor_id=change.actor_id,
        action="progress.completion_policy",
        target_type="lesson",
        target_id=change.lesson_id,
        details={
            "course_id": change.course_id,
            "before": change.before.as_dict(),
            "policy": change.after.as_dict(),
            "examined": 0,
            "completed": 0,
        },
    )
