"""Instructor journey in headless Chromium, in the Django admin, against the live server and
the Mux simulator: sign in at /admin/, create a course, add two lessons, upload a 3 s clip
to one through the admin's uploader, see it turn ready (webhooks from the simulator), publish.
A student then finds the course in the catalogue, enrols and watches the lesson to the end
(coverage ≥ 90% with beats at start and end only). Another instructor cannot list or open
the course (404 by URL), and a student is refused by /admin/."""

from __future__ import annotations

import re

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Course, Lesson
from devtools.browser import PASSWORD, Journey, browser_marks, chromium, video_js
from devtools.clips import make_clip
from devtools.live_stack import connect_simulator
from tracking.selectors import progress_get

pytestmark = browser_marks()

TITLE = "Admin Journey Course"


def admin_sign_in(page, email: str) -> None:
    page.goto("/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_instructor_builds_uploads_publishes_and_a_student_watches(
    mux_sim, live_server, settings, tmp_path
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    clip = make_clip(tmp_path, 3)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    other = UserFactory(role="instructor", name="Other Instructor")
    student = UserFactory(role="student", name="Sam Student")
    journey = Journey("instructor")

    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)

        # Sign in at /admin/ (the login page is the admin's own).
        page.goto("/admin/")
        journey.shot(page, "admin-login")
        admin_sign_in(page, instructor.email)
        assert page.locator("#site-name").count() == 1
        journey.shot(page, "admin-index")

        # Create a course.
        page.click("a[href='/admin/catalog/courses/']")
        journey.shot(page, "course-list-empty")
        page.click("a.addlink")
        page.fill("input[name=title]", TITLE)
        page.fill("input[name=subtitle]", "Built in the admin")
        page.fill("textarea[name=description]", "Everything about **journeys**.")
        journey.shot(page, "course-add")
        page.click("input[name=_save]")
        page.wait_for_url(re.compile(r".*/admin/catalog/courses/[0-9a-f]{24}/change/$"))
        course = Course.objects.get(title=TITLE)
        assert course.owner_id == instructor.id and course.status == "draft"
        journey.shot(page, "course-change")

        # Add two lessons.
        for title in ("Intro video", "Reading"):
            page.click("a.addlink:has-text('Add lesson')")
            page.fill("input[name=title]", title)
            page.fill("input[name=section]", "Basics")
            if title == "Intro video":
                journey.shot(page, "lesson-add")
            page.click("input[name=_save]")
            page.wait_for_load_state()
            page.goto(f"/admin/catalog/courses/{course.id}/change/")
        lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
        assert [lesson.title for lesson in lessons] == ["Intro video", "Reading"]
        journey.shot(page, "course-with-lessons")

        # Upload the clip to the first lesson through the admin's uploader; webhooks turn it ready.
        page.click("a:has-text('Intro video')")
        page.wait_for_url(f"**/lessons/{lessons[0].id}/change/")
        journey.shot(page, "lesson-change")
        page.set_input_files("#video-file", str(clip))
        page.wait_for_selector('[data-uploader][data-state="ready"]', timeout=90_000)
        page.wait_for_selector("[data-upload-thumbnail]:not([hidden])")
        journey.shot(page, "lesson-video-ready")
        page.reload()
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True  # the signed preview
        journey.shot(page, "lesson-video-preview")

        # Publish (the page shows what changed first).
        page.goto(f"/admin/catalog/courses/{course.id}/change/")
        page.click("ul.object-tools a:has-text('Publish')")
        journey.shot(page, "publish-diff")
        page.click("input[type=submit][value^='Publish version 1']")
        page.wait_for_load_state()
        journey.shot(page, "published")
        course.reload()
        assert (course.status, course.version) == ("published", 1)

        # Another instructor: not listed, and 404 by URL.
        other_page = journey.new_page(browser, live_server.url)
        admin_sign_in(other_page, other.email)
        other_page.goto("/admin/catalog/courses/")
        assert other_page.locator(f"text={TITLE}").count() == 0
        journey.shot(other_page, "other-instructor-list")
        for url in (
            f"/admin/catalog/courses/{course.id}/change/",
            f"/admin/catalog/courses/{course.id}/publish/",
            f"/admin/catalog/courses/{course.id}/lessons/{lessons[0].id}/change/",
        ):
            assert other_page.goto(url).status == 404, url
        journey.shot(other_page, "other-instructor-404")

        # A student is refused by /admin/ (signed in on the site, then by the admin's form).
        learner = journey.new_page(browser, live_server.url)
        learner.goto("/accounts/login/")
        learner.fill("input[name=email]", student.email)
        learner.fill("input[name=password]", PASSWORD)
        learner.click("form button[type=submit], form input[type=submit]")
        learner.wait_for_load_state()
        learner.goto("/admin/")
        assert "/admin/login/" in learner.url
        assert learner.locator("text=not authorized to access this page").count() == 1
        journey.shot(learner, "student-refused-by-admin")
        assert learner.goto(f"/admin/catalog/courses/{course.id}/change/").url.startswith(
            f"{live_server.url}/admin/login/"
        )

        # The student finds the course, enrols and watches the lesson to the end.
        learner.goto("/")
        journey.shot(learner, "student-catalogue")
        learner.click(f"a:has-text('{TITLE}')")
        learner.click("button:has-text('Enrol')")
        learner.wait_for_selector(".enrol-box a.button")
        journey.shot(learner, "student-course")
        learner.click("a:has-text('Intro video')")
        learner.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert learner.evaluate("() => LearnStreamPlayer.ready") is True
        learner.evaluate(video_js("v.play()"))
        learner.wait_for_function(video_js("v.currentTime > 1"), timeout=30_000)
        learner.wait_for_function(video_js("v.ended"), timeout=30_000)
        learner.wait_for_function(
            "() => LearnStreamPlayer.pending.length === 0 && LearnStreamPlayer.lastProgress"
            " && LearnStreamPlayer.lastProgress.completed",
            timeout=20_000,
        )
        journey.shot(learner, "student-watched")
        coverage = learner.evaluate("() => LearnStreamPlayer.lastProgress.coverage")
        history = learner.evaluate("() => LearnStreamPlayer.history")
        statuses = [entry["status"] for entry in history]
        print("3 s clip at 1x: heartbeat statuses", statuses, "coverage", coverage)

    assert coverage >= 0.9
    stored = progress_get(user_id=student.id, lesson_id=str(lessons[0].id))
    assert stored is not None and stored.completed_at is not None
    assert journey.errors == []
