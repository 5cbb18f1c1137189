"""In headless Chromium against a live server and the simulator: an uploaded SRT becomes a
ready Mux text track; on the lesson page the captions show on the video (hls.js loads the
subtitle rendition) and clicking a transcript line seeks the video there."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools.browser import CHROMIUM, browser_marks, session_cookie
from playback.tests.helpers import ready_generation, set_video
from playback.tests.test_captions import SRT, upload, wait_caption

pytestmark = browser_marks()


@pytest.mark.django_db(transaction=True)
def test_captions_show_on_the_video_and_transcript_lines_seek(
    mux_sim, ready_assets, live_server, settings
):
    sync_api = pytest.importorskip("playwright.sync_api")
    settings.SITE_URL = live_server.url
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, current=ready_generation(ready_assets[1]))
    teacher = APIClient()
    teacher.force_authenticate(user=instructor)
    caption_id = upload(teacher, str(lesson.id), SRT.encode()).json()["id"]
    wait_caption(teacher, str(lesson.id), "ready")
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    cookie = session_cookie(live_server, student)

    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            context = browser.new_context(base_url=live_server.url)
            context.add_cookies([cookie])
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # The course page's search links each hit to its lesson at that second.
            page.goto(reverse("course-page", args=[course.slug]))
            page.fill("[data-course-search-form] input[name=q]", "photosynthesis")
            page.click("[data-course-search-form] button[type=submit]")
            hit = page.locator("[data-course-search-results] li a").first
            hit.wait_for(timeout=10_000)
            assert hit.get_attribute("href") == (
                reverse("lesson-page", args=[course.slug, str(lesson.id)]) + "?t=1"
            )

            page.goto(f"/courses/{course.slug}/lessons/{lesson.id}/")
            page.wait_for_selector("[data-transcript-cues] li button", timeout=20_000)
            lines = page.locator("[data-transcript-cues] li button")
            assert lines.count() == 2
            assert "Photosynthesis turns light into sugar" in lines.nth(1).inner_text()

            # The subtitle rendition reaches the <video> as a text track; showing it puts
            # the cue on screen at 1.2 s.
            page.wait_for_function(
                "() => document.querySelector('video[data-player]').textTracks.length > 0",
                timeout=30_000,
            )
            page.evaluate(
                """() => {
                    const video = document.querySelector('video[data-player]');
                    video.textTracks[0].mode = 'showing';
                    video.currentTime = 1.2;
                }"""
            )
            page.wait_for_function(
                """() => {
                    const t = document.querySelector('video[data-player]').textTracks[0];
                    return Array.from(t.activeCues || []).some(
                        c => c.text.includes('Photosynthesis'));
                }""",
                timeout=30_000,
            )

            # Clicking a line seeks there and highlights it.
            page.evaluate("() => document.querySelector('video[data-player]').pause()")
            lines.nth(0).click()
            page.wait_for_function(
                "() => Math.abs(document.querySelector('video[data-player]').currentTime - 0.2)"
                " < 0.05"
            )
            page.wait_for_selector("[data-transcript-cues] li.current:first-child", timeout=5_000)
            page.fill("[data-transcript-search]", "photosynthèse photosynthesis")
            page.fill("[data-transcript-search]", "PHOTOSYNTHESIS")
            assert page.locator("[data-transcript-cues] li:not([hidden])").count() == 1
        finally:
            browser.close()
    assert errors == []
    teacher.delete(f"/api/v1/instructor/lessons/{lesson.id}/captions/{caption_id}")


@pytest.mark.django_db(transaction=True)
def test_instructor_uploads_edits_and_reviews_captions_on_the_video_page(
    mux_sim, ready_assets, live_server, settings, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    settings.SITE_URL = live_server.url
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    set_video(lesson, current=ready_generation(ready_assets[1]))
    cookie = session_cookie(live_server, instructor)
    srt = tmp_path / "captions.srt"
    srt.write_text(SRT, encoding="utf-8")

    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(base_url=live_server.url)
            context.add_cookies([cookie])
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto(f"/instructor/lessons/{lesson.id}/video/")
            page.set_input_files("#caption-file", str(srt))
            page.fill("#caption-language", "en")
            page.fill("#caption-label", "English")
            page.click("[data-captions-upload] button[type=submit]")
            page.wait_for_selector("text=Uploaded: Mux is processing it.")
            for _ in range(50):
                page.reload()
                page.wait_for_selector("[data-captions-rows] td")
                if page.locator("[data-captions-rows] td", has_text="ready").count():
                    break
                page.wait_for_timeout(200)
            assert page.locator("[data-captions-rows] td", has_text="ready").count() == 1

            page.click("text=Edit en")
            page.fill("#caption-vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nBackwards\n")
            assert "Line 3: the cue ends before" in page.inner_text("[data-editor-check]")
            page.fill("#caption-vtt", "WEBVTT\n\n00:00:00.100 --> 00:00:00.500\nFixed\n")
            assert page.inner_text("[data-editor-check]") == "The captions look right."
            page.click("[data-captions-editor] button[type=submit]")
            page.wait_for_selector("[data-captions-status]:has-text('Saved.')")
            page.click("text=Mark en reviewed")
            page.wait_for_selector("text=Mark en unreviewed")
            page.click("text=Delete en")
            page.wait_for_selector("text=No captions yet.")
        finally:
            browser.close()
    assert errors == []
