"""Attacks on progress tracking, through the real API (playback, then heartbeats) with real
Postgres, Redis and SecantusDB, on both heartbeat paths (the live Redis state and the direct
MongoDB update). Time is a controllable clock handed to the services' `now`, never a sleep.

Every attack ends with 0 false completions; honest viewing at 1x, 1.5x and 2x completes at
the threshold (within one beat)."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import enrollment_create
from devtools.clients import client_for
from tracking.tests.helpers import LESSON_DURATION_S, raw_progress

pytestmark = pytest.mark.django_db

DURATION = LESSON_DURATION_S
ALLOWANCE = 15.0
RATE = 2.0


class Viewer:
    """One tab: a playback request (its view), then numbered heartbeats."""

    def __init__(self, user, lesson_id: str) -> None:
        self.client = client_for(user)
        self.lesson_id = lesson_id
        playback = self.client.get(f"/api/v1/lessons/{lesson_id}/playback")
        assert playback.status_code == 200, playback.content
        self.view = playback.json()["view"]
        self.seq = 0

    def beat(self, frm: float, to: float, *, seq: int | None = None, view_id: str | None = None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {
            "position_s": to,
            "duration_s": DURATION,
            "played_from_s": frm,
            "played_to_s": to,
            "view_id": view_id or self.view["id"],
            "seq": seq,
        }
        return self.client.post(f"/api/v1/lessons/{self.lesson_id}/progress", body, format="json")


def completed_documents() -> int:
    return sum(1 for document in raw_progress() if document.get("completed_at") is not None)


def credited_total() -> float:
    return sum(float(document.get("watch_time_s") or 0.0) for document in raw_progress())


def budget(elapsed_s: float) -> float:
    return elapsed_s * RATE + ALLOWANCE


@pytest.mark.parametrize("speed", [1.0, 1.5, 2.0])
def test_honest_viewing_completes_at_the_threshold(path, clock, learner, course_lessons, speed):
    viewer = Viewer(learner, course_lessons[1][0])
    clock.advance(2)  # the media loads
    position = 0.0
    while position < DURATION:
        clock.advance(4)
        upto = min(position + 4 * speed, DURATION)
        answer = viewer.beat(position, upto)
        assert answer.status_code == 200, answer.content
        assert answer.json()["credited_s"] == pytest.approx(upto - position)
        position = upto
        if answer.json()["completed"]:
            break
    assert 90.0 <= position < 90.0 + 4 * speed + 1e-9


def test_seek_to_the_end_does_not_complete(path, clock, learner, course_lessons):
    viewer = Viewer(learner, course_lessons[1][0])
    clock.advance(4)
    assert viewer.beat(0, 5).status_code == 200
    clock.advance(4)
    assert viewer.beat(95, 100).status_code == 200  # a seek: a short span at the end
    clock.advance(4)
    refused = viewer.beat(0, 100)  # a claim of the whole video
    assert refused.status_code == 400
    assert completed_documents() == 0


@pytest.mark.parametrize("speed", [4.0, 16.0])
def test_claimed_fast_speeds_credit_no_more_than_the_budget(
    path, clock, learner, course_lessons, speed
):
    viewer = Viewer(learner, course_lessons[1][0])
    start = clock.now
    position = 0.0
    for _ in range(12):
        clock.advance(2)
        upto = min(position + 2 * speed, DURATION)
        answer = viewer.beat(position, upto)
        assert answer.status_code in (200, 400)
        if answer.status_code == 200:
            position = upto
        elapsed = (clock.now - start).total_seconds()
        assert credited_total() <= budget(elapsed) + 1e-6
    assert completed_documents() == 0


def test_replayed_and_reordered_beats_change_nothing(path, clock, learner, course_lessons):
    viewer = Viewer(learner, course_lessons[1][0])
    clock.advance(4)
    first = viewer.beat(0, 8)
    assert first.status_code == 200
    before = credited_total()
    for _ in range(3):  # retries of seq 1, whenever they come
        clock.advance(4)
        again = viewer.beat(0, 8, seq=1)
        assert again.status_code == 200
        assert again.json()["credited_s"] == 0.0
        assert again.json()["watch_time_s"] == first.json()["watch_time_s"]
    assert credited_total() == before
    clock.advance(4)
    assert viewer.beat(16, 24, seq=3).status_code == 200
    clock.advance(4)
    late = viewer.beat(8, 16, seq=2)  # seq 2 after seq 3: a new beat, inside the budget
    assert late.status_code == 200
    clock.advance(4)
    assert viewer.beat(8, 16, seq=2).json()["credited_s"] == 0.0
    assert credited_total() <= budget(20) + 1e-6
    assert completed_documents() == 0


@pytest.mark.parametrize("tabs", [2, 5])
def test_parallel_views_share_one_budget(path, clock, learner, course_lessons, tabs):
    lesson_id = course_lessons[1][0]
    viewers = [Viewer(learner, lesson_id) for _ in range(tabs)]
    start = clock.now
    positions = [0.0] * tabs
    for _round in range(10):
        for index, viewer in enumerate(viewers):
            clock.advance(2.0 / tabs)
            upto = min(positions[index] + 4.0, DURATION)
            answer = viewer.beat(positions[index], upto)
            assert answer.status_code in (200, 400, 429)
            if answer.status_code == 200:
                positions[index] = upto
            elapsed = (clock.now - start).total_seconds()
            assert credited_total() <= budget(elapsed) + 1e-6
    assert completed_documents() == 0


def test_forged_foreign_and_expired_views_are_refused(
    path, clock, learner, course_lessons, settings
):
    _course, ids = course_lessons
    viewer = Viewer(learner, ids[0])
    other = UserFactory(role="student")
    enrollment_create(user=other, course=course_lessons[0])
    theirs = Viewer(other, ids[0])
    other_lesson = Viewer(learner, ids[1])
    clock.advance(4)
    forged = viewer.view["id"][:-2] + ("00" if not viewer.view["id"].endswith("00") else "11")
    cases = [
        (forged, "view_invalid"),
        ("not-a-view", "view_invalid"),
        ("é.é", "view_invalid"),
        (theirs.view["id"], "view_invalid"),
        (other_lesson.view["id"], "view_invalid"),
    ]
    for view_id, code in cases:
        answer = viewer.beat(0, 5, view_id=view_id)
        assert answer.status_code == 403, view_id
        assert answer.json()["code"] == code
    assert raw_progress() == []
    clock.advance(settings.PROGRESS_VIEW_TTL_S)
    expired = viewer.beat(0, 5)
    assert expired.status_code == 403
    assert expired.json()["code"] == "view_expired"
    assert raw_progress() == []


def test_malformed_view_fields_are_400(path, clock, learner, course_lessons):
    viewer = Viewer(learner, course_lessons[1][0])
    clock.advance(4)
    for seq in [0, -1, "1", 1.5, True, 2**31]:
        answer = viewer.beat(0, 5, seq=seq)  # type: ignore[arg-type]
        assert answer.status_code == 400, seq
        assert answer.json()["code"] == "validation_error"
    body = {"position_s": 5.0, "duration_s": DURATION, "played_from_s": 0.0, "played_to_s": 5.0}
    answer = viewer.client.post(
        f"/api/v1/lessons/{viewer.lesson_id}/progress", {**body, "seq": 1}, format="json"
    )
    assert answer.status_code == 400
    assert raw_progress() == []


def test_view_required_setting_refuses_beats_without_a_view(
    path, clock, learner, course_lessons, settings
):
    settings.PROGRESS_REQUIRE_VIEW = True
    body = {"position_s": 5.0, "duration_s": DURATION, "played_from_s": 0.0, "played_to_s": 5.0}
    answer = client_for(learner).post(
        f"/api/v1/lessons/{course_lessons[1][0]}/progress", body, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "view_required"
    assert raw_progress() == []


def test_a_client_that_never_loads_media_completes_nothing(path, clock, learner, course_lessons):
    """Playback requested, then beats claiming play at 2x from the first second, in every
    tab it can open: the budget holds them to what wall time allows, so no completion comes
    before 45 s of wall time have passed (90 s of media at 2x, less the allowance)."""
    lesson_id = course_lessons[1][0]
    viewers = [Viewer(learner, lesson_id) for _ in range(3)]
    start = clock.now
    positions = [0.0, 0.0, 0.0]
    while (clock.now - start).total_seconds() < (90.0 - ALLOWANCE) / RATE - 2:
        for index, viewer in enumerate(viewers):
            clock.advance(0.7)
            upto = min(positions[index] + 8.0, DURATION)
            answer = viewer.beat(positions[index], upto)
            if answer.status_code == 200:
                positions[index] = upto
    assert completed_documents() == 0


def test_budget_counts_from_the_view_and_survives_a_flush(path, clock, learner, course_lessons):
    """The clock starts at the playback request: a first beat 30 s later may be credited
    what 30 s allow (within the span rule), and the start is stored with the progress."""
    viewer = Viewer(learner, course_lessons[1][0])
    issued = clock.now
    clock.advance(30)
    assert viewer.beat(0, 10).status_code == 200
    from tracking import progress_buffer

    if progress_buffer.enabled():
        progress_buffer.flush_all()
    stored = raw_progress()[0]
    assert stored["budget_started_at"].replace(tzinfo=issued.tzinfo) == issued
