"""Progress in MongoDB: one document per (learner, lesson), never one per heartbeat.

The hot path (heartbeats) writes through raw pymongo operators in one atomic update
(`tracking.services`); this class declares the shape and the indexes and serves reads.
"""

from __future__ import annotations

import mongoengine as me
from django.conf import settings


class LessonProgress(me.Document):
    user_id = me.IntField(required=True)  # the SQL user id (an int, never the JWT string)
    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    position_s = me.FloatField(default=0)  # last reported position: where to resume
    furthest_s = me.FloatField(default=0)  # furthest point actually played to
    # Indexes (0..PROGRESS_BUCKETS-1) of the 1%-of-duration buckets any played span touched.
    buckets = me.ListField(me.IntField(), default=list)
    coverage = me.FloatField(default=0)  # 0..1, see services._coverage_expression
    watch_time_s = me.FloatField(default=0)  # media seconds played (sum of accepted spans)
    duration_s = me.FloatField(default=0)  # the duration the buckets were measured against
    beats = me.IntField(default=0)  # accepted heartbeats
    last_beat_at = me.DateTimeField()  # server time of the last accepted beat
    started_at = me.DateTimeField()
    updated_at = me.DateTimeField()
    # First opening of a reading lesson's page that asks for a minimum time on it.
    opened_at = me.DateTimeField()
    completed_at = me.DateTimeField()  # set once, never cleared (except by an audited reset)
    completed_by = me.StringField()  # "policy": completed when the lesson's bar was lowered

    meta = {
        "collection": "lesson_progress",
        "indexes": [
            {"fields": ["user_id", "lesson_id"], "unique": True},
            ("course_id", "lesson_id"),
            ("course_id", "user_id"),
            "updated_at",
        ],
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }


class OfflineSyncBatch(me.Document):
    """One applied (or being applied) offline sync batch of a learner (`tracking.offline_sync`):
    a re-sent batch id is answered from `result` and changes nothing, even after the progress
    it credited was reset. Kept when progress is reset; removed with the account."""

    user_id = me.IntField(required=True)
    batch_id = me.StringField(required=True)
    device_id = me.StringField(required=True)
    fingerprint = me.StringField(required=True)  # sha256 of the batch's canonical content
    state = me.StringField(required=True, choices=("applying", "applied"))
    result = me.DictField()
    created_at = me.DateTimeField(required=True)
    applied_at = me.DateTimeField()

    meta = {
        "collection": "offline_sync_batches",
        "indexes": [{"fields": ["user_id", "batch_id"], "unique": True}],
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }
