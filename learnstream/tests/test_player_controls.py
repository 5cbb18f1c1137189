"""The lesson player's own controls in headless Chromium, on demo-like lessons (generated
slide videos with sound and English captions, uploaded through the real paths): playback
starts with sound on the learner's click, the chosen speed applies and is still chosen on
the next lesson, captions turn on from our menu, the keyboard shortcuts work and are told to
screen readers, watching at 2x stays within the server's span rule, and the outline and
course percent follow the accepted beats without a reload."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import (
    Journey,
    browser_marks,
    chromium,
    session_cookie,
    video_js,
    wait_announced,
)
from devtools.live_stack import connect_simulator, upload_demo_lesson
from tracking.selectors import progress_get

pytestmark = browser_marks()


@pytest.fixture
def demo_course(mux_sim, live_server, settings, tmp_path):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, slug="controls-course", title="Controls")
    first = LessonFactory(course_id=course.id, position=0, title="Slides one", section="Start")
    second = LessonFactory(course_id=course.id, position=1, title="Slides two", section="Start")
    course_publish(course=course, user=instructor)
    upload_demo_lesson(
        instructor=instructor,
        lesson_id=str(first.id),
        folder=tmp_path,
        title="Slides one",
        points=["Light becomes sugar."],
    )
    upload_demo_lesson(
        instructor=instructor,
        lesson_id=str(second.id),
        folder=tmp_path,
        title="Slides two",
        points=["Roots drink water.", "Leaves breathe.", "Stems carry sap."],
    )
    learner = UserFactory(role="student", email="kim@example.com", email_verified=True)
    course.reload()
    enrollment_create(user=learner, course=course)
    lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
    return learner, course, lessons


def announced(page) -> str:
    return page.locator("[data-player-announce]").inner_text()


@pytest.mark.django_db(transaction=True)
def test_controls_speed_captions_shortcuts_and_live_progress(demo_course, live_server):
    learner, course, (first, second) = demo_course
    journey = Journey("player-controls")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.context.add_cookies([session_cookie(live_server, learner)])
        page.goto(f"/courses/{course.slug}/lessons/{first.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True
        # Our controls, not the browser's; nothing plays before the learner asks.
        assert page.locator("[data-player-controls]").is_visible()
        assert page.evaluate(video_js("[v.controls, v.paused, v.autoplay]")) == [
            False,
            True,
            False,
        ]
        summary = page.locator("[data-progress-summary]")
        assert summary.inner_text() == "0 of 2 lessons completed · 0%"
        assert page.locator("li[data-lesson-id] [data-completed]").count() == 0
        page.evaluate("() => { window.notReloaded = true; }")
        journey.shot(page, "before-play")

        # A click on play: it plays with sound.
        page.click("[data-action=play]")
        page.wait_for_function(video_js("v.currentTime > 0.3 && !v.paused"))
        assert page.evaluate(video_js("[v.muted, v.volume]")) == [False, 1]
        assert page.get_attribute("[data-action=play]", "aria-label") == "Pause"

        # Speed from our menu.
        page.click("[data-action=speed-menu]")
        page.click("[data-player-speed-menu] button[data-value='1.5']")
        assert page.evaluate(video_js("v.playbackRate")) == 1.5
        assert page.inner_text("[data-player-speed-label]") == "1.5\u00d7"
        assert page.locator("[data-player-speed-menu]").is_hidden()
        wait_announced(page, "Speed 1.5\u00d7")

        # Captions from our menu: the English track shows its cues on the video.
        page.click("[data-action=captions-menu]")
        page.click("[data-player-captions-menu] button[data-value=en]")
        assert page.inner_text("[data-player-captions-label]") == "English"
        page.wait_for_function(
            video_js(
                "v.textTracks.length === 1 && v.textTracks[0].mode === 'showing'"
                " && v.textTracks[0].activeCues && v.textTracks[0].activeCues.length > 0"
            ),
            timeout=15_000,
        )
        assert page.evaluate(video_js("v.textTracks[0].activeCues[0].text")) == "Slides one"
        # The storyboard gives the scrubber its thumbnails.
        page.wait_for_function("() => LearnStreamPlayer.controls.storyboardCues > 0")
        box = page.locator("[data-player-seek]").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
        tile = page.locator("[data-player-preview-tile]")
        tile.wait_for(state="visible")
        assert "storyboard.jpg" in tile.evaluate("(el) => el.style.backgroundImage")
        page.mouse.move(0, 0)
        journey.shot(page, "captions-and-speed")

        # To the end: the started beat and the closing beat complete the lesson, and the
        # outline's tick, the percent and "Continue" follow without a reload.
        page.wait_for_function(video_js("v.ended"), timeout=30_000)
        page.wait_for_function(
            "() => LearnStreamPlayer.beatsSent >= 2 && LearnStreamPlayer.lastProgress.completed"
        )
        page.wait_for_function(
            "() => document.querySelector('[data-progress-summary]').textContent"
            " === '1 of 2 lessons completed · 50%'"
        )
        done = page.locator(f"li[data-lesson-id='{first.id}'] [data-completed]")
        assert done.count() == 1
        assert page.eval_on_selector("[data-progress-bar]", "e => e.value") == 50
        assert page.inner_text("[data-continue]") == "Continue: Slides two"
        assert page.get_attribute("[data-continue]", "href").endswith(f"/lessons/{second.id}/")
        assert page.evaluate("() => window.notReloaded") is True
        journey.shot(page, "completed-live")

        # The next lesson: still 1.5x and captions on, from the learner's choices.
        page.click("a[rel=next]")
        page.wait_for_url(f"**/lessons/{second.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True
        assert page.inner_text("[data-player-speed-label]") == "1.5\u00d7"
        page.wait_for_function(video_js("v.textTracks.length === 1"))
        assert page.evaluate(video_js("v.textTracks[0].mode")) == "showing"

        # Keyboard shortcuts, on the focused video.
        page.focus("video[data-player]")
        page.keyboard.press("k")
        page.wait_for_function(video_js("v.currentTime > 0.5 && !v.paused"))
        assert page.evaluate(video_js("v.playbackRate")) == 1.5
        assert page.evaluate(video_js("v.muted")) is False
        page.keyboard.press("k")
        page.wait_for_function(video_js("v.paused"))
        wait_announced(page, "Paused")
        page.keyboard.press("m")
        assert page.evaluate(video_js("v.muted")) is True
        wait_announced(page, "Muted")
        page.keyboard.press("m")
        assert page.evaluate(video_js("v.muted")) is False
        page.keyboard.press("c")
        assert page.evaluate(video_js("v.textTracks[0].mode")) == "disabled"
        wait_announced(page, "Captions off")
        page.keyboard.press("c")
        assert page.evaluate(video_js("v.textTracks[0].mode")) == "showing"
        wait_announced(page, "Captions on: English")
        start = page.evaluate(video_js("v.currentTime"))
        page.keyboard.press("l")
        wait_announced(page, "Forward 10 seconds")
        assert abs(page.evaluate(video_js("v.currentTime")) - (start + 10)) < 0.2
        page.keyboard.press("ArrowRight")
        assert abs(page.evaluate(video_js("v.currentTime")) - (start + 15)) < 0.2
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("j")
        assert abs(page.evaluate(video_js("v.currentTime")) - start) < 0.2
        wait_announced(page, "Back 10 seconds")
        page.keyboard.press(" ")
        page.wait_for_function(video_js("!v.paused"))
        page.keyboard.press(" ")
        page.wait_for_function(video_js("v.paused"))
        page.keyboard.press("f")
        page.wait_for_function("() => document.fullscreenElement !== null")
        page.keyboard.press("f")
        page.wait_for_function("() => document.fullscreenElement === null")
        # Outside the player the keys are the page's: typing "m" in the transcript search
        # types it.
        page.focus("[data-transcript-search]")
        page.keyboard.type("mk")
        assert page.evaluate(video_js("[v.muted, v.paused]")) == [False, True]
        assert page.input_value("[data-transcript-search]") == "mk"
        page.fill("[data-transcript-search]", "")
        # A focused button keeps space and Enter for itself.
        page.focus("[data-action=mute]")
        page.keyboard.press(" ")
        assert page.evaluate(video_js("[v.muted, v.paused]")) == [True, True]
        page.keyboard.press("Enter")
        assert page.evaluate(video_js("v.muted")) is False
        journey.shot(page, "shortcuts")

        # At 2x from the start: every beat is accepted, each tick's span (~20 s of video
        # for 10 s of wall time) within the server's rule.
        # (Beats of the quick presses above may have been answered 429 and sent again.)
        page.wait_for_function("() => LearnStreamPlayer.pending.length === 0", timeout=15_000)
        page.wait_for_timeout(2_100)  # the server's beat interval
        before = page.evaluate("() => LearnStreamPlayer.history.length")
        page.evaluate(video_js("(v.currentTime = 0, 0)"))
        page.click("[data-action=speed-menu]")
        page.click("[data-player-speed-menu] button[data-value='2']")
        page.click("[data-action=play]")
        page.wait_for_function(
            "() => LearnStreamPlayer.history.some((h) => h.status === 200"
            " && h.body.played_to_s - h.body.played_from_s >= 15)",
            timeout=30_000,
        )
        history = page.evaluate("() => LearnStreamPlayer.history")
        assert [entry["status"] for entry in history[before:]] == [200] * len(history[before:])
        assert page.evaluate("() => LearnStreamPlayer.beatsDropped") == 0  # nothing lost
        journey.shot(page, "double-speed")

    saved = progress_get(user_id=learner.id, lesson_id=str(second.id))
    assert saved is not None and saved.furthest_s >= 15
    assert journey.errors == []
