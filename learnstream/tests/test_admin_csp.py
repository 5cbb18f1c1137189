"""Every admin page renders under the site's Content-Security-Policy, in headless Chromium:
Django's own pages (index, app lists, change lists, a popup list, change forms, login,
password change) and the catalogue's (courses, lessons, the lesson's video with its
uploader and signed preview, publish, history, archive, analytics, captions report, draft
previews, audit), the lesson video page with its captions manager, the two-factor pages,
and a local run's debug 404 page (DEBUG=True; the 500 page's policy is checked in
test_csp_inline_hashes.py). A `securitypolicyviolation` event or a console CSP error on
any of them fails the test, and so does a layout the admin's stylesheet did not apply
(analytics controls on top of each other, a preview player or thumbnail stretched across
the page)."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import course_archive, course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.browser import Journey, browser_marks, chromium, session_cookie
from devtools.live_stack import connect_simulator
from playback.tests.helpers import ready_generation, set_video
from playback.tests.test_captions import SRT, upload, wait_caption

pytestmark = browser_marks()

# Recorded in the page before any of its own content runs (Playwright's init scripts are
# not subject to the page's policy).
LISTEN = """() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
      + ` (${e.sourceFile || ''}:${e.lineNumber || 0}) ${(e.sample || '').slice(0, 60)}`);
  });
}"""
LISTEN_SCRIPT = f"({LISTEN})()"

CONTROLS = (
    "#content-main a:visible, #content-main input:not([type=hidden]):visible,"
    " #content-main button:visible, #content-main select:visible"
)


@pytest.fixture
def world(mux_sim, ready_assets, live_server, settings):
    """A published course with a ready video and captions on its first lesson, a reading
    lesson, an enrolled learner; its instructor, an admin, and a staff member with 2FA."""
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, slug="csp-course", title="CSP Course")
    video = LessonFactory(course_id=course.id, position=0, title="Watch this", section="Start")
    LessonFactory(course_id=course.id, position=1, title="Read this", section="Start")
    set_video(video, current=ready_generation(ready_assets[0]))
    course_publish(course=course, user=instructor)
    teacher = APIClient()
    teacher.force_authenticate(user=instructor)
    assert upload(teacher, str(video.id), SRT.encode()).status_code == 201
    wait_caption(teacher, str(video.id), "ready")
    learner = UserFactory(role="student", name="Ada Lovelace")
    enrollment_create(user=learner, course=course)
    admin = UserFactory(role="admin", name="Root Admin")
    staff_with_2fa = UserFactory(role="instructor", name="Two Factor")
    TOTPDevice.objects.create(user=staff_with_2fa, name="Authenticator app", confirmed=True)
    lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
    archived = CourseFactory(owner_id=instructor.id, slug="csp-archived", title="Old Course")
    course_archive(course=archived, user=instructor)
    return {
        "course": course,
        "archived": archived,
        "video_lesson": lessons[0],
        "reading_lesson": lessons[1],
        "learner": learner,
        "cookies": {
            "instructor": session_cookie(live_server, instructor),
            "admin": session_cookie(live_server, admin),
            "staff_with_2fa": session_cookie(live_server, staff_with_2fa),
        },
    }


def _boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _overlapping_controls(page) -> list[tuple[str, str]]:
    """Pairs of visible controls in the content whose boxes intersect."""
    controls = page.locator(CONTROLS)
    boxes = []
    for index in range(controls.count()):
        control = controls.nth(index)
        box = control.bounding_box()
        if box and box["width"] and box["height"]:
            label = control.inner_text() or control.get_attribute("value") or ""
            boxes.append((label.strip() or control.evaluate("e => e.outerHTML")[:60], box))
    return [
        (first[0], second[0])
        for i, first in enumerate(boxes)
        for second in boxes[i + 1 :]
        if _boxes_overlap(first[1], second[1])
    ]


@pytest.mark.django_db(transaction=True)
def test_every_admin_page_renders_without_a_csp_violation(world, live_server, settings):
    course, video, reading = world["course"], world["video_lesson"], world["reading_lesson"]
    c, v, r = course.id, video.id, reading.id
    user_id = world["learner"].id
    pages = {
        "instructor": {
            "index": "/admin/",
            "catalog app": "/admin/catalog/",
            "course list": "/admin/catalog/courses/",
            "course list (search)": "/admin/catalog/courses/?q=CSP",
            "course add": "/admin/catalog/courses/add/",
            "course change": f"/admin/catalog/courses/{c}/change/",
            "course publish": f"/admin/catalog/courses/{c}/publish/",
            "course history": f"/admin/catalog/courses/{c}/history/",
            "course analytics": f"/admin/catalog/courses/{c}/analytics/",
            "course archive": f"/admin/catalog/courses/{c}/archive/",
            "course unarchive": f"/admin/catalog/courses/{world['archived'].id}/unarchive/",
            "course captions": f"/admin/catalog/courses/{c}/captions/",
            "course preview": f"/admin/catalog/courses/{c}/preview/",
            "lesson preview (video)": f"/admin/catalog/courses/{c}/lessons/{v}/preview/",
            "lesson preview (reading)": f"/admin/catalog/courses/{c}/lessons/{r}/preview/",
            "lesson add": f"/admin/catalog/courses/{c}/lessons/add/",
            "lesson with video": f"/admin/catalog/courses/{c}/lessons/{v}/change/",
            "reading lesson": f"/admin/catalog/courses/{c}/lessons/{r}/change/",
            "lesson delete": f"/admin/catalog/courses/{c}/lessons/{r}/delete/",
            "lesson video and captions": f"/instructor/lessons/{v}/video/",
            "audit log": "/admin/catalog/audit/",
            "password change": "/admin/password_change/",
            "password change done": "/admin/password_change/done/",
            "2fa status": "/accounts/2fa/",
            "2fa set-up": "/accounts/2fa/setup/",
        },
        "admin": {
            "index (admin)": "/admin/",
            "accounts app": "/admin/accounts/",
            "users": "/admin/accounts/user/",
            "users (filtered)": "/admin/accounts/user/?role__exact=student",
            # A change list in a popup: no actions.
            "users (popup, no actions)": "/admin/accounts/user/?_popup=1",
            "user change": f"/admin/accounts/user/{user_id}/change/",
            "sign-ins": "/admin/accounts/refreshtoken/",
            "enrolments": "/admin/catalog/enrollment/",
            "enrolment add": "/admin/catalog/enrollment/add/",
            "courses (admin)": "/admin/catalog/courses/",
        },
        "staff_with_2fa": {
            "2fa status (on)": "/accounts/2fa/",
            "2fa verify": "/accounts/2fa/verify/",
        },
        None: {"admin login": "/admin/login/", "site login": "/accounts/login/"},
    }
    violations: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    layout: dict[str, Any] = {}
    journey = Journey("admin-csp")

    with chromium() as browser:

        def context(who: str | None):
            ctx = browser.new_context(
                base_url=live_server.url, viewport={"width": 1280, "height": 800}
            )
            ctx.set_default_timeout(30_000)
            ctx.add_init_script(script=LISTEN_SCRIPT)
            if who:
                ctx.add_cookies([world["cookies"][who]])
            page = journey.watch(ctx.new_page())
            console: list[str] = []
            page.on(
                "console",
                lambda msg: (
                    console.append(msg.text) if "Content Security Policy" in msg.text else None
                ),
            )
            return page, console

        def visit(page, console: list[str], name: str, path: str, settle: str | None = None):
            console.clear()
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            if settle:
                page.wait_for_function(settle, timeout=20_000)
            statuses[name] = response.status if response else 0
            found = list(page.evaluate("() => window.__csp")) + list(console)
            if found:
                violations[name] = found
            journey.shot(page, name.replace(" ", "-").replace("(", "").replace(")", ""))

        for who, group in pages.items():
            page, console = context(who)
            for name, path in group.items():
                settle = None
                if name == "lesson with video":
                    settle = "() => window.LearnStreamPlayer !== undefined"
                if name == "lesson video and captions":
                    settle = (
                        "() => document.querySelector('[data-captions-rows]').textContent"
                        ".indexOf('Loading') === -1"
                    )
                visit(page, console, name, path, settle)
                if name == "course analytics":
                    layout["analytics overlaps"] = _overlapping_controls(page)
                    reset = page.locator("#progress-reset input[type=submit]").bounding_box()
                    csv = page.locator("a:has-text('Download progress CSV')").bounding_box()
                    layout["csv below or beside reset"] = bool(
                        reset and csv and not _boxes_overlap(reset, csv)
                    )
                if name == "lesson with video":
                    layout["player width"] = page.locator("video[data-player]").bounding_box()[
                        "width"
                    ]
                    thumbnail = page.locator("[data-upload-thumbnail]")
                    layout["thumbnail max width"] = thumbnail.evaluate(
                        "e => getComputedStyle(e).maxWidth"
                    )
                    layout["thumbnail shown only with a source"] = thumbnail.evaluate(
                        "e => e.hasAttribute('hidden') === (getComputedStyle(e).display === 'none')"
                    )

        # A local run's debug pages: readable, and the policy does not block their styles.
        settings.DEBUG = True
        page, console = context("instructor")
        visit(page, console, "debug 404", "/admin/catalog/courses/000000000000000000000000/change/")
        layout["debug 404 styled"] = page.locator("#summary").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )

    assert violations == {}, "\n".join(f"{name}: {found}" for name, found in violations.items())
    not_ok = {name: status for name, status in statuses.items() if status != 200}
    assert not_ok == {"debug 404": 404}, not_ok
    assert layout["analytics overlaps"] == [], layout
    assert layout["csv below or beside reset"] is True, layout
    assert 0 < layout["player width"] <= 640, layout
    assert layout["thumbnail max width"] == "320px", layout
    assert layout["thumbnail shown only with a source"] is True, layout
    # The debug page's own stylesheet applied: its summary box is yellow, not transparent.
    assert layout["debug 404 styled"] == "rgb(255, 255, 204)", layout
    assert journey.errors == []
