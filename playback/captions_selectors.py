"""Caption reads: the staff view, the tracks a player gets, transcripts and course search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from accounts.roles import Viewer, user_id_of
from catalog.access import course_is_staff, lesson_get_watchable
from catalog.documents import CourseVersion
from catalog.enrollment_cache import enrollment_is_active
from catalog.lesson_video import VideoState
from catalog.selectors import course_get_published_by_slug
from catalog.video_state import lesson_video_state
from learnstream.errors import NotFound, ValidationError
from playback.captions_documents import Caption, CaptionState
from playback.captions_format import Cue, captions_parse, cue_plain_text
from playback.captions_search import transcript_search
from playback.captions_services import (
    caption_get_for_staff,
    caption_lesson_for_staff,
    caption_track_url,
)
from playback.playback_source import CaptionTrack


@dataclass(frozen=True)
class CaptionView:
    id: str
    language: str
    label: str
    closed_captions: bool
    source: str
    state: str
    error: str | None
    reviewed: bool
    updated_at: datetime
    vtt: str
    # Whether students get a (possibly older) version right now, e.g. while an edit processes.
    serving: bool


@dataclass(frozen=True)
class PlaybackCaption:
    id: str
    language: str
    label: str
    closed_captions: bool
    url: str


def caption_view(caption: Caption) -> CaptionView:
    """What staff see: the newest version's state (pending if any, else current) and text."""
    shown = caption.pending or caption.current
    return CaptionView(
        id=str(caption.id),
        language=caption.language,
        label=caption.label,
        closed_captions=bool(caption.closed_captions),
        source=caption.source,
        state=shown.state if shown else CaptionState.ERRORED,
        error=shown.error if shown and shown.state != CaptionState.READY else None,
        reviewed=bool(caption.reviewed),
        updated_at=caption.updated_at,
        vtt=(shown.vtt if shown and shown.vtt else (caption.current.vtt if caption.current else ""))
        or "",
        serving=bool(caption.current and caption.current.state == CaptionState.READY),
    )


def caption_list_for_staff(*, user: Viewer, lesson_id: Any) -> list[CaptionView]:
    facts = caption_lesson_for_staff(user=user, lesson_id=lesson_id)
    captions = Caption.objects(lesson_id=ObjectId(facts.lesson_id)).order_by("language")
    return [caption_view(caption) for caption in captions]


def caption_detail_for_staff(*, user: Viewer, lesson_id: Any, caption_id: Any) -> CaptionView:
    return caption_view(
        caption_get_for_staff(user=user, lesson_id=lesson_id, caption_id=caption_id)
    )


def playback_captions(
    *, tracks: tuple[CaptionTrack, ...], playback_id: str, token: str
) -> list[PlaybackCaption]:
    """The ready text tracks of the asset students play (`playback_source`), each with a
    signed WebVTT URL that works as long as the video token."""
    return [
        PlaybackCaption(
            id=track.id,
            language=track.language,
            label=track.label,
            closed_captions=track.closed_captions,
            url=caption_track_url(playback_id=playback_id, track_id=track.track_id, token=token),
        )
        for track in tracks
    ]


@dataclass(frozen=True)
class Transcript:
    language: str
    label: str
    cues: list[Cue]
    vtt: str


def lesson_transcript_get(*, user: Viewer, lesson_id: Any, language: str | None) -> Transcript:
    """The served captions of a lesson as cues, for a viewer who may watch it (404, 403).
    Without `language`: the first ready language (alphabetically)."""
    access = lesson_get_watchable(user=user, lesson_id=lesson_id)
    query: dict[str, Any] = {
        "lesson_id": ObjectId(access.facts.lesson_id),
        "current.state": CaptionState.READY,
    }
    if language:
        if not isinstance(language, str) or len(language) > 35:
            raise ValidationError("Unknown language.", errors={"language": ["Unknown language."]})
        query["language"] = language
    doc = (
        Caption._get_collection()
        .find(query, {"language": 1, "label": 1, "current.vtt": 1})
        .sort("language", 1)
        .limit(1)
    )
    found = next(iter(doc), None)
    if found is None:
        raise NotFound("This lesson has no transcript in that language.")
    vtt = found["current"].get("vtt") or ""
    cues = [
        Cue(start_s=cue.start_s, end_s=cue.end_s, text=cue_plain_text(cue.text))
        for cue in (captions_parse(vtt) if vtt else [])
    ]
    return Transcript(language=found["language"], label=found["label"], cues=cues, vtt=vtt)


