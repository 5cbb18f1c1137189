"""The heartbeat service against a real SecantusDB, driven by an injected clock."""

from __future__ import annotations

import math
import threading

import pytest
from bson import ObjectId

from learnstream.errors import Throttled, ValidationError
from tracking.selectors import progress_resume_position
from tracking.services import progress_mark_complete, progress_record_heartbeat
from tracking.tests.helpers import T0, Clock, facts, raw_progress, video_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    return facts(lesson_ids[0])


def beat(lesson, clock, frm, to, *, user_id=7, position=None, duration=100.0):
    return progress_record_heartbeat(
        user_id=user_id,
        lesson=lesson,
        position_s=to if position is None else position,
        duration_s=duration,
        played_from_s=frm,
        played_to_s=to,
        now=clock.now,
    )


def play(lesson, clock, start, end, *, step=10.0, user_id=7):
    """Play [start, end) at 1x: one beat every `step` seconds of wall time."""
    state = None
    position = start
    while position < end:
        upto = min(position + step, end)
        clock.advance(upto - position)
        state = beat(lesson, clock, position, upto, user_id=user_id)
        position = upto
    return state


def test_seeking_to_the_end_and_beating_there_does_not_complete(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 0)
    clock.advance(2)
    state = beat(lesson, clock, 99.5, 99.5)  # a seek: zero-length span at the end
    assert (state.position_s, state.furthest_s, state.coverage) == (99.5, 0.0, 0.0)
    clock.advance(5)
    state = beat(lesson, clock, 95, 100)
    assert state.completed is False
    assert state.coverage == 0.05
    assert state.furthest_s == 100.0
    assert state.watch_time_s == 5.0


def test_playing_ninety_percent_completes(lesson):
    clock = Clock()
    state = play(lesson, clock, 0, 80)
    assert (state.coverage, state.completed) == (0.8, False)
    state = play(lesson, clock, 80, 90)
    assert state.coverage == 0.9
    assert state.completed is True
    assert state.completed_at == clock.now
    assert state.watch_time_s == 90.0
    assert state.furthest_s == 90.0


def test_completion_survives_replays_lower_positions_and_duplicates(lesson):
    clock = Clock()
    play(lesson, clock, 0, 90)
    completed_at = clock.now
    clock.advance(10)
    state = beat(lesson, clock, 0, 10)  # replay from the start
    assert state.completed_at == completed_at
    assert (state.position_s, state.furthest_s, state.coverage) == (10.0, 90.0, 0.9)
    clock.advance(3)
    beat(lesson, clock, 10, 15)
    before = raw_progress()
    with pytest.raises(Throttled):  # the same beat again, at once (a client retry)
        beat(lesson, clock, 10, 15)
    assert raw_progress() == before
    clock.advance(3)
    state = beat(lesson, clock, 2, 2, position=2)  # out-of-order / lower position
    assert state.completed_at == completed_at
    assert (state.position_s, state.furthest_s, state.coverage) == (2.0, 90.0, 0.9)
    assert len(raw_progress()) == 1


def test_scattered_tiny_spans_do_not_buy_coverage(lesson):
    """Touching many buckets without playing them: coverage is capped by watch time."""
    clock = Clock()
    for index in range(95):
        clock.advance(2)
        start = index * 1.0 + 0.5
        beat(lesson, clock, start, start + 0.01)
    stored = raw_progress()[0]
    assert len(stored["buckets"]) == 95
    assert stored["coverage"] == pytest.approx(0.0095)
    assert stored["completed_at"] is None


def test_two_racing_first_beats_make_one_document(lesson):
    results: list[object] = []
    barrier = threading.Barrier(8)

    def first_beat():
        barrier.wait()
        try:
            results.append(beat(lesson, Clock(), 0, 5))
        except Throttled as exc:
            results.append(exc)

    threads = [threading.Thread(target=first_beat) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documents = raw_progress()
    assert len(documents) == 1
    assert documents[0]["beats"] == 1
    assert documents[0]["watch_time_s"] == 5.0
    assert sum(1 for r in results if not isinstance(r, Throttled)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("position_s", math.nan),
        ("position_s", math.inf),
        ("position_s", 101.5),  # > duration + 1 s tolerance
        ("played_to_s", 150.0),
        ("duration_s", -1.0),
        ("played_from_s", -0.5),
        ("position_s", "10"),
        ("position_s", True),
        ("played_from_s", 8.0),  # after played_to_s
    ],
)
def test_invalid_beats_are_refused_and_write_nothing(lesson, field, value):
    clock = Clock()
    beat(lesson, clock, 0, 5)
    before = raw_progress()
    clock.advance(10)
    values = {"position_s": 5.0, "duration_s": 100.0, "played_from_s": 5.0, "played_to_s": 7.0}
    values[field] = value
    with pytest.raises(ValidationError) as caught:
        progress_record_heartbeat(user_id=7, lesson=lesson, now=clock.now, **values)
    assert field in (caught.value.errors or {})
    assert raw_progress() == before


