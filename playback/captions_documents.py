"""Captions of a lesson, one document per (lesson, language), in the `captions` collection.

A caption's text lives here (the WebVTT LearnStream sent to Mux); Mux serves it as a text
track on the lesson's asset. Like the video, each version is a generation: `current` is the
track students get, `pending` an edited version (or a re-attachment to a replaced video) on
its way. When `pending` turns ready it replaces `current`, so an edit never leaves students
without captions.
"""

from __future__ import annotations

import mongoengine as me
from django.conf import settings
from django.utils import timezone


class CaptionState:
    PROCESSING = "processing"
    READY = "ready"
    ERRORED = "errored"
    DELETED = "deleted"

    ALL = (PROCESSING, READY, ERRORED, DELETED)


class CaptionSource:
    UPLOADED = "uploaded"
    GENERATED = "generated"

    ALL = (UPLOADED, GENERATED)


class CaptionTrack(me.EmbeddedDocument):
    # Names this generation in the track's Mux passthrough ("{caption id}:{rev}"), so track
    # webhooks find it even when they overtake the API answer that names the track id.
    rev = me.StringField(required=True, max_length=32)
    asset_id = me.StringField(max_length=128)
    track_id = me.StringField(max_length=128)
    # Automatic captions requested with a direct upload: the upload whose asset they come
    # with (no asset yet when they are requested).
    upload_id = me.StringField(max_length=128)
    state = me.StringField(choices=CaptionState.ALL, default=CaptionState.PROCESSING)
    error = me.StringField(max_length=2000)
    vtt = me.StringField()  # empty for generated tracks until Mux's text is read
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()


class Caption(me.Document):
    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    language = me.StringField(required=True, max_length=35)
    label = me.StringField(required=True, max_length=100)
    closed_captions = me.BooleanField(default=False)
    source = me.StringField(choices=CaptionSource.ALL, default=CaptionSource.UPLOADED)
    reviewed = me.BooleanField(default=False)
    current = me.EmbeddedDocumentField(CaptionTrack)
    pending = me.EmbeddedDocumentField(CaptionTrack)
    # The served text's cues in searchable form: [[start_s, end_s, text, folded text], …],
    # rewritten whenever `current` changes. Empty until a version is ready.
    cues = me.ListField(me.ListField(), default=list)
    created_at = me.DateTimeField(default=timezone.now)
    updated_at = me.DateTimeField(default=timezone.now)

    meta = {
        "collection": "captions",
        "indexes": [
            {"fields": ["lesson_id", "language"], "unique": True},
            "course_id",
            "pending.track_id",
            "current.track_id",
        ],
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }
