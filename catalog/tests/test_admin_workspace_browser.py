"""The instructor's workspace in headless Chromium, against the live server and the Mux
simulator: the lesson page's "Current state" follows the upload live (in words), the draft
preview plays the video without recording progress, and the new pages (preview, caption
report, publish warnings, unarchive) run under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import course_archive
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium
from devtools.clips import make_clip
from devtools.live_stack import connect_simulator

pytestmark = browser_marks()

LISTEN = """() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
}"""


@pytest.mark.django_db(transaction=True)
def test_state_follows_the_upload_live_and_the_preview_plays_read_only(
    mux_sim, live_server, settings, tmp_path
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    clip = make_clip(tmp_path, 2)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, title="Live course", language="en")
    lesson = LessonFactory(course_id=course.id, position=0, title="Watch me")
    LessonFactory(course_id=course.id, position=1, title="Read me")
    other = CourseFactory(owner_id=instructor.id, title="Old course")
    course_archive(course=other, user=instructor)
    journey = Journey("instructor-workspace")

    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.context.add_init_script(f"({LISTEN})()")
        beats: list[str] = []
        page.on("request", lambda r: beats.append(r.url) if "/progress" in r.url else None)
        page.goto("/admin/")
        page.fill("input[name=username]", instructor.email)
        page.fill("input[name=password]", "correct-horse-battery-9")
        page.click("input[type=submit]")
        page.wait_for_load_state()

        base = f"/admin/catalog/courses/{course.id}/"
        page.goto(base + f"lessons/{lesson.id}/change/")
        assert page.inner_text("#video-state") == "No video"
        page.set_input_files("#video-file", str(clip))
        # The state text follows the uploader's polls, in words, without a reload.
        page.wait_for_function(
            "() => ['Waiting for the upload', 'Processing', 'Ready']"
            ".includes(document.querySelector('#video-state').textContent)"
        )
        page.wait_for_function(
            "() => document.querySelector('#video-state').textContent === 'Ready'",
            timeout=90_000,
        )
        journey.shot(page, "lesson-state-ready")
        assert "awaiting_upload" not in page.inner_text("#content-main")

        # The preview plays the signed video and records nothing.
        page.goto(base + f"lessons/{lesson.id}/preview/")
        assert page.inner_text("#preview-banner").startswith("Preview")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True
        page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; }")
        page.evaluate("() => document.querySelector('video').play()")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
        page.evaluate("() => document.querySelector('video').pause()")
        page.wait_for_timeout(500)
        journey.shot(page, "lesson-preview")
        assert beats == []  # the preview sends no heartbeat

        for path in (
            base + "preview/",
            base + "captions/",
            base + "publish/",
            f"/admin/catalog/courses/{other.id}/unarchive/",
            "/admin/catalog/audit/",
        ):
            page.goto(path)
            page.wait_for_load_state()
            journey.shot(page, path.strip("/").replace("/", "-")[-40:])
            assert page.evaluate("() => window.__csp") == [], path
        assert journey.errors == []
    assert Lesson.objects.get(id=lesson.id).video.current.state == "ready"
