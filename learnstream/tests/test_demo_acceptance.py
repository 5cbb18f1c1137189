"""The demo a newcomer meets, end to end in headless Chromium: `seed_demo` publishes the demo
courses, `seed_demo_videos` gives a course's lessons their generated videos and captions
through the instructor's path (direct upload to the Mux simulator, transcode, signed
webhooks to the live server, caption text tracks), and the demo student then signs in with
the demo password, gets a signed stream whose playlist and first segment download, and
watches a lesson whose video advances and has a caption track.

One demo course (`--course`) keeps it short; generated media is cached under var/demo-media/
like a local run's, so a second run only uploads."""

from __future__ import annotations

import io
import time
from urllib.parse import urljoin

import pytest
import requests
from django.core.management import call_command

from catalog.demo_content import DEMO_COURSES, DEMO_PASSWORD, DEMO_USERS, Reading
from catalog.documents import Course, Lesson
from catalog.video_state import lesson_has_ready_video, lesson_video_coming
from devtools.browser import Journey, browser_marks, chromium, video_js
from devtools.live_stack import connect_simulator
from devtools.management.commands.seed_demo_videos import Command as SeedDemoVideos
from devtools.management.commands.seed_demo_videos import demo_lessons_to_seed
from playback.captions_documents import Caption

pytestmark = browser_marks()

COURSE = DEMO_COURSES[0]
STUDENT = next(email for email, _name, role in DEMO_USERS if role == "student")


def _first_uri(playlist: str) -> str:
    return next(line for line in playlist.splitlines() if line and not line.startswith("#"))


@pytest.mark.django_db(transaction=True)
def test_demo_student_watches_a_generated_lesson_with_captions(mux_sim, live_server, settings):
    started = time.monotonic()
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    call_command("seed_demo", stdout=io.StringIO())
    output = io.StringIO()
    call_command(SeedDemoVideos(), course=[COURSE["slug"]], stdout=output)
    seeded_s = time.monotonic() - started

    course = Course.objects.get(slug=COURSE["slug"])
    lessons = list(Lesson.objects(course_id=course.id, removed_at=None).order_by("position"))
    readings = {entry.title for entry in COURSE["lessons"] if isinstance(entry, Reading)}
    assert readings, "the demo has a text-only lesson"
    for lesson in lessons:
        if lesson.title in readings:
            assert lesson.video is None or not lesson.video.pending, lesson.title
            assert not lesson_has_ready_video(lesson) and not lesson_video_coming(lesson)
        else:
            assert lesson_has_ready_video(lesson), lesson.title
            assert Caption.objects(lesson_id=lesson.id).count() >= 1, lesson.title
    # Videos differ per lesson: each went through its own upload.
    watched = next(lesson for lesson in lessons if lesson.is_preview)
    # What `./dev run` checks to skip the command: nothing left in this course, the other
    # demo courses' video lessons still to do.
    left = set(demo_lessons_to_seed())
    assert not left & {str(lesson.id) for lesson in lessons}
    others = [spec for spec in DEMO_COURSES if spec is not COURSE]
    assert len(left) == sum(
        1 for spec in others for entry in spec["lessons"] if not isinstance(entry, Reading)
    )
    assets = {lesson.video.current.asset_id for lesson in lessons if lesson_has_ready_video(lesson)}
    assert len(assets) == len(lessons) - len(readings)

    journey = Journey("demo")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.goto("/accounts/login/")
        page.fill("input[name=email]", STUDENT)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form button[type=submit], form input[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login" not in page.url, page.url

        # The course page: the reading lesson is not "coming soon".
        page.goto(f"/courses/{course.slug}/")
        journey.shot(page, "course")
        assert page.locator("text=(video coming soon)").count() == 0
        assert page.locator(".outline .muted:text-is('Reading')").count() == len(readings)

        # The signed stream, as the player gets it: playlist and first segment download.
        response = page.request.get(f"/api/v1/lessons/{watched.id}/playback")
        assert response.status == 200, response.text()
        playback = response.json()
        assert playback["captions"], "the playing video has a ready caption track"
        master = requests.get(playback["stream_url"], timeout=10)
        assert master.status_code == 200 and "#EXTM3U" in master.text
        media_url = urljoin(master.url, _first_uri(master.text))
        media = requests.get(media_url, timeout=10)
        assert media.status_code == 200 and "#EXTINF" in media.text
        segment = requests.get(urljoin(media.url, _first_uri(media.text)), timeout=10)
        assert segment.status_code == 200 and len(segment.content) > 1000

        # In Chromium the lesson plays, with at least one caption track.
        page.goto(f"/courses/{course.slug}/lessons/{watched.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        page.evaluate(video_js("v.play()"))
        page.wait_for_function(video_js("v.currentTime > 1"), timeout=30_000)
        page.wait_for_function(video_js("v.textTracks.length >= 1"), timeout=30_000)
        journey.shot(page, "lesson-playing")
        tracks = page.evaluate(
            video_js("Array.from(v.textTracks).map(t => [t.kind, t.language, t.label])")
        )
    elapsed = time.monotonic() - started
    print(output.getvalue().strip())
    print(f"demo seeded in {seeded_s:.1f} s; watched with captions {tracks} at {elapsed:.1f} s")
    assert journey.errors == []
