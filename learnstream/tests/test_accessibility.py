"""Accessibility, checked by a machine: axe-core (vendored in static/vendor/axe-core) runs in
headless Chromium on every learner-facing page, at a desktop size and at a 390x844 phone
size, and no serious or critical violation is allowed (WCAG 2.1 A/AA rules, colour contrast
included).

axe is loaded from our own static files, so it runs under the pages' real
Content-Security-Policy, as a visitor's browser would see them."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token
from catalog.documents import Lesson
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import browser_marks, chromium, video_js
from devtools.clips import make_clip
from devtools.live_stack import connect_simulator, upload_ready_video

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


def _session_cookie(live_server, user) -> dict:
    from django.conf import settings

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.fixture
def site(mux_sim, live_server, settings, tmp_path):
    """A published course whose first lesson has a ready video (uploaded through the real
    path), an enrolled learner, an instructor with 2FA on, and a password-reset link."""
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(
        owner_id=instructor.id, slug="a11y-course", title="Accessible Course", tags=["a11y"]
    )
    video = LessonFactory(course_id=course.id, position=0, title="Watch this", section="Start")
    LessonFactory(course_id=course.id, position=1, title="Read this", section="Start")
    course_publish(course=course, user=instructor)
    upload_ready_video(
        instructor=instructor, lesson_id=str(video.id), clip=make_clip(tmp_path, 4).read_bytes()
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
        "learner": _session_cookie(live_server, learner),
        "instructor": _session_cookie(live_server, instructor),
        "staff_with_2fa": _session_cookie(live_server, staff_with_2fa),
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
    """Play the lesson video and turn captions on where the stream has any."""
    page.wait_for_function("() => window.LearnStreamPlayer !== undefined")
    page.evaluate(video_js("v.play()"))
    page.wait_for_function(video_js("v.currentTime > 0.3"), timeout=30_000)
    page.evaluate(
        video_js(
            "(Array.from(v.textTracks).forEach((t, i) => {"
            " t.mode = i === 0 ? 'showing' : 'off'; }), v.textTracks.length)"
        )
    )


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
                         '<img src="/static/none.png"><p style="color:#aaa">faint text</p>'); }"""
        )
        found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "color-contrast"} <= found
