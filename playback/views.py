"""Playback pages: the student lesson page (player or enrol prompt) and the instructor's
video upload page. Access rules live in the selectors; these only render. Their
Content-Security-Policy (blob: media and workers, the Mux hosts) is the site-wide one set by
`learnstream.security.SecurityHeadersMiddleware`."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.roles import user_id_of
from catalog.access import lesson_facts_get
from catalog.documents import ReadingMode
from playback.captions_format import cues_to_text
from playback.captions_selectors import lesson_transcript_get, lesson_transcript_languages
from playback.captions_services import caption_source_text
from playback.selectors import lesson_page_get, lesson_video_status_get
from tracking.services import progress_lesson_opened


def lesson_page(request: HttpRequest, slug: str, lesson_id: str) -> HttpResponse:
    page = lesson_page_get(user=request.user, course_slug=slug, lesson_id=lesson_id)
    reading = None
    viewer_id = user_id_of(request.user)
    if page.can_watch and not page.has_video and not page.video_coming and viewer_id:
        facts = lesson_facts_get(lesson_id=page.lesson_id)
        policy = facts.completion
        # Time on the page counts from the first opening (recorded once, server time).
        progress_lesson_opened(user_id=viewer_id, lesson=facts)
        reading = {
            "min_s": policy.reading_min_s,
            "by_itself": policy.reading_mode == ReadingMode.TIME_ON_PAGE,
        }
    login_url = f"{settings.LOGIN_URL}?next={quote(request.get_full_path(), safe='/')}"
    context = {
        "page": page,
        "playback_url": reverse("lesson-playback", args=[page.lesson_id]),
        "progress_url": reverse("lesson-progress", args=[page.lesson_id]),
        "login_url": login_url,
        # Sign in again in another tab without leaving the lesson; it lands back on the
        # lesson, whose player then saves what was held while signed out.
        "signin_return_url": login_url,
        "span_rules": _span_rules_json(),
        "reading": reading,
        # "Continue" resumes from the start within this share of a lesson's end.
        "resume_tail": settings.PROGRESS_RESUME_TAIL,
        "transcript_languages": (
            lesson_transcript_languages(lesson_id=page.lesson_id)
            if page.can_watch and page.has_video
            else []
        ),
    }
    return render(request, "playback/lesson.html", context)


def _span_rules_json() -> str:
    """The heartbeat rules the player cuts its held spans to (the server enforces them)."""
    _count, interval_s = settings.RATE_LIMITS["heartbeat"]
    return json.dumps(
        {
            "interval_s": float(interval_s),
            "max_rate": settings.PROGRESS_MAX_PLAYBACK_RATE,
            "slack_s": settings.PROGRESS_SPAN_SLACK_S,
            "first_beat_max_s": settings.PROGRESS_FIRST_BEAT_MAX_SPAN_S,
        }
    )


@login_required
def lesson_transcript_download(
    request: HttpRequest, slug: str, lesson_id: str, ext: str
) -> HttpResponse:
    """The lesson's transcript as plain text (.txt) or captions (.vtt), for viewers who may
    watch the lesson."""
    if ext not in ("txt", "vtt"):
        raise Http404("No such transcript format.")
    transcript = lesson_transcript_get(
        user=request.user, lesson_id=lesson_id, language=request.GET.get("language") or None
    )
    if ext == "vtt":
        body, content_type = transcript.vtt, "text/vtt; charset=utf-8"
    else:
        body, content_type = cues_to_text(transcript.cues), "text/plain; charset=utf-8"
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    filename = f"transcript-{lesson_id}-{transcript.language}.{ext}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def instructor_video_page(request: HttpRequest, lesson_id: str) -> HttpResponse:
    video = lesson_video_status_get(user=request.user, lesson_id=lesson_id)
    context = {
        "lesson_id": lesson_id,
        "video": video,
        "create_url": reverse("instructor-lesson-upload", args=[lesson_id]),
        "status_url": reverse("instructor-lesson-video", args=[lesson_id]),
        "max_bytes": settings.MUX_MAX_UPLOAD_BYTES,
    }
    return render(request, "playback/instructor_video.html", context)


def caption_source(request: HttpRequest) -> HttpResponse:
    """GET /captions/source?token=…: one caption version as WebVTT, for Mux to fetch when it
    creates the text track. The signed, expiring token is the only credential."""
    text = caption_source_text(token=request.GET.get("token", ""))
    response = HttpResponse(text.encode("utf-8"), content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