def lesson_transcript_languages(*, lesson_id: str) -> list[dict[str, str]]:
    """Languages with ready captions (the lesson page's transcript panel lists them)."""
    rows = (
        Caption._get_collection()
        .find(
            {"lesson_id": ObjectId(lesson_id), "current.state": CaptionState.READY},
            {"language": 1, "label": 1},
        )
        .sort("language", 1)
    )
    return [{"language": row["language"], "label": row["label"]} for row in rows]


@dataclass(frozen=True)
class SearchResult:
    lesson_id: str
    lesson_title: str
    start_s: float
    text: str


def course_transcript_search(*, user: Viewer, slug: Any, query: Any) -> list[SearchResult]:
    """Search the transcripts of the course's published lessons the caller may watch: all
    of them when enrolled (or staff), the preview lessons otherwise."""
    if not isinstance(query, str) or not query.strip():
        raise ValidationError("Say what to search for.", errors={"q": ["This field is required."]})
    if len(query) > 200:
        raise ValidationError("The search is too long.", errors={"q": ["At most 200 characters."]})
    course = course_get_published_by_slug(slug=slug)
    version = (
        CourseVersion.objects(course_id=course.id, version=course.version).only("lessons").first()
    )
    if version is None:
        raise NotFound("Course not found.")
    lessons = sorted(version.lessons, key=lambda item: item.position)
    sees_all = course_is_staff(user=user, instructor_ids=course.instructor_ids()) or (
        enrollment_is_active(user_id=user_id_of(user), course_id=str(course.id))
    )
    watchable = [item for item in lessons if sees_all or item.is_preview]
    order = {str(item.lesson_id): index for index, item in enumerate(watchable)}
    titles = {str(item.lesson_id): item.title for item in watchable}
    hits = transcript_search(course_id=str(course.id), query=query, lesson_order=order)
    return [
        SearchResult(
            lesson_id=cue.lesson_id,
            lesson_title=titles[cue.lesson_id],
            start_s=cue.start_s,
            text=cue.text,
        )
        for cue, _score in hits
    ]


# --- the course caption report -------------------------------------------------------------


@dataclass(frozen=True)
class LessonCaptionStatus:
    lesson_id: str
    title: str
    has_video: bool
    # The caption in the course language (primary subtag match), if any.
    language: str | None
    state: str | None  # of the newest version, as staff see it
    reviewed: bool
    source: str | None
    error: str | None
    serving: bool
    other_languages: list[str]

    @property
    def needs_work(self) -> bool:
        """A video lesson lacks reviewed captions in the course language that students get."""
        return self.has_video and not (self.reviewed and self.serving)


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


def course_caption_report(*, course_language: str, lessons: list[Any]) -> list[LessonCaptionStatus]:
    """For each lesson of an outline (draft lessons, in order, already checked to be the
    caller's): its captions in the course language and the other languages it has. Reading
    lessons (no video ever) need none. One query whatever the number of lessons."""
    wanted = _primary(course_language or "")
    by_lesson: dict[ObjectId, list[Caption]] = {}
    for caption in Caption.objects(lesson_id__in=[lesson.id for lesson in lessons]).order_by(
        "language"
    ):
        by_lesson.setdefault(caption.lesson_id, []).append(caption)
    report = []
    for lesson in lessons:
        captions = by_lesson.get(lesson.id, [])
        # An exact tag first (pt-BR for a pt-BR course), else any with the same primary tag.
        matching = sorted(
            (c for c in captions if _primary(c.language) == wanted),
            key=lambda c: (c.language.lower() != (course_language or "").lower(), c.language),
        )
        chosen = caption_view(matching[0]) if matching else None
        report.append(
            LessonCaptionStatus(
                lesson_id=str(lesson.id),
                title=lesson.title,
                has_video=lesson_video_state(lesson) != VideoState.NONE,
                language=chosen.language if chosen else None,
                state=chosen.state if chosen else None,
                reviewed=bool(chosen and chosen.reviewed),
                source=chosen.source if chosen else None,
                error=chosen.error if chosen else None,
                serving=bool(chosen and chosen.serving),
                other_languages=[
                    c.language for c in captions if not chosen or c.language != chosen.language
                ],
            )
        )
    return report
