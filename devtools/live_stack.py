"""The whole stack for journey and fault tests: pytest-django's live server, the local Mux
simulator delivering signed webhooks to it, generated clips and the real upload path
(direct upload through our API → chunked PUT to the simulator → webhooks → ready)."""

from __future__ import annotations

import time
from typing import Any

import requests
from django.urls import reverse
from rest_framework.test import APIClient

from devtools.demo_media import lesson_media
from playback.captions_selectors import caption_list_for_staff
from playback.captions_services import add_caption
from playback.selectors import lesson_video_status_get


def connect_simulator(*, mux_sim: Any, live_server: Any, settings: Any) -> None:
    """Webhooks from the simulator go to the live server; the direct upload's CORS origin
    is the origin the browser uses."""
    settings.SITE_URL = live_server.url
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")


def put_in_chunks(url: str, data: bytes, parts: int = 2) -> None:
    """Upload as UpChunk does: `Content-Range` chunks, 308 between them, 200 at the end."""
    size = -(-len(data) // parts)
    for start in range(0, len(data), size):
        chunk = data[start : start + size]
        end = start + len(chunk) - 1
        response = requests.put(
            url,
            data=chunk,
            headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"},
            timeout=30,
        )
        assert response.status_code == (200 if end + 1 == len(data) else 308), response.text


def wait_for_video_state(*, user: Any, lesson_id: str, state: str, timeout_s: float = 90) -> Any:
    deadline = time.monotonic() + timeout_s
    status = None
    while time.monotonic() < deadline:
        status = lesson_video_status_get(user=user, lesson_id=lesson_id)
        if status.state == state:
            return status
        time.sleep(0.2)
    raise AssertionError(f"video of {lesson_id} never became {state}; last status {status}")


def upload_ready_video(*, instructor: Any, lesson_id: str, clip: bytes) -> Any:
    """Give a lesson a ready video through the real path; needs `connect_simulator` first."""
    client = APIClient()
    client.force_authenticate(user=instructor)
    response = client.post(reverse("instructor-lesson-upload", args=[lesson_id]))
    assert response.status_code == 201, response.content
    put_in_chunks(response.json()["url"], clip)
    return wait_for_video_state(user=instructor, lesson_id=lesson_id, state="ready")


def upload_demo_lesson(
    *, instructor: Any, lesson_id: str, folder: Any, title: str, points: list[str]
) -> Any:
    """A demo-like lesson through the real paths: a generated slide video with sound
    (devtools.demo_media) uploaded until ready, and its English WebVTT captions added
    through the caption service until Mux serves them. Returns the DemoMedia."""

    media = lesson_media(
        cache_dir=folder,
        course_index=0,
        course_title="LearnStream",
        lesson_title=title,
        points=points,
    )
    upload_ready_video(instructor=instructor, lesson_id=lesson_id, clip=media.video.read_bytes())
    add_caption(
        lesson=lesson_id,
        file_bytes=media.captions.read_bytes(),
        language="en",
        label="English",
        closed_captions=True,
        actor=instructor,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = caption_list_for_staff(user=instructor, lesson_id=lesson_id)
        if rows and all(row.serving for row in rows):
            return media
        time.sleep(0.2)
    raise AssertionError(f"the captions of {lesson_id} never became ready")
