"""In headless Chromium against a live server and the simulator: an instructor uploads a
generated clip through the upload page (UpChunk), the lesson turns ready through signed
webhooks, an enrolled student opens the lesson page and the video plays (hls.js)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools.browser import CHROMIUM, browser_marks, session_cookie

pytestmark = browser_marks()


@pytest.mark.django_db(transaction=True)
def test_upload_through_the_page_then_a_student_watches(
    mux_sim, live_server, video_clip, tmp_path, settings
):
    sync_api = pytest.importorskip("playwright.sync_api")
    # The direct upload's CORS origin must be the origin the browser uses.
    settings.SITE_URL = live_server.url
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")
    clip = Path(tmp_path / "lesson.mp4")
    clip.write_bytes(video_clip)

    # Everything that touches the database happens before Playwright starts its event loop
    # in this thread (Django refuses ORM calls from async contexts).
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=2)
    lesson = Lesson.objects(course_id=course.id).order_by("position").first()
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    teacher_cookie = session_cookie(live_server, instructor)
    student_cookie = session_cookie(live_server, student)

    errors: list[str] = []
    # Under the site's Content-Security-Policy: any violation (a blocked worker, media,
    # upload or script) is recorded by the page and fails the test.
    watch_csp = (
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    violations: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            teacher_context = browser.new_context(base_url=live_server.url)
            teacher_context.add_cookies([teacher_cookie])
            teacher_context.add_init_script(watch_csp)
            teacher = teacher_context.new_page()
            teacher.on("pageerror", lambda exc: errors.append(str(exc)))
            teacher.goto(f"/instructor/lessons/{lesson.id}/video/")
            teacher.set_input_files("[data-uploader] input[type=file]", str(clip))
            teacher.wait_for_selector('[data-uploader][data-state="ready"]', timeout=90_000)
            violations += teacher.evaluate("() => window.__cspViolations")

            student_context = browser.new_context(base_url=live_server.url)
            student_context.add_cookies([student_cookie])
            student_context.add_init_script(watch_csp)
            page = student_context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            response = page.goto(f"/courses/{course.slug}/lessons/{lesson.id}/")
            assert "worker-src 'self' blob:" in response.headers["content-security-policy"]
            page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
            assert page.evaluate("() => window.LearnStreamPlayer.ready") is True
            page.evaluate("() => document.querySelector('video[data-player]').play()")
            page.wait_for_function(
                "() => document.querySelector('video[data-player]').currentTime > 0.5",
                timeout=30_000,
            )
            violations += page.evaluate("() => window.__cspViolations")
        finally:
            browser.close()
    assert errors == []
    assert violations == []
