"""The watch-time budget per learner and lesson: credited media seconds in all stay within
wall time since the first beat x the max rate + one allowance, whatever the tabs or claimed
speed; honest viewing up to 2x completes at the threshold. Both heartbeat paths: the live
(Redis) state and the direct MongoDB update."""

from __future__ import annotations

import pytest

from learnstream.errors import Throttled, ValidationError
from tracking.services import progress_record_heartbeat
from tracking.tests.helpers import Clock, facts, video_course

pytestmark = pytest.mark.django_db

ALLOWANCE = 15.0
RATE = 2.0


@pytest.fixture(params=["live", "direct"])
def lesson(request, instructor, settings):
    settings.PROGRESS_LIVE_STATE = request.param == "live"
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    return facts(lesson_ids[0])


def beat(lesson, clock, frm, to, *, user_id=7):
    return progress_record_heartbeat(
        user_id=user_id,
        lesson=lesson,
        position_s=to,
        duration_s=100.0,
        played_from_s=frm,
        played_to_s=to,
        now=clock.now,
    )


def honest(lesson, speed, *, wall_step=4.0):
    """Play from 0 at `speed`: a beat every `wall_step` s. Returns (wall s, position) at
    completion."""
    clock = Clock()
    start = clock.now
    position = 0.0
    while position < 100.0:
        clock.advance(wall_step)
        upto = min(position + wall_step * speed, 100.0)
        state = beat(lesson, clock, position, upto)
        assert state.credited_s == pytest.approx(upto - position)
        position = upto
        if state.completed:
            return (clock.now - start).total_seconds(), position
    raise AssertionError("never completed")


@pytest.mark.parametrize("speed", [1.0, 1.5, 2.0])
def test_honest_viewing_completes_at_the_threshold(lesson, speed):
    _wall, position = honest(lesson, speed)
    one_beat = 4.0 * speed
    assert 90.0 <= position < 90.0 + one_beat + 1e-9


def test_a_fast_client_is_credited_no_more_than_the_budget(lesson):
    """Beats every 2 s claiming 7 s (3.5x: what the per-beat span rule alone lets through)."""
    clock = Clock()
    start = clock.now
    position = 0.0
    state = beat(lesson, clock, 0, 0)
    while position < 100.0:
        clock.advance(2)
        upto = min(position + 7.0, 100.0)
        state = beat(lesson, clock, position, upto)
        position = upto
        elapsed = (clock.now - start).total_seconds()
        assert state.watch_time_s <= elapsed * RATE + ALLOWANCE + 1e-6
        if state.completed:
            # Never before an honest 2x viewer could have got there (less the allowance).
            assert elapsed * RATE + ALLOWANCE >= 90.0
    assert state.credited_s is not None and state.credited_s < 7.0


def test_sixteen_times_claims_are_refused_and_credit_nothing(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 0)
    clock.advance(10)
    with pytest.raises(ValidationError):
        beat(lesson, clock, 0, 100)  # 100 s of media in 10 s
    clock.advance(2)
    state = beat(lesson, clock, 0, 0)
    assert (state.watch_time_s, state.coverage, state.completed) == (0.0, 0.0, False)


def test_two_tabs_share_one_budget(lesson):
    """Two views of one learner beating in turn, each claiming as much as it may."""
    clock = Clock()
    start = clock.now
    beat(lesson, clock, 0, 0)
    tabs = [0.0, 50.0]  # one tab from the start, the other from the middle
    completed_at = None
    for turn in range(40):
        clock.advance(2)
        tab = turn % 2
        frm = tabs[tab]
        to = min(frm + 7.0, 100.0)
        try:
            state = beat(lesson, clock, frm, to)
        except (ValidationError, Throttled):
            continue
        tabs[tab] = to
        elapsed = (clock.now - start).total_seconds()
        assert state.watch_time_s <= elapsed * RATE + ALLOWANCE + 1e-6
        if state.completed and completed_at is None:
            completed_at = elapsed
    if completed_at is not None:
        assert completed_at * RATE + ALLOWANCE >= 90.0


def test_seeking_to_the_end_then_claiming_does_not_complete(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 0)
    clock.advance(2)
    beat(lesson, clock, 99, 99)
    clock.advance(5)
    state = beat(lesson, clock, 90, 100)
    assert state.completed is False
    assert state.watch_time_s == 10.0
