"""What a lesson's live video looks like from outside playback: one place for the rules, so
the instructor API, the student outline and the playback selectors agree.

A lesson's video is live data (not part of a published snapshot). An upload in progress is
the `pending` generation; the lesson keeps playing its `current` one until the pending one
becomes ready. None of these functions ever exposes a playback id.
"""

from __future__ import annotations

from typing import Any

from catalog.lesson_video import VideoState


def lesson_video_state(lesson: Any) -> str:
    """The state an instructor sees: the pending upload's state while one exists (that is
    what they are waiting for), else the current generation's, else "none"."""
    video = getattr(lesson, "video", None)
    if video is None:
        return VideoState.NONE
    if video.pending is not None and video.pending.state:
        return video.pending.state
    if video.current is not None and video.current.state:
        return video.current.state
    return VideoState.NONE


def lesson_has_ready_video(lesson: Any) -> bool:
    """Whether students can play something now: the current generation is ready."""
    video = getattr(lesson, "video", None)
    current = video.current if video is not None else None
    return bool(current is not None and current.state == VideoState.READY and current.playback_id)


# The states of a generation on its way to students: the file is being uploaded, or Mux is
# transcoding it.
COMING_STATES = (VideoState.AWAITING_UPLOAD, VideoState.PROCESSING)


def lesson_video_coming(lesson: Any) -> bool:
    """Whether a video is on its way: nothing plays yet, but an upload is pending or a video
    is processing. A lesson with no video and nothing pending is a reading lesson (not
    "coming soon"); an errored or removed video is not coming either."""
    if lesson_has_ready_video(lesson):
        return False
    video = getattr(lesson, "video", None)
    if video is None:
        return False
    return any(
        generation is not None and generation.state in COMING_STATES
        for generation in (video.pending, video.current)
    )


def lesson_video_duration(lesson: Any) -> float:
    """The lesson's duration in seconds: its own field when set (playback fills it when a
    video becomes ready), else the ready generation's duration, else 0."""
    if lesson.duration_s:
        return float(lesson.duration_s)
    if lesson_has_ready_video(lesson):
        return float(lesson.video.current.duration_s or 0)
    return 0.0


class VideoReadiness:
    """Whether a lesson can be completed by watching, by /complete, or not at all yet."""

    NONE = "none"  # never had a video: a reading lesson, completed with /complete
    READY = "ready"  # completed only by what was played
    NOT_READY = "not_ready"  # pending, processing, errored or removed: nothing completes it


def lesson_video_readiness(lesson: Any) -> str:
    """The one rule for what completes a lesson. A ready current video: only what was
    played. A lesson that has (or had) a video that cannot be played now (an upload pending,
    processing or errored, a video removed): nothing, not even a client's own duration_s,
    so no completion is credited while there is nothing to watch. No video at all (a
    reading lesson, or one whose only upload was cancelled before it arrived): /complete."""
    if lesson_has_ready_video(lesson):
        return VideoReadiness.READY
    video = getattr(lesson, "video", None)
    if video is None:
        return VideoReadiness.NONE
    for generation in (video.pending, video.current):
        state = generation.state if generation is not None else None
        if state and state not in (VideoState.NONE, VideoState.CANCELLED):
            return VideoReadiness.NOT_READY
    return VideoReadiness.NONE


# What an instructor reads for each state (the admin pages and the uploader say the same).
VIDEO_STATE_LABELS: dict[str, str] = {
    VideoState.NONE: "No video",
    VideoState.AWAITING_UPLOAD: "Waiting for the upload",
    VideoState.PROCESSING: "Processing",
    VideoState.READY: "Ready",
    VideoState.ERRORED: "Failed",
    VideoState.CANCELLED: "Upload cancelled",
    VideoState.DELETED: "Removed",
}


def video_state_label(state: str, error: str | None = None) -> str:
    """The state in words ("Failed: <Mux's reason>" when there is one)."""
    label = VIDEO_STATE_LABELS.get(state, state.replace("_", " ").capitalize())
    if state == VideoState.ERRORED and error:
        return f"{label}: {error}"
    return label
