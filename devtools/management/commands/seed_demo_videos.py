"""Give every demo lesson its generated video and captions through the instructor's path.

For each demo lesson with key points (reading lessons have none) that has no ready video:
make its slide video and WebVTT captions offline (cached under var/demo-media/), ask Mux for
a direct upload as the demo instructor, PUT the file to it, and add the captions through the
caption service (they attach when the video is ready). Then wait until Mux's signed webhooks
have made every video and caption ready. Needs the app running (webhooks and caption
fetches go to it) and Mux reachable; lessons already ready are left alone, so a second run
does nothing. `--course SLUG` (repeatable) limits it to those demo courses.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from catalog.demo_content import DEMO_COURSES, DEMO_USERS, Reading
from catalog.documents import Course, Lesson
from catalog.video_state import lesson_has_ready_video
from devtools.demo_media import lesson_media
from playback.captions_documents import Caption
from playback.captions_services import add_caption
from playback.selectors import lesson_video_status_get
from playback.services import video_upload_create

CAPTION_LABELS = {"en": "English", "fr": "Français"}
WAIT_TIMEOUT_S = 240


def put_file(url: str, data: bytes) -> None:
    """Upload the whole file in one request, as the browser's uploader does for small files."""
    request = urllib.request.Request(  # noqa: S310 - the URL Mux returned for this upload
        url,
        data=data,
        method="PUT",
        headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        if response.status not in (200, 201):
            raise CommandError(f"the upload was refused ({response.status})")


class Command(BaseCommand):
    help = "Upload generated videos and captions for the demo lessons (needs the app running)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--course",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this demo course (repeat for several); every demo course by default.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only = set(options.get("course") or [])
        unknown = only - {spec["slug"] for spec in DEMO_COURSES}
        if unknown:
            raise CommandError(f"not a demo course: {', '.join(sorted(unknown))}")
        instructor_email = next(email for email, _n, role in DEMO_USERS if role == "instructor")
        instructor = User.objects.get(email__iexact=instructor_email)
        cache_dir = Path(settings.BASE_DIR) / "var" / "demo-media"
        waiting: list[str] = []
        for course_index, spec in enumerate(DEMO_COURSES):
            if only and spec["slug"] not in only:
                continue
            for entry in spec["lessons"]:
                if isinstance(entry, Reading):
                    continue
                _section, title, _is_preview, points = entry
                lesson_id = self._lesson_id(spec["slug"], title)
                if lesson_id is None:
                    continue
                media = lesson_media(
                    cache_dir=cache_dir,
                    course_index=course_index,
                    course_title=spec["title"],
                    lesson_title=title,
                    points=points,
                )
                if self._upload(instructor, lesson_id, media.video):
                    waiting.append(lesson_id)
                self._captions(instructor, lesson_id, spec["language"], media.captions)
        if waiting:
            self.stdout.write(f"Transcoding {len(waiting)} demo videos …")
        self._wait(instructor, waiting)

    def _lesson_id(self, slug: str, title: str) -> str | None:
        course = Course.objects(slug=slug).only("id").first()
        if course is None:
            return None
        lesson = (
            Lesson.objects(course_id=course.id, title=title, removed_at=None).only("id").first()
        )
        return str(lesson.id) if lesson else None

    def _upload(self, instructor: Any, lesson_id: str, video: Path) -> bool:
        """Upload the lesson's video unless it already has a ready one."""
        if lesson_video_status_get(user=instructor, lesson_id=lesson_id).playable:
            return False
        upload = video_upload_create(user=instructor, lesson_id=lesson_id)
        put_file(upload.url, video.read_bytes())
        return True

    def _captions(self, instructor: Any, lesson_id: str, language: str, vtt: Path) -> None:
        """Attach captions in the course's language, unless the lesson has them."""
        if Caption.objects(lesson_id=ObjectId(lesson_id), language=language).first():
            return
        attach_demo_captions(instructor=instructor, lesson_id=lesson_id, language=language, vtt=vtt)

    def _wait(self, instructor: Any, lesson_ids: list[str]) -> None:
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        remaining = set(lesson_ids)
        while remaining:
            for lesson_id in list(remaining):
                status = lesson_video_status_get(user=instructor, lesson_id=lesson_id)
                if status.playable:
                    remaining.discard(lesson_id)
                elif status.state == "errored":
                    raise CommandError(f"a demo video failed to transcode: {status.error}")
            if remaining and time.monotonic() > deadline:
                raise CommandError(
                    f"{len(remaining)} demo videos were not ready after {WAIT_TIMEOUT_S} s"
                )
            if remaining:
                time.sleep(0.5)
        if lesson_ids:
            self.stdout.write(f"{len(lesson_ids)} demo videos are ready.")


def demo_lessons_to_seed() -> list[str]:
    """Ids of the demo lessons this command would work on: a video lesson (not a reading)
    without a playable video or without captions in its course's language. Empty once the
    demo is complete, so a local run can skip the command (and its start-up) altogether."""
    missing = []
    for spec in DEMO_COURSES:
        course = Course.objects(slug=spec["slug"]).only("id").first()
        if course is None:
            continue
        titles = {entry[1] for entry in spec["lessons"] if not isinstance(entry, Reading)}
        lessons = Lesson.objects(course_id=course.id, title__in=list(titles), removed_at=None)
        for lesson in lessons.only("id", "video"):
            has_captions = Caption.objects(lesson_id=lesson.id, language=spec["language"]).first()
            if not lesson_has_ready_video(lesson) or has_captions is None:
                missing.append(str(lesson.id))
    return missing


def attach_demo_captions(*, instructor: Any, lesson_id: str, language: str, vtt: Path) -> None:
    """The one place demo captions enter the product: the caption service an instructor's
    upload uses (it sends them to Mux as a text track once the video is ready)."""

    add_caption(
        lesson=lesson_id,
        file_bytes=vtt.read_bytes(),
        language=language,
        label=CAPTION_LABELS.get(language, language),
        closed_captions=False,
        actor=instructor,
    )
