"""Lesson video reads: signed playback for viewers, video status for instructors, and the
lesson page (outline, neighbours, player or enrol prompt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId

from accounts.roles import Viewer, is_signed_in, user_id_of
from catalog.access import LessonAccess, lesson_get_for_viewer, lesson_get_watchable
from catalog.documents import Course, CourseVersion, Lesson
from catalog.lesson_video import LessonVideo, VideoState
from catalog.services import lesson_body_html, lessons_in_outline
from catalog.video_state import (
    lesson_has_ready_video,
    lesson_video_coming,
    lesson_video_duration,
    lesson_video_state,
)
from learnstream.errors import NotFound, PermissionDenied, ServiceUnavailable, VideoNotReady
from learnstream.ids import object_id_or_404
from playback import signing
from playback.captions_selectors import PlaybackCaption, playback_captions
from playback.playback_source import PlaybackSource, playback_source_get, playback_source_keys
from tracking.selectors import CourseProgress, course_progress_of_version, progress_resume_position
from tracking.viewing import view_issue


@dataclass(frozen=True)
class LessonPlayback:
    playback_id: str
    stream_url: str
    thumbnail_url: str
    storyboard_url: str
    tokens: signing.PlaybackTokens
    expires_at: datetime
    resume_position_s: float
    captions: list[PlaybackCaption] = field(default_factory=list)
    # The viewing session heartbeats carry (`tracking.viewing`); None for a viewer without
    # a learner id.
    view: dict[str, Any] | None = None


@dataclass(frozen=True)
class LessonVideoStatus:
    state: str
    error: str | None
    duration_s: float | None
    aspect_ratio: str | None
    thumbnail_url: str | None
    # Whether students can play a (possibly older) ready video right now, e.g. while a
    # replacement is processing or after it failed.
    playable: bool


def _lesson_video(lesson_oid: ObjectId) -> Lesson:
    lesson = Lesson.objects(id=lesson_oid).only("video", "duration_s").first()
    if lesson is None:
        raise NotFound("Lesson not found.")
    return lesson


def lesson_playable_source(*, user: Viewer, lesson_id: Any) -> tuple[LessonAccess, PlaybackSource]:
    """The access check and what the lesson plays, for a viewer who may watch: 404, then 403,
    then 409 video_not_ready. What students play is read in the access check's cache round
    trip."""
    lesson_oid = object_id_or_404(lesson_id, "Lesson")
    keys = playback_source_keys(lesson_id=str(lesson_oid))
    access = lesson_get_watchable(user=user, lesson_id=lesson_oid, also=keys)
    source = playback_source_get(lesson_id=access.facts.lesson_id, cached=access.also)
    if source is None:
        raise VideoNotReady("This lesson has no playable video yet.")
    return access, source


def lesson_playback_get(*, user: Viewer, lesson_id: Any) -> LessonPlayback:
    """Signed playback for a viewer who may watch: 404, then 403 (no token), then 409."""
    access, source = lesson_playable_source(user=user, lesson_id=lesson_id)
    playback_id = source.playback_id
    tokens = signing.playback_tokens_issue(playback_id=playback_id, duration_s=source.duration_s)
    viewer_id = user_id_of(user)
    resume = (
        progress_resume_position(user_id=viewer_id, lesson_id=access.facts.lesson_id)
        if viewer_id is not None
        else 0.0
    )
    view = None
    if viewer_id is not None:
        view_id, issued = view_issue(user_id=viewer_id, lesson_id=access.facts.lesson_id)
        view = {"id": view_id, "expires_at": issued.expires_at}
    return LessonPlayback(
        view=view,
        playback_id=playback_id,
        stream_url=signing.stream_url(playback_id=playback_id, token=tokens.video),
        thumbnail_url=signing.thumbnail_url(playback_id=playback_id, token=tokens.thumbnail),
        storyboard_url=signing.storyboard_url(playback_id=playback_id, token=tokens.storyboard),
        tokens=tokens,
        expires_at=tokens.expires_at,
        resume_position_s=float(resume),
        captions=playback_captions(
            tracks=source.captions, playback_id=playback_id, token=tokens.video
        ),
    )


def _signed_thumbnail(lesson: Lesson) -> str | None:
    playback_id = lesson.video.current.playback_id
    try:
        tokens = signing.playback_tokens_issue(
            playback_id=playback_id, duration_s=lesson_video_duration(lesson)
        )
    except ServiceUnavailable:
        return None  # no signing key configured: the status is still worth showing
    return signing.thumbnail_url(playback_id=playback_id, token=tokens.thumbnail)


def lesson_video_status_get(*, user: Viewer, lesson_id: Any) -> LessonVideoStatus:
    """The video of a lesson as its instructors see it (404, then 403 for everyone else)."""
    access = lesson_get_for_viewer(user=user, lesson_id=lesson_id)
    if not access.is_course_staff:
        raise PermissionDenied("Only the course's instructors can manage its videos.")
    lesson = _lesson_video(ObjectId(access.facts.lesson_id))
    video = lesson.video or LessonVideo()
    shown = video.pending or video.current
    # Facts about the video come from the newest generation that has them.
    described = shown if shown and shown.duration_s is not None else video.current
    playable = lesson_has_ready_video(lesson)
    return LessonVideoStatus(
        state=lesson_video_state(lesson),
        error=shown.error if shown and shown.state == VideoState.ERRORED else None,
        duration_s=described.duration_s if described else None,
        aspect_ratio=described.aspect_ratio if described else None,
        thumbnail_url=_signed_thumbnail(lesson) if playable else None,
        playable=playable,
    )


# --- the lesson page -----------------------------------------------------------------------


@dataclass(frozen=True)
class OutlineLesson:
    id: str
    title: str
    is_preview: bool
    is_current: bool
    completed: bool = False  # by the viewer


@dataclass
class OutlineSection:
    title: str
    lessons: list[OutlineLesson] = field(default_factory=list)


@dataclass(frozen=True)
class LessonPage:
    course_slug: str
    course_title: str
    lesson_id: str
    title: str
    summary: str
    body_html: str
    sections: list[OutlineSection]
    previous: OutlineLesson | None
    next: OutlineLesson | None
    can_watch: bool
    has_video: bool
    is_preview: bool
    signed_in: bool
    is_course_staff: bool
    # Only the title and the enrol prompt are shown (summary and body are empty).
    locked: bool = False
    # The viewer's progress in the course (signed-in learners; None for staff and visitors).
    progress: CourseProgress | None = None
    # Has the viewer completed this lesson?
    completed: bool = False
    # No video plays yet but one is being uploaded or processed (else, without a video, the
    # lesson is a reading lesson).
    video_coming: bool = False
    # The published version the outline comes from (None: staff viewing the draft).
    course_version: int | None = None


def _outline_entries(access: LessonAccess) -> tuple[str, list[Any], CourseVersion | None]:
    """(course title, ordered lessons with .lesson_id/.id, title, section, body…, the
    published version they come from): the published version for everyone, the draft
    (version None) for staff on lessons not published yet."""
    course = Course.objects(id=ObjectId(access.facts.course_id)).only("title", "version").first()
    if course is None:
        raise NotFound("Lesson not found.")
    if access.facts.in_published_version:
        version = CourseVersion.objects(course_id=course.id, version=course.version).first()
        if version is not None:
            lessons = sorted(version.lessons, key=lambda v: v.position)
            return version.title or course.title, lessons, version
    return course.title, lessons_in_outline(course=course), None


def _viewer_progress(
    user: Viewer, access: LessonAccess, version: CourseVersion | None
) -> CourseProgress | None:
    """The learner's progress in the course (one query: the version is already read).
    None for visitors and course staff (who see the page to check it, not to learn)."""
    viewer_id = user_id_of(user)
    if viewer_id is None or access.is_course_staff or version is None:
        return None
    return course_progress_of_version(user_id=viewer_id, version=version)


def lesson_page_get(*, user: Viewer, course_slug: str, lesson_id: Any) -> LessonPage:
    """Everything the lesson page shows. NotFound for lessons the viewer may not see (or a
    slug that is not the lesson's course); a lesson they may not watch is still shown,
    locked."""
    access = lesson_get_for_viewer(user=user, lesson_id=lesson_id)
    if access.facts.course_slug != course_slug:
        raise NotFound("Lesson not found.")
    course_title, entries, version = _outline_entries(access)
    progress = _viewer_progress(user, access, version)
    completed = {item.id for item in progress.lessons if item.completed} if progress else set()

    def entry_id(entry: Any) -> str:
        return str(getattr(entry, "lesson_id", None) or entry.id)

    outline: list[OutlineLesson] = [
        OutlineLesson(
            id=entry_id(entry),
            title=entry.title,
            is_preview=bool(entry.is_preview),
            is_current=entry_id(entry) == access.facts.lesson_id,
            completed=entry_id(entry) in completed,
        )
        for entry in entries
    ]
    sections: list[OutlineSection] = []
    for entry, item in zip(entries, outline, strict=True):
        if not sections or sections[-1].title != (entry.section or ""):
            sections.append(OutlineSection(title=entry.section or ""))
        sections[-1].lessons.append(item)

    index = next((i for i, item in enumerate(outline) if item.is_current), None)
    if index is None:  # staff looking at a lesson removed from the draft
        shown: Any = Lesson.objects(id=ObjectId(access.facts.lesson_id)).first()
        if shown is None:
            raise NotFound("Lesson not found.")
    else:
        shown = entries[index]
    live = _lesson_video(ObjectId(access.facts.lesson_id))
    has_video = lesson_has_ready_video(live)
    # Locked means locked: a lesson the viewer may not watch (and that is no free preview)
    # shows its title and the enrol prompt, never its summary or body.
    locked = not access.can_watch and not access.is_course_staff and not shown.is_preview
    return LessonPage(
        course_slug=access.facts.course_slug,
        course_title=course_title,
        lesson_id=access.facts.lesson_id,
        title=shown.title,
        summary="" if locked else shown.summary or "",
        body_html="" if locked else lesson_body_html(entry=shown, version=version),
        sections=sections,
        previous=outline[index - 1] if index else None,
        next=outline[index + 1] if index is not None and index + 1 < len(outline) else None,
        can_watch=access.can_watch,
        has_video=has_video,
        is_preview=bool(shown.is_preview),
        signed_in=is_signed_in(user),
        is_course_staff=access.is_course_staff,
        locked=locked,
        progress=progress,
        completed=access.facts.lesson_id in completed,
        video_coming=lesson_video_coming(live),
        course_version=version.version if version is not None else None,
    )
