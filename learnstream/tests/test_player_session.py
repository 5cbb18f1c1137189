"""The lesson player in headless Chromium: it plays unmuted after the learner's play, and when
the session ends mid-play it says so at once, holds what is watched, and saves it after the
learner signs in again in another tab (without leaving the lesson)."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import PASSWORD, Journey, browser_marks, chromium, video_js
from devtools.clips import make_clip
from devtools.live_stack import connect_simulator, upload_ready_video
from tracking.selectors import progress_get

pytestmark = browser_marks()


@pytest.fixture
def enrolled_learner(mux_sim, live_server, settings, tmp_path):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, slug="player-course", title="Player Course")
    lesson = LessonFactory(course_id=course.id, position=0, title="Watch this", section="Start")
    course_publish(course=course, user=instructor)
    upload_ready_video(
        instructor=instructor, lesson_id=str(lesson.id), clip=make_clip(tmp_path, 30).read_bytes()
    )
    learner = UserFactory(email="lin@example.com", email_verified=True)
    course.reload()
    enrollment_create(user=learner, course=course)
    return learner, course, Lesson.objects.get(id=lesson.id)


def sign_in(page, email: str) -> None:
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_session_lost_mid_play_is_told_and_saved_after_signing_in(enrolled_learner, live_server):
    learner, course, lesson = enrolled_learner
    journey = Journey("player-session")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.goto(f"/accounts/login/?next=/courses/{course.slug}/lessons/{lesson.id}/")
        sign_in(page, learner.email)
        page.wait_for_url(f"**/lessons/{lesson.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True

        # The learner presses play: sound is on (no muted autoplay).
        page.evaluate(video_js("v.play()"))
        page.wait_for_function(video_js("v.currentTime > 1 && !v.paused"))
        assert page.evaluate(video_js("v.muted")) is False
        page.wait_for_function("() => LearnStreamPlayer.beatsSent >= 1")

        # The session cookie disappears mid-play: within one heartbeat interval (10 s) the
        # alert says so, and nothing watched is dropped.
        page.context.clear_cookies(name="sessionid")
        alert = page.locator("[data-player-alert]:not([hidden])")
        alert.wait_for(timeout=12_000)
        assert "signed out" in alert.inner_text()
        assert page.evaluate("() => LearnStreamPlayer.savingPaused") is True
        assert page.evaluate("() => LearnStreamPlayer.beatsDropped") == 0
        journey.shot(page, "signed-out-alert")
        page.wait_for_function(video_js("v.currentTime > 14"), timeout=30_000)
        assert page.evaluate("() => LearnStreamPlayer.pending.length") >= 1

        # Sign in again in a new tab; the lesson tab keeps playing and saves what it held.
        with page.expect_popup() as popup_info:
            page.click("[data-player-signin]")
        popup = popup_info.value
        popup.wait_for_load_state()
        sign_in(popup, learner.email)
        page.bring_to_front()
        page.wait_for_function(
            "() => !LearnStreamPlayer.savingPaused && LearnStreamPlayer.lastBeat"
            " && LearnStreamPlayer.lastBeat.played_to_s > 14",
            timeout=30_000,
        )
        assert page.locator("[data-player-alert]:not([hidden])").count() == 0
        journey.shot(page, "saving-again")

    saved = progress_get(user_id=learner.id, lesson_id=str(lesson.id))
    assert saved is not None and saved.furthest_s > 14
    assert journey.errors == []
