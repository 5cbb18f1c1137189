"""The student journey through the JSON API alone, as a mobile client would do it, over HTTP
against the live server and the Mux simulator: register → token → catalogue → course →
enrol → playback (signed tokens; the playlist fetched from the simulator with them) →
heartbeats in real wall time → progress → complete the text lesson → 100% → refresh-token
rotation (and reuse detection) → logout."""

from __future__ import annotations

import time

import pytest
import requests

from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import last_token
from catalog.services import course_publish
from catalog.tests.factories import CourseFactory, LessonFactory
from devtools.live_stack import connect_simulator, upload_ready_video

EMAIL = "mobile@example.com"
PASSWORD = "a long passphrase for mobile"


class Mobile:
    """A bare HTTP client holding a bearer token, as an app would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.access: str | None = None

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        return requests.request(
            method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=10, **kwargs
        )


@pytest.mark.django_db(transaction=True)
def test_student_journey_through_the_api(mux_sim, live_server, settings, video_clip):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    instructor = UserFactory(role="instructor", name="Grace Hopper")
    course = CourseFactory(owner_id=instructor.id, slug="mobile-course", title="Mobile Course")
    video = LessonFactory(course_id=course.id, position=0, title="Video")
    text = LessonFactory(course_id=course.id, position=1, title="Text")
    course_publish(course=course, user=instructor)
    upload_ready_video(instructor=instructor, lesson_id=str(video.id), clip=video_clip)  # 2 s

    app = Mobile(live_server.url)

    # Register, then sign in for a token pair.
    registered = app.call(
        "POST", "/auth/register", json={"email": EMAIL, "password": PASSWORD, "name": "Mo"}
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["role"] == "student"
    pair = app.call("POST", "/auth/token", json={"email": EMAIL, "password": PASSWORD}).json()
    assert pair["token_type"] == "Bearer"
    app.access = pair["access"]
    assert app.call("GET", "/me").json()["email"] == EMAIL

    # Catalogue and course (no playback id anywhere).
    listing = app.call("GET", "/courses").json()
    assert [item["slug"] for item in listing["results"]] == ["mobile-course"]
    detail = app.call("GET", "/courses/mobile-course")
    assert detail.status_code == 200
    assert detail.json()["enrollment"] is None
    outline = [lesson for section in detail.json()["sections"] for lesson in section["lessons"]]
    assert [(lesson["id"], lesson["has_video"]) for lesson in outline] == [
        (str(video.id), True),
        (str(text.id), False),
    ]

    # Not enrolled: no token. Enrolling waits for the emailed verification link.
    assert app.call("GET", f"/lessons/{video.id}/playback").status_code == 403
    assert app.call("POST", "/courses/mobile-course/enrollment").status_code == 403
    verified = app.call("POST", "/auth/verify-email", json={"token": last_token("verify")})
    assert verified.status_code == 200, verified.text
    assert app.call("GET", "/me").json()["email_verified"] is True
    enrolled = app.call("POST", "/courses/mobile-course/enrollment")
    assert enrolled.status_code == 201
    assert enrolled.json()["status"] == "active"

    # Playback: signed tokens; the simulator serves the playlist only with them.
    playback = app.call("GET", f"/lessons/{video.id}/playback").json()
    assert set(playback["tokens"]) == {"video", "thumbnail", "storyboard"}
    assert playback["resume_position_s"] == 0
    playlist = requests.get(playback["stream_url"], timeout=10)
    assert playlist.status_code == 200
    assert playlist.text.startswith("#EXTM3U")
    unsigned = playback["stream_url"].split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code in (401, 403)
    assert requests.get(playback["thumbnail_url"], timeout=10).status_code == 200

    # Heartbeats in real time: "started", then the whole 2 s clip 2.1 s later.
    duration = 2.0
    beat = {"position_s": 0, "duration_s": duration, "played_from_s": 0, "played_to_s": 0}
    first = app.call("POST", f"/lessons/{video.id}/progress", json=beat)
    assert first.status_code == 200, first.text
    assert first.json()["completed"] is False
    too_soon = dict(beat, position_s=0.5, played_to_s=0.5)
    assert app.call("POST", f"/lessons/{video.id}/progress", json=too_soon).status_code == 429
    time.sleep(2.1)
    beat = {
        "position_s": duration,
        "duration_s": duration,
        "played_from_s": 0,
        "played_to_s": duration,
    }
    second = app.call("POST", f"/lessons/{video.id}/progress", json=beat)
    assert second.status_code == 200, second.text
    assert second.json()["coverage"] == 1.0
    assert second.json()["completed"] is True

    # The lesson without video is completed explicitly.
    done = app.call("POST", f"/lessons/{text.id}/complete")
    assert done.status_code == 200 and done.json()["completed"] is True
    progress = app.call("GET", "/courses/mobile-course/progress").json()
    assert (progress["completed_lessons"], progress["total_lessons"], progress["percent"]) == (
        2,
        2,
        100,
    )
    mine = app.call("GET", "/me/enrollments").json()["results"]
    assert [(row["course"]["slug"], row["progress"]["percent"]) for row in mine] == [
        ("mobile-course", 100)
    ]

    # Refresh rotation: the new pair works, the old refresh token is refused.
    rotated = app.call("POST", "/auth/token/refresh", json={"refresh": pair["refresh"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != pair["refresh"]
    app.access = rotated.json()["access"]
    assert app.call("GET", "/me").status_code == 200

    # Logout revokes the family: the current refresh token no longer works.
    assert (
        app.call("POST", "/auth/logout", json={"refresh": rotated.json()["refresh"]}).status_code
        == 204
    )
    after = app.call("POST", "/auth/token/refresh", json={"refresh": rotated.json()["refresh"]})
    assert after.status_code == 401

    # Reuse detection on a second sign-in: replaying a used refresh token revokes its family.
    second_pair = app.call(
        "POST", "/auth/token", json={"email": EMAIL, "password": PASSWORD}
    ).json()
    newer = app.call("POST", "/auth/token/refresh", json={"refresh": second_pair["refresh"]}).json()
    replay = app.call("POST", "/auth/token/refresh", json={"refresh": second_pair["refresh"]})
    assert (replay.status_code, replay.json()["code"]) == (401, "token_reused")
    assert (
        app.call("POST", "/auth/token/refresh", json={"refresh": newer["refresh"]}).status_code
        == 401
    )
