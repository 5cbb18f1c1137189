"""A lesson's video: its states and the subdocument embedded in `catalog.documents.Lesson`.

A lesson's video is live data, not part of a published snapshot. Each upload starts a new
generation; the lesson keeps playing its `current` (ready) generation until the `pending`
one becomes ready, so replacing a video never leaves students without one.
"""

from __future__ import annotations

import mongoengine as me


class VideoState:
    NONE = "none"
    AWAITING_UPLOAD = "awaiting_upload"
    PROCESSING = "processing"
    READY = "ready"
    ERRORED = "errored"
    CANCELLED = "cancelled"
    DELETED = "deleted"

    ALL = (NONE, AWAITING_UPLOAD, PROCESSING, READY, ERRORED, CANCELLED, DELETED)


class VideoGeneration(me.EmbeddedDocument):
    upload_id = me.StringField(max_length=128)
    asset_id = me.StringField(max_length=128)
    playback_id = me.StringField(max_length=128)
    state = me.StringField(choices=VideoState.ALL, default=VideoState.AWAITING_UPLOAD)
    duration_s = me.FloatField(min_value=0)
    aspect_ratio = me.StringField(max_length=16)
    error = me.StringField(max_length=2000)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()


class RetiredAsset(me.EmbeddedDocument):
    """A Mux asset no generation plays any more (replaced by a newer upload, or superseded
    while pending). Written in the same atomic update that retires it, deleted at Mux by
    `manage.py delete_orphan_assets` after MUX_ASSET_GRACE_DAYS, then dropped from the list."""

    asset_id = me.StringField(max_length=128, required=True)
    reason = me.StringField(choices=("replaced", "superseded"), required=True)
    retired_at = me.DateTimeField(required=True)


class LessonVideo(me.EmbeddedDocument):
    current = me.EmbeddedDocumentField(VideoGeneration)
    pending = me.EmbeddedDocumentField(VideoGeneration)
    # default None: lessons that never retired an asset carry no empty list.
    retired = me.ListField(me.EmbeddedDocumentField(RetiredAsset), default=None)
