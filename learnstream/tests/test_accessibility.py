"""Accessibility, checked by a machine: axe-core (vendored in static/vendor/axe-core) runs in
headless Chromium on every learner-facing page, at a desktop size and at a 390x844 phone
size, and no serious or critical violation is allowed (WCAG 2.1 A/AA rules, colour contrast
included).

axe is loaded from our own static files, so it runs under the pages' real
Content-Security-Policy, as a visitor's browser would see them. The lesson is checked with
the player open: playing, captions turned on from the player's own menu, its speed menu
open.

A keyboard-only journey (Tab, Enter and space, plus typing into form fields) registers,
enrols, plays, changes the speed, turns captions on and completes the lessons."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token
from catalog.documents import Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import (
    PASSWORD,
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

AXE_URL = "/static/vendor/axe-core/axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Run axe on the page as it is now; the serious and critical violations, with the
    elements they were found on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.fixture
def site(mux_sim, live_server, settings, tmp_path):
    """A published course whose first lesson is demo-like (a ready slide video with English
    captions, uploaded through the real paths) and whose second is a reading lesson, an
    enrolled learner, an instructor with 2FA on, and a password-reset link."""
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(
        owner_id=instructor.id, slug="a11y-course", title="Accessible Course", tags=["a11y"]
    )
    video = LessonFactory(course_id=course.id, position=0, title="Watch this", section="Start")
    LessonFactory(course_id=course.id, position=1, title="Read this", section="Start")
    course_publish(course=course, user=instructor)
    upload_demo_lesson(
        instructor=instructor,
        lesson_id=str(video.id),
        folder=tmp_path,
        title="Watch this",
        points=["Every control has a name."],
    )
    learner = UserFactory(role="student", name="Ada Lovelace", email="ada@example.com")
    enrollment_create(user=learner, course=course)
    staff_with_2fa = UserFactory(role="instructor", name="Two Factor")
    TOTPDevice.objects.create(user=staff_with_2fa, name="Authenticator app", confirmed=True)
    # An account half-way through setting up an authenticator (the mailed link followed).
    enrolling = UserFactory(role="instructor", name="New Factor")
    enrolling_browser = Client()
    enrolling_browser.force_login(enrolling)
    enrolling_browser.post("/accounts/2fa/setup/email/")
    enrolling_browser.post(f"/accounts/2fa/enrol/{last_token('2fa/enrol')}/")
    enrolling_browser.post("/accounts/2fa/setup/email/")  # an unused link for its own page
    cookies = {
        "enrolling": {
            "name": settings.SESSION_COOKIE_NAME,
            "value": enrolling_browser.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        },
        "learner": session_cookie(live_server, learner),
        "instructor": session_cookie(live_server, instructor),
        "staff_with_2fa": session_cookie(live_server, staff_with_2fa),
    }
    from accounts import recovery

    # After the sign-ins above: a reset link is only good until the next sign-in.
    recovery.password_reset_request(email=learner.email, ip="127.0.0.1")
    return {
        "course": course,
        "lesson": Lesson.objects(course_id=course.id).order_by("position").first(),
        "reset_token": last_token("reset"),
        "enrol_token": last_token("2fa/enrol"),
        **cookies,
    }


def _open_player(page) -> None:
    """Play the lesson video and turn captions on, both from the player's own controls, and
    leave its speed menu open (its items are checked too)."""
    page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
    page.click("[data-action=play]")
    page.wait_for_function(video_js("v.currentTime > 0.3"), timeout=30_000)
    page.click("[data-action=captions-menu]")
    page.click("[data-player-captions-menu] button[data-value=en]")
    page.wait_for_function(video_js("v.textTracks.length && v.textTracks[0].mode === 'showing'"))
    page.click("[data-action=speed-menu]")
    page.locator("[data-player-speed-menu]").wait_for(state="visible")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_or_critical_violation_on_any_page(site, live_server, viewport):
    course, lesson = site["course"], site["lesson"]
    anonymous_pages = {
        "catalogue": "/",
        "course": f"/courses/{course.slug}/",
        "login": "/accounts/login/",
        "register": "/accounts/register/",
        "password reset": "/accounts/password-reset/",
        "password reset confirm": f"/accounts/reset/{site['reset_token']}/",
    }
    learner_pages = {
        "catalogue (signed in)": "/",
        "course (enrolled)": f"/courses/{course.slug}/",
        "lesson": f"/courses/{course.slug}/lessons/{lesson.id}/",
        "my learning": "/my/",
        "account": "/accounts/",
    }
    staff_pages = {
        "2fa status (off)": ("instructor", "/accounts/2fa/"),
        "2fa set-up": ("instructor", "/accounts/2fa/setup/"),
        "2fa status (on)": ("staff_with_2fa", "/accounts/2fa/"),
        "2fa verify": ("staff_with_2fa", "/accounts/2fa/verify/"),
        "2fa mailed link": ("enrolling", f"/accounts/2fa/enrol/{site['enrol_token']}/"),
        "2fa set-up (QR code)": ("enrolling", "/accounts/2fa/setup/"),
    }
    found: dict[str, list[dict]] = {}
    errors: list[str] = []
    with chromium() as browser:

        def context(cookie: dict | None):
            ctx = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
            ctx.set_default_timeout(30_000)
            if cookie:
                ctx.add_cookies([cookie])
            page = ctx.new_page()
            page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
            return page

        def check(page, name: str, path: str) -> None:
            response = page.goto(path)
            assert response is not None and response.status < 400, (
                name,
                response and response.status,
            )
            if name == "lesson":
                _open_player(page)
            found[name] = axe_violations(page)

        anonymous = context(None)
        for name, path in anonymous_pages.items():
            check(anonymous, name, path)
        learner = context(site["learner"])
        for name, path in learner_pages.items():
            check(learner, name, path)
        staff = {key: context(site[key]) for key in ("instructor", "staff_with_2fa", "enrolling")}
        for name, (who, path) in staff_pages.items():
            check(staff[who], name, path)

    blocking = {name: violations for name, violations in found.items() if violations}
    assert blocking == {}, blocking
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_check_catches_what_it_must(live_server):
    """The same check on a page spoiled on purpose: an image without a text alternative and
    light grey text (2.3:1) are reported, so an empty result above means something."""
    with chromium() as browser:
        page = browser.new_page(base_url=live_server.url)
        page.goto("/accounts/login/")
        page.evaluate(
            """() => { const main = document.querySelector('main');
                       main.insertAdjacentHTML('beforeend',
                         '<img src="/static/none.png"><p id="faint">faint text</p>');
                       document.getElementById('faint').style.color = '#aaa'; }"""
        )
        found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "color-contrast"} <= found


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches `selector` (the way a keyboard user
    moves), failing if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.django_db(transaction=True)
def test_keyboard_only_journey(site, live_server):
    """Tab, Enter and space only (and typing in form fields): register, verify, enrol,
    play, change the speed, turn captions on, finish the video lesson, mark the reading
    lesson complete; the page keeps up without a reload."""
    course = site["course"]
    video_lesson, reading = Lesson.objects(course_id=course.id).order_by("position")
    journey = Journey("keyboard-only")
    with chromium() as browser:
        page = journey.new_page(browser, live_server.url)
        page.goto(f"/accounts/register/?next=/courses/{course.slug}/")
        _tab_to(page, "input[name=name]")
        page.keyboard.type("Key Board")
        _tab_to(page, "input[name=email]")
        page.keyboard.type("keys@example.com")
        _tab_to(page, "input[name=password]")
        page.keyboard.type(PASSWORD)
        _tab_to(page, "form button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        user = User.objects.get(email="keys@example.com")
        # The emailed link, as the learner's mail program opens it.
        page.goto(f"/accounts/verify/{last_token('verify')}/")
        page.goto(f"/courses/{course.slug}/")
        journey.shot(page, "course")

        _tab_to(page, ".enrol-box form button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        _tab_to(page, ".enrol-box a[data-continue]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"**/lessons/{video_lesson.id}/")
        page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
        assert page.evaluate("() => LearnStreamPlayer.ready") is True
        page.evaluate("() => { window.notReloaded = true; }")

        # Play with space on the play button: sound on.
        _tab_to(page, "[data-action=play]")
        page.keyboard.press(" ")
        page.wait_for_function(video_js("!v.paused && v.currentTime > 0.2"))
        assert page.evaluate(video_js("v.muted")) is False

        # Speed: Enter opens the menu on the current speed; Tab to 1.5x, Enter chooses it
        # and gives the focus back to the menu button.
        _tab_to(page, "[data-action=speed-menu]")
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.dataset.value") == "1"
        _tab_to(page, "[data-player-speed-menu] button[data-value='1.5']", limit=5)
        page.keyboard.press("Enter")
        assert page.evaluate(video_js("v.playbackRate")) == 1.5
        assert page.evaluate("() => document.activeElement.dataset.action") == "speed-menu"
        wait_announced(page, "Speed 1.5")

        # Captions: the same with space.
        _tab_to(page, "[data-action=captions-menu]")
        page.keyboard.press(" ")
        _tab_to(page, "[data-player-captions-menu] button[data-value=en]", limit=5)
        page.keyboard.press(" ")
        assert page.evaluate(video_js("v.textTracks[0].mode")) == "showing"
        wait_announced(page, "Captions on: English")
        journey.shot(page, "playing-captions-on")

        # Watched to the end: the outline ticks the lesson and the percent moves, live.
        page.wait_for_function(video_js("v.ended"), timeout=40_000)
        page.wait_for_function(
            f"() => document.querySelector(\"li[data-lesson-id='{video_lesson.id}']"
            ' [data-completed]") !== null',
            timeout=15_000,
        )
        assert page.inner_text("[data-progress-summary]") == "1 of 2 lessons completed · 50%"
        assert page.evaluate("() => window.notReloaded") is True

        # On to the reading lesson with the keyboard, and mark it complete with Enter.
        _tab_to(page, "aside a[data-continue]")
        assert page.inner_text("aside a[data-continue]") == "Continue: Read this"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"**/lessons/{reading.id}/")
        _tab_to(page, "button[data-mark-complete]")
        page.keyboard.press("Enter")
        page.locator("[data-lesson-complete]").wait_for(state="visible")
        page.wait_for_function(
            "() => document.querySelector('[data-progress-summary]').textContent"
            " === '2 of 2 lessons completed · 100%'"
        )
        assert page.locator("button[data-mark-complete]").is_hidden()
        assert page.locator("aside [data-progress-done]").is_visible()
        assert page.locator("li[data-lesson-id] [data-completed]").count() == 2
        journey.shot(page, "all-complete")

        # "My learning" shows the course's bar; the catalogue marks the course enrolled.
        page.goto("/my/")
        bar = page.get_by_role("progressbar", name=f"Progress in {course.title}")
        assert bar.evaluate("e => e.value") == 100
        page.goto("/")
        assert page.locator("[data-enrolled]").count() == 1

    for lesson in (video_lesson, reading):
        saved = progress_get(user_id=user.id, lesson_id=str(lesson.id))
        assert saved is not None and saved.completed
    assert journey.errors == []
