"""What students of a lesson play, cached in the shared cache: the ready video's playback
and asset ids, the duration its tokens must cover, and the ready caption tracks of that
asset. A playback request then reads no MongoDB document for them.

Every entry carries the lesson's stamp (a random token) it was built under, and counts only
while the stamp is unchanged. The writers of what students play change the stamp AFTER their
MongoDB write: the video state machine (`playback.services.lesson_video_changed`, on every
change of the playable video or the duration it sets) and the caption lifecycle
(`playback.captions_services.captions_changed`). A reader builds an entry under the stamp it
read BEFORE reading MongoDB, so an entry built from a document older than a write carries a
stamp that write has already replaced, and is never served; no reader can put back a stale
entry. A lost stamp (evicted, a Redis blip) only means a miss. Entries also expire after
`_ENTRY_TTL_S`, bounding what a change whose stamp update was lost to an outage can leave.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from catalog.documents import Lesson
from catalog.video_state import lesson_has_ready_video, lesson_video_duration
from learnstream.cache import cache_add, cache_get_many, cache_set
from learnstream.errors import NotFound
from playback.captions_documents import Caption, CaptionState

_ENTRY_TTL_S = 300
_STAMP_TTL_S = 7 * 86400  # far longer than an entry: a stamp that expires is a miss


@dataclass(frozen=True)
class CaptionTrack:
    """A ready caption of the asset students play (its URL is signed per request)."""

    id: str
    language: str
    label: str
    closed_captions: bool
    track_id: str


@dataclass(frozen=True)
class PlaybackSource:
    playback_id: str
    asset_id: str
    duration_s: float  # what the tokens must cover (`lesson_video_duration`)
    captions: tuple[CaptionTrack, ...] = ()


def _stamp_key(lesson_id: str) -> str:
    return f"playback-stamp:v1:{lesson_id}"


def _entry_key(lesson_id: str) -> str:
    return f"playback-source:v1:{lesson_id}"


def _caption_tracks(*, lesson_oid: ObjectId, asset_id: str) -> tuple[CaptionTrack, ...]:
    """The ready text tracks of the asset, by language."""
    rows = (
        Caption._get_collection()
        .find(
            {
                "lesson_id": lesson_oid,
                "current.state": CaptionState.READY,
                "current.asset_id": asset_id,
            },
            {"language": 1, "label": 1, "closed_captions": 1, "current.track_id": 1},
        )
        .sort("language", 1)
    )
    return tuple(
        CaptionTrack(
            id=str(row["_id"]),
            language=row["language"],
            label=row["label"],
            closed_captions=bool(row.get("closed_captions")),
            track_id=row["current"]["track_id"],
        )
        for row in rows
        if row["current"].get("track_id")
    )


def _load(lesson_oid: ObjectId) -> PlaybackSource | None:
    """From MongoDB: None when the lesson has no ready video (students get a 409)."""
    lesson = Lesson.objects(id=lesson_oid).only("video", "duration_s").first()
    if lesson is None:
        raise NotFound("Lesson not found.")
    if not lesson_has_ready_video(lesson):
        return None
    current = lesson.video.current
    return PlaybackSource(
        playback_id=current.playback_id,
        asset_id=current.asset_id,
        duration_s=lesson_video_duration(lesson),
        captions=_caption_tracks(lesson_oid=lesson_oid, asset_id=current.asset_id),
    )


def playback_source_keys(*, lesson_id: str) -> tuple[str, str]:
    """The cache keys `playback_source_get` reads, for a caller that fetches them along with
    its own (the access check: `catalog.access.lesson_get_watchable(also=...)`)."""
    return _stamp_key(lesson_id), _entry_key(lesson_id)


def playback_source_get(
    *, lesson_id: str, cached: dict[str, Any] | None = None
) -> PlaybackSource | None:
    """What students of the lesson play now (None: nothing ready). From the cache entries
    (`cached`: already fetched by the caller, else one round trip here), or read from
    MongoDB and cached under the stamp read first."""
    stamp_key, entry_key = playback_source_keys(lesson_id=lesson_id)
    found = cached if cached is not None else cache_get_many([stamp_key, entry_key])
    stamp, entry = found.get(stamp_key), found.get(entry_key)
    if isinstance(stamp, str) and isinstance(entry, tuple) and entry[0] == stamp:
        return entry[1]
    if not isinstance(stamp, str):
        fresh = secrets.token_hex(8)
        # Only the reader that creates the stamp may build under it; if a writer (or another
        # reader) set one meanwhile, this request is served uncached.
        stamp = fresh if cache_add(stamp_key, fresh, timeout=_STAMP_TTL_S) else None
    source = _load(ObjectId(lesson_id))
    if stamp is not None:
        cache_set(entry_key, (stamp, source), timeout=_ENTRY_TTL_S)
    return source


def playback_source_changed(*, lesson_oid: ObjectId | str) -> None:
    """Call after a MongoDB write that changes what students of the lesson play (its ready
    video, that video's duration, or a ready caption track): cached entries stop counting."""
    cache_set(_stamp_key(str(lesson_oid)), secrets.token_hex(8), timeout=_STAMP_TTL_S)