def test_first_beat_may_claim_at_most_15_seconds(lesson):
    clock = Clock()
    with pytest.raises(ValidationError) as caught:
        beat(lesson, clock, 0, 15.5)
    assert "played_to_s" in (caught.value.errors or {})
    assert raw_progress() == []
    assert beat(lesson, clock, 0, 15).watch_time_s == 15.0


def test_span_longer_than_the_wall_time_allows_is_refused(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 10)
    before = raw_progress()
    clock.advance(10)  # allows 2 x 10 + 3 = 23 s
    with pytest.raises(ValidationError):
        beat(lesson, clock, 10, 33.5)
    assert raw_progress() == before
    assert beat(lesson, clock, 10, 33).watch_time_s == 33.0


def test_a_span_impossible_even_at_the_earliest_moment_is_400_not_429(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 10)
    clock.advance(0.5)
    before = raw_progress()
    with pytest.raises(ValidationError):  # 7.5 s > 2 x 2 s + 3 s: never valid so soon
        beat(lesson, clock, 10, 17.5)
    with pytest.raises(Throttled):  # 7 s would be valid at 2 s: only too soon
        beat(lesson, clock, 10, 17)
    assert raw_progress() == before


def test_rate_limit_counts_only_accepted_beats(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 0)
    clock.advance(1)
    with pytest.raises(Throttled) as throttled:
        beat(lesson, clock, 0, 1)
    assert throttled.value.retry_after == 1
    with pytest.raises(ValidationError):  # invalid beats are 400, never 429
        beat(lesson, clock, 0, math.nan)
    clock.advance(1)  # exactly 2 s after the accepted beat: never throttled
    assert beat(lesson, clock, 0, 2).watch_time_s == 2.0
    assert raw_progress()[0]["beats"] == 2
    for _ in range(5):
        clock.advance(2)
        beat(lesson, clock, 2, 3)
    assert raw_progress()[0]["beats"] == 7


def test_lesson_without_known_duration_uses_the_players(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=0)
    lesson = facts(lesson_ids[0])
    clock = Clock()
    state = beat(lesson, clock, 0, 10, duration=40.0)
    assert (state.coverage, state.duration_s) == (0.25, 40.0)
    clock.advance(10)
    with pytest.raises(ValidationError):
        beat(lesson, clock, 10, 20, position=41.5, duration=40.0)
    with pytest.raises(ValidationError) as caught:
        beat(lesson, clock, 10, 20, duration=0)
    assert "duration_s" in (caught.value.errors or {})


def test_resume_position(lesson):
    clock = Clock()
    lesson_id = lesson.lesson_id
    assert progress_resume_position(user_id=7, lesson_id=lesson_id) == 0.0
    beat(lesson, clock, 0, 10, position=42.5)
    assert progress_resume_position(user_id=7, lesson_id=lesson_id) == 42.5
    clock.advance(2)
    beat(lesson, clock, 95.5, 95.5)  # within the last 5%
    assert progress_resume_position(user_id=7, lesson_id=lesson_id) == 0.0
    assert progress_resume_position(user_id=8, lesson_id=lesson_id) == 0.0
    assert progress_resume_position(user_id=7, lesson_id="nope") == 0.0


def test_mark_complete_is_idempotent(lesson):
    first = progress_mark_complete(user_id=7, lesson=lesson, now=T0)
    again = progress_mark_complete(user_id=7, lesson=lesson, now=Clock().advance(60))
    assert first.completed_at == again.completed_at == T0
    assert (again.coverage, again.completed) == (1.0, True)
    stored = raw_progress()
    assert len(stored) == 1
    assert stored[0]["lesson_id"] == ObjectId(lesson.lesson_id)
    assert stored[0]["course_id"] == ObjectId(lesson.course_id)


def test_a_beat_after_a_manual_completion_counts_as_a_first_beat(lesson):
    progress_mark_complete(user_id=7, lesson=lesson, now=T0)
    state = beat(lesson, Clock(), 0, 10)
    assert (state.completed_at, state.watch_time_s, state.position_s) == (T0, 10.0, 10.0)
    assert raw_progress()[0]["beats"] == 1
