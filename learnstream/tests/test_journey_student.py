"""Student journey in headless Chromium against the live server and the Mux simulator:
register → catalogue → course → enrol → watch a few seconds (heartbeats accepted) → leave →
come back and resume at the saved position → finish the video → mark the text lesson
complete → 100% on the course page and on /my/.

The course has a 4 s video lesson and a lesson without video. 4 s (not 2 or 3 s) because the
learner must stop after ≥ 2 s (the heartbeat limit is one accepted beat per 2 s, so an
earlier pause beat would be answered 429) and still be more than 1 s from the end (the
player restarts from 0 instead of resuming in the last second)."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token
from catalog.documents import Lesson
from catalog.services import course_publish
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium, video_js
from devtools.clips import make_clip
from devtools.live_stack import connect_simulator, upload_ready_video
from tracking.selectors import course_progress_for_user, progress_get

pytestmark = browser_marks()

EMAIL = "ada@example.com"
PASSWORD = "a long passphrase for ada"


@pytest.fixture
def video_course(mux_sim, live_server, settings, tmp_path):
    """A published course: a 4 s video lesson uploaded through the real path, then a lesson
    without video."""
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(
        owner_id=instructor.id, slug="journey-course", title="Journey Course", tags=["journey"]
    )
    video = LessonFactory(course_id=course.id, position=0, title="Watch this", section="Start")
    LessonFactory(course_id=course.id, position=1, title="Read this", section="Start")
    course_publish(course=course, user=instructor)
    clip = make_clip(tmp_path, 4).read_bytes()
    upload_ready_video(instructor=instructor, lesson_id=str(video.id), clip=clip)
    return course


def wait_for_beats_accepted(page, min_played_to: float) -> dict:
    """Wait until nothing is pending and the server accepted a span reaching `min_played_to`."""
    page.wait_for_function(
        """(min) => { const p = window.LearnStreamPlayer;
                      return p && p.pending.length === 0 && p.lastBeat
                             && p.lastBeat.played_to_s >= min; }""",
        arg=min_played_to,
        timeout=20_000,
    )
    return page.evaluate(
        "() => ({beat: LearnStreamPlayer.lastBeat, progress: LearnStreamPlayer.lastProgress,"
        " history: LearnStreamPlayer.history})"
    )


@pytest.mark.django_db(transaction=True)
def test_student_registers_watches_resumes_and_finishes(video_course, live_server):
    course = video_course
    video_lesson, text_lesson = Lesson.objects(course_id=course.id).order_by("position")
    journey = Journey("student")

    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)

        # Register (the page signs the new learner in).
        page.goto("/accounts/register/")
        journey.shot(page, "register")
        page.fill("input[name=name]", "Ada Lovelace")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit], form input[type=submit]")
        page.wait_for_load_state()
        user = User.objects.get(email=EMAIL)
        assert user.role == "student"

        # Follow the emailed verification link (enrolment needs a verified address).
        page.goto(f"/accounts/verify/{last_token('verify')}/")
        journey.shot(page, "email-verified")
        user.refresh_from_db()
        assert user.email_verified is True

        # Browse the catalogue and open the course.
        page.goto("/")
        assert page.locator("text=Journey Course").count() >= 1
        journey.shot(page, "catalogue")
        page.click("a:has-text('Journey Course')")
        page.wait_for_url(f"**/courses/{course.slug}/")
        journey.shot(page, "course")

        # Enrol.
        page.click("button:has-text('Enrol')")
        page.wait_for_selector(".enrol-box a[data-continue]:has-text('Start:')")
        journey.shot(page, "course-enrolled")

        # Watch a bit more than 2 s, then pause: the started beat and the pause beat are accepted.
        page.click(".enrol-box a.button")
        page.wait_for_url(f"**/lessons/{video_lesson.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True
        page.evaluate(video_js("v.play()"))
        page.wait_for_function(video_js("v.currentTime > 2.3"), timeout=30_000)
        page.evaluate(video_js("v.pause()"))
        watched = page.evaluate(video_js("v.currentTime"))
        beats = wait_for_beats_accepted(page, 2.3)
        journey.shot(page, "lesson-watched")
        assert [entry["status"] for entry in beats["history"]] == [200, 200]
        assert (
            beats["history"][0]["body"]["played_from_s"]
            == beats["history"][0]["body"]["played_to_s"]
        )
        # Read back from the store: the saved position is where the learner stopped.
        saved = progress_get(user_id=user.id, lesson_id=str(video_lesson.id))
        assert saved is not None
        assert saved.position_s == pytest.approx(watched, abs=0.3)
        assert saved.completed_at is None

        # Leave (the course page offers to continue there), then come back.
        page.goto(f"/courses/{course.slug}/")
        journey.shot(page, "course-continue")
        page.click(".enrol-box a[data-continue]:has-text('at 0:02')")
        page.wait_for_url(f"**/lessons/{video_lesson.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        page.wait_for_function(video_js("v.readyState >= 1 && v.currentTime > 0"))
        resumed_at = page.evaluate(video_js("v.currentTime"))
        assert resumed_at == pytest.approx(saved.position_s, abs=0.5)
        assert page.evaluate("() => LearnStreamPlayer.playback.resume_position_s") == pytest.approx(
            saved.position_s, abs=0.01
        )
        journey.shot(page, "lesson-resumed")

        # Play to the end: the ended beat completes the lesson (coverage ≥ 90%).
        page.evaluate(video_js("v.play()"))
        page.wait_for_function(video_js("v.ended"), timeout=30_000)
        page.wait_for_function(
            "() => LearnStreamPlayer.lastProgress && LearnStreamPlayer.lastProgress.completed"
            " && LearnStreamPlayer.pending.length === 0",
            timeout=20_000,
        )
        page.wait_for_selector("[data-lesson-complete]:not([hidden])")
        journey.shot(page, "lesson-complete")
        progress = page.evaluate("() => LearnStreamPlayer.lastProgress")
        assert progress["coverage"] >= 0.9
        # A beat sooner than 2 s after the previous one may be answered 429: the player keeps
        # its span and sends it again, so nothing is dropped.
        statuses = [entry["status"] for entry in page.evaluate("() => LearnStreamPlayer.history")]
        print("second visit heartbeat statuses:", statuses, "coverage:", progress["coverage"])
        assert set(statuses) <= {200, 429} and statuses[-1] == 200
        assert page.evaluate("() => LearnStreamPlayer.beatsDropped") == 0

        # The lesson without video: mark it complete.
        page.click("a[rel=next]")
        page.wait_for_url(f"**/lessons/{text_lesson.id}/")
        journey.shot(page, "text-lesson")
        page.click("button[data-mark-complete]")
        page.wait_for_selector("[data-lesson-complete]:not([hidden])")
        journey.shot(page, "text-lesson-complete")

        # 100% on the course page and on /my/.
        page.goto(f"/courses/{course.slug}/")
        bar = page.get_by_role("progressbar", name="Course progress")
        assert bar.evaluate("e => e.value") == 100
        assert page.locator("text=2 of 2 lessons completed").count() == 1
        journey.shot(page, "course-finished")
        page.goto("/my/")
        assert page.locator("text=2 of 2 lessons completed · 100%").count() == 1
        journey.shot(page, "my-learning")

    finished = course_progress_for_user(user_id=user.id, course_ids=[str(course.id)])[
        str(course.id)
    ]
    assert (finished.completed_lessons, finished.total_lessons, finished.percent) == (2, 2, 100)
    assert journey.errors == []
